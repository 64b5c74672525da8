// annotations.S - malformed .discard.* annotation entries next to good ones: each table
// has a good entry and one whose target is not an instruction (inside one). `check`
// reports each bad entry at its place (UV0112/UV0110/UV0111) and analyses the rest (the
// mismatch in `later`); objtool stops at the first table it reads with a bad entry
// (annotations.objtool-orc.txt; the front end too).
	.macro ANNOTATE section, at
	.pushsection \section,"M",@progbits,4
	.long \at
	.popsection
	.endm
	.text
	.globl	entry
	.type	entry, @function
entry:
	push	%rbp
	mov	%rsp, %rbp
1:	call	*%rax
2:	mov	%rdi, %rax
3:	ud2
4:	nop
	pop	%rbp
	ret
	.size	entry, .-entry
	.globl	later
	.type	later, @function
later:
	test	%rdi, %rdi
	je	5f
	push	%rax
5:	nop
	ret
	.size	later, .-later

	ANNOTATE .discard.reachable, 4b
	ANNOTATE .discard.reachable, 2b+1
	ANNOTATE .discard.retpoline_safe, 1b
	ANNOTATE .discard.retpoline_safe, 1b+1
	ANNOTATE .discard.noendbr, entry
	ANNOTATE .discard.noendbr, 2b+2
	ANNOTATE .discard.instr_end, 3b
	ANNOTATE .discard.instr_end, 3b+1
	ANNOTATE .discard.instr_begin, 2b
