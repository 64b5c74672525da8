// badhint.S - a RESTORE hint with no SAVE before it in its function.
#include "hintmacros.h"
	.text
	.globl	nosave
	.type	nosave, @function
nosave:
	push	%rbx
	UNWIND_HINT 7
	pop	%rbx
	ret
	.size	nosave, .-nosave
