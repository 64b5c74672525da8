// clean.S - functions objtool validates without findings: frame-pointer prologue,
// push/pop chains, conditional branches joining with equal state, a tail call with
// the entry state, a call to a noreturn function, a ud2 dead end, a sub/add frame.
	.text
	.globl	fp_frame
	.type	fp_frame, @function
fp_frame:
	push	%rbp
	mov	%rsp, %rbp
	push	%rbx
	test	%rdi, %rdi
	je	1f
	call	helper
	jmp	2f
1:	xor	%eax, %eax
2:	pop	%rbx
	pop	%rbp
	ret
	.size	fp_frame, .-fp_frame

	.globl	push_chain
	.type	push_chain, @function
push_chain:
	push	%r15
	push	%r14
	push	%r13
	push	%r12
	sub	$0x28, %rsp
	mov	%rdi, 0x8(%rsp)
	call	helper
	add	$0x28, %rsp
	pop	%r12
	pop	%r13
	pop	%r14
	pop	%r15
	ret
	.size	push_chain, .-push_chain

	.globl	tail
	.type	tail, @function
tail:
	test	%esi, %esi
	jne	helper
	mov	$1, %eax
	ret
	.size	tail, .-tail

	.globl	dies
	.type	dies, @function
dies:
	push	%rbx
	test	%rdi, %rdi
	je	1f
	pop	%rbx
	ret
1:	call	panic
	.size	dies, .-dies

	.globl	bugs
	.type	bugs, @function
bugs:
	cmp	$1, %rdi
	ja	1f
	ret
1:	ud2
	.size	bugs, .-bugs
