// structure.S - findings about code structure.
// nosize: an STT_FUNC without .size (missing ELF size annotation).
	.text
	.globl	nosize
	.type	nosize, @function
nosize:
	ret

