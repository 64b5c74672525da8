// popswap.S - two callee-saved registers popped in the wrong order. A pop restores a
// register only from the slot it was saved in (objtool's "pop %reg" when the stack
// size is that slot's), so both stay saved: a modified frame at the return.
	.text
	.globl	popswap
	.type	popswap, @function
popswap:
	push	%rbx
	push	%r12
	pop	%rbx
	pop	%r12
	ret
	.size	popswap, .-popswap

	.globl	popinorder
	.type	popinorder, @function
popinorder:
	push	%rbx
	push	%r12
	pop	%r12
	pop	%rbx
	ret
	.size	popinorder, .-popinorder
