// targets.S - a __jump_table entry whose target and an __ex_table entry whose fixup are
// not instructions (inside the 5-byte NOP), next to good entries. `check` reports each at
// its entry (UV0106) and analyses the rest (the mismatch in `later`); objtool stops at the
// first with "f+0x5: special: can't find new instruction" (targets.objtool-orc.txt, one
// line per table as in annotations.S).
	.text
	.globl	f
	.type	f, @function
f:
	push	%rbp
	mov	%rsp, %rbp
1:	.byte 0x0f, 0x1f, 0x44, 0x00, 0x00
2:	nop
	pop	%rbp
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
	.long	1b - .		// +0x10: the target is inside the NOP
	.long	1b + 1 - .
	.quad	key - .
	.popsection
	.pushsection __ex_table, "a"
	.balign 4
	.long	2b - .		// +0x0: good
	.long	1b - .
	.long	0
	.long	2b - .		// +0xc: the fixup is inside the NOP
	.long	1b + 2 - .
	.long	0
	.popsection
	.data
key:	.quad 0
