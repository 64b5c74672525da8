// drap.S - GCC's stack realignment through a DRAP register (r10), and a stack
// swizzle (switch to another stack and back with pop %rsp). Both are valid.
	.text
	.globl	drap
	.type	drap, @function
drap:
	lea	0x8(%rsp), %r10
	and	$-32, %rsp
	pushq	-0x8(%r10)
	push	%rbp
	mov	%rsp, %rbp
	push	%r10
	sub	$0x40, %rsp
	call	helper
	mov	-0x8(%rbp), %r10
	leave
	lea	-0x8(%r10), %rsp
	ret
	.size	drap, .-drap

	.globl	swizzle
	.type	swizzle, @function
swizzle:
	mov	%rsp, (%rdi)
	mov	%rdi, %rsp
	call	helper
	pop	%rsp
	ret
	.size	swizzle, .-swizzle
