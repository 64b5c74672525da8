// fpclobber.S - the frame pointer, the CFA's base, overwritten by a register that holds
// an earlier stack address (mov %rsp,%rcx before the frame was set up): only a CFA
// based on %rsp can follow such a value back (objtool's "lea disp(%rsp), %reg ... mov
// %reg, %rsp"); with %rbp as the base the CFA becomes undefined.
	.text
	.globl	fpclobber
	.type	fpclobber, @function
fpclobber:
	push	%rbp
	mov	%rsp, %rcx
	mov	%rsp, %rbp
	mov	%rcx, %rbp
	pop	%rbp
	ret
	.size	fpclobber, .-fpclobber

	// After the CFA is lost, the next stack op is the finding's place: under 6.12 the
	// register move after it is one (objtool warns there); 6.1 has neither op.
	.globl	fpclobber_move
	.type	fpclobber_move, @function
fpclobber_move:
	push	%rbp
	mov	%rsp, %rbp
	mov	%rcx, %rbp
	mov	%rax, %rbx
	pop	%rbp
	ret
	.size	fpclobber_move, .-fpclobber_move
