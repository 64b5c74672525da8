// fpdepth.S - a patch-site conflict in a frame-pointer function: `sub $8, %rsp; nop`
// versus a 4-byte NOP and a nop. At the shared boundary +4 both streams have CFA=rbp+16
// and the same saved registers; only the stack depth differs (24 and 16), which the
// conflict's notes must show. objtool: conflict.
#include "altmacros.h"
	.text
	.globl	fpalt
	.type	fpalt, @function
fpalt:
	push	%rbp
	mov	%rsp, %rbp
1:	sub	$8, %rsp
	nop
2:
	leave
	ret
	.size	fpalt, .-fpalt
	.pushsection .altinstr_replacement,"ax"
3:	.byte 0x0f, 0x1f, 0x40, 0x00
	nop
4:
	.popsection
	ALT_ENTRY(1b, 2b, 3b, 4b, 117)
