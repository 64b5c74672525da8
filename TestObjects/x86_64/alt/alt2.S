// alt2.S - three-stream sites (nested ALTERNATIVE_2: two entries for one original
// start; the original is six 1-byte NOPs, replacement 1 a 5-byte call).
// alt2: replacement 2 pushes and never pops inside the site; its path reaches the
//   instruction after the site first, with sp+16, and the original later with sp+8:
//   stack state mismatch at that join.
// alt2mid: replacement 2 is `push; pop`: balanced at its end, but at +1 (a boundary
//   of the original too) it is 8 bytes deeper: stack layout conflict, found through
//   the third stream only (objtool 6.1 missed such conflicts: a fresh table per entry).
// alt2clean: replacement 2 does not touch the stack: clean.
#include "altmacros.h"
	.text
	.globl	alt2
	.type	alt2, @function
alt2:
1:	nop
	nop
	nop
	nop
	nop
	nop
2:
	pop	%rcx
	ret
	.size	alt2, .-alt2

	.globl	alt2mid
	.type	alt2mid, @function
alt2mid:
7:	nop
	nop
	nop
	nop
	nop
	nop
8:
	ret
	.size	alt2mid, .-alt2mid

	.globl	alt2clean
	.type	alt2clean, @function
alt2clean:
13:	nop
	nop
	nop
	nop
	nop
	nop
14:
	ret
	.size	alt2clean, .-alt2clean

	.pushsection .altinstr_replacement,"ax"
3:	call	helper
4:
5:	push	%rax
6:
9:	call	helper
10:
11:	push	%rax
	pop	%rax
12:
15:	call	helper
16:
17:	xor	%eax, %eax
18:
	.popsection
	ALT_ENTRY(1b, 2b, 3b, 4b, 100)
	ALT_ENTRY(1b, 2b, 5b, 6b, 101)
	ALT_ENTRY(7b, 8b, 9b, 10b, 100)
	ALT_ENTRY(7b, 8b, 11b, 12b, 101)
	ALT_ENTRY(13b, 14b, 15b, 16b, 100)
	ALT_ENTRY(13b, 14b, 17b, 18b, 101)
