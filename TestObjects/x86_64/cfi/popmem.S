// popmem.S - a pop into memory (popq (%rdi), 8F /0): the stack shrinks as for a pop into
// a register (objtool's "pop to memory"); the function returns with its entry frame.
	.text
	.globl	popmem
	.type	popmem, @function
popmem:
	push	%rax
	popq	(%rdi)
	ret
	.size	popmem, .-popmem
