/*
 * Hand-written assembly whose .cfi_* directives are checked against the instructions
 * by `unwindcheck check --against-dwarf` (assembled with -g for line information).
 * A line marked EXPECT carries the instruction where the DWARF CFI first goes wrong,
 * and the rule the finding must have; every other boundary must agree.
 */
	.text

/* Correct frame-pointer function: must agree everywhere. */
	.globl good_frame
	.type good_frame, @function
good_frame:
	.cfi_startproc
	push %rbp
	.cfi_def_cfa_offset 16
	.cfi_offset %rbp, -16
	mov %rsp, %rbp
	.cfi_def_cfa_register %rbp
	call ext
	pop %rbp
	.cfi_def_cfa %rsp, 8
	ret
	.cfi_endproc
	.size good_frame, .-good_frame

/* The adjustment says 16 for an 8-byte push. */
	.globl wrong_adjust
	.type wrong_adjust, @function
wrong_adjust:
	.cfi_startproc
	push %rbx
	.cfi_adjust_cfa_offset 16
	.cfi_offset %rbx, -16
	mov %rdi, %rbx		/* EXPECT UV1301 */
	call ext
	pop %rbx
	.cfi_adjust_cfa_offset -16
	ret
	.cfi_endproc
	.size wrong_adjust, .-wrong_adjust

/* mov %rsp,%rbp without .cfi_def_cfa_register: the CFA stays on %rsp, which is still
 * right until the sub moves %rsp (rsp+16 = rbp+16 before it); wrong from the call on. */
	.globl missing_cfa_register
	.type missing_cfa_register, @function
missing_cfa_register:
	.cfi_startproc
	push %rbp
	.cfi_def_cfa_offset 16
	.cfi_offset %rbp, -16
	mov %rsp, %rbp
	sub $32, %rsp
	call ext		/* EXPECT UV1301 */
	leave
	.cfi_def_cfa %rsp, 8
	ret
	.cfi_endproc
	.size missing_cfa_register, .-missing_cfa_register

/* The frame pointer is pushed at CFA-16; the DWARF says CFA-24. */
	.globl wrong_fp_slot
	.type wrong_fp_slot, @function
wrong_fp_slot:
	.cfi_startproc
	push %rbp
	.cfi_def_cfa_offset 16
	.cfi_offset %rbp, -24
	mov %rsp, %rbp		/* EXPECT UV1303 */
	.cfi_def_cfa_register %rbp
	call ext
	pop %rbp
	.cfi_def_cfa %rsp, 8
	ret
	.cfi_endproc
	.size wrong_fp_slot, .-wrong_fp_slot

/* An early return without .cfi_remember_state/.cfi_restore_state: the code after it
 * still runs with %rbx pushed, but the DWARF thinks the frame is gone. */
	.globl forgot_restore_state
	.type forgot_restore_state, @function
forgot_restore_state:
	.cfi_startproc
	push %rbx
	.cfi_def_cfa_offset 16
	.cfi_offset %rbx, -16
	test %rdi, %rdi
	jz 1f
	pop %rbx
	.cfi_def_cfa_offset 8
	ret
1:	mov %rdi, %rbx		/* EXPECT UV1301 */
	call ext
	pop %rbx
	.cfi_def_cfa_offset 8
	ret
	.cfi_endproc
	.size forgot_restore_state, .-forgot_restore_state

/* The same shape done right: must agree everywhere. */
	.globl good_restore_state
	.type good_restore_state, @function
good_restore_state:
	.cfi_startproc
	push %rbx
	.cfi_def_cfa_offset 16
	.cfi_offset %rbx, -16
	test %rdi, %rdi
	jz 1f
	.cfi_remember_state
	pop %rbx
	.cfi_def_cfa_offset 8
	ret
1:	.cfi_restore_state
	mov %rdi, %rbx
	call ext
	pop %rbx
	.cfi_def_cfa_offset 8
	ret
	.cfi_endproc
	.size good_restore_state, .-good_restore_state
