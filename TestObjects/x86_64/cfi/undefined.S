// undefined.S - rsp loaded from an unknown register, then a push.
	.text
	.globl	undef
	.type	undef, @function
undef:
	mov	%rax, %rsp
	push	%rbx
	pop	%rbx
	ret
	.size	undef, .-undef
