/// Every message unwindcheck reports, each declared once: its wording (objtool's, where
/// objtool has the message) and the rule it is reported under. A kind without a rule is
/// a part of another message (a table entry's problem).
public enum MessageKind: String, Sendable, Hashable, CaseIterable {
  // Setup problems (objtool stops before the walk).
  case cannotDecode, jumpDestinationNotFound, intraFunctionCall, intraFunctionCallNotDirect, intraFunctionCallDestination
  case callToNonFunction, callDestinationNotFound
  case cantFindOriginal, cantFindReplacement, jumpLabelUnsupportedInstruction, jumpLabelSiteNotInstruction
  case jumpLabelTargetNotInstruction, jumpLabelSiteUnsupported, exceptionEntryNotInstruction
  case badAlternativeEntry, alternativeReplacementTooLong, emptyAlternative, overlappingAlternative
  case alternativeJumpDestination, lastReplacementInstruction, switchTableNotFound, tableSizeNotMultiple
  case tableFieldUnreadable, badSpecialTableEntry, badRetpolineTableEntry, badNoEndbrTableEntry, badAnnotationEntryProblem
  case hintSectionMissing, hintSizeMismatch, badHintEntry, hintRelocationMissing, hintInstructionMissing, hintBaseRegister
  case retpolineRelocationSymbolType, badRetpolineEntry, retpolineHintTarget, badNoEndbrEntry
  case annotationRelocationSymbolType, badAnnotationTableEntry, annotationInstructionMissing
  case unretJumpUnresolved, unretFunctionUnresolved, unretFailed, unretEnd
  // The walk.
  case undefinedStackState, unknownStackMemoryOperation, unsupportedStackRegisterModification
  case unsupportedStackRealignment, unknownStackInstruction
  case mismatchCFA, mismatchRegister, mismatchType, mismatchDRAP
  case returnWithModifiedFrame, siblingCallWithModifiedFrame, callWithoutFramePointer, framePointerScratch
  case alternativeConflict, alternativeConflictAt
  case fallsThrough, unexpectedEndOfSection, unreachableInstruction, missingNoreturn, missingSize
  case unsupportedInstruction, restoreWithoutSave, saveRestoreCombo
  case returnWithInstrumentation, returnWithUaccessEnabled, returnWithUaccessDisabled, returnWithDirectionFlag
  case recursiveUaccessEnable, redundantUaccessDisable, uaccessSafeDisablesUaccess, pushfStackExhausted
  case recursiveSTD, redundantCLD
  case callLeavesNoinstr, callWithUaccessEnabled, callWithDirectionFlag, paravirtTargetInstrumented
  // Kbuild's other checks.
  case earlyIndirectCall, returnBeforeUntrain, relocationToNonEndbr, dataRelocationToNonEndbr
  case moduleEntryNotIndirectTarget, nakedReturn, indirectBranchInRetpolineBuild
  case missingInt3AfterReturn, missingInt3AfterIndirectJump, iretRegsHintWithoutEndbr
  case staticCallTrampolineMalformed, staticCallKeyMissing
  // The DWARF cross-check.
  case dwarfCFA, dwarfCFAOverRun, dwarfReturnAddress, dwarfReturnAddressOverRun, dwarfFramePointer, dwarfFramePointerOverRun
  case frameSectionNotCompared
  // SFrame.
  case sframeCannotExpress, sframeDisagrees, sframeMissing
  /// The note that carries the backtrace of a warning objtool suppressed.
  case backtraceOfSuppressed
  // Parts of other messages: a table entry's problem.
  case notAnInstruction, relocationNamesSymbol, noBugAddressRelocation, noInstructionAddressRelocation
  case unknownHintType, unsupportedHintBase, noOriginalRelocation, originalOutsideCode
  case noReplacementRelocation, replacementOutsideCode
  case fieldRelocationMissing, fieldRelocationOneByte, fieldRelocationWidth, fieldRelocationUndefined

  public var template: MessageTemplate { definition.template }

  /// The rule the message is reported under (nil: a part of other messages).
  public var rule: RuleID? { definition.rule }

  // swiftlint:disable:next function_body_length
  private var definition: (rule: RuleID?, template: MessageTemplate) {
    let dwarf = "DWARF CFI disagrees with the machine code: "
    switch self {
    case .cannotDecode: return (.cannotDecode, "can't decode instruction at {SECTION}:0x{OFF}")
    case .jumpDestinationNotFound: return (.jumpDestinationNotFound, "can't find jump dest instruction at {PLACE}")
    case .intraFunctionCall: return (.intraFunctionCall, "unannotated intra-function call")
    case .intraFunctionCallNotDirect: return (.intraFunctionCall, "intra_function_call not a direct call")
    case .intraFunctionCallDestination: return (.intraFunctionCall, "can't find call dest at {PLACE}")
    case .callToNonFunction: return (.callToNonFunction, "unsupported call to non-function")
    case .callDestinationNotFound: return (.callDestinationNotFound, "can't find call dest symbol at {PLACE}")
    case .cantFindOriginal: return (.specialSectionEntry, "special: can't find orig instruction")
    case .cantFindReplacement: return (.specialSectionEntry, "special: can't find new instruction")
    case .jumpLabelUnsupportedInstruction: return (.specialSectionEntry, "unsupported instruction at jump label")
    case .jumpLabelSiteNotInstruction: return (.specialSectionEntry, "bad jump label entry: its site {PLACE} is not an instruction")
    case .jumpLabelTargetNotInstruction: return (.specialSectionEntry, "bad jump label entry: its target {PLACE} is not an instruction")
    case .jumpLabelSiteUnsupported: return (.specialSectionEntry, "bad jump label entry: unsupported instruction at jump label {PLACE}")
    case .exceptionEntryNotInstruction: return (.specialSectionEntry, "bad exception table entry: {PLACE} is not an instruction")
    case .badAlternativeEntry: return (.specialSectionEntry, "bad alternative entry: {PROBLEM}")
    case .alternativeReplacementTooLong:
      return (.specialSectionEntry, "bad alternative entry: replacement longer than the original ({NEW} > {ORIG} bytes)")
    case .emptyAlternative: return (.specialSectionEntry, "empty alternative entry")
    case .overlappingAlternative: return (.specialSectionEntry, "weirdly overlapping alternative! {SPAN} != {ORIG}")
    case .alternativeJumpDestination: return (.specialSectionEntry, "can't find alternative jump destination")
    case .lastReplacementInstruction: return (.specialSectionEntry, "can't find last new alternative instruction")
    case .switchTableNotFound: return (.specialSectionEntry, "can't find switch jump table")
    case .tableSizeNotMultiple: return (.specialSectionEntry, "{SECTION} size not a multiple of {SIZE}")
    case .tableFieldUnreadable: return (.specialSectionEntry, "{PLACE}: {PROBLEM}")
    case .badSpecialTableEntry: return (.specialSectionEntry, "bad {TABLE} entry: {PROBLEM}")
    case .badRetpolineTableEntry: return (.badRetpolineHint, "bad .discard.retpoline_safe entry: {PROBLEM}")
    case .badNoEndbrTableEntry: return (.badNoEndbrHint, "bad .discard.noendbr entry: {PROBLEM}")
    case .badAnnotationEntryProblem: return (.badAnnotationEntry, "bad .discard.{TABLE} entry: {PROBLEM}")
    case .hintSectionMissing: return (.badHint, "missing .rela.discard.unwind_hints section")
    case .hintSizeMismatch: return (.badHint, "struct unwind_hint size mismatch")
    case .badHintEntry: return (.badHint, "bad unwind hint: {PROBLEM}")
    case .hintRelocationMissing: return (.badHint, "can't find reloc for unwind_hints[{N}]")
    case .hintInstructionMissing: return (.badHint, "can't find insn for unwind_hints[{N}]")
    case .hintBaseRegister: return (.badHint, "unsupported unwind_hint sp base reg {REG}")
    case .retpolineRelocationSymbolType:
      return (.badRetpolineHint, "unexpected relocation symbol type in .rela.discard.retpoline_safe")
    case .badRetpolineEntry: return (.badRetpolineHint, "bad .discard.retpoline_safe entry")
    case .retpolineHintTarget: return (.badRetpolineHint, "retpoline_safe hint not an indirect jump/call/ret/nop")
    case .badNoEndbrEntry: return (.badNoEndbrHint, "bad .discard.noendbr entry")
    case .annotationRelocationSymbolType: return (.badAnnotationEntry, "unexpected relocation symbol type in .rela{TABLE}")
    case .badAnnotationTableEntry: return (.badAnnotationEntry, "bad {TABLE} entry")
    case .annotationInstructionMissing: return (.badAnnotationEntry, "can't find {WHAT} insn at {PLACE}")
    case .unretJumpUnresolved: return (.unretWalkFailed, "unresolved jump target after linking?!?")
    case .unretFunctionUnresolved: return (.unretWalkFailed, "Unresolved function after linking!?: {FUNC}")
    case .unretFailed: return (.unretWalkFailed, "Failed UNRET validation")
    case .unretEnd: return (.unretWalkFailed, "teh end!")
    case .undefinedStackState: return (.undefinedStackState, "undefined stack state")
    case .unknownStackMemoryOperation: return (.unknownStackMemoryOperation, "unknown stack-related memory operation")
    case .unsupportedStackRegisterModification:
      return (.unsupportedStackRegisterModification, "unsupported stack register modification")
    case .unsupportedStackRealignment: return (.unsupportedStackRealignment, "unsupported stack pointer realignment")
    case .unknownStackInstruction: return (.unknownStackInstruction, "unknown stack-related instruction")
    case .mismatchCFA: return (.stackStateMismatch, "stack state mismatch: cfa1={CFA1} cfa2={CFA2}")
    case .mismatchRegister: return (.stackStateMismatch, "stack state mismatch: reg1[{REG}]={SAVE1} reg2[{REG}]={SAVE2}")
    case .mismatchType: return (.stackStateMismatch, "stack state mismatch: type1={TYPE1} type2={TYPE2}")
    case .mismatchDRAP:
      return (.stackStateMismatch, "stack state mismatch: drap1={ON1}({REG1},{OFF1}) drap2={ON2}({REG2},{OFF2})")
    case .returnWithModifiedFrame: return (.returnWithModifiedFrame, "return with modified stack frame")
    case .siblingCallWithModifiedFrame:
      return (.siblingCallWithModifiedFrame, "sibling call from callable instruction with modified stack frame")
    case .callWithoutFramePointer: return (.callWithoutFramePointer, "call without frame pointer save/setup")
    case .framePointerScratch: return (.framePointerScratch, "BP used as a scratch register")
    case .alternativeConflict: return (.alternativeConflict, "stack layout conflict in alternatives")
    case .alternativeConflictAt: return (.alternativeConflict, "stack layout conflict in alternatives: {WHERE}")
    case .fallsThrough: return (.fallsThrough, "{FUNC}() falls through to next function {NEXT}()")
    case .unexpectedEndOfSection: return (.unexpectedEndOfSection, "{SECTION}: unexpected end of section")
    case .unreachableInstruction: return (.unreachableInstruction, "unreachable instruction")
    case .missingNoreturn: return (.missingNoreturn, "{FUNC}() is missing a __noreturn annotation")
    case .missingSize: return (.missingSize, "{FUNC}() is missing an ELF size annotation")
    case .unsupportedInstruction: return (.unsupportedInstruction, "unsupported instruction in callable function")
    case .restoreWithoutSave: return (.restoreWithoutSave, "no corresponding CFI save for CFI restore")
    case .saveRestoreCombo: return (.saveRestoreCombo, "objtool isn't smart enough to handle this CFI save/restore combo")
    case .returnWithInstrumentation: return (.returnWithInstrumentation, "return with instrumentation enabled")
    case .returnWithUaccessEnabled: return (.returnWithUaccessEnabled, "return with UACCESS enabled")
    case .returnWithUaccessDisabled:
      return (.returnWithUaccessDisabled, "return with UACCESS disabled from a UACCESS-safe function")
    case .returnWithDirectionFlag: return (.returnWithDirectionFlag, "return with DF set")
    case .recursiveUaccessEnable: return (.recursiveUaccessEnable, "recursive UACCESS enable")
    case .redundantUaccessDisable: return (.redundantUaccessDisable, "redundant UACCESS disable")
    case .uaccessSafeDisablesUaccess: return (.uaccessSafeDisablesUaccess, "UACCESS-safe disables UACCESS")
    case .pushfStackExhausted: return (.pushfStackExhausted, "PUSHF stack exhausted")
    case .recursiveSTD: return (.recursiveSTD, "recursive STD")
    case .redundantCLD: return (.redundantCLD, "redundant CLD")
    case .callLeavesNoinstr: return (.callLeavesNoinstr, "call to {FUNC}() leaves .noinstr.text section")
    case .callWithUaccessEnabled: return (.callWithUaccessEnabled, "call to {FUNC}() with UACCESS enabled")
    case .callWithDirectionFlag: return (.callWithDirectionFlag, "call to {FUNC}() with DF set")
    case .paravirtTargetInstrumented: return (.paravirtTargetInstrumented, "pv_ops[{SLOT}]: {FUNC}")
    case .earlyIndirectCall: return (.earlyIndirectCall, "early indirect call")
    case .returnBeforeUntrain: return (.returnBeforeUntrain, "RET before UNTRAIN")
    case .relocationToNonEndbr: return (.relocationToNonEndbr, "relocation to !ENDBR: {PLACE}")
    case .dataRelocationToNonEndbr: return (.dataRelocationToNonEndbr, "data relocation to !ENDBR: {PLACE}")
    case .moduleEntryNotIndirectTarget: return (.moduleEntryNotIndirectTarget, "{FUNC}(): not an indirect call target")
    case .nakedReturn: return (.nakedReturnInRethunkBuild, "'naked' return found in MITIGATION_RETHUNK build")
    case .indirectBranchInRetpolineBuild:
      return (.indirectBranchInRetpolineBuild, "indirect {JUMP-OR-CALL} found in MITIGATION_RETPOLINE build")
    case .missingInt3AfterReturn: return (.missingInt3AfterReturn, "missing int3 after ret")
    case .missingInt3AfterIndirectJump: return (.missingInt3AfterIndirectJump, "missing int3 after indirect jump")
    case .iretRegsHintWithoutEndbr: return (.iretRegsHintWithoutEndbr, "UNWIND_HINT_IRET_REGS without ENDBR")
    case .staticCallTrampolineMalformed:
      return (.staticCallTrampolineMalformed, "static_call: trampoline name malformed: {TRAMPOLINE}")
    case .staticCallKeyMissing: return (.staticCallKeyMissing, "static_call: can't find static_call_key symbol: {KEY}")
    case .dwarfCFA: return (.dwarfCFAMismatch, MessageTemplate(dwarf + "CFA is {OURS} by the instructions, {THEIRS} by {SECTION}; suspect: {SIDE}"))
    case .dwarfCFAOverRun: return (.dwarfCFAMismatch, MessageTemplate(dwarf + "CFA is {OURS} by the instructions, {THEIRS} by {SECTION} ({N} instructions, to {LAST}); suspect: {SIDE}"))
    case .dwarfReturnAddress:
      return (.dwarfReturnAddressMismatch, MessageTemplate(dwarf + "return address is {OURS} by the instructions, {THEIRS} by {SECTION}; suspect: {SIDE}"))
    case .dwarfReturnAddressOverRun:
      return (.dwarfReturnAddressMismatch, MessageTemplate(dwarf + "return address is {OURS} by the instructions, {THEIRS} by {SECTION} ({N} instructions, to {LAST}); suspect: {SIDE}"))
    case .dwarfFramePointer:
      return (.dwarfFramePointerMismatch, MessageTemplate(dwarf + "frame pointer save is {OURS} by the instructions, {THEIRS} by {SECTION}; suspect: {SIDE}"))
    case .dwarfFramePointerOverRun:
      return (.dwarfFramePointerMismatch, MessageTemplate(dwarf + "frame pointer save is {OURS} by the instructions, {THEIRS} by {SECTION} ({N} instructions, to {LAST}); suspect: {SIDE}"))
    case .frameSectionNotCompared: return (.dwarfSectionNotCompared, "{SECTION} not compared: {REASON}")
    case .sframeCannotExpress:
      return (.sframeCannotExpress, "SFrame cannot describe {FUNC}() here ({WHY}): the function gets no SFrame rows")
    case .sframeDisagrees:
      return (.sframeDisagrees,
              "SFrame disagrees with the machine code: {WHAT} is {OURS} by the instructions, {THEIRS} by .sframe ({N} instructions of the function)")
    case .sframeMissing: return (.sframeMissing, "{FUNC}() has no SFrame function entry: an unwinder reading .sframe cannot pass it")
    case .backtraceOfSuppressed: return (.backtrace, "backtrace of a suppressed warning")
    case .notAnInstruction: return (nil, "{PLACE} is not an instruction")
    case .relocationNamesSymbol: return (nil, "its relocation names {SYMBOL}, not a section")
    case .noBugAddressRelocation: return (nil, "no relocation for its bug address")
    case .noInstructionAddressRelocation: return (nil, "no relocation gives its instruction's address")
    case .unknownHintType: return (nil, "unknown type {TYPE} at {PLACE}")
    case .unsupportedHintBase: return (nil, "unsupported unwind_hint sp base reg {REG} at {PLACE}")
    case .noOriginalRelocation: return (nil, "no relocation gives the original instruction's address")
    case .originalOutsideCode: return (nil, "the original ({PLACE}, {LENGTH} bytes) is not inside code")
    case .noReplacementRelocation: return (nil, "no relocation gives the replacement's address")
    case .replacementOutsideCode: return (nil, "the replacement ({PLACE}, {LENGTH} bytes) is not inside code")
    case .fieldRelocationMissing: return (nil, "can't find {FIELD} reloc")
    case .fieldRelocationOneByte: return (nil, "its relocation at {PLACE} (type {TYPE}) writes 1 byte, not the field's 4")
    case .fieldRelocationWidth: return (nil, "its relocation at {PLACE} (type {TYPE}) writes {WIDTH} bytes, not the field's 4")
    case .fieldRelocationUndefined: return (nil, "its relocation at {PLACE} names an undefined symbol")
    }
  }

  /// The kinds a rule is reported with (the catalogue shows their templates).
  public static func kinds(of rule: RuleID) -> [MessageKind] { allCases.filter { $0.rule == rule } }
}
