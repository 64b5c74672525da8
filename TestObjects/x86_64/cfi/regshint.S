// regshint.S - REGS frames (entry code, a pt_regs on the stack) whose CFA is not based
// on %rsp: inside a REGS frame objtool follows only %rsp-based CFAs (pushes, pops and
// adds move the offset), so a frame described from %rbp keeps its CFA across a push.
#include "hintmacros.h"
	.text
	.globl	regs_bp
regs_bp:
	UNWIND_HINT type=3 sp_reg=4 sp_offset=168
	push	%rax
	nop
	pop	%rax
	UNWIND_HINT type=3 sp_reg=5 sp_offset=160
	push	%rax
	nop
	pop	%rax
	UNWIND_HINT type=1
	ud2
