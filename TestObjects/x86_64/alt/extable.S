// extable.S - a faulting load whose fixup is reachable only through __ex_table.
	.text
	.globl	ex
	.type	ex, @function
ex:
	push	%rbx
1:	mov	(%rdi), %rax
	pop	%rbx
	ret
2:	xor	%eax, %eax
	pop	%rbx
	ret
	.size	ex, .-ex
	.pushsection __ex_table,"a"
	.balign 4
	.long 1b - .
	.long 2b - .
	.long 0
	.popsection
