// conflict61.S - conflict.S in the 6.1 layout: `call *x; nop` versus
// `pushf; nop5; pop %rax`, a shared boundary at +6 with different stack depth.
// objtool 6.1 reports it at the conflicting instruction (no ": WHERE" suffix).
#include "altmacros61.h"
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
	ALT_ENTRY61(1b, 2b, 3b, 4b, 117)
