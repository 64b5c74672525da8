/// One decoded x86-64 instruction: its length and the fields the semantic layer needs.
/// A value type of a few dozen bytes, produced without allocation.
public struct X86Instruction: Sendable {
  /// Opcode map of `opcode`.
  public enum Map: UInt8, Sendable {
    case oneByte, twoByte0F, threeByte0F38, threeByte0F3A, amd3DNow
  }
  /// How the opcode was encoded.
  public enum Encoding: UInt8, Sendable {
    case legacy, vex, evex, xop
  }

  /// Legacy prefixes present (any order).
  public struct Prefixes: OptionSet, Sendable {
    public var rawValue: UInt16
    public init(rawValue: UInt16) { self.rawValue = rawValue }
    public static let operandSize = Prefixes(rawValue: 1 << 0)  // 66
    public static let addressSize = Prefixes(rawValue: 1 << 1)  // 67
    public static let rep = Prefixes(rawValue: 1 << 2)  // F3
    public static let repne = Prefixes(rawValue: 1 << 3)  // F2
    public static let lock = Prefixes(rawValue: 1 << 4)  // F0
    public static let segment = Prefixes(rawValue: 1 << 5)  // 26 2E 36 3E 64 65
    /// 3E on an indirect branch: CET `notrack`.
    public static let segmentDS = Prefixes(rawValue: 1 << 6)
  }

  /// Total length in bytes (1...15). For an invalid encoding: 1.
  public var length: UInt8 = 0
  public var isValid = true
  /// Only prefixes ending in a REX that another prefix follows (objdump's `rex.W`).
  public var isPrefixOnly = false
  public var encoding = Encoding.legacy
  public var map = Map.oneByte
  public var opcode: UInt8 = 0
  public var prefixes = Prefixes()
  /// The first legacy prefix byte (objtool looks at it for `pause` and `endbr`), or 0.
  public var firstPrefix: UInt8 = 0
  /// The REX byte in effect (0x40-0x4F), or 0 if none.
  public var rex: UInt8 = 0
  /// VEX/EVEX `pp` (0 none, 1 66h, 2 F3h, 3 F2h); XOP map number (8, 9, 10).
  public var vexPP: UInt8 = 0
  public var xopMap: UInt8 = 0
  /// VEX.L, or EVEX L'L (0-3).
  public var vexL: UInt8 = 0
  /// The register in VEX/EVEX vvvv (un-inverted; 0 when unused, i.e. encoded 1111).
  public var vexVVVV: UInt8 = 0
  /// EVEX map (1-7) and its b bit (broadcast / rounding).
  public var evexMap: UInt8 = 0
  public var evexBroadcast = false
  public var hasModRM = false
  public var modrm: UInt8 = 0
  public var hasSIB = false
  public var sib: UInt8 = 0
  /// Displacement bytes (0, 1, 4; 8 for moffs) and sign-extended value.
  public var displacementSize: UInt8 = 0
  public var displacement: Int64 = 0
  /// Immediate bytes and value (sign-extended from its size).
  public var immediateSize: UInt8 = 0
  public var immediate: Int64 = 0

  public init() {}

  public var rexW: Bool { rex & 0x08 != 0 }
  public var rexR: UInt8 { (rex >> 2) & 1 }
  public var rexX: UInt8 { (rex >> 1) & 1 }
  public var rexB: UInt8 { rex & 1 }
  /// ModRM fields; `reg` and `rm` extended by REX.R / REX.B.
  public var mod: UInt8 { modrm >> 6 }
  public var reg: UInt8 { ((modrm >> 3) & 7) | (rexR << 3) }
  public var rm: UInt8 { (modrm & 7) | (rexB << 3) }
  /// SIB fields extended by REX.X / REX.B.
  public var sibIndex: UInt8 { ((sib >> 3) & 7) | (rexX << 3) }
  public var sibBase: UInt8 { (sib & 7) | (rexB << 3) }
  /// `disp32(%rip)`: mod 00, r/m 101 (any REX.B).
  public var isRIPRelative: Bool { hasModRM && mod == 0 && modrm & 7 == 5 }
}
