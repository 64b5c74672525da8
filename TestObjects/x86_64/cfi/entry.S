// entry.S - whole-kernel ORC types that modules lack, modelled on arch/x86/entry:
// code in .noinstr.text, an END_OF_STACK hint where user mode enters (entry_syscall),
// REGS_PARTIAL (IRET frame) and REGS (full pt_regs) hints with the signal bit set, an
// exception stub whose frame carries an error code (IRET frame at sp+8), and a
// noinstr C-style function with a frame pointer. All clean; objtool's ORC for it is
// the golden (entry.objtool-orcdump.txt).
#include "hintmacros.h"
	.section .noinstr.text, "ax"
	.globl	entry_syscall
entry_syscall:
	UNWIND_HINT 1, 0, 0
	swapgs
	movq	%rsp, %gs:0x10
	movq	%gs:0x20, %rsp
	pushq	$0x2b
	pushq	%gs:0x10
	pushq	%r11
	pushq	$0x33
	pushq	%rcx
	UNWIND_HINT 4, 5, 0, 1
	pushq	%rax
	pushq	%rdi
	pushq	%rsi
	pushq	%rdx
	subq	$0x68, %rsp
	UNWIND_HINT 3, 5, 0, 1
	movq	%rsp, %rdi
	call	do_syscall
	addq	$0x68, %rsp
	popq	%rdx
	popq	%rsi
	popq	%rdi
	popq	%rax
	UNWIND_HINT 4, 5, 0, 1
	popq	%rcx
	addq	$8, %rsp
	popq	%r11
	popq	%rsp
	UNWIND_HINT 1, 0, 0
	swapgs
	sysretq

	.globl	asm_exc_fault
asm_exc_fault:
	UNWIND_HINT 4, 5, 8, 1
	pushq	%rdi
	movq	8(%rsp), %rdi
	call	handle_fault
	popq	%rdi
	addq	$8, %rsp
	UNWIND_HINT 4, 5, 0, 1
	iretq

	.globl	noinstr_helper
	.type	noinstr_helper, @function
noinstr_helper:
	pushq	%rbp
	movq	%rsp, %rbp
	pushq	%rbx
	movq	%rdi, %rbx
	call	handle_fault
	movq	%rbx, %rax
	popq	%rbx
	popq	%rbp
	ret
	.size	noinstr_helper, .-noinstr_helper
