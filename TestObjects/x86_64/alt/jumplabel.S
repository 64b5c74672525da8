// jumplabel.S - static-branch sites: a 5-byte NOP that may become `jmp l_yes`, and a
// `jmp` that may become a NOP. Both targets are reached only through __jump_table.
	.text
	.globl	jl
	.type	jl, @function
jl:
	push	%rbx
1:	.byte 0x0f, 0x1f, 0x44, 0x00, 0x00
	pop	%rbx
	ret
2:	mov	$1, %eax
	pop	%rbx
	ret
	.size	jl, .-jl

	.globl	jl2
	.type	jl2, @function
jl2:
3:	jmp	4f
	mov	$2, %eax
4:	ret
	.size	jl2, .-jl2

	.pushsection __jump_table,"aw"
	.balign 8
	.long 1b - .
	.long 2b - .
	.quad key1 - .
	.long 3b - .
	.long 4b - .
	.quad key2 + 1 - .
	.popsection
