// frames.S (aarch64_be) - small arm64 kernel-style functions: frame record with stp/ldp,
// pointer authentication hints, a call, a tail call.
	.text
	.globl	fp_func
	.type	fp_func, %function
fp_func:
	paciasp
	stp	x29, x30, [sp, #-32]!
	mov	x29, sp
	str	x19, [sp, #16]
	bl	external_helper
	ldr	x19, [sp, #16]
	ldp	x29, x30, [sp], #32
	autiasp
	ret
	.size	fp_func, .-fp_func

	.globl	tail_func
	.type	tail_func, %function
tail_func:
	adrp	x1, counter
	ldr	x1, [x1, :lo12:counter]
	b	external_helper
	.size	tail_func, .-tail_func

	.data
	.globl	counter
counter:
	.quad	fp_func
