// fpreload.S - a callee-saved register loaded from a stack address that is not its
// save slot: with the CFA based on %rbp, a load through %rsp restores the register only
// from the slot's %rsp-relative place (objtool's "mov disp(%rsp), %reg" at the stack
// size), not from one that merely equals the slot's CFA offset. The register stays
// saved: a modified frame at the return.
	.text
	.globl	fpreload
	.type	fpreload, @function
fpreload:
	push	%rbp
	mov	%rsp, %rbp
	push	%rbx
	mov	-0x8(%rsp), %rbx
	add	$8, %rsp
	pop	%rbp
	ret
	.size	fpreload, .-fpreload

	// The same through the CFA's base: a load through %rbp restores only from the slot.
	.globl	fpreload_bp
	.type	fpreload_bp, @function
fpreload_bp:
	push	%rbp
	mov	%rsp, %rbp
	push	%rbx
	mov	-0x10(%rbp), %rbx
	add	$8, %rsp
	pop	%rbp
	ret
	.size	fpreload_bp, .-fpreload_bp
