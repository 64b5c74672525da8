// cold.S - a function with a .cold part in .text.unlikely, reached by a jump, that
// jumps back: validated as part of its parent.
	.text
	.globl	hot
	.type	hot, @function
hot:
	push	%rbx
	test	%rdi, %rdi
	jne	hot.cold
1:	pop	%rbx
	ret
	.size	hot, .-hot
	.section .text.unlikely,"ax",@progbits
	.type	hot.cold, @function
hot.cold:
	mov	$1, %ebx
	jmp	1b
	.size	hot.cold, .-hot.cold
