// mismatch.S - two paths reach the same instruction with different stack depth
// (cfa) and with a register saved on only one of them (reg).
	.text
	.globl	mm_cfa
	.type	mm_cfa, @function
mm_cfa:
	test	%rdi, %rdi
	je	1f
	push	%rax
1:	nop
	ret
	.size	mm_cfa, .-mm_cfa

	.globl	mm_reg
	.type	mm_reg, @function
mm_reg:
	test	%rdi, %rdi
	je	1f
	push	%rbx
	jmp	2f
1:	push	%rax
2:	pop	%rcx
	ret
	.size	mm_reg, .-mm_reg
