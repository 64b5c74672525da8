// fallthrough.S - fall1 has no return and runs into fall2.
	.text
	.globl	fall1
	.type	fall1, @function
fall1:
	mov	$1, %eax
	.size	fall1, .-fall1
	.globl	fall2
	.type	fall2, @function
fall2:
	ret
	.size	fall2, .-fall2
