/* badinstr.S - an instrumentation_end() annotation that names no instruction (the
 * middle of one): objtool stops before the walk ("bad .discard.instr_end entry", UV0110). */
	.text
	.globl	f
	.type	f, @function
f:
1:	movabsq	$0x1122334455667788, %rax
	ret
	.size	f, .-f
	.pushsection .discard.instr_end
	.long	1b + 3 - .
	.popsection
