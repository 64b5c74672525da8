/* noinstrext.S - a call from noinstr code to a function outside the object (an
 * undefined symbol: in vmlinux.o, code the link did not bring in). Its section is
 * unknown, so it is not noinstr: objtool 6.12 (`--noinstr --link`) reports the call,
 * as it does a call into instrumented code (entry/entry.S). Golden:
 * noinstrext.objtool612.txt. */
	.section .noinstr.text, "ax"
	.globl	calls_extern			/* EXPECT: call to elsewhere() leaves .noinstr.text section */
	.type	calls_extern, @function
calls_extern:
	call	elsewhere
	jmp	__x86_return_thunk
	.size	calls_extern, .-calls_extern
