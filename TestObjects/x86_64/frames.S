// frames.S - small x86-64 kernel-style functions: frame-pointer prologue, push/pop
// chain, a switch jump table in .rodata (relocated), calls to external symbols.
// Structure test object for the ELF reader; later issues add CFI expectations.
	.text
	.globl	fp_func
	.type	fp_func, @function
fp_func:
	push	%rbp
	mov	%rsp, %rbp
	push	%rbx
	call	external_helper
	pop	%rbx
	pop	%rbp
	ret
	.size	fp_func, .-fp_func

	.globl	push_chain
	.type	push_chain, @function
push_chain:
	push	%r12
	push	%r13
	sub	$0x18, %rsp
	mov	%rdi, (%rsp)
	call	*pv_ops+8(%rip)
	add	$0x18, %rsp
	pop	%r13
	pop	%r12
	ret
	.size	push_chain, .-push_chain

	.globl	switch_func
	.type	switch_func, @function
switch_func:
	cmp	$3, %edi
	ja	.Ldefault
	mov	%edi, %edi
	jmp	*.Ltable(,%rdi,8)
.Lcase0:
	mov	$10, %eax
	ret
.Lcase1:
	mov	$11, %eax
	ret
.Lcase2:
	mov	$12, %eax
	ret
.Ldefault:
	xor	%eax, %eax
	ret
	.size	switch_func, .-switch_func

	.section .rodata
	.align 8
.Ltable:
	.quad	.Lcase0, .Lcase1, .Lcase2, .Ldefault

	.data
	.globl	counter
counter:
	.quad	fp_func
