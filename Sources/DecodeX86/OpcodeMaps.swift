/// The x86-64 opcode maps as readable grids: one row per high nibble, one character per
/// low nibble, in the layout of the Intel SDM's opcode tables (Vol. 2, Appendix A).
/// Each character says what follows the opcode byte (its operand *shape*, which is all
/// length decoding needs):
///
///     .  nothing                 m  ModRM (+SIB, displacement)
///     b  imm8                    M  ModRM + imm8
///     w  imm16                   Z  ModRM + imm16/32 (operand size)
///     z  imm16/32 (operand size) g  F6/F7 group 3: ModRM, + immediate if /0 or /1
///     v  imm16/32/64 (B8+r)      a  moffs (8 bytes, 4 with 67h)
///     e  imm16 + imm8 (enter)    q  0F 78: ModRM (vmread); + 2 x imm8 with 66h/F2h
///     T  3DNow! (0F 0F): ModRM + imm8 suffix
///     r  ModRM that always names registers (mov cr/dr: no SIB or displacement)
///     P  legacy prefix           R  REX prefix (40-4F)
///     E  0F escape               3  0F 38 escape     4  0F 3A escape
///     V  VEX (C4, C5)            X  EVEX (62)        O  8F: pop r/m or XOP
///     x  invalid in 64-bit mode (objdump prints "(bad)", one byte)
///
/// Immediate-size rules that depend on prefixes (66h, REX.W, 67h) are applied by the
/// decoder, not encoded here.
enum OpcodeMaps {
  /// One-byte opcodes 00-FF.
  static let oneByte = [
    /* 0x */ "mmmmbzxxmmmmbzxE",
    /* 1x */ "mmmmbzxxmmmmbzxx",
    /* 2x */ "mmmmbzPxmmmmbzPx",
    /* 3x */ "mmmmbzPxmmmmbzPx",
    /* 4x */ "RRRRRRRRRRRRRRRR",
    /* 5x */ "................",
    /* 6x */ "xxXmPPPPzZbM....",
    /* 7x */ "bbbbbbbbbbbbbbbb",
    /* 8x */ "MZxMmmmmmmmmmmmO",
    /* 9x */ "..........x.....",
    /* Ax */ "aaaa....bz......",
    /* Bx */ "bbbbbbbbvvvvvvvv",
    /* Cx */ "MMw.VVMZe.w..bx.",
    /* Dx */ "mmmmxxx.mmmmmmmm",
    /* Ex */ "bbbbbbbbzzxb....",
    /* Fx */ "P.PP..gg......mm",
  ]

  /// Two-byte opcodes 0F 00-FF.
  static let twoByte = [
    /* 0x */ "mmmmx.....x.xm.T",
    /* 1x */ "mmmmmmmmmmmmmmmm",
    /* 2x */ "rrrrxxxxmmmmmmmm",
    /* 3x */ "......x.3x4xxxxx",
    /* 4x */ "mmmmmmmmmmmmmmmm",
    /* 5x */ "mmmmmmmmmmmmmmmm",
    /* 6x */ "mmmmmmmmmmmmmmmm",
    /* 7x */ "MMMMmmm.qmxxmmmm",
    /* 8x */ "zzzzzzzzzzzzzzzz",
    /* 9x */ "mmmmmmmmmmmmmmmm",
    /* Ax */ "...mMmmm...mMmmm",
    /* Bx */ "mmmmmmmmmmMmmmmm",
    /* Cx */ "mmMmMMMm........",
    /* Dx */ "mmmmmmmmmmmmmmmm",
    /* Ex */ "mmmmmmmmmmmmmmmm",
    /* Fx */ "mmmmmmmmmmmmmmmm",
  ]

  /// Opcodes of VEX/EVEX map 1 (0F) that take an imm8 after ModRM: the shift-by-
  /// immediate groups 71-73, pshufd-style 70, and C2 (cmpps), C4/C5 (pinsrw/pextrw),
  /// C6 (shufps). Map 3 (0F 3A) always has one; map 2 (0F 38) never.
  static let vexMap1WithImm8: Set<UInt8> = [0x70, 0x71, 0x72, 0x73, 0xC2, 0xC4, 0xC5, 0xC6]

  /// The grids as shapes, built once.
  static let oneByteShapes: [Shape] = flatten(oneByte).map(Shape.init(code:))
  static let twoByteShapes: [Shape] = flatten(twoByte).map(Shape.init(code:))

  static func flatten(_ rows: [String]) -> [UInt8] {
    precondition(rows.count == 16 && rows.allSatisfy { $0.utf8.count == 16 }, "opcode grid must be 16x16")
    return rows.flatMap { Array($0.utf8) }
  }
}

/// The operand shapes of the grids (one case per grid character).
enum Shape: UInt8 {
  case none, modrm, modrmImm8, modrmImmZ, imm8, imm16, immZ, immV, moffs, enter, group3
  case prefix, rex, invalid, escape0F, vex, evex, pop8F, escape38, escape3A, amd3DNow, op0F78
  case modrmRegisterOnly

  init(code: UInt8) {
    switch code {
    case UInt8(ascii: "."): self = .none
    case UInt8(ascii: "m"): self = .modrm
    case UInt8(ascii: "M"): self = .modrmImm8
    case UInt8(ascii: "Z"): self = .modrmImmZ
    case UInt8(ascii: "b"): self = .imm8
    case UInt8(ascii: "w"): self = .imm16
    case UInt8(ascii: "z"): self = .immZ
    case UInt8(ascii: "v"): self = .immV
    case UInt8(ascii: "a"): self = .moffs
    case UInt8(ascii: "e"): self = .enter
    case UInt8(ascii: "g"): self = .group3
    case UInt8(ascii: "P"): self = .prefix
    case UInt8(ascii: "R"): self = .rex
    case UInt8(ascii: "E"): self = .escape0F
    case UInt8(ascii: "V"): self = .vex
    case UInt8(ascii: "X"): self = .evex
    case UInt8(ascii: "O"): self = .pop8F
    case UInt8(ascii: "3"): self = .escape38
    case UInt8(ascii: "4"): self = .escape3A
    case UInt8(ascii: "T"): self = .amd3DNow
    case UInt8(ascii: "q"): self = .op0F78
    case UInt8(ascii: "r"): self = .modrmRegisterOnly
    case UInt8(ascii: "x"): self = .invalid
    default: preconditionFailure("unknown opcode-grid code \(code)")
    }
  }
}

/// All decoder tables as raw pointers into one immortal allocation each, so the hot
/// loop does no lazy-global checks, reference counting or bounds checks on them.
struct DecoderTables: @unchecked Sendable {
  let oneByte: UnsafePointer<Shape>
  let twoByte: UnsafePointer<Shape>
  let legacy: UnsafePointer<UInt16>
  let twoByte0F01: UnsafePointer<UInt16>
  let x87Register: UnsafePointer<UInt16>

  /// Built on first use, never freed.
  static let shared = DecoderTables()

  private init() {
    func immortal<T>(_ a: [T]) -> UnsafePointer<T> {
      let p = UnsafeMutablePointer<T>.allocate(capacity: a.count)
      p.initialize(from: a, count: a.count)
      return UnsafePointer(p)
    }
    oneByte = immortal(OpcodeMaps.oneByteShapes)
    twoByte = immortal(OpcodeMaps.twoByteShapes)
    legacy = immortal(OpcodeValidity.legacy)
    twoByte0F01 = immortal(OpcodeValidity.twoByte0F01)
    x87Register = immortal(OpcodeValidity.x87Register)
  }
}
