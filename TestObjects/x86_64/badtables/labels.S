// labels.S - __jump_table and __ex_table entries whose address fields give no address,
// next to good ones: a jump-label entry without its code relocation, an exception entry
// without its instruction relocation, and one whose fixup field carries a 1-byte
// relocation (R_X86_64_8: linking would write one byte of the field; objtool reads any
// type, `check` wants a 4-byte one). `check` reports each at its entry (UV0106) and
// analyses the rest (the mismatch in `later`); objtool stops at the first with "can't
// find orig reloc" (labels.objtool-orc.txt, one line per table as in annotations.S).
	.text
	.globl	f
	.type	f, @function
f:
	push	%rbp
	mov	%rsp, %rbp
1:	.byte 0x0f, 0x1f, 0x44, 0x00, 0x00
2:	nop
3:	pop	%rbp
	ret
	.size	f, .-f
	.globl	later
	.type	later, @function
later:
	test	%rdi, %rdi
	je	5f
	push	%rax
5:	nop
	ret
	.size	later, .-later

	.pushsection __jump_table, "aw"
	.balign 8
	.long	1b - .		// +0x0: good
	.long	2b - .
	.quad	key - .
	.long	0		// +0x10: no relocation for the code site
	.long	2b - .
	.quad	key - .
	.popsection
	.pushsection __ex_table, "a"
	.balign 4
	.long	2b - .		// +0x0: good
	.long	3b - .
	.long	0
	.long	0		// +0xc: no relocation for the instruction
	.long	3b - .
	.long	0
	.long	2b - .		// +0x18: a 1-byte relocation for the fixup
	.reloc	., R_X86_64_8, 3b
	.long	0
	.long	0
	.popsection
	.data
key:	.quad 0
