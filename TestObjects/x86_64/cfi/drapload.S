// drapload.S - loads through %rbp in a DRAP frame: a local (no CFA change), the DRAP
// register from its slot (the CFA is the DRAP register again, objtool's "drap: mov
// disp(%rbp), %drap"), and the caller's %rbp by a load instead of a pop (not the
// "mov disp(%rsp), %rbp" restore of a frame without DRAP).
#include "drapframe.inc"

	.text
	.globl	drapload
	.type	drapload, @function
drapload:
	DRAP_PROLOGUE %r10
	sub	$0x20, %rsp
	mov	-0x10(%rbp), %rax
	mov	-0x8(%rbp), %r10
	leave
	lea	-8(%r10), %rsp
	ret
	.size	drapload, .-drapload

	.globl	drapload_bp
	.type	drapload_bp, @function
drapload_bp:
	DRAP_PROLOGUE %r10
	mov	-0x8(%rbp), %r10
	mov	(%rbp), %rbp
	lea	-8(%r10), %rsp
	ret
	.size	drapload_bp, .-drapload_bp
