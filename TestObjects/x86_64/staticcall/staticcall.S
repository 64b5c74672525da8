/* staticcall.S - the --static-call check (objtool create_static_call_sections): each
 * call or tail call to a static-call trampoline (__SCT__name) needs the key symbol
 * (__SCK__name), except in a module (the trampoline then stands for the key).
 * The real objtool 6.12's verdicts: staticcall.objtool612.txt (--static-call --link:
 * __SCK__bar is missing, objtool stops listing there) and
 * staticcall-module.objtool612.txt (--static-call --link --module: no finding). */
	.text
	.globl	calls_foo
	.type	calls_foo, @function
calls_foo:
	call	__SCT__foo
	jmp	__SCT__foo
	.size	calls_foo, .-calls_foo

	.globl	calls_bar
	.type	calls_bar, @function
calls_bar:
	call	__SCT__bar
	ret
	.size	calls_bar, .-calls_bar

	.data
	.quad	__SCK__foo
