// padding61.S - a replacement shorter than its site: `nopw` (6 bytes) for the 8-byte
// `push %rax; nopl; pop %rax; nop`. The replacement's padding NOP records its state
// at +6, where the original is 8 bytes deeper: objtool 6.1 reports the conflict at
// the original's instruction there, as unwindcheck does with --kernel 6.1
// (x86_64/alt/padding.S is the same site in the 6.12 layout).
#include "altmacros61.h"
	.text
	.globl	padsite
	.type	padsite, @function
padsite:
1:	push	%rax
	.byte 0x0f, 0x1f, 0x44, 0x00, 0x00
	pop	%rax
	nop
2:	ret
	.size	padsite, .-padsite
	.pushsection .altinstr_replacement,"ax"
3:	.byte 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00
4:
	.popsection
	ALT_ENTRY61(1b, 2b, 3b, 4b, 117)
