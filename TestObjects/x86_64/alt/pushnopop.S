// pushnopop.S - a replacement that pushes and does not pop before its end.
// pushnopop: the pop after the site balances the replacement's push of a scratch
//   register; the original is three 1-byte NOPs, so it has a boundary at +1. The
//   replacement's padding NOP records sp+16 at +1 first (replacements are walked
//   before the rest of the original); the original then arrives at +1 with sp+8:
//   conflict through the padding NOP.
// pushret: nothing balances the push, so the replacement path reaches `ret` with a
//   deeper stack first: return with modified stack frame.
#include "altmacros.h"
	.text
	.globl	pushnopop
	.type	pushnopop, @function
pushnopop:
1:	nop
	nop
	nop
2:
	pop	%rcx
	ret
	.size	pushnopop, .-pushnopop

	.globl	pushret
	.type	pushret, @function
pushret:
5:	.byte 0x66, 0x90
	nop
6:
	ret
	.size	pushret, .-pushret

	.pushsection .altinstr_replacement,"ax"
3:	push	%rax
4:
7:	push	%rbx
8:
	.popsection
	ALT_ENTRY(1b, 2b, 3b, 4b, 100)
	ALT_ENTRY(5b, 6b, 7b, 8b, 100)
