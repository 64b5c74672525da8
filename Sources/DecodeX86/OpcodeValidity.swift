/// Which encodings are defined, beyond their length: mandatory-prefix rules of the SSE
/// opcode space, undefined opcodes in the 0F 38 / 0F 3A / VEX / EVEX maps, unused group
/// slots and x87 holes. An undefined encoding decodes as `isValid == false`, which is
/// what GNU objdump prints as `(bad)`.
///
/// Legacy-map grids: one character per opcode, 16 per row (low nibble):
///
///     A  any prefixes        x  undefined
///     hex digit: the mandatory prefixes allowed, as a bit mask:
///        1 = none, 2 = 66h, 4 = F3h, 8 = F2h   (e.g. 3 = none or 66h, f = all four)
///
/// The mandatory prefix of an instruction is its last F2/F3 prefix if it has one, else
/// 66h if present, else none.
///
/// VEX/EVEX grids: `v` defined, `x` undefined (opcode level only; the finer W/L/pp
/// constraints of individual instructions are not modelled).
enum OpcodeValidity {
  static let twoByte = [
    /* 0x */ "AAAAxAAAA7xAxAAA",
    /* 1x */ "fff33373AAAAAAAA",
    /* 2x */ "AAAAxxxx33ffff33",
    /* 3x */ "AAAAAAxAAxAxxxxx",
    /* 4x */ "AAAAAAAAAAAAAAAA",
    /* 5x */ "3f553333fff7ffff",
    /* 6x */ "3333333333332237",
    /* 7x */ "f3333333bbxxaa77",
    /* 8x */ "AAAAAAAAAAAAAAAA",
    /* 9x */ "AAAAAAAAAAAAAAAA",
    /* Ax */ "AAAAAAAAAAAAAAAA",
    /* Bx */ "AAAAAAAA4AAA77AA",
    /* Cx */ "AAf1333AAAAAAAAA",
    /* Dx */ "a33333e333333333",
    /* Ex */ "333333e333333333",
    /* Fx */ "833333333333333A",
  ]

  static let threeByte38 = [
    /* 0x */ "333333333333xxxx",
    /* 1x */ "2xxx22x2xxxx333x",
    /* 2x */ "222222xx2222xxxx",
    /* 3x */ "222222x222222222",
    /* 4x */ "22xxxxxxxxxxxxxx",
    /* 5x */ "xxxxxxxxxxxxxxxx",
    /* 6x */ "xxxxxxxxxxxxxxxx",
    /* 7x */ "xxxxxxxxxxxxxxxx",
    /* 8x */ "222xxxxxxxxxxxxx",
    /* 9x */ "xxxxxxxxxxxxxxxx",
    /* Ax */ "xxxxxxxxxxxxxxxx",
    /* Bx */ "xxxxxxxxxxxxxxxx",
    /* Cx */ "xxxxxxxx111111x2",
    /* Dx */ "xxxxxxxx4xx26666",
    /* Ex */ "xxxxxxxxxxxxxxxx",
    /* Fx */ "bbxxx27xe144fxxx",
  ]

  static let threeByte3A = [
    /* 0x */ "xxxxxxxx22222223",
    /* 1x */ "xxxx2222xxxxxxxx",
    /* 2x */ "222xxxxxxxxxxxxx",
    /* 3x */ "xxxxxxxxxxxxxxxx",
    /* 4x */ "222x2xxxxxxxxxxx",
    /* 5x */ "xxxxxxxxxxxxxxxx",
    /* 6x */ "2222xxxxxxxxxxxx",
    /* 7x */ "xxxxxxxxxxxxxxxx",
    /* 8x */ "xxxxxxxxxxxxxxxx",
    /* 9x */ "xxxxxxxxxxxxxxxx",
    /* Ax */ "xxxxxxxxxxxxxxxx",
    /* Bx */ "xxxxxxxxxxxxxxxx",
    /* Cx */ "xxxxxxxxxxxx1x22",
    /* Dx */ "xxxxxxxxxxxxxxx2",
    /* Ex */ "xxxxxxxxxxxxxxxx",
    /* Fx */ "xxxxxxxxxxxxxxxx",
  ]

  /// VEX maps 1-3 with the allowed VEX.pp values as the same bit masks as above
  /// (pp 0 = none, 1 = 66h, 2 = F3h, 3 = F2h). In VEX space most integer instructions
  /// exist only in their 66h form.
  static let vexMap1 = [
    /* 0x */ "xxxxxxxxxxxxxxxx", /* 1x */ "fff33373xxxxxxxx", /* 2x */ "xxxxxxxx33c3cc33",
    /* 3x */ "xxxxxxxxxxxxxxxx", /* 4x */ "x33x3333xx33xxxx", /* 5x */ "3f553333fff7ffff",
    /* 6x */ "2222222222222226", /* 7x */ "e2222221xxxxaa66", /* 8x */ "xxxxxxxxxxxxxxxx",
    /* 9x */ "33bbxxxx33xxxxxx", /* Ax */ "xxxxxxxxxxxxxx1x", /* Bx */ "xxxxxxxxxxxxxxxx",
    /* Cx */ "xxfx223xxxxxxxxx", /* Dx */ "a222222222222222", /* Ex */ "222222e222222222",
    /* Fx */ "822222222222222x",
  ]
  static let vexMap2 = [
    /* 0x */ "2222222222222222", /* 1x */ "xxx2xx22222x222x", /* 2x */ "222222xx22222222",
    /* 3x */ "2222222222222222", /* 4x */ "22xxx222xbxexxxx", /* 5x */ "ff22xxxx222x4xfx",
    /* 6x */ "xxxxxxxxxxxxxxxx", /* 7x */ "xxxxxxxx22xxxxxx", /* 8x */ "xxxxxxxxxxxx2x2x",
    /* 9x */ "2222222222222222", /* Ax */ "xxxxxx2222222222", /* Bx */ "f6xx222222222222",
    /* Cx */ "xxxxxxxxxxxxxxx2", /* Dx */ "xxxxxxxxxxx22222", /* Ex */ "2222222222222222",
    /* Fx */ "xx11xd8fxxxxxxxx",
  ]
  static let vexMap3 = [
    /* 0x */ "222x222x22222222", /* 1x */ "xxxx222222xxx2xx", /* 2x */ "222xxxxxxxxxxxxx",
    /* 3x */ "2222xxxx22xxxxxx", /* 4x */ "222x2x2x22222xxx", /* 5x */ "xxxxxxxxxxxx2222",
    /* 6x */ "2222xxxx22222222", /* 7x */ "xxxxxxxx22222222", /* 8x */ "xxxxxxxxxxxxxxxx",
    /* 9x */ "xxxxxxxxxxxxxxxx", /* Ax */ "xxxxxxxxxxxxxxxx", /* Bx */ "xxxxxxxxxxxxxxxx",
    /* Cx */ "xxxxxxxxxxxxxx22", /* Dx */ "xxxxxxxxxxxxxxx2", /* Ex */ "xxxxxxxxxxxxxxxx",
    /* Fx */ "8xxxxxxxxxxxxxxx",
  ]
  /// AMD XOP opcodes (maps 8, 9, 0Ah).
  static let xopMap8: Set<UInt8> = [0x85, 0x86, 0x87, 0x8E, 0x8F, 0x95, 0x96, 0x97, 0x9E, 0x9F, 0xA2, 0xA3,
                                    0xA6, 0xB6, 0xC0, 0xC1, 0xC2, 0xC3, 0xCC, 0xCD, 0xCE, 0xCF, 0xEC, 0xED, 0xEE, 0xEF]
  static let xopMap9: Set<UInt8> = [0x01, 0x02, 0x12, 0x80, 0x81, 0x82, 0x83, 0x90, 0x91, 0x92, 0x93, 0x94,
                                    0x95, 0x96, 0x97, 0x98, 0x99, 0x9A, 0x9B, 0xC1, 0xC2, 0xC3, 0xC6, 0xC7,
                                    0xCB, 0xD1, 0xD2, 0xD3, 0xD6, 0xD7, 0xDB, 0xE1, 0xE2, 0xE3]
  static let xopMapA: Set<UInt8> = [0x10, 0x12]
  /// 3DNow! suffix opcodes (the byte after the operands of 0F 0F).
  static let amd3DNowSuffixes: Set<UInt8> = [0x0C, 0x0D, 0x1C, 0x1D, 0x8A, 0x8E, 0x90, 0x94, 0x96, 0x97,
                                             0x9A, 0x9E, 0xA0, 0xA4, 0xA6, 0xA7, 0xAA, 0xAE, 0xB0, 0xB4,
                                             0xB6, 0xB7, 0xBB, 0xBF]

  /// EVEX-only opcodes added to the VEX sets of the same map (AVX-512 conversions,
  /// permutes, scatter/gather, ternary logic, ...).
  static let evexExtraMap1: Set<UInt8> = [0x78, 0x79, 0x7A, 0x7B, 0xE6]
  static let evexExtraMap2: Set<UInt8> = [
    0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x1F, 0x26, 0x27, 0x42, 0x43, 0x44, 0x4C, 0x4D, 0x4E, 0x4F,
    0x52, 0x53, 0x54, 0x55, 0x62, 0x63, 0x64, 0x65, 0x66, 0x68, 0x70, 0x71, 0x72, 0x73, 0x75, 0x76,
    0x77, 0x7A, 0x7B, 0x7C, 0x7D, 0x7E, 0x7F, 0x83, 0x88, 0x89, 0x8A, 0x8B, 0x8D, 0x8F, 0xA0, 0xA1,
    0xA2, 0xA3, 0xB4, 0xB5, 0xC4, 0xC6, 0xC7, 0xC8, 0xCA, 0xCB, 0xCC, 0xCD,
  ]
  static let evexExtraMap3: Set<UInt8> = [
    0x03, 0x08, 0x09, 0x0A, 0x0B, 0x1A, 0x1B, 0x1E, 0x1F, 0x23, 0x25, 0x26, 0x27, 0x3A, 0x3B, 0x3E,
    0x3F, 0x42, 0x43, 0x50, 0x51, 0x54, 0x55, 0x56, 0x57, 0x66, 0x67, 0x70, 0x71, 0x72, 0x73,
  ]

  static let twoByteCodes = OpcodeMaps.flatten(twoByte)
  static let threeByte38Codes = OpcodeMaps.flatten(threeByte38)
  static let threeByte3ACodes = OpcodeMaps.flatten(threeByte3A)
  static let vexCodes = [OpcodeMaps.flatten(vexMap1), OpcodeMaps.flatten(vexMap2), OpcodeMaps.flatten(vexMap3)]

  /// The mandatory-prefix bit of `insn` (1 none, 2 66h, 4 F3h, 8 F2h); for VEX and
  /// EVEX it comes from the pp field.
  @inline(__always)
  static func mandatoryPrefixBit(_ insn: X86Instruction) -> UInt8 {
    if insn.encoding != .legacy { return 1 << insn.vexPP }
    if insn.prefixes.contains(.rep) { return 4 }
    if insn.prefixes.contains(.repne) { return 8 }
    if insn.prefixes.contains(.operandSize) { return 2 }
    return 1
  }

  @inline(__always)
  static func allowed(_ code: UInt8, _ insn: X86Instruction) -> Bool {
    switch code {
    case UInt8(ascii: "A"): return true
    case UInt8(ascii: "x"): return false
    default:
      let mask = code <= UInt8(ascii: "9") ? code - UInt8(ascii: "0") : code - UInt8(ascii: "a") + 10
      return mask & mandatoryPrefixBit(insn) != 0
    }
  }

  /// Whether a fully length-decoded instruction is a defined encoding.
  static func isDefined(_ insn: X86Instruction) -> Bool {
    let op = Int(insn.opcode)
    switch insn.encoding {
    case .legacy:
      switch insn.map {
      case .oneByte: return oneByteGroupDefined(insn)
      case .twoByte0F: return allowed(twoByteCodes[op], insn) && operandFormDefined0F(insn)
      case .threeByte0F38: return allowed(threeByte38Codes[op], insn)
      case .threeByte0F3A: return allowed(threeByte3ACodes[op], insn)
      case .amd3DNow:
        return mandatoryPrefixBit(insn) == 1 && amd3DNowSuffixes.contains(UInt8(truncatingIfNeeded: insn.immediate))
      }
    case .vex, .evex:
      let table: Int
      switch insn.map {
      case .twoByte0F: table = 0
      case .threeByte0F38: table = 1
      case .threeByte0F3A: table = 2
      default: return insn.encoding == .evex  // EVEX maps 5/6 (FP16)
      }
      let code = vexCodes[table][op]
      if insn.encoding == .vex {
        guard code != UInt8(ascii: "x"), allowed(code, insn) else { return false }
        return table != 0 || operandFormDefined0F(insn)
      }
      if code != UInt8(ascii: "x") { return true }
      switch table {
      case 0: return evexExtraMap1.contains(insn.opcode)
      case 1: return evexExtraMap2.contains(insn.opcode)
      default: return evexExtraMap3.contains(insn.opcode)
      }
    case .xop:
      switch insn.xopMap {
      case 8: return xopMap8.contains(insn.opcode)
      case 9: return xopMap9.contains(insn.opcode)
      default: return xopMapA.contains(insn.opcode)
      }
    }
  }

  /// Register-only and memory-only forms in the 0F map (e.g. `movmskps` takes a
  /// register, `movntq` memory), unused group slots, and fixed-ModRM instructions.
  static func operandFormDefined0F(_ insn: X86Instruction) -> Bool {
    let isReg = insn.modrm >= 0xC0
    let reg = (insn.modrm >> 3) & 7
    let pfx = mandatoryPrefixBit(insn)
    switch insn.opcode {
    case 0x13, 0x17, 0x2B, 0xB2, 0xB4, 0xB5, 0xC3, 0xE7, 0xF0:
      return !isReg  // movlps/movhps stores, movnt*, lss/lfs/lgs, movnti, lddqu
    case 0x12, 0x16:
      return !isReg || pfx != 2  // movlpd/movhpd are memory-only
    case 0x50, 0xC5, 0xD7, 0xF7:
      return isReg  // movmskps/pd, pextrw, pmovmskb, maskmovq
    case 0x71, 0x72:
      return isReg && (reg == 2 || reg == 4 || reg == 6)
    case 0x73:
      return isReg && (reg == 2 || reg == 6 || ((reg == 3 || reg == 7) && pfx == 2))
    case 0x00:
      return reg < 6  // group 6: sldt, str, lldt, ltr, verr, verw
    case 0xBA:
      return reg >= 4  // group 8: bt, bts, btr, btc
    case 0xA6:
      return [0xC0, 0xC8, 0xD0].contains(insn.modrm)  // VIA montmul, xsha1, xsha256
    case 0xA7:
      return [0xC0, 0xC8, 0xD0, 0xD8, 0xE0, 0xE8].contains(insn.modrm)  // VIA xstore, xcrypt*
    case 0x1A, 0x1B:
      // MPX: bnd0-bnd3 only; bndldx/bndstx take no rip-relative operand.
      if reg > 3 { return false }
      if pfx == 1 && insn.isRIPRelative { return false }
      return true
    default:
      return true
    }
  }

  /// Group slots of the one-byte map that are undefined, and the x87 holes.
  static func oneByteGroupDefined(_ insn: X86Instruction) -> Bool {
    guard insn.hasModRM else { return true }
    let reg = (insn.modrm >> 3) & 7
    let isReg = insn.modrm >= 0xC0
    switch insn.opcode {
    case 0x8D: return !isReg  // lea takes a memory operand
    case 0xFE: return reg < 2  // inc/dec r/m8
    case 0xFF: return reg != 7 && !(isReg && (reg == 3 || reg == 5))  // far call/jmp need memory
    case 0xDC: return !isReg || !(0xD0...0xDF).contains(insn.modrm)
    case 0xC6, 0xC7: return reg == 0 || insn.modrm == 0xF8  // mov imm; xabort/xbegin
    case 0xD9:
      if !isReg { return reg != 1 }
      switch insn.modrm {
      case 0xD1...0xD7, 0xE2, 0xE3, 0xE6, 0xE7, 0xEF: return false
      default: return true
      }
    case 0xDA: return !isReg || insn.modrm <= 0xDF || insn.modrm == 0xE9
    case 0xDB:
      if !isReg { return reg != 4 && reg != 6 }
      return insn.modrm <= 0xDF || (0xE0...0xE4).contains(insn.modrm) || (0xE8...0xF7).contains(insn.modrm)
    case 0xDD:
      if !isReg { return reg != 5 }
      return insn.modrm <= 0xC7 || (0xD0...0xEF).contains(insn.modrm)
    case 0xDE: return !isReg || insn.modrm <= 0xCF || insn.modrm == 0xD9 || insn.modrm >= 0xE0
    case 0xDF:
      if !isReg { return true }
      return insn.modrm <= 0xC7 || insn.modrm == 0xE0 || (0xE8...0xF7).contains(insn.modrm)
    default: return true
    }
  }
}
