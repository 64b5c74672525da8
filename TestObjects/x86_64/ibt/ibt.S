/* ibt.S - the --ibt checks (objtool validate_ibt, the IRET hint check of
 * read_unwind_hints and the module entry rule of create_ibt_endbr_seal_sections).
 * Each function's expected finding is its EXPECT marker; the real objtool 6.12's
 * verdicts are ibt.objtool612.txt (--ibt --link) and ibt-module.objtool612.txt
 * (--ibt --link --module --orc --dry-run). */

	.text
	/* Targets: functions with and without ENDBR. */
	.globl	no_endbr_target
	.type	no_endbr_target, @function
no_endbr_target:
	ret
	.size	no_endbr_target, .-no_endbr_target

	.globl	no_endbr_data_target
	.type	no_endbr_data_target, @function
no_endbr_data_target:
	ret
	.size	no_endbr_data_target, .-no_endbr_data_target

	.globl	endbr_target
	.type	endbr_target, @function
endbr_target:
	endbr64
	ret
	.size	endbr_target, .-endbr_target

	/* ANNOTATE_NOENDBR: its address is taken on purpose, without an ENDBR. */
	.globl	annotated_target
	.type	annotated_target, @function
annotated_target:
	ret
	.size	annotated_target, .-annotated_target
	.pushsection .discard.noendbr
	.long	annotated_target
	.popsection

	/* A function starting with ENDBR and, right after its end, a function without: a
	 * reference to that end is a code range's end (noendbr_range), no finding. */
	.globl	range_start
	.type	range_start, @function
range_start:
	endbr64
	ret
	.size	range_start, .-range_start
	.globl	after_range
	.type	after_range, @function
after_range:
	ret
	.size	after_range, .-after_range

	/* The references. */
	.globl	loads_pointer			/* EXPECT: relocation to !ENDBR: no_endbr_target+0x0 */
	.type	loads_pointer, @function
loads_pointer:
	endbr64
	leaq	no_endbr_target(%rip), %rax
	ret
	.size	loads_pointer, .-loads_pointer

	.globl	loads_absolute			/* EXPECT: relocation to !ENDBR: no_endbr_target+0x0 */
	.type	loads_absolute, @function
loads_absolute:
	endbr64
	movq	$no_endbr_target, %rax
	ret
	.size	loads_absolute, .-loads_absolute

	.globl	loads_good_pointers		/* no finding: an ENDBR, an annotated target, a range end */
	.type	loads_good_pointers, @function
loads_good_pointers:
	endbr64
	leaq	endbr_target(%rip), %rax
	leaq	annotated_target(%rip), %rdx
	leaq	after_range(%rip), %rcx
	ret
	.size	loads_good_pointers, .-loads_good_pointers

	.globl	loads_self			/* no finding: _THIS_IP_ (a reference within the function) */
	.type	loads_self, @function
loads_self:
	endbr64
	leaq	1f(%rip), %rax
1:	ret
	.size	loads_self, .-loads_self

	.globl	calls_directly			/* no finding: branches are not address loads */
	.type	calls_directly, @function
calls_directly:
	endbr64
	call	no_endbr_target
	jmp	no_endbr_target
	.size	calls_directly, .-calls_directly

	/* Entry code: an IRET-frame hint at a global symbol must have its ENDBR. */
	.globl	entry_without_endbr		/* EXPECT: UNWIND_HINT_IRET_REGS without ENDBR */
entry_without_endbr:
1:	nop
	.pushsection .discard.unwind_hints
	.long	1b - .
	.short	0
	.byte	5			/* ORC_REG_SP */
	.byte	4			/* UNWIND_HINT_TYPE_REGS_PARTIAL */
	.byte	1
	.balign	4
	.popsection
	ud2
	.size	entry_without_endbr, .-entry_without_endbr

	.globl	entry_with_endbr		/* no finding */
entry_with_endbr:
1:	endbr64
	.pushsection .discard.unwind_hints
	.long	1b - .
	.short	0
	.byte	5
	.byte	4
	.byte	1
	.balign	4
	.popsection
	ud2
	.size	entry_with_endbr, .-entry_with_endbr

	/* With --module: the module's entry points are called indirectly by the loader;
	 * nothing in the object takes their address, so their ENDBR would be sealed. */
	.globl	init_module			/* EXPECT: init_module(): not an indirect call target */
	.type	init_module, @function
init_module:
	endbr64
	xorl	%eax, %eax
	ret
	.size	init_module, .-init_module

	/* Data references. */
	.data
	.globl	ops
	.type	ops, @object
ops:					/* EXPECT: data relocation to !ENDBR: no_endbr_data_target+0x0 */
	.quad	endbr_target
	.quad	no_endbr_data_target
	.quad	annotated_target
	.size	ops, .-ops

	/* Sections that name code without meaning to branch there are skipped. */
	.section __bug_table, "a"
	.quad	no_endbr_data_target
