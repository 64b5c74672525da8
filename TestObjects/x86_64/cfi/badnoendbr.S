/* badnoendbr.S - an ANNOTATE_NOENDBR entry that names no instruction (it points into
 * data): objtool stops before the walk ("bad .discard.noendbr entry", UV0109). */
	.text
	.globl	f
	.type	f, @function
f:
	ret
	.size	f, .-f

	.data
table:
	.quad	0
	.pushsection .discard.noendbr
	.long	table
	.popsection
