// samecold/a.S - one of two object files (linked into ../samecold.o with ld -r, STT_FILE
// symbols stripped, as in Debian 6.1 modules), each with a local put_ldev and its own
// put_ldev.cold (static inline helpers outlined in every file, gcc hot/cold split).
	.text
	.type	put_ldev, @function
put_ldev:
	push	%rbx
	test	%rdi, %rdi
	js	put_ldev.cold
1:	pop	%rbx
	ret
	.size	put_ldev, .-put_ldev
	.globl	user_a
	.type	user_a, @function
user_a:
	call	put_ldev
	ret
	.size	user_a, .-user_a
	.section .text.unlikely,"ax",@progbits
	.type	put_ldev.cold, @function
put_ldev.cold:
	mov	$1, %eax
	jmp	1b
	.size	put_ldev.cold, .-put_ldev.cold
