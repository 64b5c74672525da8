# A DRAP frame (gcc's realigned shape) whose epilogue pops the saved DRAP slot into
# another register: only a pop of the DRAP register itself, at its slot, brings the CFA
# back to the DRAP register (objtool update_cfi_state, "drap: pop %drap"); popping the
# slot into %rcx leaves the CFA where it was, and the return is then a modified frame.
	.text
	.globl	drappop
	.type	drappop, @function
drappop:
	lea	8(%rsp), %r10
	and	$-16, %rsp
	push	-8(%r10)
	push	%rbp
	mov	%rsp, %rbp
	push	%r10
	nop
	pop	%rcx
	pop	%rbp
	lea	-8(%r10), %rsp
	ret
	.size	drappop, .-drappop

	.globl	drappop_ok
	.type	drappop_ok, @function
drappop_ok:
	lea	8(%rsp), %r10
	and	$-16, %rsp
	push	-8(%r10)
	push	%rbp
	mov	%rsp, %rbp
	push	%r10
	nop
	pop	%r10
	pop	%rbp
	lea	-8(%r10), %rsp
	ret
	.size	drappop_ok, .-drappop_ok
