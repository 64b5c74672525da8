// endofsection.S - the last function of the section runs off its end.
	.text
	.globl	eos
	.type	eos, @function
eos:
	mov	$1, %eax
	.size	eos, .-eos
