// conflict.S - `call *x; nop` (6+1 bytes) versus `pushf; nop5; pop %rax` (1+5+1):
// both streams have a boundary at +6, with different stack depth there (the
// replacement is still 8 bytes deeper after its pushf). objtool: conflict.
#include "altmacros.h"
	.text
	.globl	badalt
	.type	badalt, @function
badalt:
	push	%rbx
1:	call	*pv_ops+8(%rip)
	nop
2:
	pop	%rbx
	ret
	.size	badalt, .-badalt
	.pushsection .altinstr_replacement,"ax"
3:	pushf
	.byte 0x0f, 0x1f, 0x44, 0x00, 0x00
	pop	%rax
4:
	.popsection
	ALT_ENTRY(1b, 2b, 3b, 4b, 117)
