/// A stable rule identifier: the same in text, JSON and SARIF output, and the key of
/// `unwindcheck explain`. Codes never change meaning once released.
public struct RuleID: Hashable, Sendable, CustomStringConvertible {
  public let code: String
  public let name: String
  /// objtool's class for the rule, declared with it: setup problems stop objtool before
  /// the walk (error), the rest warn; the backtrace is context (note).
  public let severity: Severity
  public var description: String { code }

  init(code: String, name: String, severity: Severity = .warning) {
    self.code = code
    self.name = name
    self.severity = severity
  }

  // (Identity is the code; the severity comes with it.)
  public static func == (a: RuleID, b: RuleID) -> Bool { a.code == b.code }
  public func hash(into h: inout Hasher) { h.combine(code) }

  // Stack state (objtool "CFI" class).
  public static let undefinedStackState = RuleID(code: "UV1001", name: "undefined-stack-state")
  public static let unsupportedStackRegisterModification = RuleID(code: "UV1002", name: "unsupported-stack-register-modification")
  public static let unsupportedStackRealignment = RuleID(code: "UV1003", name: "unsupported-stack-realignment")
  public static let unknownStackInstruction = RuleID(code: "UV1004", name: "unknown-stack-instruction")
  public static let unknownStackMemoryOperation = RuleID(code: "UV1005", name: "unknown-stack-memory-operation")
  public static let stackStateMismatch = RuleID(code: "UV1010", name: "stack-state-mismatch")
  public static let returnWithModifiedFrame = RuleID(code: "UV1011", name: "return-with-modified-frame")
  public static let siblingCallWithModifiedFrame = RuleID(code: "UV1012", name: "sibling-call-with-modified-frame")
  public static let callWithoutFramePointer = RuleID(code: "UV1013", name: "call-without-frame-pointer")
  public static let framePointerScratch = RuleID(code: "UV1014", name: "frame-pointer-used-as-scratch")
  public static let alternativeConflict = RuleID(code: "UV1201", name: "alternative-cfi-conflict")
  // Control flow and structure.
  public static let fallsThrough = RuleID(code: "UV1020", name: "falls-through-to-next-function")
  public static let unexpectedEndOfSection = RuleID(code: "UV1021", name: "unexpected-end-of-section")
  public static let unreachableInstruction = RuleID(code: "UV1022", name: "unreachable-instruction")
  public static let missingNoreturn = RuleID(code: "UV1023", name: "missing-noreturn-annotation")
  public static let missingSize = RuleID(code: "UV1024", name: "missing-elf-size")
  public static let unsupportedInstruction = RuleID(code: "UV1025", name: "unsupported-instruction-in-function")
  // Setup problems objtool treats as fatal.
  public static let cannotDecode = RuleID(code: "UV0101", name: "cannot-decode", severity: .error)
  public static let jumpDestinationNotFound = RuleID(code: "UV0102", name: "jump-destination-not-an-instruction", severity: .error)
  public static let intraFunctionCall = RuleID(code: "UV0103", name: "unannotated-intra-function-call", severity: .error)
  public static let callToNonFunction = RuleID(code: "UV0104", name: "call-to-non-function", severity: .error)
  public static let callDestinationNotFound = RuleID(code: "UV0105", name: "call-destination-not-found", severity: .error)
  public static let specialSectionEntry = RuleID(code: "UV0106", name: "bad-special-section-entry", severity: .error)
  public static let badHint = RuleID(code: "UV0107", name: "bad-unwind-hint", severity: .error)
  public static let badRetpolineHint = RuleID(code: "UV0108", name: "bad-retpoline-safe-hint", severity: .error)
  public static let badNoEndbrHint = RuleID(code: "UV0109", name: "bad-noendbr-entry", severity: .error)
  public static let badAnnotationEntry = RuleID(code: "UV0110", name: "bad-instrumentation-or-unret-entry", severity: .error)
  public static let unretWalkFailed = RuleID(code: "UV0111", name: "unret-validation-failed", severity: .error)
  // Mitigations (`--retpoline`, `--rethunk`, `--sls`).
  public static let indirectBranchInRetpolineBuild = RuleID(code: "UV1401", name: "indirect-branch-in-retpoline-build")
  public static let nakedReturnInRethunkBuild = RuleID(code: "UV1402", name: "naked-return-in-rethunk-build")
  public static let missingInt3AfterReturn = RuleID(code: "UV1403", name: "missing-int3-after-return")
  public static let missingInt3AfterIndirectJump = RuleID(code: "UV1404", name: "missing-int3-after-indirect-jump")
  // User access (`--uaccess`) and the direction flag (any walk).
  public static let callWithUaccessEnabled = RuleID(code: "UV1501", name: "call-with-uaccess-enabled")
  public static let returnWithUaccessEnabled = RuleID(code: "UV1502", name: "return-with-uaccess-enabled")
  public static let returnWithUaccessDisabled = RuleID(code: "UV1503", name: "return-with-uaccess-disabled-from-safe-function")
  public static let recursiveUaccessEnable = RuleID(code: "UV1504", name: "recursive-uaccess-enable")
  public static let redundantUaccessDisable = RuleID(code: "UV1505", name: "redundant-uaccess-disable")
  public static let uaccessSafeDisablesUaccess = RuleID(code: "UV1506", name: "uaccess-safe-disables-uaccess")
  public static let pushfStackExhausted = RuleID(code: "UV1507", name: "pushf-stack-exhausted")
  public static let callWithDirectionFlag = RuleID(code: "UV1511", name: "call-with-df-set")
  public static let returnWithDirectionFlag = RuleID(code: "UV1512", name: "return-with-df-set")
  public static let recursiveSTD = RuleID(code: "UV1513", name: "recursive-std")
  public static let redundantCLD = RuleID(code: "UV1514", name: "redundant-cld")
  // Indirect branch tracking (`--ibt`).
  public static let relocationToNonEndbr = RuleID(code: "UV1601", name: "relocation-to-non-endbr")
  public static let dataRelocationToNonEndbr = RuleID(code: "UV1602", name: "data-relocation-to-non-endbr")
  public static let iretRegsHintWithoutEndbr = RuleID(code: "UV1603", name: "iret-regs-hint-without-endbr")
  public static let moduleEntryNotIndirectTarget = RuleID(code: "UV1604", name: "module-init-not-indirect-call-target")
  // Static calls (`--static-call`).
  public static let staticCallTrampolineMalformed = RuleID(code: "UV1701", name: "static-call-trampoline-malformed")
  public static let staticCallKeyMissing = RuleID(code: "UV1702", name: "static-call-key-missing")
  // noinstr (`--noinstr`) and the return-thunk entry rule (`--unret`).
  public static let callLeavesNoinstr = RuleID(code: "UV1801", name: "call-leaves-noinstr")
  public static let returnWithInstrumentation = RuleID(code: "UV1802", name: "return-with-instrumentation-enabled")
  public static let paravirtTargetInstrumented = RuleID(code: "UV1803", name: "paravirt-target-not-noinstr")
  public static let returnBeforeUntrain = RuleID(code: "UV1811", name: "ret-before-untrain")
  public static let earlyIndirectCall = RuleID(code: "UV1812", name: "early-indirect-call")
  /// Not a rule: the lines of a `--backtrace`.
  public static let backtrace = RuleID(code: "UV0000", name: "backtrace", severity: .note)
  // Unwind hints.
  public static let restoreWithoutSave = RuleID(code: "UV1030", name: "restore-hint-without-save")
  public static let saveRestoreCombo = RuleID(code: "UV1031", name: "save-restore-combination")
  // DWARF cross-check (`check --against-dwarf`).
  public static let dwarfCFAMismatch = RuleID(code: "UV1301", name: "dwarf-cfa-mismatch")
  public static let dwarfReturnAddressMismatch = RuleID(code: "UV1302", name: "dwarf-return-address-mismatch")
  public static let dwarfFramePointerMismatch = RuleID(code: "UV1303", name: "dwarf-frame-pointer-mismatch")
  public static let dwarfSectionNotCompared = RuleID(code: "UV1304", name: "dwarf-section-not-compared")
  // SFrame (`check --sframe`).
  public static let sframeCannotExpress = RuleID(code: "UV1901", name: "sframe-cannot-express")
  public static let sframeDisagrees = RuleID(code: "UV1902", name: "sframe-disagrees")
  public static let sframeMissing = RuleID(code: "UV1903", name: "sframe-function-missing")
}

extension RuleID {
  /// Every rule, in code order (the catalogue test checks each has an entry).
  public static let all: [RuleID] = [
    .cannotDecode, .jumpDestinationNotFound, .intraFunctionCall, .callToNonFunction, .callDestinationNotFound,
    .specialSectionEntry, .badHint, .badRetpolineHint, .badNoEndbrHint, .badAnnotationEntry, .unretWalkFailed,
    .undefinedStackState, .unsupportedStackRegisterModification, .unsupportedStackRealignment,
    .unknownStackInstruction, .unknownStackMemoryOperation, .stackStateMismatch, .returnWithModifiedFrame,
    .siblingCallWithModifiedFrame, .callWithoutFramePointer, .framePointerScratch,
    .fallsThrough, .unexpectedEndOfSection, .unreachableInstruction, .missingNoreturn, .missingSize,
    .unsupportedInstruction, .restoreWithoutSave, .saveRestoreCombo, .alternativeConflict,
    .dwarfCFAMismatch, .dwarfReturnAddressMismatch, .dwarfFramePointerMismatch, .dwarfSectionNotCompared,
    .sframeCannotExpress, .sframeDisagrees, .sframeMissing,
    .indirectBranchInRetpolineBuild, .nakedReturnInRethunkBuild, .missingInt3AfterReturn, .missingInt3AfterIndirectJump,
    .callWithUaccessEnabled, .returnWithUaccessEnabled, .returnWithUaccessDisabled, .recursiveUaccessEnable,
    .redundantUaccessDisable, .uaccessSafeDisablesUaccess, .pushfStackExhausted,
    .callWithDirectionFlag, .returnWithDirectionFlag, .recursiveSTD, .redundantCLD,
    .relocationToNonEndbr, .dataRelocationToNonEndbr, .iretRegsHintWithoutEndbr, .moduleEntryNotIndirectTarget,
    .staticCallTrampolineMalformed, .staticCallKeyMissing,
    .callLeavesNoinstr, .returnWithInstrumentation, .paravirtTargetInstrumented, .returnBeforeUntrain, .earlyIndirectCall,
  ]

  /// Lookup by code (`UV1010`) or name (`stack-state-mismatch`).
  public static func named(_ key: String) -> RuleID? {
    all.first { $0.code.lowercased() == key.lowercased() || $0.name == key.lowercased() }
  }
}

/// How serious a finding is. objtool has two classes: a setup error (it stops before the
/// walk and writes nothing) and a warning; a note carries context only.
public enum Severity: String, Sendable, Hashable {
  /// objtool's fatal class ("can't find jump dest instruction"): nothing is written.
  case error
  case warning
  /// Context only: a `--backtrace` whose warning objtool suppressed (one per symbol).
  case note
}

/// A place in an object: an instruction's section and offset, and how objtool names it
/// (`sym+0xoff`, the function else the innermost sized symbol, else the section).
/// One path to a finding: where its walk started, the branches it took (or the
/// alternatives it entered) in order, and where it ended.
public struct FindingPath: Sendable, Hashable {
  public var label: String
  public var start: CodeLocation
  public var turns: [CodeLocation]
  public var end: CodeLocation
  public init(label: String, start: CodeLocation, turns: [CodeLocation], end: CodeLocation) {
    self.label = label
    self.start = start
    self.turns = turns
    self.end = end
  }
}

public struct CodeLocation: Sendable, Hashable {
  public var section: String
  public var offset: UInt64
  /// The symbol the place is named after; nil: named after the section.
  public var symbol: String?
  /// Offset from the start of `symbol` (from the section's start when `symbol` is nil).
  public var symbolOffset: UInt64
  /// The function the instruction belongs to, if any (a `.cold` part: its parent).
  public var function: String?

  public init(section: String, offset: UInt64, symbol: String?, symbolOffset: UInt64, function: String?) {
    self.section = section
    self.offset = offset
    self.symbol = symbol
    self.symbolOffset = symbolOffset
    self.function = function
  }

  /// A place in a data section named after the section: a kernel table's entry
  /// (`.altinstructions+0xe`).
  public static func inSection(_ section: String, at offset: UInt64) -> CodeLocation {
    CodeLocation(section: section, offset: offset, symbol: nil, symbolOffset: offset, function: nil)
  }

  /// What the place is named after: the symbol, else the section.
  public var name: String { symbol ?? section }

  /// objtool's rendering, `sym+0x1a`.
  public var text: String { placeText(name, symbolOffset) }
}

/// objtool's naming of a place: `BASE+0xOFF`, the base a symbol or a section, the
/// offset in lower-case hex. Every place unwindcheck prints is spelled by this.
public func placeText(_ base: String, _ offset: some BinaryInteger) -> String {
  base + "+0x" + String(offset, radix: 16)
}

/// Another place a finding involves, with what it is (the stream that wrote a patch
/// site's slot first, the path that arrived with another state).
public struct RelatedLocation: Sendable, Hashable {
  public var label: String
  public var location: CodeLocation

  public init(label: String, location: CodeLocation) {
    self.label = label
    self.location = location
  }
}

/// One step of the branch chain from a walk's root to a finding (`--backtrace`):
/// the jump or alternative site taken and how (`(branch)`, `(alt)`, `<=== (sym)`).
public struct TraceStep: Sendable, Hashable {
  public var location: CodeLocation
  public var label: String

  public init(location: CodeLocation, label: String) {
    self.location = location
    self.label = label
  }
}

/// One validation result. Findings are data, not text: rule, severity, a structured
/// location, related places, notes and the branch chain. `DiagnosticText` renders
/// objtool's lines from them; nothing reads a rendered line back.
public struct Finding: Sendable, Hashable {
  public var rule: RuleID
  public var severity: Severity
  /// The instruction the finding is about, if there is one.
  public var location: CodeLocation?
  /// Whether objtool's line names the location (`LOC: message`). Function- and
  /// section-scoped messages name their subjects in the text itself
  /// (`fall1() falls through to next function fall2()`).
  public var showsLocation: Bool
  /// The section a section-scoped finding is about ("unexpected end of section").
  public var sectionName: String?
  /// What it says, as data (`message.text` is objtool's wording).
  public var message: Message
  /// The functions the message names, as its arguments (the callee of "call to f() ...",
  /// both functions of a fall-through, the function without a size): suppression
  /// entries match them besides the finding's own function, without reading the text.
  public var names: [String] { message.functionNames }
  public var related: [RelatedLocation] = []
  /// Details beyond objtool's one line (for a patch-site conflict: both streams, their
  /// offsets and CFI); printed with `check --verbose`.
  public var notes: [String] = []
  /// With `--backtrace`: the chain from the finding back to its walk's root.
  public var trace: [TraceStep] = []
  /// A join mismatch's two paths (with path explanations): from the walk's root through
  /// the branches each took to the join (`trace --html` draws them).
  public var paths: [FindingPath] = []
  /// `file.c:123` from the object's line table (`check --lines`, `--against-dwarf`).
  public var sourceLine: String?

  /// A finding at an instruction, under its message's rule; `severity` defaults to the
  /// rule's.
  public init(at location: CodeLocation?, _ message: Message, severity: Severity? = nil) {
    let rule = message.kind.rule ?? .backtrace
    assert(message.kind.rule != nil, "\(message.kind) is a part of other messages")
    self.rule = rule
    self.severity = severity ?? rule.defaultSeverity
    self.location = location
    self.showsLocation = location != nil
    self.message = message
  }

  /// A finding about a function or section as a whole: objtool's line names no
  /// instruction (the place, when known, is still recorded for machine output).
  public init(scope message: Message, section: String? = nil, place: CodeLocation? = nil, severity: Severity? = nil) {
    self.init(at: place, message, severity: severity)
    self.showsLocation = false
    self.sectionName = section ?? place?.section
  }

  /// Whether objtool would have stopped before the walk (its fatal class).
  public var isError: Bool { severity == .error }
}

extension RuleID {
  /// objtool's class for the rule, as the rule declares it.
  public var defaultSeverity: Severity { severity }
}

/// objtool-compatible text for findings: one renderer, the only place a finding
/// becomes a line.
public enum DiagnosticText {
  /// How lines look: unwindcheck's own (`warning: unwindcheck: ... [UV1010]`) or, when
  /// standing in for objtool, exactly objtool's (`warning: objtool: ...`, no rule id,
  /// with `--sec-address` the section offset after a symbol-relative place).
  public struct Style: Sendable {
    public var tool: String
    public var ruleIDs: Bool
    public var sectionAddresses: Bool

    public init(tool: String = "unwindcheck", ruleIDs: Bool = true, sectionAddresses: Bool = false) {
      self.tool = tool
      self.ruleIDs = ruleIDs
      self.sectionAddresses = sectionAddresses
    }

    public static let unwindcheck = Style()
    public static func objtool(sectionAddresses: Bool) -> Style {
      Style(tool: "objtool", ruleIDs: false, sectionAddresses: sectionAddresses)
    }

    /// A place as the style names it (objtool `offstr`).
    public func text(_ l: CodeLocation) -> String {
      sectionAddresses && l.symbol != nil ? "\(l.text) (\(placeText(l.section, l.offset)))" : l.text
    }
  }

  /// The finding's line: `FILE: warning: unwindcheck: LOC: MESSAGE [RULE]` (no line for
  /// a note that only carries a backtrace).
  public static func line(_ f: Finding, file: String, style: Style = .unwindcheck) -> String? {
    if f.rule == .backtrace { return nil }
    let loc = f.showsLocation ? f.location.map { "\(style.text($0)): " } ?? "" : ""
    let src = f.sourceLine.map { " (\($0))" } ?? ""
    let rule = style.ruleIDs ? " [\(f.rule.code)]" : ""
    return "\(file): warning: \(style.tool): \(loc)\(f.message.text)\(src)\(rule)"
  }

  /// The `--backtrace` lines, as objtool prints its BT_INSN lines.
  public static func traceLines(_ f: Finding, file: String, style: Style = .unwindcheck) -> [String] {
    f.trace.map { "\(file): warning: \(style.tool):   \(style.text($0.location)): \($0.label)" }
  }

  /// The `--verbose` lines.
  public static func noteLines(_ f: Finding, file: String, style: Style = .unwindcheck) -> [String] {
    f.notes.map { "\(file): note: \(style.tool):   \($0)" }
  }

  /// Everything printed for a finding, in order: its line, notes (verbose), backtrace.
  public static func lines(_ f: Finding, file: String, verbose: Bool, style: Style = .unwindcheck) -> [String] {
    (line(f, file: file, style: style).map { [$0] } ?? []) + (verbose ? noteLines(f, file: file, style: style) : [])
      + traceLines(f, file: file, style: style)
  }
}
