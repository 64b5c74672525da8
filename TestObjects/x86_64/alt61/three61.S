// three61.S - two entries for one original site in the 6.1 layout (ALTERNATIVE_2).
// Replacement 2 (`push %rax; pop %rax`) is 8 bytes deeper at +1, a boundary of the
// original's NOPs too. objtool 6.1 allocates a fresh CFI table per entry, so the
// first replacement's table is no longer the one the original instructions use and
// the conflict goes unreported; unwindcheck with --kernel 6.1 does the same (6.12
// shares one table per site).
#include "altmacros61.h"
	.text
	.globl	three
	.type	three, @function
three:
1:	nop
	nop
	nop
	nop
	nop
2:
	ret
	.size	three, .-three
	.pushsection .altinstr_replacement,"ax"
3:	push	%rax
	pop	%rax
4:
5:	call	helper
6:
	.popsection
	ALT_ENTRY61(1b, 2b, 3b, 4b, 100)
	ALT_ENTRY61(1b, 2b, 5b, 6b, 101)
