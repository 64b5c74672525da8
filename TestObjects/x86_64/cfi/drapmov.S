// drapmov.S - a DRAP frame whose DRAP register is saved by a store into the frame
// (mov %r10, -8(%rbp)) instead of a push: the CFA is then found through that slot
// (objtool's "drap: mov %drap, disp(%rbp)"), ORC sp:(bp-8), until the load back.
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
	nop
	mov	-0x8(%rbp), %r10
	leave
	lea	-8(%r10), %rsp
	ret
	.size	drapmov, .-drapmov
