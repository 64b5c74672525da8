/* entry.S - the checks of kernels with DEBUG_ENTRY: --noinstr (calls out of noinstr
 * code with instrumentation off, returns with it on, paravirt slots) and --unret (the
 * return predictor untrained before the first return or indirect branch). Each
 * function's expected finding is its EXPECT marker; the real objtool 6.12's verdicts are
 * entry.objtool612.txt (--noinstr --unret --rethunk --link --orc --dry-run) and
 * entry-noinstr.objtool612.txt (--noinstr --link: only the noinstr sections walked). */

/* instrumentation_begin()/end() and VALIDATE_UNRET_BEGIN as the kernel marks them. */
.macro INSTR_BEGIN
.Lib\@:
	.pushsection .discard.instr_begin
	.long	.Lib\@ - .
	.popsection
.endm
.macro INSTR_END
.Lie\@:
	.pushsection .discard.instr_end
	.long	.Lie\@ - .
	.popsection
.endm
.macro UNRET_BEGIN
.Lub\@:
	.pushsection .discard.validate_unret
	.long	.Lub\@ - .
	.popsection
.endm
/* The untraining's end: a NOP annotated retpoline-safe (VALIDATE_UNRET_END). */
.macro UNRET_END
.Lue\@:	nop
	.pushsection .discard.retpoline_safe
	.long	.Lue\@ - .
	.popsection
.endm

	.text
	.globl	instrumented
	.type	instrumented, @function
instrumented:
	jmp	__x86_return_thunk
	.size	instrumented, .-instrumented

	.section .noinstr.text, "ax"
	.globl	quiet
	.type	quiet, @function
quiet:
	jmp	__x86_return_thunk
	.size	quiet, .-quiet

	.globl	calls_out			/* EXPECT: call to instrumented() leaves .noinstr.text section */
	.type	calls_out, @function
calls_out:
	call	instrumented
	jmp	__x86_return_thunk
	.size	calls_out, .-calls_out

	.globl	calls_out_bracketed		/* no finding: instrumentation_begin() ... end() around it */
	.type	calls_out_bracketed, @function
calls_out_bracketed:
	INSTR_BEGIN
	call	instrumented
	INSTR_END
	nop
	jmp	__x86_return_thunk
	.size	calls_out_bracketed, .-calls_out_bracketed

	.globl	returns_instrumented		/* EXPECT: return with instrumentation enabled */
	.type	returns_instrumented, @function
returns_instrumented:
	INSTR_BEGIN
	call	instrumented
	ret
	.size	returns_instrumented, .-returns_instrumented

	.globl	calls_quiet			/* no finding: noinstr, UBSAN and static calls are allowed */
	.type	calls_quiet, @function
calls_quiet:
	call	quiet
	call	__ubsan_handle_overflow
	call	__SCT__tick
	jmp	__x86_return_thunk
	.size	calls_quiet, .-calls_quiet

	.globl	calls_dynamic			/* EXPECT: call to {dynamic}() leaves .noinstr.text section */
	.type	calls_dynamic, @function
calls_dynamic:
	call	*%rax
	jmp	__x86_return_thunk
	.size	calls_dynamic, .-calls_dynamic

	/* Through the paravirt table: slot 0 holds only noinstr code (accepted), slot 1 an
	 * instrumented function (named, and the call reported). */
	.globl	calls_paravirt_clean		/* no finding */
	.type	calls_paravirt_clean, @function
calls_paravirt_clean:
	call	*pv_ops(%rip)
	jmp	__x86_return_thunk
	.size	calls_paravirt_clean, .-calls_paravirt_clean

	.globl	calls_paravirt_dirty		/* EXPECT: call to {dynamic}() leaves .noinstr.text section */
	.type	calls_paravirt_dirty, @function
calls_paravirt_dirty:
	call	*pv_ops+8(%rip)
	jmp	__x86_return_thunk
	.size	calls_paravirt_dirty, .-calls_paravirt_dirty

	/* Return-thunk entry: from VALIDATE_UNRET_BEGIN to the untraining (in .text: the
	 * noinstr rules would speak first in a noinstr section). */
	.text
	.globl	entry_untrained			/* no finding */
	.type	entry_untrained, @function
entry_untrained:
	UNRET_BEGIN
	testl	%edi, %edi
	jz	1f
	UNRET_END
	jmp	__x86_return_thunk
1:	UNRET_END
	jmp	__x86_return_thunk
	.size	entry_untrained, .-entry_untrained

	.globl	entry_ret_first			/* EXPECT: RET before UNTRAIN */
	.type	entry_ret_first, @function
entry_ret_first:
	UNRET_BEGIN
	testl	%edi, %edi
	jz	1f
	UNRET_END
	jmp	__x86_return_thunk
1:	ret
	.size	entry_ret_first, .-entry_ret_first

	.globl	entry_indirect_first		/* EXPECT: early indirect call */
	.type	entry_indirect_first, @function
entry_indirect_first:
	UNRET_BEGIN
	call	*%rdx
	UNRET_END
	jmp	__x86_return_thunk
	.size	entry_indirect_first, .-entry_indirect_first

	.data
	.globl	pv_ops
	.type	pv_ops, @object
pv_ops:					/* EXPECT: pv_ops[1]: instrumented */
	.quad	quiet
	.quad	instrumented
	.size	pv_ops, .-pv_ops
