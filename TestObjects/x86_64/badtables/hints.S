// hints.S - malformed .discard.unwind_hints entries next to a good one. `check` reports
// each bad entry at its place (UV0107) and analyses the rest (the mismatch in `later`);
// objtool stops at the first (its front end too).
	.macro HINT at, type, sp_reg=5, sp_offset=8
	.pushsection .discard.unwind_hints,"a"
	.long \at - .
	.short \sp_offset
	.byte \sp_reg
	.byte \type
	.byte 0
	.balign 4
	.popsection
	.endm
	.text
	.globl	entry
entry:
1:	mov	%rdi, %rax
2:	ud2
	.globl	later
	.type	later, @function
later:
	test	%rdi, %rdi
	je	3f
	push	%rax
3:	nop
	ret
	.size	later, .-later
	// +0x0: good (REGS at entry)
	HINT 1b, 3
	// +0xc: not at an instruction boundary (inside the mov)
	HINT 1b+1, 3
	// +0x18: an unknown type
	HINT 2b, 9
	// +0x24: a base register no unwinder can use
	HINT 2b, 3, 15
