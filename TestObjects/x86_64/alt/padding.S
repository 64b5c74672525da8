// padding.S - alt61/padding61.S in the 6.12 layout: the padding NOP of the shorter
// replacement conflicts with the original at +6; objtool 6.12 reports it at the site.
#include "altmacros.h"
	.text
	.globl	padsite
	.type	padsite, @function
padsite:
1:	push	%rax
	.byte 0x0f, 0x1f, 0x44, 0x00, 0x00
	pop	%rax
	nop
2:	ret
	.size	padsite, .-padsite
	.pushsection .altinstr_replacement,"ax"
3:	.byte 0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00
4:
	.popsection
	ALT_ENTRY(1b, 2b, 3b, 4b, 117)
