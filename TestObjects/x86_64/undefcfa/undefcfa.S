/* undefcfa.S - CFI that ORC cannot express (an undefined CFA after `mov %rsi, %rsp`).
 * objtool 6.12's orc_create warns at the first such instruction ("unknown CFA base reg
 * -1": a WARN_INSN, so not printed when its function already warned) and writes no ORC,
 * but what it made before (here the __pfx_ symbols of --prefix=16) is still written.
 * The real objtool's verdict: undefcfa.objtool612.txt (--orc --prefix=16 --link), its
 * output object: undefcfa.objtool612.o. */
	.text
	/* Entry code (no function): the hint's walk makes the CFA undefined without a
	 * finding; the ORC warning, the first, is printed. */
	.globl	entry_undef
entry_undef:
1:	mov	%rsi, %rsp
	.pushsection .discard.unwind_hints
	.long	1b - .
	.short	8
	.byte	5			/* ORC_REG_SP */
	.byte	2			/* UNWIND_HINT_TYPE_CALL */
	.byte	0
	.balign	4
	.popsection
	jmp	*%rax
	.size	entry_undef, .-entry_undef

	.rept	16
	nop
	.endr
	.globl	f_undef
	.type	f_undef, @function
f_undef:				/* undefined stack state */
	push	%rbp
	mov	%rsi, %rsp
	pop	%rbp
	ret
	.size	f_undef, .-f_undef

	.rept	16
	nop
	.endr
	.globl	f_fine
	.type	f_fine, @function
f_fine:
	push	%rbx
	pop	%rbx
	ret
	.size	f_fine, .-f_fine

