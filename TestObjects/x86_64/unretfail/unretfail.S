/* unretfail.S - an --unret path that cannot be followed: entry code calls a function
 * that is not in the object. objtool names the callee, then fails the root and stops
 * (nothing more is checked or written): UV0111. The real objtool 6.12's verdict:
 * unretfail.objtool612.txt (--unret --rethunk --link --dry-run). */
	.text
	.globl	entry_calls_out			/* EXPECT: Failed UNRET validation */
	.type	entry_calls_out, @function
entry_calls_out:
1:	call	elsewhere
	.pushsection .discard.validate_unret
	.long	1b - .
	.popsection
	jmp	__x86_return_thunk
	.size	entry_calls_out, .-entry_calls_out
