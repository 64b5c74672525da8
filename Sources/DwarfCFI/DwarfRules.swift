/// The compiler's view of a frame at one address, as DWARF call-frame information states
/// it (one row of the CFI table), reduced to what unwindcheck compares: the CFA, the
/// return address and the frame pointer. Register numbers are DWARF numbers.
public struct DwarfRow: Hashable, Sendable {
  public var cfa: DwarfCFA
  public var returnAddress: DwarfRegisterRule
  public var framePointer: DwarfRegisterRule
  /// The DWARF number of the return-address column of the FDE's CIE.
  public var returnAddressColumn: UInt16
  /// The CIE's augmentation has `S` (a signal frame).
  public var isSignalFrame: Bool
  /// Which section the row came from.
  public var source: DwarfFrameSection

  public init(cfa: DwarfCFA, returnAddress: DwarfRegisterRule, framePointer: DwarfRegisterRule,
              returnAddressColumn: UInt16, isSignalFrame: Bool, source: DwarfFrameSection) {
    self.cfa = cfa
    self.returnAddress = returnAddress
    self.framePointer = framePointer
    self.returnAddressColumn = returnAddressColumn
    self.isSignalFrame = isSignalFrame
    self.source = source
  }
}

public enum DwarfFrameSection: String, Sendable {
  case ehFrame = ".eh_frame"
  case debugFrame = ".debug_frame"
}

/// The CFA rule: `register + offset` (`DW_CFA_def_cfa`), or a DWARF expression
/// (`DW_CFA_def_cfa_expression`, e.g. GCC's DRAP realignment), or none at all.
public enum DwarfCFA: Hashable, Sendable {
  case register(UInt16, offset: Int64)
  case expression
  case undefined
}

/// Where the caller's value of one register is, in DWARF's vocabulary.
public enum DwarfRegisterRule: Hashable, Sendable {
  /// `DW_CFA_undefined`: not recoverable.
  case undefined
  /// `DW_CFA_same_value` (and the default for callee-saved registers): the register
  /// still holds the caller's value.
  case sameValue
  /// `DW_CFA_offset`: saved in memory at CFA + offset.
  case savedAt(cfaOffset: Int64)
  /// `DW_CFA_register`: copied into another register.
  case inRegister(UInt16)
  /// `DW_CFA_expression`, `DW_CFA_val_*`: anything else.
  case expression
}

extension DwarfCFA: CustomStringConvertible {
  public var description: String {
    switch self {
    case .register(let r, let off): "r\(r)\(off >= 0 ? "+" : "")\(off)"
    case .expression: "expression"
    case .undefined: "undefined"
    }
  }
}

extension DwarfRegisterRule: CustomStringConvertible {
  public var description: String {
    switch self {
    case .undefined: "undefined"
    case .sameValue: "same value"
    case .savedAt(let off): "cfa\(off >= 0 ? "+" : "")\(off)"
    case .inRegister(let r): "in r\(r)"
    case .expression: "expression"
    }
  }
}

/// A source position from the DWARF line table.
public struct SourceLine: Hashable, Sendable, CustomStringConvertible {
  public var file: String
  public var line: Int
  public init(file: String, line: Int) {
    self.file = file
    self.line = line
  }
  public var description: String { "\(file):\(line)" }
}
