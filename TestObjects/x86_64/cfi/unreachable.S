// unreachable.S - an instruction after ret that nothing jumps to.
	.text
	.globl	unreach
	.type	unreach, @function
unreach:
	ret
	mov	%rax, %rbx
	ret
	.size	unreach, .-unreach
