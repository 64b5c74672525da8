// pvsave.S - the paravirt save_fl site: `call *pv_ops+N(%rip)` (6 bytes) replaced by
// `pushf; pop %rax` (2 bytes, padded). The replacement's boundaries (+1 with the
// pushf's extra 8 bytes) fall inside the call, where the original has no boundary:
// no conflict. objtool: clean.
#include "altmacros.h"
	.text
	.globl	save_fl
	.type	save_fl, @function
save_fl:
	push	%rbx
1:	call	*pv_ops+8(%rip)
2:
	pop	%rbx
	ret
	.size	save_fl, .-save_fl
	.pushsection .altinstr_replacement,"ax"
3:	pushf
	pop	%rax
4:
	.popsection
	ALT_ENTRY(1b, 2b, 3b, 4b, 117)
