/*
 * arm64 stack-validation cases (kernel layouts: 12-byte alt_instr, 12-byte bug_entry
 * with relative pointers, BUGFLAG_WARNING = 1). A line marked EXPECT carries the
 * instruction a finding is reported at and its rule; nothing else may be reported.
 */
	.text

/* Frame record, callee-saved pair, PAC: clean. */
	.globl clean
	.type clean, %function
clean:
	paciasp
	stp	x29, x30, [sp, #-32]!
	mov	x29, sp
	str	x19, [sp, #16]
	bl	ext
	ldr	x19, [sp, #16]
	ldp	x29, x30, [sp], #32
	autiasp
	ret
	.size clean, .-clean

/* Leaf with a frame and local space (sub/add sp): clean. */
	.globl leaf_locals
	.type leaf_locals, %function
leaf_locals:
	sub	sp, sp, #64
	str	x30, [sp, #56]
	bl	ext
	ldr	x30, [sp, #56]
	add	sp, sp, #64
	ret
	.size leaf_locals, .-leaf_locals

/* Returns with the frame still pushed. */
	.globl modret
	.type modret, %function
modret:
	stp	x29, x30, [sp, #-16]!
	mov	x29, sp
	ret			/* EXPECT UV1011 */
	.size modret, .-modret

/* Tail call with the frame still pushed. */
	.globl sibling
	.type sibling, %function
sibling:
	stp	x29, x30, [sp, #-16]!
	b	ext		/* EXPECT UV1012 */
	.size sibling, .-sibling

/* Two paths that join with different stack depths. */
	.globl mismatch
	.type mismatch, %function
mismatch:
	cbz	x0, 1f
	sub	sp, sp, #16
1:	add	x0, x0, #1	/* EXPECT UV1010 */
	ret
	.size mismatch, .-mismatch

/* WARN (brk #0x800 with a BUGFLAG_WARNING __bug_table entry) continues; BUG ends
 * the path: nothing after it is reached, which is fine (it is the function's end). */
	.globl warn_and_bug
	.type warn_and_bug, %function
warn_and_bug:
	stp	x29, x30, [sp, #-16]!
	mov	x29, sp
	cbz	x0, 2f
3:	brk	#0x800
	ldp	x29, x30, [sp], #16
	ret
2:
4:	brk	#0x800
	.size warn_and_bug, .-warn_and_bug
	.pushsection __bug_table, "aw"
	.long	3b - .
	.long	0
	.short	0
	.short	1	/* BUGFLAG_WARNING */
	.long	4b - .
	.long	0
	.short	0
	.short	0
	.popsection

/* Alternatives: the replacement pushes a frame record at +4 where the original has
 * a NOP: the streams disagree at the shared boundary +4. */
	.globl alt_conflict
	.type alt_conflict, %function
alt_conflict:
5:	nop			/* EXPECT UV1201 */
	nop
6:	ret
	.size alt_conflict, .-alt_conflict
	.subsection 1
7:	stp	x29, x30, [sp, #-16]!
	ldp	x29, x30, [sp], #16
8:
	.subsection 0

/* An equal-length replacement with the same CFI at every boundary: merged, clean. */
	.globl alt_clean
	.type alt_clean, %function
alt_clean:
	stp	x29, x30, [sp, #-16]!
9:	nop
	nop
10:	ldp	x29, x30, [sp], #16
	ret
	.size alt_clean, .-alt_clean
	.subsection 1
11:	dmb	ish
	isb
12:
	.subsection 0

/* Callback sites (cpucap bit 15) have no replacement code. alt_cb_patch_nops turns the
 * original into NOPs at boot, so the branch and the fall-through are both walked; any
 * other callback (here kvm_update_va_mask) validates the original only. */
	.globl alt_callback
	.type alt_callback, %function
alt_callback:
13:	b	14f
	nop
14:	ret
	.size alt_callback, .-alt_callback

	.globl alt_other_callback
	.type alt_other_callback, %function
alt_other_callback:
15:	mov	x0, x1
	ret
	.size alt_other_callback, .-alt_other_callback

	.pushsection .altinstructions, "a"
	.long	5b - .
	.long	7b - .
	.2byte	0x21
	.byte	6b - 5b
	.byte	8b - 7b
	.long	9b - .
	.long	11b - .
	.2byte	0x22
	.byte	10b - 9b
	.byte	12b - 11b
	.long	13b - .
	.long	alt_cb_patch_nops - .
	.2byte	0x8001
	.byte	4
	.byte	0
	.long	15b - .
	.long	kvm_update_va_mask - .
	.2byte	0x8002
	.byte	4
	.byte	0
	.popsection
