// tramp.S - the arm64 kernel's KPTI trampoline vector entry (arch/arm64/kernel/entry.S
// 6.12, tramp_ventry with kpti=1 and the Spectre-BHB loop), reduced to one entry:
//  - `bl 2f; b .; 2:` pushes a dummy entry onto the return stack: a call to a local
//    label in code that is no function (SYM_CODE), which arm64 has no annotation for;
//  - `ldr x30, .Ldata` loads a literal from another section (.entry.tramp.rodata): in
//    the object its displacement is 0 and a relocation gives the target, so the LDR
//    names no literal pool in this section;
//  - the PRFM after it is an alternative's original (alternative_if_not), and the
//    loop's MOV a callback site (alternative_cb).
// The 1 KiB of zeros before the entry is data (`$d`), as in the kernel.
	.pushsection ".entry.tramp.text", "ax"
	.align	11
tramp_vectors:
.Lvector_start:
	.space	0x400
	.align	7
1:	msr	tpidrro_el0, x30
3:	mov	x30, #32
4:
.Lloop:	b	. + 4
	subs	x30, x30, #1
	b.ne	.Lloop
	dsb	nsh
	isb
	bl	2f
	b	.
2:	mrs	x30, ttbr1_el1
	add	x30, x30, #0x1000
	bic	x30, x30, #0x1000000000000
	msr	ttbr1_el1, x30
	isb
	ldr	x30, .Ldata
5:	prfm	plil1strm, [x30, #(1b - .Lvector_start)]
6:	msr	vbar_el1, x30
	isb
	add	x30, x30, #(1b - .Lvector_start + 4)
	ret
	.org	1b + 128
	.popsection

	.pushsection ".entry.tramp.rodata", "a", %progbits
	.align	3
.Ldata:	.quad	vectors
	.popsection

	.pushsection ".altinstr_replacement", "ax"
7:	nop
8:
	.popsection
	.pushsection .altinstructions, "a"
	.long	3b - .
	.long	spectre_bhb_patch_loop_iter - .
	.2byte	0x8000 | 0
	.byte	4b - 3b
	.byte	0
	.long	5b - .
	.long	7b - .
	.2byte	0x0010
	.byte	6b - 5b
	.byte	8b - 7b
	.popsection
