# Two paths that realign the stack through a DRAP register (gcc's shape for an
# over-aligned frame: lea 8(%rsp),%drap; and $-16,%rsp; push -8(%drap); push %rbp;
# mov %rsp,%rbp; push %drap) and meet: the same CFA (through the pushed DRAP slot), the
# same saved registers and frame type, but one kept its DRAP in %r10 and the other in
# %r13. Only the DRAP comparison at the join tells them apart (objtool insn_cfi_match).
#include "drapframe.inc"

	.text
	.globl	drapjoin
	.type	drapjoin, @function
drapjoin:
	test	%rdi, %rdi
	jz	.Lother
	DRAP_PROLOGUE %r13
	jmp	.Ljoin
.Lother:
	# (objtool walks a branch's target first: this path reaches the join first and
	# the epilogue below is its own.)
	DRAP_PROLOGUE %r10
.Ljoin:
	nop
	mov	-8(%rbp), %r10
	leave
	lea	-8(%r10), %rsp
	ret
	.size	drapjoin, .-drapjoin
