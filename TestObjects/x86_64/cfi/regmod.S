// regmod.S - lea changes the frame pointer while it is the CFA base.
	.text
	.globl	regmod
	.type	regmod, @function
regmod:
	push	%rbp
	mov	%rsp, %rbp
	lea	0x8(%rbp), %rbp
	pop	%rbp
	ret
	.size	regmod, .-regmod
