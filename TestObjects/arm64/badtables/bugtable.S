/*
 * A malformed __bug_table next to a good entry (arm64 reads the table: a BUGFLAG_WARNING
 * entry makes its `brk #0x800` continue). The second WARN entry points inside an
 * instruction, the third has no relocation: `check` reports each at the entry and still
 * uses the good one (the code after warn_ok's WARN is reached; nothing else is reported).
 */
	.text
	.globl warn_ok
	.type warn_ok, %function
warn_ok:
	stp	x29, x30, [sp, #-16]!
	mov	x29, sp
1:	brk	#0x800
	ldp	x29, x30, [sp], #16
	ret
	.size warn_ok, .-warn_ok
	.pushsection __bug_table, "aw"
	.long	1b - .
	.long	0
	.short	0
	.short	1	/* BUGFLAG_WARNING */
	.long	1b + 2 - .
	.long	0
	.short	0
	.short	1
	.long	0	/* no relocation: no address */
	.long	0
	.short	0
	.short	1
	.popsection
