// discard.S - annotations in the 6.1/6.12 form (one .discard.* section per kind):
// warn: a WARN-style ud2 that execution continues after (.discard.reachable names the
// instruction after it); rsb: an annotated intra-function call
// (.discard.intra_function_calls). Same code as annotate.S, which uses the 6.14+
// form; both must give the same result.
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

	.pushsection .discard.reachable,"a"
	.long 3b
	.popsection
	.pushsection .discard.intra_function_calls,"a"
	.long 4b
	.popsection
