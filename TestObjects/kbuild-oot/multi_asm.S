/* SPDX-License-Identifier: GPL-2.0 */
/*
 * multi_asm.S - part of oot_multi: assembly functions as the kernel writes them
 * (SYM_FUNC_START puts an ENDBR first under IBT, RET is the return thunk under
 * MITIGATION_RETHUNK, CALL_NOSPEC a retpoline), with a frame.
 */
#include <linux/linkage.h>
#include <asm/nospec-branch.h>

	.text
SYM_FUNC_START(oot_asm_sum)
	push	%rbp
	mov	%rsp, %rbp
	lea	(%rdi, %rsi), %rax
	pop	%rbp
	RET
SYM_FUNC_END(oot_asm_sum)

/* long oot_asm_indirect(long (*fn)(long, long), long a, long b) */
SYM_FUNC_START(oot_asm_indirect)
	push	%rbp
	mov	%rsp, %rbp
	mov	%rdi, %rax
	mov	%rsi, %rdi
	mov	%rdx, %rsi
	CALL_NOSPEC rax
	pop	%rbp
	RET
SYM_FUNC_END(oot_asm_indirect)
