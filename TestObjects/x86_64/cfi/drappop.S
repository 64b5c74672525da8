# A DRAP frame (gcc's realigned shape) whose epilogue pops the saved DRAP slot into
# another register: only a pop of the DRAP register itself, at its slot, brings the CFA
# back to the DRAP register (objtool update_cfi_state, "drap: pop %drap"); popping the
# slot into %rcx leaves the CFA where it was (ORC: sp:(bp-8) until `lea -8(%r10),%rsp`
# restores the frame), where drappop_ok's pop %r10 makes it r10+0.
#include "drapframe.inc"

	.text
	.globl	drappop
	.type	drappop, @function
drappop:
	DRAP_PROLOGUE %r10
	nop
	pop	%rcx
	pop	%rbp
	lea	-8(%r10), %rsp
	ret
	.size	drappop, .-drappop

	.globl	drappop_ok
	.type	drappop_ok, @function
drappop_ok:
	DRAP_PROLOGUE %r10
	nop
	pop	%r10
	pop	%rbp
	lea	-8(%r10), %rsp
	ret
	.size	drappop_ok, .-drappop_ok
