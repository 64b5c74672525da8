// modret.S - `ret` with a register still pushed.
// objtool: return with modified stack frame
	.text
	.globl	modret
	.type	modret, @function
modret:
	push	%rbx
	ret
	.size	modret, .-modret
