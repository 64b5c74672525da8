// elf32.S - assembled for i386: an ELF32 object, which unwindcheck must refuse.
	.text
	.globl	f
f:
	ret
