// drapmov.S - a DRAP frame whose DRAP register is saved by a store into the frame
// (mov %r10, -8(%rbp)) instead of a push: the CFA is then found through that slot
// (objtool's "drap: mov %drap, disp(%rbp)"), ORC sp:(bp-8), until the load back. A
// register move inside the frame changes nothing (not "drap: mov %rsp, %rbp").
	.text
	.globl	drapmov
	.type	drapmov, @function
drapmov:
	lea	8(%rsp), %r10
	and	$-16, %rsp
	push	-8(%r10)
	push	%rbp
	mov	%rsp, %rbp
	sub	$0x10, %rsp
	mov	%r10, -0x8(%rbp)
	mov	%rdi, %rax
	nop
	mov	-0x8(%rbp), %r10
	leave
	lea	-8(%r10), %rsp
	ret
	.size	drapmov, .-drapmov

	// A register move between the DRAP frame's push %rbp and mov %rsp, %rbp: nothing
	// (%rbp is not yet the frame's base).
	.globl	drapmov_early
	.type	drapmov_early, @function
drapmov_early:
	lea	8(%rsp), %r10
	and	$-16, %rsp
	push	-8(%r10)
	push	%rbp
	mov	%rdi, %rax
	mov	%rsp, %rbp
	push	%r10
	nop
	pop	%r10
	pop	%rbp
	lea	-8(%r10), %rsp
	ret
	.size	drapmov_early, .-drapmov_early

	// And after the frame is left (leave restored %rbp) but before the DRAP register
	// gives %rsp back, a copy of %rsp: nothing for %rbp (only mov %rsp, %rbp is).
	.globl	drapmov_late
	.type	drapmov_late, @function
drapmov_late:
	lea	8(%rsp), %r10
	and	$-16, %rsp
	push	-8(%r10)
	push	%rbp
	mov	%rsp, %rbp
	push	%r10
	nop
	mov	-0x8(%rbp), %r10
	leave
	mov	%rsp, %rax
	lea	-8(%r10), %rsp
	ret
	.size	drapmov_late, .-drapmov_late
