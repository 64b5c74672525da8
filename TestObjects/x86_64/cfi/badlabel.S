// badlabel.S - a __jump_table site that is neither a NOP nor a JMP.
	.text
	.globl	badjl
	.type	badjl, @function
badjl:
1:	mov	%rdi, %rax
	ret
2:	xor	%eax, %eax
	ret
	.size	badjl, .-badjl
	.pushsection __jump_table,"aw"
	.balign 8
	.long 1b - .
	.long 2b - .
	.quad key - .
	.popsection
