/* uaccess.S - the --uaccess checks (STAC/CLAC state along every path, the SMAP
 * alternatives followed patched, PUSHF/POPF inside patch sites, the uaccess-safe list)
 * and the direction-flag checks (STD/CLD, under any walk). Each function's expected
 * finding is its EXPECT marker; the real objtool 6.12's verdicts are
 * uaccess.objtool612.txt (--uaccess --link) and uaccess-df.objtool612.txt (--orc --link
 * --dry-run: only the DF rules apply without --uaccess). */

/* ALTERNATIVE(orig, repl, feature) as the kernel's 6.12 macros lay it out:
 * .altinstructions entries {s32 instr, s32 repl, u32 feature, u8 len, u8 repllen}. */
.macro ALT orig, repl, feature
661:	\orig
662:
	.skip -(((665f-664f)-(662b-661b)) > 0) * ((665f-664f)-(662b-661b)),0x90
663:
	.pushsection .altinstructions,"a"
	.long 661b - .
	.long 664f - .
	.4byte \feature
	.byte 663b-661b
	.byte 665f-664f
	.popsection
	.pushsection .altinstr_replacement,"ax"
664:	\repl
665:
	.popsection
.endm
#define X86_FEATURE_SMAP (9*32+20)
#define X86_FEATURE_XMM2 (0*32+26)

	.text
	.globl	call_open			/* EXPECT: call to helper() with UACCESS enabled */
	.type	call_open, @function
call_open:
	stac
	call	helper
	clac
	ret
	.size	call_open, .-call_open

	.globl	return_open			/* EXPECT: return with UACCESS enabled */
	.type	return_open, @function
return_open:
	stac
	ret
	.size	return_open, .-return_open

	.globl	nested_open			/* EXPECT: recursive UACCESS enable */
	.type	nested_open, @function
nested_open:
	stac
	stac
	clac
	ret
	.size	nested_open, .-nested_open

	.globl	close_twice			/* EXPECT: redundant UACCESS disable */
	.type	close_twice, @function
close_twice:
	clac
	ret
	.size	close_twice, .-close_twice

	.globl	clean_region			/* no finding: opened and closed on every path */
	.type	clean_region, @function
clean_region:
	stac
	movl	(%rdi), %eax
	clac
	ret
	.size	clean_region, .-clean_region

	/* A join reached closed first (the jz target) and then open: an instruction is
	 * walked once per uaccess state, so the second, open arrival goes on to the ret. */
	.globl	open_on_one_path		/* EXPECT: return with UACCESS enabled */
	.type	open_on_one_path, @function
open_on_one_path:
	testl	%edi, %edi
	jz	1f
	stac
1:	nop
	ret
	.size	open_on_one_path, .-open_on_one_path

	/* The SMAP alternatives (user_access_begin/end): with --uaccess the patched code is
	 * followed, so the call sits inside the open region. */
	.globl	smap_alternative_call		/* EXPECT: call to helper() with UACCESS enabled */
	.type	smap_alternative_call, @function
smap_alternative_call:
	ALT "", "stac", X86_FEATURE_SMAP
	call	helper
	ALT "", "clac", X86_FEATURE_SMAP
	ret
	.size	smap_alternative_call, .-smap_alternative_call

	.globl	smap_alternative_clean		/* no finding */
	.type	smap_alternative_clean, @function
smap_alternative_clean:
	ALT "", "stac", X86_FEATURE_SMAP
	movl	(%rdi), %eax
	ALT "", "clac", X86_FEATURE_SMAP
	ret
	.size	smap_alternative_clean, .-smap_alternative_clean

	/* Indirect calls are "{dynamic}": objtool 6.12 means to name a call through the
	 * paravirt ops table pv_ops[N], but its lookup never finds the relocation. */
	.globl	paravirt_open			/* EXPECT: call to {dynamic}() with UACCESS enabled */
	.type	paravirt_open, @function
paravirt_open:
	stac
	call	*pv_ops+24(%rip)
	clac
	ret
	.size	paravirt_open, .-paravirt_open

	.globl	dynamic_open			/* EXPECT: call to {dynamic}() with UACCESS enabled */
	.type	dynamic_open, @function
dynamic_open:
	stac
	call	*%rax
	clac
	ret
	.size	dynamic_open, .-dynamic_open

	/* A tail call out of the open region is a call too. */
	.globl	tail_open			/* EXPECT: call to helper() with UACCESS enabled */
	.type	tail_open, @function
tail_open:
	stac
	jmp	helper
	.size	tail_open, .-tail_open

	/* uaccess-safe functions (objtool's built-in list) are entered with user access
	 * enabled; they may call each other, but must not close it. */
	.globl	rep_movs_alternative		/* no finding: calls a safe function, returns open */
	.type	rep_movs_alternative, @function
rep_movs_alternative:
	call	kasan_check_range
	ret
	.size	rep_movs_alternative, .-rep_movs_alternative

	.globl	rep_stos_alternative		/* EXPECT: UACCESS-safe disables UACCESS */
	.type	rep_stos_alternative, @function
rep_stos_alternative:
	clac
	ret
	.size	rep_stos_alternative, .-rep_stos_alternative

	.globl	copy_to_nontemporal		/* EXPECT: call to helper() with UACCESS enabled */
	.type	copy_to_nontemporal, @function
copy_to_nontemporal:
	call	helper
	ret
	.size	copy_to_nontemporal, .-copy_to_nontemporal

	/* PUSHF inside a patch site saves the flag; CLAC is then allowed in a safe function,
	 * and returning closed is the finding. */
	.globl	copy_mc_fragile_handle_tail	/* EXPECT: return with UACCESS disabled from a UACCESS-safe function */
	.type	copy_mc_fragile_handle_tail, @function
copy_mc_fragile_handle_tail:
	ALT "pushf", "pushf", X86_FEATURE_XMM2
	clac
	addq	$8, %rsp
	ret
	.size	copy_mc_fragile_handle_tail, .-copy_mc_fragile_handle_tail

	/* ... and POPF inside a patch site restores it: no finding. */
	.globl	copy_mc_enhanced_fast_string	/* no finding */
	.type	copy_mc_enhanced_fast_string, @function
copy_mc_enhanced_fast_string:
	ALT "pushf", "pushf", X86_FEATURE_XMM2
	clac
	ALT "popf", "popf", X86_FEATURE_XMM2
	ret
	.size	copy_mc_enhanced_fast_string, .-copy_mc_enhanced_fast_string

	/* Nested: the inner POPF gives back AC=1 and leaves the outer save, the outer POPF
	 * gives back AC=0, so the return is clean (objtool forgets the saves only when the
	 * last one is popped). */
	.globl	pushf_nested			/* no finding */
	.type	pushf_nested, @function
pushf_nested:
	ALT "pushf", "pushf", X86_FEATURE_XMM2
	stac
	ALT "pushf", "pushf", X86_FEATURE_XMM2
	ALT "popf", "popf", X86_FEATURE_XMM2
	ALT "popf", "popf", X86_FEATURE_XMM2
	ret
	.size	pushf_nested, .-pushf_nested

	/* objtool keeps the saved flags in 32 bits: the 32nd PUSHF in a row is one too many
	 * (found in the replacement, which the walk follows first). */
	.globl	pushf_deep			/* EXPECT(.altinstr_replacement): PUSHF stack exhausted */
	.type	pushf_deep, @function
pushf_deep:
	.rept	32
	ALT "pushf", "pushf", X86_FEATURE_XMM2
	.endr
	addq	$256, %rsp
	ret
	.size	pushf_deep, .-pushf_deep

	/* The direction flag (checked under any walk). */
	.globl	df_call				/* EXPECT: call to helper() with DF set */
	.type	df_call, @function
df_call:
	std
	call	helper
	cld
	ret
	.size	df_call, .-df_call

	.globl	df_return			/* EXPECT: return with DF set */
	.type	df_return, @function
df_return:
	std
	ret
	.size	df_return, .-df_return

	.globl	df_twice			/* EXPECT: recursive STD */
	.type	df_twice, @function
df_twice:
	std
	std
	cld
	ret
	.size	df_twice, .-df_twice

	.globl	df_redundant			/* EXPECT: redundant CLD */
	.type	df_redundant, @function
df_redundant:
	cld
	ret
	.size	df_redundant, .-df_redundant

	.globl	df_clean			/* no finding */
	.type	df_clean, @function
df_clean:
	std
	rep movsb
	cld
	ret
	.size	df_clean, .-df_clean
