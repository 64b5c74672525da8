// ibtjump.S - a jump (no relocation: `second` is local) to the instruction right after
// another function's ENDBR. With --ibt (Kbuild on IBT kernels) objtool treats it as a
// sibling call into that function: clean. Without, it is a jump into another
// function's code: first() falls through to second().
	.text
	.globl	first
	.type	first, @function
first:
	endbr64
	test	%rdi, %rdi
	je	second + 4
	ret
	.size	first, .-first

	.type	second, @function
second:
	endbr64
	xor	%eax, %eax
	ret
	.size	second, .-second
