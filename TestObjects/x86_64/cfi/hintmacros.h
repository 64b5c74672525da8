// hintmacros.h - UNWIND_HINT in the 6.12 layout and numbering (objtool_types.h):
// struct unwind_hint { u32 ip; s16 sp_offset; u8 sp_reg; u8 type; u8 signal; } (12 bytes)
// types: UNDEFINED 0, END_OF_STACK 1, CALL 2, REGS 3, REGS_PARTIAL 4, FUNC 5, SAVE 6, RESTORE 7
// ORC registers: UNDEFINED 0, PREV_SP 1, DX 2, DI 3, BP 4, SP 5, R10 6, R13 7, SP_INDIRECT 9
.macro UNWIND_HINT type:req sp_reg=0 sp_offset=0 signal=0
.Lhint_\@:
	.pushsection .discard.unwind_hints,"a"
	.long .Lhint_\@ - .
	.short \sp_offset
	.byte \sp_reg
	.byte \type
	.byte \signal
	.balign 4
	.popsection
.endm
