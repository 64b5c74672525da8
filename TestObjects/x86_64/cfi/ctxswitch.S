// ctxswitch.S - syscall inside a callable function.
	.text
	.globl	sys
	.type	sys, @function
sys:
	syscall
	ret
	.size	sys, .-sys
