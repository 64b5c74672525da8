// altentries.S - malformed .altinstructions entries next to a good one. Each bad entry
// is reported at its place in .altinstructions (rule UV0106) and skipped; the rest of
// the object is still analysed (the good site and the mismatch in `later`).
// The real objtool 6.12 crashes (SIGSEGV) on the longer replacement.
#include "../alt/altmacros.h"
	.text
	.globl	goodsite
	.type	goodsite, @function
goodsite:
1:	.byte 0x0f, 0x1f, 0x44, 0x00, 0x00
2:	ret
	.size	goodsite, .-goodsite

	.globl	longsite
	.type	longsite, @function
longsite:
3:	call	*pv_ops+8(%rip)
	nop
4:	ret
	.size	longsite, .-longsite

	.globl	later
	.type	later, @function
later:
	test	%rdi, %rdi
	je	5f
	push	%rax
5:	nop
	ret
	.size	later, .-later

	.section .rodata
6:	.quad 0

	.pushsection .altinstr_replacement,"ax"
10:	.byte 0x66, 0x90, 0x66, 0x90, 0x90
11:
12:	.byte 0x0f, 0x1f, 0x44, 0x00, 0x00, 0x0f, 0x1f, 0x00
13:
	.popsection
	// entry 0 (+0x0): good
	ALT_ENTRY(1b, 2b, 10b, 11b, 117)
	// entry 1 (+0xe): the replacement (8 bytes) is longer than the original (7)
	ALT_ENTRY(3b, 4b, 12b, 13b, 117)
	// entry 2 (+0x1c): the "original" is data in .rodata
	ALT_ENTRY(6b, 6b+8, 10b, 11b, 117)
