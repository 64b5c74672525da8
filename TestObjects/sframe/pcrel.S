# Two functions whose SFrame binutils 2.47 (version 3) has been recorded byte for byte
# (SFrameCodingTests): a two-byte leaf, and a frame-pointer function whose directives
# leave %rbp described as saved after `leave` (no .cfi_restore), as compilers do.
# Assembled by GNU as 2.40 with --gsframe (version 1): the same rows, which unwindcheck's
# encoder must write as 2.47 writes them in version 3.
	.text
	.globl	two_bytes
	.type	two_bytes, @function
two_bytes:
	.cfi_startproc
	nop
	ret
	.cfi_endproc
	.size	two_bytes, .-two_bytes

	.globl	with_frame
	.type	with_frame, @function
with_frame:
	.cfi_startproc
	pushq	%rbp
	.cfi_def_cfa_offset 16
	.cfi_offset %rbp, -16
	movq	%rsp, %rbp
	.cfi_def_cfa_register %rbp
	nop
	leave
	.cfi_def_cfa %rsp, 8
	ret
	.cfi_endproc
	.size	with_frame, .-with_frame
