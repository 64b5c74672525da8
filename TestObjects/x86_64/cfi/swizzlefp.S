// swizzlefp.S - a stack swizzle (mov %rsp,(%reg); mov %reg,%rsp; ...; pop %rsp) in a
// function whose CFA is based on the frame pointer: the CFA cannot move to the saved
// stack pointer, so the switch counts as a push and the pop %rsp that ends it balances
// it (objtool's "same stack swizzle" case). Valid; the return sees the entry frame.
	.text
	.globl	swizzle_fp
	.type	swizzle_fp, @function
swizzle_fp:
	push	%rbp
	mov	%rsp, %rbp
	mov	%rsp, (%rdi)
	mov	%rdi, %rsp
	call	helper
	pop	%rsp
	pop	%rbp
	ret
	.size	swizzle_fp, .-swizzle_fp
