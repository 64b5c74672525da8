// baddecode.S - a byte that is not a valid instruction in 64-bit mode (0x06, push %es)
// inside a function. objtool 6.12's decoder (the kernel's) accepts it as a one-byte
// instruction and reports nothing; unwindcheck does the same (`decode` shows the
// byte as "invalid").
	.text
	.globl	bad
	.type	bad, @function
bad:
	nop
	.byte	0x06
	ret
	.size	bad, .-bad
