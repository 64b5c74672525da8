/*
 * arm64 switch-table shapes the analysis must recover from the code alone. Every
 * function keeps its frame record pushed across the `br`, so a table that is not
 * recognised shows as "sibling call from callable instruction with modified stack
 * frame" and its cases as unreachable: this object must give no findings at all.
 */
	.text

/* GCC: cmp/b.hi bound, adrp/add table, ldrb entry, adr base, add sxtb #2. */
	.globl jt_gcc_byte
	.type jt_gcc_byte, %function
jt_gcc_byte:
	stp	x29, x30, [sp, #-16]!
	mov	x29, sp
	cmp	w0, #2
	b.hi	9f
	adrp	x1, .Ltab_byte
	add	x1, x1, :lo12:.Ltab_byte
	ldrb	w1, [x1, w0, uxtw]
	adr	x2, .Lbase_byte
	add	x1, x2, w1, sxtb #2
	br	x1
.Lbase_byte:
	mov	w0, #10
	b	9f
1:	mov	w0, #11
	b	9f
2:	mov	w0, #12
9:	ldp	x29, x30, [sp], #16
	ret
	.size jt_gcc_byte, .-jt_gcc_byte

/* Halfword entries, the table address spilled to the stack and reloaded, the bound
 * checked in another block that branches to the dispatch. */
	.globl jt_spilled
	.type jt_spilled, %function
jt_spilled:
	stp	x29, x30, [sp, #-32]!
	mov	x29, sp
	adrp	x3, .Ltab_half
	add	x3, x3, :lo12:.Ltab_half
	str	x3, [sp, #16]
	cmp	w0, #1
	b.ls	5f
	mov	w0, #0
	b	8f
5:	ldr	x2, [sp, #16]
	ldrh	w0, [x2, w0, uxtw #1]
	adr	x2, .Lbase_half
	add	x0, x2, w0, sxth #2
	br	x0
.Lbase_half:
	mov	w0, #20
	b	8f
6:	mov	w0, #21
8:	ldp	x29, x30, [sp], #32
	ret
	.size jt_spilled, .-jt_spilled

/* A negative index (errno-style): adds #3 + b.hs selects -3..-1 as 0..2; clang-style
 * shifted add with unsigned entries. */
	.globl jt_negative
	.type jt_negative, %function
jt_negative:
	stp	x29, x30, [sp, #-16]!
	mov	x29, sp
	adds	w0, w0, #3
	b.hs	3f
	mov	w0, #0
	b	4f
3:	adrp	x1, .Ltab_neg
	add	x1, x1, :lo12:.Ltab_neg
	ldrb	w1, [x1, w0, uxtw]
	adr	x2, .Lbase_neg
	add	x1, x2, x1, lsl #2
	br	x1
.Lbase_neg:
	mov	w0, #30
	b	4f
	mov	w0, #31
	b	4f
	mov	w0, #32
4:	ldp	x29, x30, [sp], #16
	ret
	.size jt_negative, .-jt_negative

/* A table over every value of a byte index (an element ID loaded with ldrb), the
 * nearest compare bounding only the path it is on: other IDs branch into the dispatch
 * from elsewhere (GCC's bit-test clusters; mac80211's _ieee802_11_parse_elems_full).
 * .Lwide_200 is reached only through entry 200. */
	.globl jt_byte_wide
	.type jt_byte_wide, %function
jt_byte_wide:
	stp	x29, x30, [sp, #-16]!
	mov	x29, sp
	ldrb	w3, [x0]
	cmp	w3, #1
	b.hi	.Lwide_high
.Lwide_dispatch:
	adrp	x1, .Ltab_wide
	add	x1, x1, :lo12:.Ltab_wide
	ldrh	w1, [x1, w3, uxtw #1]
	adr	x2, .Lbase_wide
	add	x1, x2, w1, sxth #2
	br	x1
.Lwide_high:
	tbnz	w3, #7, .Lwide_dispatch
	mov	w0, #0
	b	.Lwide_out
.Lbase_wide:
	mov	w0, #40
	b	.Lwide_out
.Lwide_1:
	mov	w0, #41
	b	.Lwide_out
.Lwide_200:
	mov	w0, #42
.Lwide_out:
	ldp	x29, x30, [sp], #16
	ret
	.size jt_byte_wide, .-jt_byte_wide

/* The table address copied to a callee-saved register before the loop that switches
 * (GCC, drivers/tty/vt/vt.c do_con_write): mov x23, x0 ... ldrh w3, [x23, w0, uxtw #1]. */
	.globl jt_base_copied
	.type jt_base_copied, %function
jt_base_copied:
	stp	x29, x30, [sp, #-32]!
	mov	x29, sp
	str	x23, [sp, #16]
	adrp	x0, .Ltab_copied
	add	x0, x0, :lo12:.Ltab_copied
	mov	x23, x0
	mov	w0, w1
	cmp	w0, #1
	b.hi	.Lcopied_out
	ldrh	w3, [x23, w0, uxtw #1]
	adr	x4, .Lbase_copied
	add	x3, x4, w3, sxth #2
	br	x3
.Lbase_copied:
	mov	w0, #50
	b	.Lcopied_out
.Lcopied_1:
	mov	w0, #51
.Lcopied_out:
	ldr	x23, [sp, #16]
	ldp	x29, x30, [sp], #32
	ret
	.size jt_base_copied, .-jt_base_copied

/* C computed goto (`goto *table[op]`, kernel/bpf/core.c ___bpf_prog_run): the label
 * addresses in a named local object, the dispatch copied into each handler with the
 * table base kept in a register; any address-taken label is a target of every
 * `br` of the function. */
	.globl cgoto
	.type cgoto, %function
cgoto:
	stp	x29, x30, [sp, #-32]!
	mov	x29, sp
	str	x21, [sp, #16]
	mov	w3, #0
	adrp	x21, cgoto_table
	add	x21, x21, :lo12:cgoto_table
	ldrb	w1, [x0], #1
	ldr	x2, [x21, w1, sxtw #3]
	br	x2
.Lop_inc:
	add	w3, w3, #1
	ldrb	w1, [x0], #1
	ldr	x2, [x21, w1, sxtw #3]
	br	x2
.Lop_exit:
	mov	w0, w3
	ldr	x21, [sp, #16]
	ldp	x29, x30, [sp], #32
	ret
	.size cgoto, .-cgoto

	.section .rodata
	.balign 8
	.type cgoto_table, %object
cgoto_table:
	.quad	.Lop_inc, .Lop_exit
	.size cgoto_table, .-cgoto_table
.Ltab_copied:
	.2byte	0, (.Lcopied_1 - .Lbase_copied) / 4
.Ltab_byte:
	.byte	(.Lbase_byte - .Lbase_byte) / 4, (1b - .Lbase_byte) / 4, (2b - .Lbase_byte) / 4
	.balign 2
.Ltab_half:
	.2byte	(.Lbase_half - .Lbase_half) / 4, (6b - .Lbase_half) / 4
.Ltab_neg:
	.byte	0, 2, 4
	.balign 2
.Ltab_wide:
	.2byte	0, (.Lwide_1 - .Lbase_wide) / 4
	.rept	198
	.2byte	0
	.endr
	.2byte	(.Lwide_200 - .Lbase_wide) / 4
	.rept	55
	.2byte	0
	.endr
