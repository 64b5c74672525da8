// intracall.S - a `call 1f` used as a jump that pushes (RSB stuffing style), without
// ANNOTATE_INTRA_FUNCTION_CALL: objtool cannot tell its stack effect.
	.text
	.globl	rsb
	.type	rsb, @function
rsb:
	call	1f
	int3
1:	add	$8, %rsp
	ret
	.size	rsb, .-rsb
