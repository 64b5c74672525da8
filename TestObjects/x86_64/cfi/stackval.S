// stackval.S - frame-pointer rules (--stackval): a call without a frame, and rbp
// pushed and used without becoming the frame pointer.
	.text
	.globl	nofp
	.type	nofp, @function
nofp:
	call	helper
	ret
	.size	nofp, .-nofp

	.globl	bpscratch
	.type	bpscratch, @function
bpscratch:
	push	%rbp
	mov	%rdi, %rbp
	pop	%rbp
	ret
	.size	bpscratch, .-bpscratch

	.globl	withfp
	.type	withfp, @function
withfp:
	push	%rbp
	mov	%rsp, %rbp
	call	helper
	pop	%rbp
	ret
	.size	withfp, .-withfp
