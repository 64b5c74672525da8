/// Length and structure decoder for x86-64 machine code (64-bit mode), driven by the
/// grids in `OpcodeMaps`. It follows the hardware's parsing order: legacy prefixes,
/// REX, opcode (one-byte, 0F, 0F 38, 0F 3A, 3DNow!, VEX, EVEX, XOP), ModRM, SIB,
/// displacement, immediate. It never traps: any byte sequence decodes either to an
/// instruction or to a one-byte invalid result.
public struct X86Decoder: Sendable {
  let tables: DecoderTables

  public init() {
    tables = DecoderTables.shared
  }

  /// The architectural maximum instruction length.
  public static let maximumLength = 15

  /// Decodes the instruction at `offset` in `code`. `offset` must be inside `code`.
  @inline(__always)
  public func decode(_ code: UnsafeRawBufferPointer, at offset: Int) -> X86Instruction {
    Self.decode(code, at: offset, tables)
  }

  /// Decodes a run of instructions (linear sweep), calling `body` for each. With
  /// `emulatePrefixes`, a forced-emulation prefix and the instruction after it are one
  /// instruction, as the kernel's decoder (and so objtool) sees them.
  public func forEachInstruction(
    in code: UnsafeRawBufferPointer, from start: Int = 0, to end: Int? = nil, emulatePrefixes: Bool = false,
    _ body: (Int, X86Instruction) -> Void
  ) {
    let end = min(end ?? code.count, code.count)
    let tables = self.tables
    var offset = start
    while offset < end {
      var insn = Self.decode(code, at: offset, tables)
      // (Only a ud2 can start a marker: no test on the common path.)
      if emulatePrefixes && insn.opcode == 0x0B && insn.map == .twoByte0F && insn.length == 2
        && Self.emulatePrefix(code, at: offset) != nil {
        insn = Self.decode(code, at: offset + Self.emulatePrefixLength, tables)
        insn.length += UInt8(Self.emulatePrefixLength)
      }
      body(offset, insn)
      offset += Int(insn.length)
    }
  }

  /// The kernel's forced-emulation prefixes (`asm/emulate_prefix.h`): `ud2` and then the
  /// ASCII `xen` (Xen PV guests' `XEN_EMULATE_PREFIX`, in front of `cpuid`) or `kvm`
  /// (KVM's forced emulation). The hypervisor traps the `ud2`, sees the marker and
  /// emulates the instruction after it. The kernel's instruction decoder takes marker and
  /// instruction as one instruction (`insn_get_emulate_prefix`), and so does objtool;
  /// GNU objdump decodes `ud2` and then the ASCII as code (`js`, `insb`, ...).
  public static let emulatePrefixLength = 5

  /// "xen" or "kvm" when a forced-emulation prefix starts at `offset` and an
  /// instruction byte follows it.
  public static func emulatePrefix(_ code: UnsafeRawBufferPointer, at offset: Int) -> String? {
    guard offset + emulatePrefixLength < code.count, code[offset] == 0x0F, code[offset + 1] == 0x0B else { return nil }
    switch (code[offset + 2], code[offset + 3], code[offset + 4]) {
    case (0x78, 0x65, 0x6E): return "xen"
    case (0x6B, 0x76, 0x6D): return "kvm"
    default: return nil
    }
  }

  // MARK: - The decoder proper

  @inline(__always)
  static func decode(_ code: UnsafeRawBufferPointer, at start: Int, _ tables: DecoderTables) -> X86Instruction {
    let oneByte = tables.oneByte, twoByte = tables.twoByte
    var insn = X86Instruction()
    // Never read past the section or past 15 bytes.
    let limit = min(code.count, start + maximumLength)
    var p = start

    @inline(__always) func invalid() -> X86Instruction {
      var bad = X86Instruction()
      bad.isValid = false
      bad.length = 1
      bad.opcode = code[start]
      bad.encoding = .legacy
      return bad
    }

    // 1. Legacy prefixes and REX. A REX not directly before the opcode is ignored.
    var shape = Shape.none
    var byte: UInt8 = 0
    while true {
      guard p < limit else { return invalid() }
      byte = code[p]
      shape = oneByte[Int(byte)]
      if shape == Shape.prefix {
        if insn.firstPrefix == 0 { insn.firstPrefix = byte }
        switch byte {
        case 0x66: insn.prefixes.insert(.operandSize)
        case 0x67: insn.prefixes.insert(.addressSize)
        case 0xF3: insn.prefixes.insert(.rep); insn.prefixes.remove(.repne)
        case 0xF2: insn.prefixes.insert(.repne); insn.prefixes.remove(.rep)
        case 0xF0: insn.prefixes.insert(.lock)
        case 0x3E: insn.prefixes.formUnion([.segment, .segmentDS])
        default: insn.prefixes.insert(.segment)
        }
        insn.rex = 0
        p += 1
        continue
      }
      if byte == 0x9B && Self.fwaitCombines(code, p + 1, limit) {
        // fwait before fstcw/fstenv/fsave/fstsw/fclex/finit: objdump shows one
        // instruction (`fstcw`), so 9B counts as a prefix of the x87 instruction.
        if insn.firstPrefix == 0 { insn.firstPrefix = byte }
        p += 1
        continue
      }
      if shape == Shape.rex {
        insn.rex = byte
        p += 1
        // A REX followed by another prefix has no effect; objdump prints the bytes up
        // to it as an instruction of their own (`rex.W`), and so do we.
        if p < limit {
          let next = oneByte[Int(code[p])]
          if next == Shape.rex || next == Shape.prefix || code[p] == 0x9B {
            insn.length = UInt8(p - start)
            insn.opcode = byte
            insn.isPrefixOnly = true
            return insn
          }
        }
        continue
      }
      break
    }

    // 2. Opcode.
    p += 1  // past `byte`
    insn.opcode = byte
    var immediateBytes = 0
    var needsModRM = false
    var group3 = false

    func immZ(_ insn: X86Instruction) -> Int { insn.prefixes.contains(.operandSize) && !insn.rexW ? 2 : 4 }

    switch shape {
    case Shape.none: break
    case Shape.modrm: needsModRM = true
    case Shape.modrmImm8: needsModRM = true; immediateBytes = 1
    case Shape.modrmImmZ: needsModRM = true; immediateBytes = immZ(insn)
    case Shape.imm8: immediateBytes = 1
    case Shape.imm16: immediateBytes = 2
    case Shape.immZ: immediateBytes = immZ(insn)
    case Shape.immV: immediateBytes = insn.rexW ? 8 : (insn.prefixes.contains(.operandSize) ? 2 : 4)
    case Shape.enter: immediateBytes = 3
    case Shape.group3: needsModRM = true; group3 = true
    case Shape.moffs:
      // The 8-byte (4 with 67h) absolute address is a displacement.
      let n = insn.prefixes.contains(.addressSize) ? 4 : 8
      guard p + n <= limit else { return invalid() }
      insn.displacementSize = UInt8(n)
      insn.displacement = readSigned(code, p, n)
      p += n
    case Shape.escape0F:
      guard p < limit else { return invalid() }
      let op2 = code[p]
      p += 1
      insn.map = .twoByte0F
      insn.opcode = op2
      let s2 = twoByte[Int(op2)]
      switch s2 {
      case Shape.none: break
      case Shape.modrm: needsModRM = true
      case Shape.modrmImm8: needsModRM = true; immediateBytes = 1
      case Shape.immZ: immediateBytes = immZ(insn)
      case Shape.modrmRegisterOnly:
        guard p < limit else { return invalid() }
        insn.hasModRM = true
        insn.modrm = code[p] | 0xC0  // the mod bits are ignored: always a register
        p += 1
      case Shape.escape38, Shape.escape3A:
        guard p < limit else { return invalid() }
        insn.map = s2 == Shape.escape38 ? .threeByte0F38 : .threeByte0F3A
        insn.opcode = code[p]
        p += 1
        needsModRM = true
        immediateBytes = s2 == Shape.escape3A ? 1 : 0
      case Shape.amd3DNow:
        insn.map = .amd3DNow
        needsModRM = true
        immediateBytes = 1  // the real opcode, after the operands
      case Shape.op0F78:
        needsModRM = true
        // 66 0F 78 /0 ib ib = EXTRQ, F2 0F 78 /r ib ib = INSERTQ; else VMREAD.
        if insn.prefixes.contains(.operandSize) || insn.prefixes.contains(.repne) { immediateBytes = 2 }
      default:
        return invalid()
      }
    case Shape.vex, Shape.evex, Shape.pop8F:
      if shape == Shape.pop8F {
        // 8F with ModRM.reg == 0 is `pop r/m`; otherwise an XOP prefix.
        guard p < limit else { return invalid() }
        if (code[p] >> 3) & 7 == 0 { needsModRM = true; break }
      }
      guard insn.rex == 0, !insn.prefixes.contains(.operandSize), !insn.prefixes.contains(.rep),
            !insn.prefixes.contains(.repne), !insn.prefixes.contains(.lock) else { return invalid() }
      let payload = byte == 0xC5 ? 1 : (byte == 0x62 ? 3 : 2)
      guard p + payload < limit else { return invalid() }
      let p0 = code[p]
      var map: UInt8 = 1
      var w = false
      // pp is in the last payload byte (bits 1:0) for VEX/XOP, in P1 for EVEX.
      insn.vexPP = code[p + (byte == 0xC5 ? 0 : 1)] & 3
      switch byte {
      case 0xC5:
        insn.encoding = .vex
        insn.rex = 0x40 | ((~p0 >> 5) & 0x4)  // R
        insn.vexL = (p0 >> 2) & 1
        insn.vexVVVV = (~p0 >> 3) & 0xF
      case 0xC4:
        insn.encoding = .vex
        map = p0 & 0x1F
        w = code[p + 1] & 0x80 != 0
        insn.rex = 0x40 | ((~p0 >> 5) & 0x7) | (w ? 0x8 : 0)
        insn.vexL = (code[p + 1] >> 2) & 1
        insn.vexVVVV = (~code[p + 1] >> 3) & 0xF
      case 0x8F:
        insn.encoding = .xop
        map = p0 & 0x1F
        insn.xopMap = map
        w = code[p + 1] & 0x80 != 0
        insn.rex = 0x40 | ((~p0 >> 5) & 0x7) | (w ? 0x8 : 0)
      default:  // 0x62 EVEX
        insn.encoding = .evex
        map = p0 & 0x07
        insn.evexMap = map
        insn.vexVVVV = (~code[p + 1] >> 3) & 0xF
        insn.vexL = (code[p + 2] >> 5) & 3
        insn.evexBroadcast = code[p + 2] & 0x10 != 0
        w = code[p + 1] & 0x80 != 0
        guard code[p + 1] & 0x04 != 0, p0 & 0x08 == 0 else { return invalid() }  // fixed 1 and 0 bits
        insn.rex = 0x40 | ((~p0 >> 5) & 0x7) | (w ? 0x8 : 0)
      }
      p += payload
      let op = code[p]
      p += 1
      insn.opcode = op
      needsModRM = true
      switch insn.encoding {
      case .xop:
        switch map {
        case 8: immediateBytes = 1
        case 9: immediateBytes = 0
        case 10: immediateBytes = 4
        default: return invalid()
        }
        insn.map = .oneByte
      default:
        switch map {
        case 1:
          insn.map = .twoByte0F
          if insn.encoding == .vex && op == 0x77 { needsModRM = false }  // vzeroupper/vzeroall
          if OpcodeMaps.vexMap1WithImm8.contains(op) { immediateBytes = 1 }
        case 2:
          insn.map = .threeByte0F38
        case 3:
          insn.map = .threeByte0F3A
          immediateBytes = 1
        case 5, 6:
          guard insn.encoding == .evex else { return invalid() }
          insn.map = .threeByte0F38  // AVX512-FP16 maps: ModRM, no immediate
        default:
          return invalid()
        }
      }
    default:  // Shape.invalid, or a stray escape code
      return invalid()
    }

    // 3. ModRM, SIB, displacement.
    if needsModRM {
      guard p < limit else { return invalid() }
      let modrm = code[p]
      p += 1
      insn.hasModRM = true
      insn.modrm = modrm
      let mod = modrm >> 6, rm = modrm & 7
      var dispBytes = 0
      if mod != 3 {
        if rm == 4 {
          guard p < limit else { return invalid() }
          insn.hasSIB = true
          insn.sib = code[p]
          p += 1
          if mod == 0 && insn.sib & 7 == 5 { dispBytes = 4 }
        }
        if mod == 1 { dispBytes = 1 } else if mod == 2 { dispBytes = 4 } else if mod == 0 && rm == 5 { dispBytes = 4 }
      }
      if dispBytes > 0 {
        guard p + dispBytes <= limit else { return invalid() }
        insn.displacementSize = UInt8(dispBytes)
        insn.displacement = readSigned(code, p, dispBytes)
        p += dispBytes
      }
      if group3 && (modrm >> 3) & 7 < 2 {
        immediateBytes = insn.opcode == 0xF6 ? 1 : immZ(insn)
      }
    }

    // 4. Immediate.
    if immediateBytes > 0 {
      guard p + immediateBytes <= limit else { return invalid() }
      insn.immediateSize = UInt8(immediateBytes)
      insn.immediate = readSigned(code, p, immediateBytes == 3 ? 2 : immediateBytes)
      p += immediateBytes
    }
    insn.length = UInt8(p - start)
    if !OpcodeValidity.isDefined(insn, tables) { return invalid() }
    return insn
  }

  /// Whether an `fwait` (9B) at `at - 1` joins the instruction after it: objdump shows
  /// 9B followed by an x87 instruction (D8-DF, optionally after a REX) as one
  /// instruction (`fstcw`, `finit`, ...), with 9B as its prefix.
  @inline(__always)
  static func fwaitCombines(_ code: UnsafeRawBufferPointer, _ at: Int, _ limit: Int) -> Bool {
    var i = at
    if i < limit && code[i] & 0xF0 == 0x40 { i += 1 }
    return i < limit && (0xD8...0xDF).contains(code[i])
  }

  /// Little-endian signed read of 1, 2, 4 or 8 bytes; the caller checked the bounds.
  @inline(__always)
  static func readSigned(_ code: UnsafeRawBufferPointer, _ at: Int, _ size: Int) -> Int64 {
    switch size {
    case 1: return Int64(Int8(bitPattern: code[at]))
    case 2: return Int64(Int16(littleEndian: code.loadUnaligned(fromByteOffset: at, as: Int16.self)))
    case 4: return Int64(Int32(littleEndian: code.loadUnaligned(fromByteOffset: at, as: Int32.self)))
    default: return Int64(littleEndian: code.loadUnaligned(fromByteOffset: at, as: Int64.self))
    }
  }
}
