/* order.S - findings in objtool's order (issue: a function without a size is reported
 * where objtool's symbol list puts it, not by address): objtool visits a section's
 * symbols in the order its interval-tree insertion leaves them, in which a size-0
 * symbol stays behind everything later inserted after the same place. Five findings. */
	.text
	.globl	f_nosize
	.type	f_nosize, @function
f_nosize:			/* missing an ELF size annotation: reported last */
	ret

	.globl	f_undef
	.type	f_undef, @function
f_undef:			/* undefined stack state */
	push	%rbp
	mov	%rsi, %rsp
	pop	%rbp
	ret
	.size	f_undef, .-f_undef

	.globl	f_nosize2
	.type	f_nosize2, @function
f_nosize2:			/* missing an ELF size annotation: reported last but one */
	ret

	.globl	f_mod
	.type	f_mod, @function
f_mod:				/* return with modified stack frame */
	push	%rbx
	ret
	.size	f_mod, .-f_mod

	.globl	f_fall
	.type	f_fall, @function
f_fall:				/* falls through to next function f_last() */
	nop
	.size	f_fall, .-f_fall

	.globl	f_last
	.type	f_last, @function
f_last:
	ret
	.size	f_last, .-f_last
