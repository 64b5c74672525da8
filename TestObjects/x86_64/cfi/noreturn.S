// noreturn.S - code after a call to a function objtool knows never returns (panic):
// it is unreachable, and the message says the callee needs __noreturn.
	.text
	.globl	noret
	.type	noret, @function
noret:
	push	%rbx
	call	panic
	pop	%rbx
	ret
	.size	noret, .-noret
