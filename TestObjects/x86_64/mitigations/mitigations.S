/* mitigations.S - the --retpoline, --rethunk and --sls checks (objtool validate_retpoline,
 * validate_sls): bare returns and indirect branches with and without the int3 after
 * them, one annotated retpoline-safe (ANNOTATE_RETPOLINE_SAFE: .discard.retpoline_safe).
 * The real objtool 6.12's findings: mitigations.objtool612.txt (--retpoline --rethunk
 * --sls --link: one finding per function, the first check to speak wins) and
 * mitigations-sls.objtool612.txt (--sls --link alone). */
	.text
	.globl	naked_ret
	.type	naked_ret, @function
naked_ret:			/* 'naked' return found in MITIGATION_RETHUNK build; missing int3 after ret */
	ret
	.size	naked_ret, .-naked_ret

	.globl	trapped_ret
	.type	trapped_ret, @function
trapped_ret:			/* 'naked' return (the int3 is there; rethunk still); no SLS finding */
	ret
	int3
	.size	trapped_ret, .-trapped_ret

	.globl	indirect_jump
	.type	indirect_jump, @function
indirect_jump:			/* indirect jump found in MITIGATION_RETPOLINE build; missing int3 */
	jmp	*%rax
	.size	indirect_jump, .-indirect_jump

	.globl	indirect_call
	.type	indirect_call, @function
indirect_call:			/* indirect call found in MITIGATION_RETPOLINE build */
	call	*%rdx
	int3
	.size	indirect_call, .-indirect_call

	.globl	safe_jump
	.type	safe_jump, @function
safe_jump:			/* annotated: no finding */
999:	jmp	*%rcx
	int3
	.pushsection .discard.retpoline_safe
	.long	999b
	.popsection
	.size	safe_jump, .-safe_jump

	.globl	sls_only
	.type	sls_only, @function
sls_only:			/* annotated safe: SLS skips it too (objtool checks retpoline_safe) */
998:	jmp	*%rsi
	.pushsection .discard.retpoline_safe
	.long	998b
	.popsection
	.size	sls_only, .-sls_only
	nop
