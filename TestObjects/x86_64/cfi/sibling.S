// sibling.S - a tail call while a register is still pushed.
	.text
	.globl	sib
	.type	sib, @function
sib:
	push	%rbx
	jmp	helper
	.size	sib, .-sib
