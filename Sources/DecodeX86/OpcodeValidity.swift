/// Which encodings are defined, beyond their length. An undefined encoding decodes as
/// `isValid == false`: what GNU objdump prints as `(bad)`.
///
/// The tables in `OpcodeValidity+Generated.swift` are derived from the oracle itself
/// (`Scripts/gen-x86-validity.py` probes objdump with every opcode under every mandatory
/// prefix, ModRM.reg and operand form, and for VEX/EVEX every W, L, pp, vvvv-use and
/// broadcast bit), because validity depends on all of those. What the probes cannot
/// vary is handled here by hand: the 3DNow! suffix byte, XOP opcodes, and MPX's ban on
/// rip-relative operands. Remaining known gaps (EVEX masking/zeroing and vvvv rules, VEX
/// vvvv values other than 1111/0000) are measured by the random-bytes test.
enum OpcodeValidity {
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

  /// Index 0-3 of the mandatory prefix (none, 66h, F3h, F2h): the last F2/F3 if any,
  /// else 66h; for VEX/EVEX the pp field.
  @inline(__always)
  static func prefixIndex(_ insn: X86Instruction) -> Int {
    if insn.encoding != .legacy { return Int(insn.vexPP) }
    if insn.prefixes.contains(.rep) { return 2 }
    if insn.prefixes.contains(.repne) { return 3 }
    return insn.prefixes.contains(.operandSize) ? 1 : 0
  }

  /// The bit of a 16-bit form mask: ModRM.reg x (memory, register). Instructions
  /// without ModRM use bit 0 (their probes do not depend on the following byte).
  @inline(__always)
  static func formBit(_ insn: X86Instruction) -> UInt16 {
    guard insn.hasModRM else { return 1 }
    return 1 << UInt16(((insn.modrm >> 3) & 7) * 2 + (insn.modrm >= 0xC0 ? 1 : 0))
  }

  /// Whether a fully length-decoded instruction is a defined encoding. The common
  /// case, a legacy-encoded instruction, is one table load inlined into the decoder;
  /// everything else goes through `isDefinedSlowPath`.
  @inline(__always)
  static func isDefined(_ insn: X86Instruction, _ tables: DecoderTables) -> Bool {
    guard insn.encoding == .legacy else { return isDefinedSlowPath(insn, tables) }
    let map: Int
    switch insn.map {
    case .oneByte:
      if insn.opcode >= 0xC6 && insn.hasModRM && insn.modrm >= 0xC0 { return isDefinedSlowPath(insn, tables) }
      map = 0
    case .twoByte0F:
      switch insn.opcode {
      case 0x01, 0xA6, 0xA7, 0x1A, 0x1B: return isDefinedSlowPath(insn, tables)
      // LKGS Ew (F2 0F 00 /6, FRED's load of the kernel GS base): in the kernel's
      // decoder map since 6.3 (native_lkgs in a paravirt kernel), after GNU objdump 2.40,
      // whose probes made these tables.
      case 0x00 where insn.hasModRM && (insn.modrm >> 3) & 7 == 6 && prefixIndex(insn) == 3: return true
      default: map = 1
      }
    case .threeByte0F38: map = 2
    case .threeByte0F3A: map = 3
    case .amd3DNow: return isDefinedSlowPath(insn, tables)
    }
    return tables.legacy[(map * 256 + Int(insn.opcode)) * 4 + prefixIndex(insn)] & formBit(insn) != 0
  }

  /// The rarer cases: register forms with per-ModRM meaning (x87, 0F 01, xabort/xbegin,
  /// VIA), MPX, 3DNow!, VEX, EVEX, XOP.
  @inline(never)
  static func isDefinedSlowPath(_ insn: X86Instruction, _ tables: DecoderTables) -> Bool {
    let op = Int(insn.opcode)
    let p = prefixIndex(insn)
    switch insn.encoding {
    case .legacy:
      let map: Int
      switch insn.map {
      case .oneByte:
        if (0xD8...0xDF).contains(insn.opcode) && insn.modrm >= 0xC0 {
          let m = Int(insn.modrm - 0xC0)
          return tables.x87Register[(op - 0xD8) * 4 + (m >> 4)] & (1 << UInt16(m & 15)) != 0
        }
        // xabort (C6 F8) and xbegin (C7 F8) are the only register forms of /7.
        if (insn.opcode == 0xC6 || insn.opcode == 0xC7) && insn.modrm >= 0xF8 { return insn.modrm == 0xF8 }
        map = 0
      case .twoByte0F:
        // VIA PadLock (0F A6/A7): fixed ModRM bytes, all with r/m 000.
        if (insn.opcode == 0xA6 || insn.opcode == 0xA7) && insn.modrm >= 0xC0 && insn.modrm & 7 != 0 { return false }
        if insn.opcode == 0x01 && insn.modrm >= 0xC0 {
          let m = Int(insn.modrm)
          return tables.twoByte0F01[p * 16 + (m >> 4)] & (1 << UInt16(m & 15)) != 0
        }
        // MPX bndldx/bndstx take no rip-relative operand (the probes use (%rax)).
        if (insn.opcode == 0x1A || insn.opcode == 0x1B) && p == 0 && insn.isRIPRelative { return false }
        map = 1
      case .threeByte0F38: map = 2
      case .threeByte0F3A: map = 3
      case .amd3DNow:
        return amd3DNowSuffixes.contains(UInt8(truncatingIfNeeded: insn.immediate))
      }
      return tables.legacy[(map * 256 + op) * 4 + p] & formBit(insn) != 0
    case .vex:
      let m: Int
      switch insn.map {
      case .twoByte0F: m = 0
      case .threeByte0F38: m = 1
      case .threeByte0F3A: m = 2
      default: return false
      }
      // Probe column 0: vvvv names a register (encoded 0000); 1: vvvv unused (1111).
      let w = insn.rexW ? 1 : 0, l = Int(insn.vexL & 1), unusedV = insn.vexVVVV == 0 ? 1 : 0
      return OpcodeValidity.vex[((((m * 256 + op) * 2 + w) * 2 + l) * 4 + p) * 2 + unusedV] & formBit(insn) != 0
    case .evex:
      let m: Int
      switch insn.evexMap {
      case 1: m = 0
      case 2: m = 1
      case 3: m = 2
      case 5: m = 3
      case 6: m = 4
      default: return false
      }
      guard insn.vexL < 3 else { return false }
      let w = insn.rexW ? 1 : 0, b = insn.evexBroadcast ? 1 : 0
      return OpcodeValidity.evex[((((m * 256 + op) * 2 + w) * 4 + p) * 3 + Int(insn.vexL)) * 2 + b] & formBit(insn) != 0
    case .xop:
      guard insn.vexPP == 0 else { return false }  // XOP has no pp variants
      switch insn.xopMap {
      case 8: return xopMap8.contains(insn.opcode)
      case 9: return xopMap9.contains(insn.opcode)
      default: return xopMapA.contains(insn.opcode)
      }
    }
  }

  /// Expands the run-length-encoded hex of the generated tables: 4 hex digits per
  /// value, `word*N,` for N copies.
  /// Expands a generated table. The decoder builds the legacy tables in every process
  /// (a kernel build starts thousands), so this is a plain byte loop writing into
  /// preallocated storage; the VEX/EVEX tables are only expanded when such an
  /// instruction first appears (Swift initialises a global `let` on first use).
  static func decodeRLE(count: Int, _ chunks: [String]) -> [UInt16] {
    var text: [UInt8] = []
    for c in chunks { text.append(contentsOf: c.utf8) }
    var filled = 0
    let out = [UInt16](unsafeUninitializedCapacity: count) { buf, initialized in
      text.withUnsafeBufferPointer { t in
        var i = 0
        @inline(__always) func hexValue(_ c: UInt8) -> UInt16 { UInt16(c <= 0x39 ? c &- 0x30 : c &- 0x57) }
        while i + 4 <= t.count {
          let v = (hexValue(t[i]) << 12) | (hexValue(t[i + 1]) << 8) | (hexValue(t[i + 2]) << 4) | hexValue(t[i + 3])
          i += 4
          var n = 1
          if i < t.count && t[i] == UInt8(ascii: "*") {
            i += 1
            n = 0
            while i < t.count && t[i] != UInt8(ascii: ",") { n = n * 10 + Int(t[i] &- 0x30); i += 1 }
            i += 1
          }
          guard filled + n <= count else { filled = count + 1; return }
          for k in 0..<n { buf[filled + k] = v }
          filled += n
        }
      }
      initialized = min(filled, count)
    }
    precondition(filled == count, "generated validity table is corrupt")
    return out
  }
}
