import UnwindModel

/// The catalogue `unwindcheck explain RULE` prints: for every rule what it means, what
/// usually causes it, how to fix or annotate it, and the TestObject that shows it
/// (with the real objtool's output recorded beside it).
public struct CatalogueEntry: Sendable {
  public var rule: RuleID
  public var meaning: String
  public var causes: String
  public var fix: String
  /// Path under TestObjects/ of an object that triggers it, if one exists.
  public var example: String?

  /// The messages the rule reports, as declared (`MessageKind`), each slot by its label:
  /// objtool's wording where objtool has the message (the text kernel developers grep for).
  public var messages: String {
    MessageKind.kinds(of: rule).map(\.template.pattern).joined(separator: " / ")
  }
}

public enum RuleCatalogue {
  public static func entry(for rule: RuleID) -> CatalogueEntry? { entries.first { $0.rule == rule } }

  public static func text(for e: CatalogueEntry) -> String {
    """
    \(e.rule.code) \(e.rule.name)
    says: \(e.messages)

    Meaning: \(e.meaning)
    Typical causes: \(e.causes)
    How to fix: \(e.fix)
    \(e.example.map { "Example: TestObjects/\($0)" } ?? "")
    """
  }

  public static let entries: [CatalogueEntry] = [
    CatalogueEntry(
      rule: .cannotDecode,
      meaning: "Bytes in an executable section cannot be decoded, so the code cannot be analysed. (Undefined one-byte opcodes are walked as plain instructions, as objtool does; `unwindcheck decode` marks them invalid.)",
      causes: "Data placed in .text (literal pools, tables), a wrong .byte sequence in assembly, or an instruction newer than the decoder.",
      fix: "Move data out of executable sections; if the encoding is valid, report it with the bytes (unwindcheck decode shows them).",
      example: nil),
    CatalogueEntry(
      rule: .jumpDestinationNotFound,
      meaning: "A direct jump targets a byte that is not the start of an instruction.",
      causes: "Jumping into the middle of an instruction (obfuscation, hand-patched bytes), or a relocation with a wrong addend.",
      fix: "Jump to an instruction boundary; check the label and the relocation.", example: nil),
    CatalogueEntry(
      rule: .intraFunctionCall,
      meaning: "A `call` targets code that is not a symbol start: a call used as a jump that pushes (RSB stuffing, retpoline). The stack effect cannot be inferred without an annotation.",
      causes: "`call 1f` sequences in assembly without ANNOTATE_INTRA_FUNCTION_CALL.",
      fix: "Add ANNOTATE_INTRA_FUNCTION_CALL before the call (and UNWIND_HINT as needed at the target). For a final .ko, unwindcheck recovers the lost annotation itself.",
      example: "x86_64/cfi/intracall.S"),
    CatalogueEntry(
      rule: .callToNonFunction,
      meaning: "A function calls a symbol that is not STT_FUNC.",
      causes: "An assembly label used as a call target without `SYM_FUNC_START`/`.type ..., @function`.",
      fix: "Declare the target as a function (SYM_FUNC_START/END or .type/.size).", example: nil),
    CatalogueEntry(
      rule: .callDestinationNotFound,
      meaning: "A call through a section-relative relocation lands where no symbol starts.",
      causes: "A call to a local label instead of a function, or a corrupt relocation.",
      fix: "Call a symbol, or annotate an intra-function call.", example: nil),
    CatalogueEntry(
      rule: .specialSectionEntry,
      meaning: "An entry of .altinstructions, __jump_table or __ex_table does not point at instruction boundaries, or its site has an unexpected shape. unwindcheck also checks each .altinstructions entry against the object before use (reported at the entry, `.altinstructions+0xN: bad alternative entry: ...`, and skipped while the rest is analysed): a relocation for each address, the original and the replacement inside code, and a replacement not longer than the original (the kernel copies it over the original: a longer one overwrites the code after the site; objtool 6.12 crashes on it). In `check` a __jump_table, __ex_table or (arm64, final modules) __bug_table entry whose address fields have no usable relocation (none: objtool's 'can't find orig reloc'; one that does not write 4 bytes) or do not name instructions is reported at the entry and the rest analysed; objtool, and `unwindcheck objtool`, stop at the first.",
      causes: "Hand-written ALTERNATIVE or jump-label sites with wrong labels or lengths; a jump label site that is neither a NOP nor a JMP; a damaged or crafted object.",
      fix: "Use the kernel's ALTERNATIVE()/static_branch macros; check the labels.", example: "x86_64/cfi/badlabel.S"),
    CatalogueEntry(
      rule: .badHint,
      meaning: "An UNWIND_HINT names a CFA base the unwinder cannot use, or the hint table is malformed.",
      causes: "UNWIND_HINT with an sp_reg other than sp, bp, sp-indirect, r10, r13, di, dx or undefined.",
      fix: "Use UNWIND_HINT_REGS/IRET_REGS/FUNC with a supported base register.", example: "x86_64/cfi/hintreg.S"),
    CatalogueEntry(
      rule: .undefinedStackState,
      meaning: "An instruction changes the stack after the stack pointer was set to a value the analysis cannot relate to the frame.",
      causes: "`mov %reg,%rsp` with an unknown register, then a push/pop or call.",
      fix: "Switch stacks with the swizzle pattern (mov %rsp,(%reg); mov %reg,%rsp; ...; pop %rsp), or describe the new frame with an UNWIND_HINT.",
      example: "x86_64/cfi/undefined.S"),
    CatalogueEntry(
      rule: .unsupportedStackRegisterModification,
      meaning: "An add/lea changes the register the CFA is based on in a way no rule understands.",
      causes: "Arithmetic on the frame pointer while it defines the frame (e.g. `lea 8(%rbp),%rbp`).",
      fix: "Keep the frame pointer constant while it is the CFA base, or put an UNWIND_HINT on the next instruction.",
      example: "x86_64/cfi/regmod.S"),
    CatalogueEntry(
      rule: .unsupportedStackRealignment,
      meaning: "`and $imm,%rsp` realigns the stack without a frame pointer or DRAP register to recover the frame.",
      causes: "Assembly that aligns rsp directly.",
      fix: "Set up a frame pointer first (push %rbp; mov %rsp,%rbp) or use the DRAP pattern (lea 8(%rsp),%r10 before the and).",
      example: "x86_64/cfi/realign.S"),
    CatalogueEntry(
      rule: .unknownStackInstruction,
      meaning: "A stack operation of a form the CFI rules do not model.",
      causes: "An unusual register-to-stack-pointer move produced by a new compiler pattern.",
      fix: "Rewrite with standard push/pop/add/sub, or report the instruction.", example: nil),
    CatalogueEntry(
      rule: .unknownStackMemoryOperation,
      meaning: "A write to memory is modelled as a stack operation but is not a pop.",
      causes: "Unusual encodings; not produced by the x86 decoder today.",
      fix: "Report the instruction.", example: nil),
    CatalogueEntry(
      rule: .stackStateMismatch,
      meaning: "Two paths reach the same instruction with different frames: the unwinder cannot describe both. 1 is the state recorded first, 2 the arriving one; on x86, as objtool prints it, B is a register number (4 rsp, 5 rbp, -1 undefined, -2 CFA); on arm64 registers are named (reg1[x29]=cfa-16 reg2[x29]=undef).",
      causes: "A branch that skips a push or pop; a register saved on only one path; inline asm that pushes conditionally.",
      fix: "Make every path agree on the stack depth and saved registers at the join.",
      example: "x86_64/cfi/mismatch.S"),
    CatalogueEntry(
      rule: .returnWithModifiedFrame,
      meaning: "A function returns while its stack differs from the entry state: something pushed is still there, or a register save is still recorded.",
      causes: "A missing pop/add before ret; popping into a different register than was pushed.",
      fix: "Restore the stack and registers before returning.", example: "x86_64/cfi/modret.S"),
    CatalogueEntry(
      rule: .siblingCallWithModifiedFrame,
      meaning: "A tail call (a jump to another function, or an indirect jump without a jump table) leaves with the stack not restored.",
      causes: "A jmp to another function while registers are still pushed; an indirect jump the analysis did not match to a switch table.",
      fix: "Restore the frame before the tail call.", example: "x86_64/cfi/sibling.S"),
    CatalogueEntry(
      rule: .callWithoutFramePointer,
      meaning: "With frame-pointer rules (--stackval), a function calls without having set up rbp as frame pointer.",
      causes: "Assembly functions that call without `push %rbp; mov %rsp,%rbp`, or code built without -fno-omit-frame-pointer.",
      fix: "Add FRAME_BEGIN/FRAME_END (push %rbp; mov %rsp,%rbp ... pop %rbp).", example: "x86_64/cfi/stackval.S"),
    CatalogueEntry(
      rule: .framePointerScratch,
      meaning: "With frame-pointer rules, rbp was saved and reused as a general register instead of as the frame pointer.",
      causes: "Hand-written assembly using rbp for data.",
      fix: "Use another register, or make rbp the frame pointer.", example: "x86_64/cfi/stackval.S"),
    CatalogueEntry(
      rule: .fallsThrough,
      meaning: "Straight-line code runs past the end of a function into the next one.",
      causes: "A missing ret/jmp at the end of an assembly function; a call to a noreturn function the analysis does not know; wrong .size.",
      fix: "End the function with ret/jmp, mark noreturn callees, or fix the ELF size.", example: "x86_64/cfi/fallthrough.S"),
    CatalogueEntry(
      rule: .unexpectedEndOfSection,
      meaning: "Execution runs off the end of an executable section with a defined frame.",
      causes: "A last function without a terminating instruction.",
      fix: "End the code with ret/jmp/ud2.", example: "x86_64/cfi/endofsection.S"),
    CatalogueEntry(
      rule: .unreachableInstruction,
      meaning: "An instruction no path reaches (reported only when nothing else was found). It gets no unwind data.",
      causes: "Code after a call to an unknown noreturn function; WARN() sites whose reachable annotation was lost; dead code.",
      fix: "Annotate noreturn functions; remove dead code. Final .ko inputs: unwindcheck re-derives WARN reachability from __bug_table.",
      example: "x86_64/cfi/unreachable.S"),
    CatalogueEntry(
      rule: .missingNoreturn,
      meaning: "Unreachable code follows a call to a function the analysis treats as noreturn.",
      causes: "A noreturn function without the attribute in C, or missing from objtool's noreturns list.",
      fix: "Add __noreturn to the declaration (and to tools/objtool/noreturns.h).", example: "x86_64/cfi/noreturn.S"),
    CatalogueEntry(
      rule: .missingSize,
      meaning: "An STT_FUNC symbol has size 0, so its instructions cannot be attributed to it.",
      causes: "Assembly functions without `.size` (SYM_FUNC_END).",
      fix: "Add SYM_FUNC_END / .size.", example: "x86_64/cfi/structure.S"),
    CatalogueEntry(
      rule: .unsupportedInstruction,
      meaning: "A context switch (syscall, sysret, iret, far jump or return) inside an STT_FUNC, where unwinding cannot follow.",
      causes: "Entry code marked as a function.",
      fix: "Mark entry code as non-function (SYM_CODE_START) or put an UNWIND_HINT on the next instruction.",
      example: "x86_64/cfi/ctxswitch.S"),
    CatalogueEntry(
      rule: .restoreWithoutSave,
      meaning: "An UNWIND_HINT_RESTORE has no UNWIND_HINT_SAVE before it in the same function.",
      causes: "A missing or misplaced SAVE hint.",
      fix: "Put UNWIND_HINT_SAVE where the state to restore is valid.", example: "x86_64/cfi/badhint.S"),
    CatalogueEntry(
      rule: .saveRestoreCombo,
      meaning: "A RESTORE hint is reached (not at a block start) before its SAVE was visited.",
      causes: "SAVE/RESTORE on code whose control flow reaches the RESTORE first.",
      fix: "Restructure so the SAVE is on the straight-line path before the RESTORE.", example: nil),
    CatalogueEntry(
      rule: .alternativeConflict,
      meaning: "Two code streams of one patch site (original and a replacement, or two replacements) have different CFI at a byte offset where both have an instruction boundary. Whichever is patched in, the unwinder may stop there, so one of them would be described wrongly. Reported at the site's first original instruction; WHERE is the instruction that found the conflict.",
      causes: "A replacement that pushes/pops at a different point than the original; a replacement that leaves the stack deeper at its end (its padding NOP records that state).",
      fix: "Make all streams agree at shared boundaries: align pushes/pops with the original's instruction boundaries, pad with one long NOP instead of several short ones, or rebalance the replacement.",
      example: "x86_64/alt/conflict.S"),
    CatalogueEntry(
      rule: .dwarfCFAMismatch,
      meaning: "check --against-dwarf: before this instruction the CFA (the stack pointer value before the call) that unwindcheck computes from the instructions differs from the CFA rule of the object's .eh_frame/.debug_frame. Reported once per run of consecutive instructions with the same pair. 'suspect' names the side more likely wrong: the DWARF when the function validates cleanly (the instructions' effect on the stack is unambiguous), unwindcheck's walk when the function has other findings.",
      causes: "Hand-written assembly whose .cfi_adjust_cfa_offset/.cfi_def_cfa_offset does not follow a push, pop or stack adjustment; a .cfi_def_cfa_register missing after mov %rsp,%rbp; CFI forgotten on one path (.cfi_remember_state/.cfi_restore_state).",
      fix: "Fix the .cfi_* directive at the reported line (or use the kernel's UNWIND_HINT/annotations if the code is deliberately unusual).",
      example: "x86_64/dwarf/wrongcfi.S"),
    CatalogueEntry(
      rule: .dwarfReturnAddressMismatch,
      meaning: "check --against-dwarf: the CFAs agree but the DWARF places the return address somewhere other than where the call left it (x86-64: CFA-8).",
      causes: "A .cfi_offset for the return-address column (rip) in hand-written assembly, or a CIE with an unusual return-address rule.",
      fix: "Remove or correct the .cfi_offset/.cfi_register for the return-address column.",
      example: nil),
    CatalogueEntry(
      rule: .dwarfFramePointerMismatch,
      meaning: "check --against-dwarf: the CFAs agree but the caller's frame pointer is saved at a different place (or saved on one side only). Two benign forms are accepted and counted as 'tolerated': a save the DWARF marks later than the push (clang marks saves after the whole prologue) when the function's DWARF does describe that save, and a save slot the DWARF still names after the pop released it (no .cfi_restore in epilogues).",
      causes: "A push %rbp without .cfi_offset %rbp, a .cfi_offset with the wrong offset, or a .cfi_restore on the wrong path.",
      fix: "Fix the .cfi_offset/.cfi_restore for the frame pointer at the reported line.",
      example: "x86_64/dwarf/wrongcfi.S"),
    CatalogueEntry(
      rule: .dwarfSectionNotCompared,
      meaning: "check --against-dwarf: a frame section (.eh_frame or .debug_frame) is not compared at all, because reading it with libdw would take unbounded memory or time: libdw sizes a frame's register table by the highest register number named, evaluates an FDE's program from its start for every row, and copies the register table at each DW_CFA_remember_state. The section is scanned as libdw would read it (after relocation) before libdw sees it. Real compiler output stays far below the limits (docs/user-guide.md lists the largest values measured); the rest of the object is still checked.",
      causes: "A corrupt or crafted frame section (a relocation writing into call-frame instructions, a mangled register number), or generated CFI with one enormous FDE.",
      fix: "Regenerate the object; if a tool produced the section, check its .cfi_* output. Nothing in the code itself is wrong.",
      example: nil),
    CatalogueEntry(
      rule: .sframeCannotExpress,
      meaning: "check --sframe: at this instruction the CFI the walk computed has no SFrame row: the CFA is not SP or FP plus an offset (undefined after a stack switch, on another register as with DRAP, realigned), the frame is an exception or interrupt frame, the return address is not where SFrame puts it (x86-64: CFA-8; AArch64: in x30 or saved CFA-relative), (AArch64) the frame pointer is saved while the return address is not, or (version 3) the function needs more than 65,535 rows. The function gets no SFrame at all rather than a wrong row; GNU as 2.40 writes wrong rows for several of these silently.",
      causes: "Entry and stack-switching assembly, DRAP prologues (GCC's stack realignment), interrupt frames described by unwind hints.",
      fix: "Nothing to fix in SFrame terms: an unwinder reading SFrame cannot pass this function. Use another unwinder for it (ORC, DWARF), or restructure the code if it should be unwindable.",
      example: nil),
    CatalogueEntry(
      rule: .sframeDisagrees,
      meaning: "check --against-sframe: the object's own .sframe (written by the assembler from .cfi directives) says something else about this instruction than the CFI the walk computed from the machine code: the CFA (register and offset, equal values through SP or FP accepted), where the frame pointer is saved (when the machine code says it is), or where the return address is, whether it is signed and (AArch64) with which key: PACIBSP signs with the B key, which the function's entry must say. Reported at the first such instruction of the function with the count. Accepted as the compiler's CFI writes it: a frame-pointer slot .sframe still names after the register was restored (no .cfi_restore in epilogues), a frame-pointer save described later while the register still holds the caller's value (clang's prologues), a saved return address .sframe describes late while x30 still holds it, and one it still names after the reload while the slot is above SP. Not accepted: a return address .sframe says is in a slot below SP while x30 holds it.",
      causes: "A wrong or missing .cfi_* directive in hand-written assembly; CFI GNU as 2.40 re-encodes wrongly without a warning (a CFA on a register other than SP and FP, DRAP, the frame pointer saved while the return address is not, and clang's .cfi_remember_state/.cfi_restore_state around a shrink-wrapped early return); the compiler's own CFI wrong at that instruction (check --against-dwarf then disagrees there too).",
      fix: "Fix the .cfi_* directive; where SFrame cannot express the frame (check --sframe says so, UV1901), keep such a function out of SFrame.",
      example: nil),
    CatalogueEntry(
      rule: .sframeMissing,
      meaning: "check --against-sframe: a function the walk reaches has no function entry in the object's .sframe, so an unwinder that reads SFrame stops there. The assembler writes none for code without .cfi directives, and drops functions whose CFI it cannot translate.",
      causes: "Assembly without .cfi_startproc/.cfi_endproc; directives GNU as cannot translate (.cfi_escape, .cfi_register of the return address, ...).",
      fix: "Annotate the function (check --against-dwarf --coverage gives the rows to write), or have unwindcheck write the .sframe (check --sframe).",
      example: nil),
    CatalogueEntry(
      rule: .badRetpolineHint,
      meaning: "An ANNOTATE_RETPOLINE_SAFE marks an instruction that is not an indirect jump, indirect call, return or NOP, or the annotation table is malformed. objtool stops here (a setup error: nothing is written); `check` reports each bad entry at its place in the table and analyses the rest.",
      causes: "The annotation placed before the wrong instruction; a hand-made .discard.retpoline_safe entry.",
      fix: "Put ANNOTATE_RETPOLINE_SAFE right before the indirect branch or return it excuses.", example: nil),
    CatalogueEntry(
      rule: .badNoEndbrHint,
      meaning: "An ANNOTATE_NOENDBR entry (.discard.noendbr) names no instruction. objtool stops here (a setup error: nothing is written); `check` reports each bad entry at its place in the table and analyses the rest.",
      causes: "The annotation placed where no instruction starts (data in text, the middle of an instruction); a hand-made table.",
      fix: "Put ANNOTATE_NOENDBR at the start of the code whose address is taken.", example: "x86_64/cfi/badnoendbr.S"),
    CatalogueEntry(
      rule: .relocationToNonEndbr,
      meaning: "--ibt: an instruction that is not a branch takes the address of code that does not start with ENDBR (a function pointer load). With IBT an indirect call or jump there faults (#CP). References within the same function (_THIS_IP_, IRET-to-self), to ANNOTATE_NOENDBR code and to the end of a symbol that starts with ENDBR (a code range) are accepted; static-call trampolines are exempt.",
      causes: "Assembly code without SYM_FUNC_START (which adds the ENDBR) whose address is stored; a function built without -fcf-protection=branch; a pointer into the middle of a function.",
      fix: "Start the target with ENDBR (SYM_FUNC_START, or SYM_TYPED_FUNC_START for kCFI); if it is never an indirect branch target, ANNOTATE_NOENDBR.",
      example: "x86_64/ibt/ibt.S"),
    CatalogueEntry(
      rule: .dataRelocationToNonEndbr,
      meaning: "--ibt: data (an ops structure, a table of function pointers) holds the address of code that does not start with ENDBR. Sections that name code without branching there (debug info, __bug_table, __ex_table, __jump_table, .altinstructions, the kernel's patch lists and .discard.* but .discard.ibt_endbr_noseal) are skipped; ANNOTATE_NOENDBR targets are accepted.",
      causes: "A function pointer to an assembly routine without ENDBR; a table of labels inside a function.",
      fix: "Give the target an ENDBR (SYM_FUNC_START) or annotate it ANNOTATE_NOENDBR when the pointer is never branched through.",
      example: "x86_64/ibt/ibt.S"),
    CatalogueEntry(
      rule: .iretRegsHintWithoutEndbr,
      meaning: "--ibt: entry code at a global symbol starts with an IRET-frame unwind hint (UNWIND_HINT_IRET_REGS, REGS_PARTIAL) but no ENDBR: exception and interrupt entries are reached through the IDT, an indirect branch.",
      causes: "An IDT entry stub without ENDBR.",
      fix: "Put ENDBR first in the entry (the kernel's idtentry macros do), or ANNOTATE_NOENDBR when it is not a branch target.",
      example: "x86_64/ibt/ibt.S"),
    CatalogueEntry(
      rule: .moduleEntryNotIndirectTarget,
      meaning: "--ibt --module: the module's init_module or cleanup_module starts with an ENDBR that nothing in the object references, so objtool would list it for sealing; but the module loader calls them indirectly, and a sealed ENDBR faults.",
      causes: "A module whose init/exit function is not referenced by the module's own data (module_init()/module_exit() normally alias them and __this_module references them after modpost).",
      fix: "Use module_init()/module_exit(); check the build adds the .gnu.linkonce.this_module reference.",
      example: "x86_64/ibt/ibt.S"),
    CatalogueEntry(
      rule: .staticCallTrampolineMalformed,
      meaning: "--static-call: a static call's trampoline does not carry the __SCT__ prefix its key name is derived from. objtool stops listing static calls there (no .static_call_sites, no ORC). objtool 6.12 recognises trampolines by that prefix, so real objects never reach this.",
      causes: "A hand-made object; a renamed trampoline symbol.",
      fix: "Declare static calls with DEFINE_STATIC_CALL/static_call() so the trampoline and key names match.", example: nil),
    CatalogueEntry(
      rule: .staticCallKeyMissing,
      meaning: "--static-call (linked objects other than modules): a call to the trampoline __SCT__name whose key __SCK__name is not in the object, so the kernel could not patch that site when the call is updated. objtool 6.12 stops listing static calls there and writes a half-filled .static_call_sites and no ORC; unwindcheck reports the same line and leaves the object unchanged. Modules are exempt: the trampoline stands for an unexported key.",
      causes: "A static call to a key defined in another object that was not linked in; a key declared with a different name; calling a static call's trampoline directly.",
      fix: "Link the object that DEFINE_STATIC_CALL()s the key, or call through static_call(name).", example: "x86_64/staticcall/staticcall.S"),
    CatalogueEntry(
      rule: .badAnnotationEntry,
      meaning: "An instrumentation_begin()/end(), VALIDATE_UNRET_BEGIN or ASM_REACHABLE (.discard.reachable) annotation names no instruction, or its relocation is not against a section symbol. objtool stops here (a setup error: nothing is written; 'can't find reachable insn at .text+0x7' for .discard.reachable); `check` reports each bad entry at its place in the table and analyses the rest. objtool 6.12 reports a bad .discard.validate_unret entry as 'bad .discard.instr_end entry'.",
      causes: "An annotation at a place where no instruction starts; a hand-made table.",
      fix: "Use the kernel's macros; they place the annotation at the next instruction.", example: "x86_64/cfi/badinstr.S"),
    CatalogueEntry(
      rule: .unretWalkFailed,
      meaning: "--unret: a path from VALIDATE_UNRET_BEGIN cannot be followed, and the reason comes first: a call to a function that has no code in the object ('Unresolved function after linking!?: NAME'), a jump without a target ('unresolved jump target after linking?!?'), the end of a section ('teh end!'). objtool stops there: nothing more is checked or written.",
      causes: "An object that is not the whole vmlinux.o; a call from entry code to a symbol the linker did not resolve into the object.",
      fix: "Run --unret on the linked vmlinux.o; make entry code call only what is linked in.", example: "x86_64/unretfail/unretfail.S"),
    CatalogueEntry(
      rule: .callLeavesNoinstr,
      meaning: "--noinstr: code in a noinstr section (.noinstr.text, .entry.text, .cpuidle.text, .text..__x86.*) calls, with instrumentation off, a function outside them. Such code runs where tracing, KASAN or lockdep would recurse or see inconsistent state (entry before the context is set up, idle). Static-call trampolines and UBSAN reports are accepted; an indirect call only through a paravirt slot that holds nothing but noinstr functions.",
      causes: "A helper not marked noinstr or __always_inline; a call outside instrumentation_begin()/instrumentation_end().",
      fix: "Mark the callee noinstr (or __always_inline), or bracket the call with instrumentation_begin()/instrumentation_end().",
      example: "x86_64/entry/entry.S"),
    CatalogueEntry(
      rule: .returnWithInstrumentation,
      meaning: "--noinstr: a noinstr function returns between instrumentation_begin() and instrumentation_end(): its caller continues believing instrumentation is off.",
      causes: "A return path that skips instrumentation_end().",
      fix: "End the instrumented region on every path before returning.", example: "x86_64/entry/entry.S"),
    CatalogueEntry(
      rule: .paravirtTargetInstrumented,
      meaning: "--noinstr: noinstr code calls through a paravirt operations slot, and this function, which the slot can hold (statically or stored at boot from .init.text), is not noinstr. Printed each time such a call is checked, with the call's own finding.",
      causes: "A paravirt operation implemented by an ordinary function.",
      fix: "Make every implementation of the operation noinstr, or avoid the paravirt call in noinstr code.", example: "x86_64/entry/entry.S"),
    CatalogueEntry(
      rule: .returnBeforeUntrain,
      meaning: "--unret: a path from VALIDATE_UNRET_BEGIN (entry code) reaches a return before the return predictor was untrained (VALIDATE_UNRET_END): with retbleed/SRSO mitigations that return may be predicted from user-controlled history.",
      causes: "Entry code that returns (or calls code that returns) before UNTRAIN_RET.",
      fix: "Untrain (UNTRAIN_RET) before the first return on every path.", example: "x86_64/entry/entry.S"),
    CatalogueEntry(
      rule: .earlyIndirectCall,
      meaning: "--unret: a path from VALIDATE_UNRET_BEGIN makes an indirect call or jump before the return predictor was untrained.",
      causes: "Entry code using an indirect branch (or a retpoline thunk) before UNTRAIN_RET.",
      fix: "Untrain first, or make the branch direct.", example: "x86_64/entry/entry.S"),
    CatalogueEntry(
      rule: .indirectBranchInRetpolineBuild,
      meaning: "--retpoline: an indirect jump or call that is neither a retpoline thunk call nor annotated retpoline-safe; on a retpoline kernel it can be steered by branch-target injection (Spectre v2). Built-in .init.text is exempt (it runs before user space); module init code is not.",
      causes: "Hand-written assembly with `jmp *%reg`/`call *%reg` instead of JMP_NOSPEC/CALL_NOSPEC; code built without -mindirect-branch=thunk-extern.",
      fix: "Use CALL_NOSPEC/JMP_NOSPEC (or the compiler's retpoline flags); if the branch is safe, ANNOTATE_RETPOLINE_SAFE.",
      example: "x86_64/mitigations/mitigations.S"),
    CatalogueEntry(
      rule: .nakedReturnInRethunkBuild,
      meaning: "--retpoline with --rethunk: a `ret` that does not go through the return thunk (`jmp __x86_return_thunk`), so return-stack mitigations (retbleed, SRSO) do not apply to it.",
      causes: "Assembly using a bare `ret` instead of the RET macro; code built without -mfunction-return=thunk-extern.",
      fix: "Use RET (the return thunk) in assembly; build C with the kernel's flags; ANNOTATE_UNRET_SAFE where a bare return is intended.",
      example: "x86_64/mitigations/mitigations.S"),
    CatalogueEntry(
      rule: .missingInt3AfterReturn,
      meaning: "--sls: a `ret` not followed by `int3`, so the CPU may speculate straight on into the next bytes (straight-line speculation).",
      causes: "Assembly without the trap after RET; code built without -mharden-sls=all.",
      fix: "Use the RET macro (it adds the int3) or add `int3` after the return.", example: "x86_64/mitigations/mitigations.S"),
    CatalogueEntry(
      rule: .missingInt3AfterIndirectJump,
      meaning: "--sls: an indirect jump not followed by `int3` (straight-line speculation past it).",
      causes: "Assembly `jmp *%reg` without a trap after it; code built without -mharden-sls=all.",
      fix: "Use JMP_NOSPEC or add `int3` after the jump.", example: "x86_64/mitigations/mitigations.S"),
    CatalogueEntry(
      rule: .callWithUaccessEnabled,
      meaning: "--uaccess: between STAC and CLAC (user access enabled, SMAP off) the code calls a function that is not on the uaccess-safe list. Anything the callee does (including being traced or preempted into other code) runs with user memory open: a SMAP bypass. Indirect calls are named {dynamic} (6.12 means to name paravirt calls pv_ops[N] but never does).",
      causes: "A function call (often an inlined helper that was not inlined, a tracing or sanitizer hook, a might_fault()) inside user_access_begin()/user_access_end().",
      fix: "Move the call out of the user-access region (get the data first, then open it), make the helper __always_inline, or use unsafe_*_user() accessors only.",
      example: "x86_64/uaccess/uaccess.S"),
    CatalogueEntry(
      rule: .returnWithUaccessEnabled,
      meaning: "--uaccess: a function returns with user access still enabled (a path from STAC reaches RET without CLAC), and it is not a uaccess-safe function.",
      causes: "A missing user_access_end() on an error path; a goto out of the user-access region that skips the CLAC.",
      fix: "Close the region (user_access_end()/clac) on every path before returning.", example: "x86_64/uaccess/uaccess.S"),
    CatalogueEntry(
      rule: .returnWithUaccessDisabled,
      meaning: "--uaccess: a function on the uaccess-safe list (entered with user access enabled) returns with it disabled, so its caller's user-access region is closed behind its back.",
      causes: "A CLAC (or POPF of a state with AC clear) inside one of the uaccess-safe helpers.",
      fix: "uaccess-safe functions must leave AC as they found it: save and restore with PUSHF/POPF instead of CLAC.", example: nil),
    CatalogueEntry(
      rule: .recursiveUaccessEnable,
      meaning: "--uaccess: a STAC on a path where user access is already enabled: regions are not nested, so the inner end would close the outer one.",
      causes: "Nested user_access_begin() calls; a loop whose back edge skips the CLAC.",
      fix: "Open the region once; end it before opening another.", example: "x86_64/uaccess/uaccess.S"),
    CatalogueEntry(
      rule: .redundantUaccessDisable,
      meaning: "--uaccess: a CLAC in a function on a path where user access is not enabled.",
      causes: "user_access_end() on a path that never called user_access_begin(); a CLAC left after a refactor.",
      fix: "End the region only on paths that opened it.", example: "x86_64/uaccess/uaccess.S"),
    CatalogueEntry(
      rule: .uaccessSafeDisablesUaccess,
      meaning: "--uaccess: a uaccess-safe function executes CLAC outside a PUSHF/POPF pair.",
      causes: "A CLAC inside a KASAN hook or one of the copy helpers on objtool's uaccess-safe list.",
      fix: "Save and restore the flags (PUSHF ... POPF) around code that must run with AC clear.", example: nil),
    CatalogueEntry(
      rule: .pushfStackExhausted,
      meaning: "--uaccess: more than 31 nested PUSHFs inside patch sites without POPF; objtool tracks the saved uaccess flags in a 32-bit stack and gives up.",
      causes: "Repeated PUSHF in alternative code without the matching POPF (usually a broken macro).",
      fix: "Pair every PUSHF with a POPF.", example: "x86_64/uaccess/uaccess.S"),
    CatalogueEntry(
      rule: .callWithDirectionFlag,
      meaning: "A call while the direction flag is set (after STD, before CLD). The C ABI requires DF clear at calls and returns; the callee's string instructions would run backwards. Checked under any walk.",
      causes: "Assembly that sets DF for a backwards memmove and calls out before clearing it.",
      fix: "CLD before the call.", example: "x86_64/uaccess/uaccess.S"),
    CatalogueEntry(
      rule: .returnWithDirectionFlag,
      meaning: "A return with the direction flag set: the caller's string instructions would run backwards.",
      causes: "A path from STD to RET without CLD.",
      fix: "CLD on every path before returning.", example: "x86_64/uaccess/uaccess.S"),
    CatalogueEntry(
      rule: .recursiveSTD,
      meaning: "An STD on a path where the direction flag is already set.",
      causes: "A loop whose back edge skips the CLD; two nested backwards copies.",
      fix: "Clear the flag before setting it again, or set it once.", example: "x86_64/uaccess/uaccess.S"),
    CatalogueEntry(
      rule: .redundantCLD,
      meaning: "A CLD in a function on a path where the direction flag is already clear (the ABI guarantees it clear at entry).",
      causes: "A defensive CLD at function entry, or one on a path that never set DF.",
      fix: "Remove the CLD (the flag is clear by ABI), or clear it only on the paths that set it.", example: "x86_64/uaccess/uaccess.S"),
  ]
}

extension RuleCatalogue {
  /// The rule a line names: a rule id or name, an unwindcheck line (its `[UVnnnn]`), or
  /// an objtool or unwindcheck warning pasted whole from a build log (its message matched
  /// against each rule's objtool message).
  public static func rule(matching text: String) -> RuleID? {
    let line = text.trimmingSpaces
    if let id = RuleID.named(line) { return id }
    if let tag = line.firstMatch(of: #/\[(UV[0-9]{4})\]$/#), let id = RuleID.named(String(tag.1)) { return id }
    let message = messagePart(line)
    // The most specific match: the template with the most literal text.
    var best: (rule: RuleID, literal: Int)?
    for (kind, pattern, literal) in templatePatterns where message.wholeMatch(of: pattern) != nil {
      if literal > best?.literal ?? -1, let rule = kind.rule { best = (rule, literal) }
    }
    return best?.rule
  }

  /// `FILE: warning: objtool: sym+0x1a: MESSAGE (file.c:12) [UV1010]` -> MESSAGE.
  static func messagePart(_ line: String) -> String {
    var m = Substring(line)
    for marker in [": warning: objtool: ", ": warning: unwindcheck: ", ": error: objtool: ", ": error: unwindcheck: "] {
      if let r = m.firstRange(of: marker) { m = m[r.upperBound...]; break }
    }
    // A leading place: `sym+0x1a: ` or `.text+0x1a (.text+0x1a): `.
    if let place = m.prefixMatch(of: #/[^ :]+\+0x[0-9a-f]+( \([^)]*\))?: /#) { m = m[place.range.upperBound...] }
    if let rule = m.firstMatch(of: #/ \[UV[0-9]{4}\]$/#) { m = m[..<rule.range.lowerBound] }
    if let source = m.firstMatch(of: #/ \([^ ()]+:[0-9]+\)$/#) { m = m[..<source.range.lowerBound] }
    return String(m)
  }

  /// Each reported message's template as a pattern: its literal text, each slot any
  /// text; with the count of literal characters (more is more specific).
  nonisolated(unsafe) static let templatePatterns: [(MessageKind, Regex<AnyRegexOutput>, literal: Int)] =
    MessageKind.allCases.filter { $0.rule != nil }.compactMap { kind in
      var out = ""
      var literal = 0
      for piece in kind.template.pieces {
        switch piece {
        case .literal(let text):
          out += escape(text)
          literal += text.count
        case .slot:
          out += ".+?"
        }
      }
      return (try? Regex(out)).map { (kind, $0, literal) }
    }

  private static func escape(_ s: String) -> String {
    var out = ""
    for c in s {
      if "\\^$.|?*+()[]{}/".contains(c) { out.append("\\") }
      out.append(c)
    }
    return out
  }
}

extension String {
  var trimmingSpaces: String {
    var s = Substring(self)
    while s.first?.isWhitespace == true { s.removeFirst() }
    while s.last?.isWhitespace == true { s.removeLast() }
    return String(s)
  }

  func replacingAll(_ target: String, with replacement: String) -> String {
    guard !target.isEmpty else { return self }
    var out = ""
    var rest = Substring(self)
    while let r = rest.firstRange(of: target) {
      out += rest[..<r.lowerBound] + replacement
      rest = rest[r.upperBound...]
    }
    return out + rest
  }
}
