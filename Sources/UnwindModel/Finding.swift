/// A stable rule identifier: the same in text, JSON and SARIF output, and the key of
/// `unwindcheck explain`. Codes never change meaning once released.
public struct RuleID: Hashable, Sendable, CustomStringConvertible {
  public let code: String
  public let name: String
  public var description: String { code }

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
  public static let cannotDecode = RuleID(code: "UV0101", name: "cannot-decode")
  public static let jumpDestinationNotFound = RuleID(code: "UV0102", name: "jump-destination-not-an-instruction")
  public static let intraFunctionCall = RuleID(code: "UV0103", name: "unannotated-intra-function-call")
  public static let callToNonFunction = RuleID(code: "UV0104", name: "call-to-non-function")
  public static let callDestinationNotFound = RuleID(code: "UV0105", name: "call-destination-not-found")
  public static let specialSectionEntry = RuleID(code: "UV0106", name: "bad-special-section-entry")
  public static let badHint = RuleID(code: "UV0107", name: "bad-unwind-hint")
  /// Not a rule: the lines of a `--backtrace`.
  public static let backtrace = RuleID(code: "UV0000", name: "backtrace")
  // Unwind hints.
  public static let restoreWithoutSave = RuleID(code: "UV1030", name: "restore-hint-without-save")
  public static let saveRestoreCombo = RuleID(code: "UV1031", name: "save-restore-combination")
  // DWARF cross-check (`check --against-dwarf`).
  public static let dwarfCFAMismatch = RuleID(code: "UV1301", name: "dwarf-cfa-mismatch")
  public static let dwarfReturnAddressMismatch = RuleID(code: "UV1302", name: "dwarf-return-address-mismatch")
  public static let dwarfFramePointerMismatch = RuleID(code: "UV1303", name: "dwarf-frame-pointer-mismatch")
}

extension RuleID {
  /// Every rule, in code order (the catalogue test checks each has an entry).
  public static let all: [RuleID] = [
    .cannotDecode, .jumpDestinationNotFound, .intraFunctionCall, .callToNonFunction, .callDestinationNotFound,
    .specialSectionEntry, .badHint,
    .undefinedStackState, .unsupportedStackRegisterModification, .unsupportedStackRealignment,
    .unknownStackInstruction, .unknownStackMemoryOperation, .stackStateMismatch, .returnWithModifiedFrame,
    .siblingCallWithModifiedFrame, .callWithoutFramePointer, .framePointerScratch,
    .fallsThrough, .unexpectedEndOfSection, .unreachableInstruction, .missingNoreturn, .missingSize,
    .unsupportedInstruction, .restoreWithoutSave, .saveRestoreCombo, .alternativeConflict,
    .dwarfCFAMismatch, .dwarfReturnAddressMismatch, .dwarfFramePointerMismatch,
  ]

  /// Lookup by code (`UV1010`) or name (`stack-state-mismatch`).
  public static func named(_ key: String) -> RuleID? {
    all.first { $0.code.lowercased() == key.lowercased() || $0.name == key.lowercased() }
  }
}

/// One validation result. Findings are data, not errors: they carry everything the
/// renderers need (already-resolved names), so reporting never touches the ELF file.
public struct Finding: Sendable, Hashable {
  public var rule: RuleID
  /// `sym+0xoff` (or `section+0xoff`), or nil for function-scoped messages whose text
  /// names the functions itself (`fall1() falls through to next function fall2()`).
  public var location: String?
  public var message: String
  /// Section name and offset of the instruction, when there is one.
  public var section: String?
  public var offset: UInt64?
  /// A `--backtrace` line belonging to the finding before it (`  sym+0x5: (branch)`),
  /// printed without a rule id, as objtool prints its backtrace.
  public var isBacktrace = false
  /// Details beyond objtool's one line (for a patch-site conflict: both streams, their
  /// offsets and CFI); printed with `check --verbose`.
  public var notes: [String] = []
  /// `file.c:123` from the object's line table (`check --lines`, `--against-dwarf`).
  public var sourceLine: String?

  public init(rule: RuleID, location: String?, message: String, section: String? = nil, offset: UInt64? = nil) {
    self.rule = rule
    self.location = location
    self.message = message
    self.section = section
    self.offset = offset
  }

  /// The objtool-compatible line: `FILE: warning: unwindcheck: LOC: MESSAGE [RULE]`.
  public func line(file: String) -> String {
    if isBacktrace { return "\(file): warning: unwindcheck:   \(location ?? ""): \(message)" }
    let loc = location.map { "\($0): " } ?? ""
    let src = sourceLine.map { " (\($0))" } ?? ""
    return "\(file): warning: unwindcheck: \(loc)\(message)\(src) [\(rule.code)]"
  }
}
