/*
 * arm64 .altinstructions (12-byte entries) with a good entry and a replacement longer
 * than its original (patching would overwrite the instruction after the site): `check`
 * reports the bad entry at its place and still analyses the good site and the rest.
 */
	.text
	.globl alt_good
	.type alt_good, %function
alt_good:
1:	nop
2:	ret
	.size alt_good, .-alt_good
	.globl alt_long
	.type alt_long, %function
alt_long:
5:	nop
6:	ret
	.size alt_long, .-alt_long
	.subsection 1
3:	mov	x0, #1
4:
7:	mov	x0, #1
	mov	x1, #2
8:
	.subsection 0
	.pushsection .altinstructions, "a"
	.long	1b - .
	.long	3b - .
	.2byte	0x21
	.byte	2b - 1b
	.byte	4b - 3b
	.long	5b - .
	.long	7b - .
	.2byte	0x21
	.byte	6b - 5b
	.byte	8b - 7b
	.popsection
