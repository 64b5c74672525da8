/*
 * Frame records and `check --stackval` (the frame-pointer rules): a call needs x29 to
 * hold the address of the frame record {caller's x29, x30}, wherever in the frame it
 * sits. A line marked EXPECT-FP carries a finding with --stackval only; without it this
 * object has no findings. The compilers' own prologues (`stp x29, x30, [sp, #-N]!; mov
 * x29, sp` and `sub sp, sp, #N; stp x29, x30, [sp, #M]; add x29, sp, #M`) are the
 * clean cases; the rest get x29 wrong.
 */
	.text

/* GCC's usual prologue: the record at the bottom of the frame. */
	.globl fr_bottom
	.type fr_bottom, %function
fr_bottom:
	stp	x29, x30, [sp, #-32]!
	mov	x29, sp
	bl	ext
	ldp	x29, x30, [sp], #32
	ret
	.size fr_bottom, .-fr_bottom

/* The record above locals and outgoing space (rtl2832_sdr_set_adc's shape). */
	.globl fr_above
	.type fr_above, %function
fr_above:
	sub	sp, sp, #96
	stp	x29, x30, [sp, #16]
	add	x29, sp, #16
	bl	ext
	ldp	x29, x30, [sp, #16]
	add	sp, sp, #96
	ret
	.size fr_above, .-fr_above

/* The record saved, but x29 never pointed at it. */
	.globl fr_no_fp
	.type fr_no_fp, %function
fr_no_fp:
	stp	x29, x30, [sp, #-16]!
	bl	ext		/* EXPECT-FP UV1013 */
	ldp	x29, x30, [sp], #16
	ret
	.size fr_no_fp, .-fr_no_fp

/* x29 points 8 bytes off the record. */
	.globl fr_off
	.type fr_off, %function
fr_off:
	sub	sp, sp, #48
	stp	x29, x30, [sp, #16]
	add	x29, sp, #24
	bl	ext		/* EXPECT-FP UV1013 */
	ldp	x29, x30, [sp, #16]
	add	sp, sp, #48
	ret
	.size fr_off, .-fr_off

/* No record at all. */
	.globl fr_none
	.type fr_none, %function
fr_none:
	sub	sp, sp, #16
	bl	ext		/* EXPECT-FP UV1013 */
	add	sp, sp, #16
	ret
	.size fr_none, .-fr_none
