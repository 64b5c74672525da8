// alternatives.S - arm64 patch sites in the kernel's layout (12-byte alt_instr:
// s32 orig, s32 alt-or-callback, u16 cpucap, u8 orig_len, u8 alt_len). The
// replacement lives in the same section (.subsection 1, after the functions); the
// callback entry (cpucap bit 15) names alt_cb_patch_nops and has no replacement.
	.text
	.globl	f
	.type	f, %function
f:
1:	nop
2:	stp	x29, x30, [sp, #-16]!
	mov	x29, sp
5:	nop
6:	ldp	x29, x30, [sp], #16
	ret
	.size	f, .-f
	.subsection 1
3:	dmb	ish
4:
	.subsection 0
	.pushsection .altinstructions, "a"
	.long	1b - .
	.long	3b - .
	.2byte	0x21
	.byte	2b - 1b
	.byte	4b - 3b
	.long	5b - .
	.long	alt_cb_patch_nops - .
	.2byte	0x8001
	.byte	6b - 5b
	.byte	0
	.popsection
