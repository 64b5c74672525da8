/*
 * Callee-saved x19-x28 (`check --callee-saved`; not tracked by default). A line marked
 * EXPECT-CS carries a finding with --callee-saved only; without the option this
 * object has no findings.
 */
	.text

/* Saves and restores x19/x20 around a call: clean either way. */
	.globl cs_clean
	.type cs_clean, %function
cs_clean:
	stp	x29, x30, [sp, #-32]!
	mov	x29, sp
	stp	x19, x20, [sp, #16]
	bl	ext
	ldp	x19, x20, [sp, #16]
	ldp	x29, x30, [sp], #32
	ret
	.size cs_clean, .-cs_clean

/* Forgets to restore x21 on the early return path. */
	.globl cs_forgot
	.type cs_forgot, %function
cs_forgot:
	stp	x21, x22, [sp, #-16]!
	cbz	x0, 1f
	ldp	x21, x22, [sp], #16
	ret
1:	add	sp, sp, #16
	ret			/* EXPECT-CS UV1011 */
	.size cs_forgot, .-cs_forgot
