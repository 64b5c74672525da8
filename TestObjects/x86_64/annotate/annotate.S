// annotate.S - the same code as discard.S with its annotations in the 6.14+ form:
// .discard.annotate_insn entries (s32 label - ., u32 type): REACHABLE (8) on the ud2
// itself, INTRA_FUNCTION_CALL (7) on the call.
	.text
	.globl	warn
	.type	warn, @function
warn:
	push	%rbx
	test	%rdi, %rdi
	je	1f
2:	ud2
3:	pop	%rbx
	ret
1:	pop	%rbx
	ret
	.size	warn, .-warn

	.globl	rsb
	.type	rsb, @function
rsb:
4:	call	5f
	int3
5:	add	$8, %rsp
	ret
	.size	rsb, .-rsb

	.pushsection .discard.annotate_insn,"aM",@progbits,8
	.long 2b - .
	.long 8
	.long 4b - .
	.long 7
	.popsection
