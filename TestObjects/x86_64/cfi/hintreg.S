// hintreg.S - a hint whose sp_reg is not a CFA base objtool accepts (PREV_SP).
#include "hintmacros.h"
	.text
	.globl	prevsp
	.type	prevsp, @function
prevsp:
	UNWIND_HINT 3, 1, 8
	ret
	.size	prevsp, .-prevsp
