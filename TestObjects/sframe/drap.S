/* drap.S - GCC's DRAP prologue (stack realignment through %r10) with the CFI GCC
 * emits for it. SFrame cannot express a CFA on %r10. GNU as 2.40 drops the function
 * (its .cfi_escape), without a warning; check --against-sframe names it (UV1903),
 * check --sframe gives it no rows (UV1901). */
	.text
	.globl	realigned
	.type	realigned, @function
realigned:
	.cfi_startproc
	lea	8(%rsp), %r10
	.cfi_def_cfa %r10, 0
	and	$-32, %rsp
	push	-8(%r10)
	push	%rbp
	.cfi_escape 0x10,0x6,0x2,0x76,0
	mov	%rsp, %rbp
	push	%r10
	.cfi_escape 0xf,0x3,0x76,0x78,0x6
	sub	$64, %rsp
	call	ext
	add	$64, %rsp
	pop	%r10
	.cfi_def_cfa %r10, 0
	pop	%rbp
	lea	-8(%r10), %rsp
	.cfi_def_cfa 7, 8
	ret
	.cfi_endproc
	.size	realigned, .-realigned

/* The same without the .cfi_escape lines: GNU as 2.40 keeps the function, with an
 * SP-based row where the CFA is on %r10. */
	.globl	realigned_kept
	.type	realigned_kept, @function
realigned_kept:
	.cfi_startproc
	lea	8(%rsp), %r10
	.cfi_def_cfa %r10, 0
	and	$-32, %rsp
	push	-8(%r10)
	push	%rbp
	mov	%rsp, %rbp
	push	%r10
	sub	$64, %rsp
	call	ext
	add	$64, %rsp
	pop	%r10
	pop	%rbp
	lea	-8(%r10), %rsp
	.cfi_def_cfa 7, 8
	ret
	.cfi_endproc
	.size	realigned_kept, .-realigned_kept

/* A function without CFI directives: the assembler gives it no SFrame entry. */
	.globl	bare
	.type	bare, @function
bare:
	push	%rbx
	call	ext
	pop	%rbx
	ret
	.size	bare, .-bare
