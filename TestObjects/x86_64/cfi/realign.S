// realign.S - `and $-16,%rsp` with neither a frame pointer nor a DRAP register.
	.text
	.globl	realign
	.type	realign, @function
realign:
	and	$-16, %rsp
	ret
	.size	realign, .-realign
