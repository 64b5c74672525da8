/*
 * Epilogues that free the frame without reloading x30 (perlasm: sha256-armv8's
 * `ldr x29, [x29]; add sp, sp, #N; ret`). x29 is reloaded from the frame record through
 * itself; x30 was never overwritten after its save, so once the stack pointer moves
 * above its save slot x30 itself holds the return address. A line marked EXPECT carries
 * the instruction a finding is reported at and its rule; nothing else may be reported.
 * The clean functions carry the CFI an assembler writer would give them (the reference
 * `check --against-dwarf` compares against); the others get the frame wrong.
 */
	.text

/* sha256_block_neon's shape: clean. */
	.globl ep_perlasm
	.type ep_perlasm, %function
ep_perlasm:
	.cfi_startproc
	stp	x29, x30, [sp, #-16]!
	.cfi_def_cfa_offset 16
	.cfi_offset 29, -16
	.cfi_offset 30, -8
	mov	x29, sp
	.cfi_def_cfa_register 29
	sub	sp, sp, #64
	str	x0, [sp]
	ldr	x29, [x29]
	.cfi_def_cfa sp, 80
	.cfi_restore 29
	add	sp, sp, #80
	.cfi_def_cfa_offset 0
	.cfi_restore 30
	ret
	.cfi_endproc
	.size ep_perlasm, .-ep_perlasm

/* The same with a loop back to a block that uses the frame: clean. */
	.globl ep_perlasm_loop
	.type ep_perlasm_loop, %function
ep_perlasm_loop:
	.cfi_startproc
	stp	x29, x30, [sp, #-16]!
	.cfi_def_cfa_offset 16
	.cfi_offset 29, -16
	.cfi_offset 30, -8
	mov	x29, sp
	.cfi_def_cfa_register 29
	sub	sp, sp, #32
1:	str	x0, [sp, #8]
	subs	x0, x0, #1
	b.ne	1b
	ldr	x29, [x29]
	.cfi_def_cfa sp, 48
	.cfi_restore 29
	add	sp, sp, #48
	.cfi_def_cfa_offset 0
	.cfi_restore 30
	ret
	.cfi_endproc
	.size ep_perlasm_loop, .-ep_perlasm_loop

/* A call overwrote x30 after its save: freeing its slot loses the return address. */
	.globl ep_after_call
	.type ep_after_call, %function
ep_after_call:
	stp	x29, x30, [sp, #-16]!
	mov	x29, sp
	sub	sp, sp, #64
	bl	ext
	ldr	x29, [x29]
	add	sp, sp, #80
	ret			/* EXPECT UV1011 */
	.size ep_after_call, .-ep_after_call

/* x30 used as a scratch register after its save. */
	.globl ep_scratch_x30
	.type ep_scratch_x30, %function
ep_scratch_x30:
	stp	x29, x30, [sp, #-16]!
	mov	x29, sp
	add	x30, x0, #1
	str	x30, [x1]
	ldr	x29, [x29]
	add	sp, sp, #16
	ret			/* EXPECT UV1011 */
	.size ep_scratch_x30, .-ep_scratch_x30

/* The frame freed with x29 still pointing into it (the caller's x29 not reloaded). */
	.globl ep_no_x29
	.type ep_no_x29, %function
ep_no_x29:
	stp	x29, x30, [sp, #-16]!
	mov	x29, sp
	add	sp, sp, #16
	ret			/* EXPECT UV1011 */
	.size ep_no_x29, .-ep_no_x29
