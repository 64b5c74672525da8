// hints.S - unwind hints. entry_regs: entry code (no STT_FUNC) described by a REGS
// hint, walked as a hint root; hint_func: an asm label inside a function reached only
// indirectly, declared a function entry by UNWIND_HINT_FUNC; undef: code after an
// UNDEFINED hint is not tracked; saverestore: SAVE/RESTORE around a path that leaves
// the stack deeper. All clean.
#include "hintmacros.h"
	.text
	.globl	entry_regs
entry_regs:
	UNWIND_HINT 3, 5, 0
	push	%rax
	pop	%rax
	iretq

	.globl	hint_func
	.type	hint_func, @function
hint_func:
	lea	1f(%rip), %rax
	jmp	*%rax
1:	UNWIND_HINT 5
	ret
	.size	hint_func, .-hint_func

	.globl	undef
	.type	undef, @function
undef:
	UNWIND_HINT 0
	mov	%rax, %rsp
	push	%rbx
	jmp	*%rcx
	.size	undef, .-undef

	.globl	saverestore
	.type	saverestore, @function
saverestore:
	push	%rbx
	UNWIND_HINT 6
	test	%rdi, %rdi
	je	1f
	push	%rax
	call	helper
	ud2
1:	UNWIND_HINT 7
	pop	%rbx
	ret
	.size	saverestore, .-saverestore
