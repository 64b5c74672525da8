// jumps.S - replacement streams that jump: one to its own end (continues after the
// original site, as in-place patching would), one out to a label in the function,
// and a zero-length replacement (only padding). All consistent: objtool clean.
#include "altmacros.h"
	.text
	.globl	altjumps
	.type	altjumps, @function
altjumps:
	push	%rbx
1:	.byte 0x0f, 0x1f, 0x44, 0x00, 0x00
2:
	mov	%rdi, %rax
5:	.byte 0x0f, 0x1f, 0x44, 0x00, 0x00
6:
	xor	%eax, %eax
9:	.byte 0x0f, 0x1f, 0x00
10:
out:
	pop	%rbx
	ret
	.size	altjumps, .-altjumps
	.pushsection .altinstr_replacement,"ax"
3:	test	%rdi, %rdi
	jne	4f
4:
7:	jmp	out
8:
11:
	.popsection
	ALT_ENTRY(1b, 2b, 3b, 4b, 100)
	ALT_ENTRY(5b, 6b, 7b, 8b, 101)
	ALT_ENTRY(9b, 10b, 11b, 11b, 102)
