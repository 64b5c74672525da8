import UnwindModel

/// arm64's register model: slot n is xn (x0-x30), slot 31 is SP; the return address
/// arrives in x30, the frame pointer is x29. Slots and DWARF numbers agree (AAPCS64).
/// The analysis follows copies of the stack pointer through a set of scratch registers
/// (`slot(_:calleeSaved:)`: x0-x3, x8-x17), with `check --callee-saved` through x19-x28
/// instead; other registers never take part in a stack op.
public enum ARM64Register {
  public static let sp: UInt8 = 31
  public static let fp: UInt8 = 29
  public static let lr: UInt8 = 30

  /// The slot of general register `n` (0-30) when the analysis follows it, else nil.
  /// With `calleeSaved` (`check --callee-saved`) x19-x28 are followed instead of the
  /// scratch registers x16, x17 and x8-x15.
  @inline(__always)
  public static func slot(_ n: UInt32, calleeSaved: Bool = false) -> UInt8? {
    guard n < 31 else { return nil }
    return (calleeSaved ? calleeSavedFollowed : followed) & (1 << n) != 0 ? UInt8(n) : nil
  }

  /// The registers followed, as bit masks over register numbers.
  static let followed: UInt32 = 0xF | 0x3FF << 8 | 1 << 29 | 1 << 30
  static let calleeSavedFollowed: UInt32 = 0xF | 0x3FF << 19 | 1 << 29 | 1 << 30

  public static func name(_ slot: UInt8) -> String {
    slot == sp ? "sp" : slot < 31 ? "x\(slot)" : "r?\(slot)"
  }

  /// The model: 32 slots named x0-x30 and sp, DWARF numbers equal to the slots; the
  /// return address arrives in x30; messages name registers (`reg1[x29]`).
  public static let vocabulary = RegisterVocabulary(
    names: (0..<32).map { name(UInt8($0)) }, dwarfNumbers: (0..<32).map(UInt16.init), stackPointer: sp, framePointer: fp,
    returnAddress: lr, returnAddressInRegister: true, numbersInMessages: false)
}

/// objtool's view of one A64 instruction: its kind, branch displacement and stack ops.
/// Table-free bit tests over the top-level encoding groups (Arm ARM C4.1); only what
/// matters for control flow and the stack is decoded, everything else is `other`.
public enum ARM64Semantics {
  /// What `classify` found besides the kind.
  public struct Extra: Sendable {
    /// PC-relative displacement of a direct branch (target = pc + displacement), or of
    /// a literal load / ADR (data address).
    public var displacement: Int64 = 0
    /// LDR (literal): the byte count loaded at pc + displacement (4, 8 or 16).
    public var literalSize: Int = 0
  }

  @inline(__always)
  static func signExtend(_ v: UInt32, bits: Int) -> Int64 {
    Int64(Int32(bitPattern: v << UInt32(32 - bits)) >> Int32(32 - bits))
  }

  /// Classifies `w`; appends its stack ops to `ops`.
  public static func classify(_ w: UInt32, ops: inout [StackOp], extra: inout Extra,
                              calleeSaved: Bool = false) -> InstructionKind {
    let kind = classifyKind(w, ops: &ops, extra: &extra, calleeSaved: calleeSaved)
    if writesLinkRegister(w) {
      ops.append(StackOp(dest: .overwrite, destRegister: ARM64Register.lr, source: .constant))
    }
    return kind
  }

  /// Whether `w` writes x30 other than as one of its tracked stack ops (a load of x30
  /// from an SP- or x29-based address is a stack op: a restore, or an overwrite decided
  /// by the CFI interpreter). Calls write the return address; loads, moves, arithmetic,
  /// MRS, exclusives and atomics, and SIMD/FP-to-general moves write their Rd/Rt/Rs.
  /// The CFI uses it to know whether x30 still holds the return address when its save
  /// slot is freed (perlasm epilogues `ldr x29, [x29]; add sp, sp, #N; ret`).
  static func writesLinkRegister(_ w: UInt32) -> Bool {
    let rd = w & 0x1F, rt2 = (w >> 10) & 0x1F, rs = (w >> 16) & 0x1F
    let op0 = (w >> 25) & 0xF
    switch op0 {
    case 0b1010, 0b1011:
      if w & 0xFC00_0000 == 0x9400_0000 { return true }  // BL
      if w & 0xFE00_0000 == 0xD600_0000 {  // BLR, BLRAA, BLRAAZ, ... (opc 1 and 9)
        let opc = (w >> 21) & 0xF
        return opc == 1 || opc == 9
      }
      if w & 0xFFD0_0000 == 0xD510_0000 { return false }  // MSR (register), SYS: no write
      if w & 0xFFD0_0000 == 0xD530_0000 { return rd == 30 }  // MRS, SYSL
      return false
    case 0b1000, 0b1001, 0b0101, 0b1101:
      // Data processing: Rd in bits 0-4 (31 is SP or XZR; conditional compares have
      // NZCV there with bit 4 clear, never 30).
      return rd == 30
    case 0b0100, 0b0110, 0b1100, 0b1110:
      let v = (w >> 26) & 1 == 1
      if w & 0x3F00_0000 == 0x0800_0000 {  // exclusives, acquire/release, CAS
        let load = (w >> 22) & 1 == 1, pair = (w >> 21) & 1 == 1
        if w & 0x3FA0_7C00 == 0x08A0_7C00 || w & 0x3FA0_7C00 == 0x0820_7C00 { return rs == 30 || (pair && rs == 29) }  // CAS(P)
        if load { return rd == 30 || (pair && rt2 == 30) }
        return rs == 30  // store-exclusive status
      }
      if v { return false }
      if w & 0x3B00_0000 == 0x1800_0000 { return w >> 30 != 3 && rd == 30 }  // LDR (literal), not PRFM
      if w & 0x3A00_0000 == 0x2800_0000 {  // pairs: the 64-bit SP/x29-based ones are stack ops
        guard (w >> 22) & 1 == 1 else { return false }
        let rn = (w >> 5) & 0x1F
        if w >> 30 == 2 && (rn == 31 || rn == 29) { return false }
        return rd == 30 || rt2 == 30
      }
      if w & 0x3B20_0C00 == 0x3820_0000 { return rd == 30 }  // atomic memory operations
      if w & 0x3A00_0000 == 0x3800_0000 {  // single register: unsigned imm, imm9, register offset
        let size = w >> 30, opc = (w >> 22) & 3, rn = (w >> 5) & 0x1F
        if opc == 0 || (size == 3 && opc >= 2) { return false }  // store, PRFM
        let stackOp = size == 3 && opc == 1 && (rn == 31 || rn == 29) && w & 0x0120_0000 != 0x0020_0000
        return rd == 30 && !stackOp
      }
      return false
    case 0b0111, 0b1111:
      if w & 0x5F20_FC00 == 0x1E20_0000 {  // FP <-> integer conversions: to general ones
        let opcode = (w >> 16) & 7
        return rd == 30 && (opcode <= 1 || opcode == 4 || opcode == 5 || opcode == 6)
      }
      if w & 0xBFE0_FC00 == 0x0E00_3C00 || w & 0xBFE0_FC00 == 0x0E00_2C00 { return rd == 30 }  // UMOV, SMOV
      return false
    default:
      return false
    }
  }

  static func classifyKind(_ w: UInt32, ops: inout [StackOp], extra: inout Extra,
                           calleeSaved: Bool) -> InstructionKind {
    let op0 = (w >> 25) & 0xF
    switch op0 {
    case 0b1010, 0b1011: return branchesAndSystem(w, ops: &ops, extra: &extra)
    case 0b1000, 0b1001: return dataImmediate(w, ops: &ops, extra: &extra, cs: calleeSaved)
    case 0b0100, 0b0110, 0b1100, 0b1110: return loadStore(w, ops: &ops, extra: &extra, cs: calleeSaved)
    case 0b0101, 0b1101: return dataRegister(w, ops: &ops, cs: calleeSaved)
    case 0b0111, 0b1111: return .other  // SIMD and floating point
    case 0b0010: return .other  // SVE
    case 0b0000:
      // UDF #imm16 (0x0000xxxx; zero words pad between functions, like x86's int3)
      // is a trap; other encodings here are unallocated; SME lives at op0=0 with bit 31 set.
      if w >> 16 == 0 { return .trap }
      return w >> 31 == 1 ? .other : .invalid
    default: return .invalid  // 0001, 0011: unallocated
    }
  }

  // MARK: branches, exception generation, system

  static func branchesAndSystem(_ w: UInt32, ops: inout [StackOp], extra: inout Extra) -> InstructionKind {
    if w & 0x7C00_0000 == 0x1400_0000 {  // B, BL
      extra.displacement = signExtend(w & 0x03FF_FFFF, bits: 26) * 4
      return w >> 31 == 1 ? .call : .jumpUnconditional
    }
    if w & 0x7E00_0000 == 0x3400_0000 {  // CBZ, CBNZ
      extra.displacement = signExtend((w >> 5) & 0x7FFFF, bits: 19) * 4
      return .jumpConditional
    }
    if w & 0x7E00_0000 == 0x3600_0000 {  // TBZ, TBNZ
      extra.displacement = signExtend((w >> 5) & 0x3FFF, bits: 14) * 4
      return .jumpConditional
    }
    if w & 0xFF00_0000 == 0x5400_0000 {  // B.cond, BC.cond
      extra.displacement = signExtend((w >> 5) & 0x7FFFF, bits: 19) * 4
      return .jumpConditional
    }
    if w & 0xFF00_0000 == 0xD400_0000 {  // exception generation
      let opc = (w >> 21) & 7, ll = w & 3, op2 = (w >> 2) & 7
      guard op2 == 0 else { return .invalid }
      switch (opc, ll) {
      case (0, 1), (0, 2), (0, 3): return .other  // SVC, HVC, SMC: return to the next instruction
      case (1, 0): return .bug  // BRK: BUG (dead end) or WARN (continues, __bug_table)
      case (2, 0): return .trap  // HLT
      case (3, 0): return .other  // TSTART (TME)
      case (5, 1), (5, 2), (5, 3): return .contextSwitch  // DCPS1-3
      default: return .invalid
      }
    }
    if w & 0xFE00_0000 == 0xD600_0000 { return branchRegister(w) }
    if w & 0xFFC0_0000 == 0xD500_0000 {  // system: hints, barriers, MSR/MRS, SYS
      if w & 0xFFFF_F01F == 0xD503_201F {  // HINT #imm
        switch w {
        case 0xD503_233F, 0xD503_237F:  // PACIASP, PACIBSP
          ops.append(StackOp(dest: .returnAddressSigning, destOffset: 1, source: .constant))
        case 0xD503_23BF, 0xD503_23FF:  // AUTIASP, AUTIBSP
          ops.append(StackOp(dest: .returnAddressSigning, destOffset: 0, source: .constant))
        default: break
        }
        let imm = (w >> 5) & 0x7F
        if imm == 0x20 || imm == 0x22 || imm == 0x24 || imm == 0x26 { return .endbr }  // BTI, BTI c/j/jc
        return .nop
      }
      return .other
    }
    return .invalid
  }

  static func branchRegister(_ w: UInt32) -> InstructionKind {
    let opc = (w >> 21) & 0xF, op2 = (w >> 16) & 0x1F, op3 = (w >> 10) & 0x3F
    let rn = (w >> 5) & 0x1F, op4 = w & 0x1F
    guard op2 == 0x1F else { return .invalid }
    // op3: 0 = plain, 2 = key A (with op4 = 31 for the zero-modifier forms), 3 = key B.
    let plain = op3 == 0 && op4 == 0
    let pacZero = (op3 == 2 || op3 == 3) && op4 == 0x1F
    switch opc {
    case 0: return plain || pacZero ? .jumpDynamic : .invalid  // BR, BRAAZ, BRABZ
    case 1: return plain || pacZero ? .callDynamic : .invalid  // BLR, BLRAAZ, BLRABZ
    case 2: return plain || (pacZero && rn == 0x1F) ? .ret : .invalid  // RET, RETAA, RETAB
    case 4: return (plain || pacZero) && rn == 0x1F ? .contextSwitch : .invalid  // ERET, ERETAA, ERETAB
    case 5: return plain && rn == 0x1F ? .contextSwitch : .invalid  // DRPS
    case 8: return op3 == 2 || op3 == 3 ? .jumpDynamic : .invalid  // BRAA, BRAB
    case 9: return op3 == 2 || op3 == 3 ? .callDynamic : .invalid  // BLRAA, BLRAB
    default: return .invalid
    }
  }

  // MARK: data processing, immediate

  static func dataImmediate(_ w: UInt32, ops: inout [StackOp], extra: inout Extra, cs: Bool) -> InstructionKind {
    let group = (w >> 23) & 7
    let sf = w >> 31 == 1
    let rd = w & 0x1F, rn = (w >> 5) & 0x1F
    switch group {
    case 0, 1:  // ADR, ADRP
      let imm = signExtend(((w >> 5) & 0x7FFFF) << 2 | (w >> 29) & 3, bits: 21)
      extra.displacement = w >> 31 == 0 ? imm : imm << 12
      return .other
    case 2:  // ADD/SUB (immediate)
      let sub = (w >> 30) & 1 == 1, setFlags = (w >> 29) & 1 == 1
      let shift: UInt32 = (w >> 22) & 1 == 1 ? 12 : 0
      let imm = Int32(((w >> 10) & 0xFFF) << shift)
      // Rd = 31 is SP unless flags are set (then XZR: CMP/CMN); Rn = 31 is SP.
      guard sf, !setFlags else { return .other }
      let dest: UInt8? = rd == 31 ? ARM64Register.sp : ARM64Register.slot(rd, calleeSaved: cs)
      let src: UInt8? = rn == 31 ? ARM64Register.sp : ARM64Register.slot(rn, calleeSaved: cs)
      guard let dest, let src else {
        // Something computed from SP/FP into an untracked register, or an untracked
        // register into nothing we follow: no stack op.
        return .other
      }
      if dest != ARM64Register.sp && src != ARM64Register.sp && src != ARM64Register.fp && dest != ARM64Register.fp {
        return .other  // plain arithmetic between scratch registers
      }
      if imm == 0 && (rd == 31 || rn == 31) {
        ops.append(StackOp(dest: .register, destRegister: dest, source: .register, sourceRegister: src))  // MOV to/from SP
      } else {
        ops.append(StackOp(dest: .register, destRegister: dest, source: .add, sourceRegister: src,
                           sourceOffset: sub ? -imm : imm))
      }
      return .other
    case 3:  // ADDG/SUBG (MTE): tag arithmetic; SP as destination is not followed
      return .other
    case 4:  // logical (immediate): AND/ORR/EOR write SP when Rd = 31 (ANDS: XZR)
      let opc = (w >> 29) & 3
      if sf && rd == 31 && opc != 3 {
        if opc == 0 {
          let src = rn == 31 ? ARM64Register.sp : (ARM64Register.slot(rn, calleeSaved: cs) ?? 0)
          ops.append(StackOp(dest: .register, destRegister: ARM64Register.sp, source: .and, sourceRegister: src,
                             sourceOffset: Int32(truncatingIfNeeded: decodeBitMask(w))))
        } else {
          ops.append(StackOp(dest: .register, destRegister: ARM64Register.sp, source: .constant))
        }
      }
      return .other
    default:  // move wide, bitfield, extract: Rd = 31 is XZR
      return .other
    }
  }

  /// The 64-bit value of a logical-immediate mask (N:immr:imms), enough to give the
  /// realignment mask of `and sp, xN, #-16` (others only need "not SP-relative").
  static func decodeBitMask(_ w: UInt32) -> Int64 {
    let n = (w >> 22) & 1, immr = (w >> 16) & 0x3F, imms = (w >> 10) & 0x3F
    let combined = n << 6 | (~imms & 0x3F)
    guard combined != 0 else { return 0 }
    var len = 6
    while len >= 0 && combined & (1 << UInt32(len)) == 0 { len -= 1 }
    guard len >= 1 else { return 0 }
    let size = 1 << len
    let levels = UInt32(size - 1)
    let s = imms & levels, r = immr & levels
    let ones: UInt64 = s + 1 >= 64 ? ~0 : (1 << UInt64(s + 1)) - 1
    let mask: UInt64 = size == 64 ? ~0 : (1 << UInt64(size)) - 1
    var elt = ones & mask
    if r > 0 { elt = ((elt >> UInt64(r)) | (elt << UInt64(UInt32(size) - r))) & mask }
    var value: UInt64 = 0
    var i = 0
    while i < 64 { value |= elt << UInt64(i); i += size }
    return Int64(bitPattern: value)
  }

  // MARK: data processing, register

  static func dataRegister(_ w: UInt32, ops: inout [StackOp], cs: Bool) -> InstructionKind {
    // ADD/SUB (extended register): the only register form whose Rd/Rn = 31 mean SP.
    if w & 0x1FE0_0000 == 0x0B20_0000 {
      let sf = w >> 31 == 1, setFlags = (w >> 29) & 1 == 1
      let rd = w & 0x1F, rn = (w >> 5) & 0x1F, rm = (w >> 16) & 0x1F
      if sf && !setFlags && rd == 31 {
        // sub sp, sp, xM (dynamic allocation) or add sp, xN, xM: not a constant change.
        let src = rn == 31 ? ARM64Register.sp : (ARM64Register.slot(rn, calleeSaved: cs) ?? 0)
        ops.append(StackOp(dest: .register, destRegister: ARM64Register.sp, source: .add,
                           sourceRegister: src == ARM64Register.sp ? (ARM64Register.slot(rm, calleeSaved: cs) ?? 0) : src))
      }
    }
    return .other
  }

  // MARK: loads and stores

  static func loadStore(_ w: UInt32, ops: inout [StackOp], extra: inout Extra, cs: Bool) -> InstructionKind {
    // Load register (literal): data at pc + imm19*4.
    if w & 0x3B00_0000 == 0x1800_0000 {
      extra.displacement = signExtend((w >> 5) & 0x7FFFF, bits: 19) * 4
      let opc = w >> 30, v = (w >> 26) & 1 == 1
      switch (v, opc) {
      case (_, 0), (false, 2): extra.literalSize = 4
      case (_, 1): extra.literalSize = 8
      case (true, 2): extra.literalSize = 16
      default: extra.literalSize = 0  // PRFM (literal), or unallocated
      }
      return .other
    }
    // Load/store pair (no-allocate, post-index, signed offset, pre-index).
    if w & 0x3A00_0000 == 0x2800_0000 {
      let opc = w >> 30, v = (w >> 26) & 1 == 1, load = (w >> 22) & 1 == 1
      let mode = (w >> 23) & 3
      let rn = (w >> 5) & 0x1F, rt = w & 0x1F, rt2 = (w >> 10) & 0x1F
      let scale: Int32 = v ? Int32(4) << Int32(min(opc, 2)) : (opc == 2 ? 8 : 4)
      let imm = Int32(signExtend((w >> 15) & 0x7F, bits: 7)) * scale
      let gpr64 = !v && opc == 2
      pairOrSingle(rn: rn, first: gpr64 ? rt : none, second: gpr64 ? rt2 : none, imm: imm,
                   writeback: mode == 1 ? .post : mode == 3 ? .pre : .none, load: load, cs: cs, ops: &ops)
      return .other
    }
    // Load/store register, unsigned immediate.
    if w & 0x3B00_0000 == 0x3900_0000 {
      let size = w >> 30, v = (w >> 26) & 1 == 1, opc = (w >> 22) & 3
      let rn = (w >> 5) & 0x1F, rt = w & 0x1F
      let scale = Int32(1) << Int32(v && opc >= 2 ? 4 : size)
      let imm = Int32((w >> 10) & 0xFFF) * scale
      let gpr64 = !v && size == 3 && opc <= 1
      pairOrSingle(rn: rn, first: gpr64 ? rt : none, second: none, imm: imm, writeback: .none, load: opc == 1, cs: cs, ops: &ops)
      return .other
    }
    // Load/store register, unscaled / post-index / unprivileged / pre-index (imm9).
    if w & 0x3B20_0000 == 0x3800_0000 {
      let size = w >> 30, v = (w >> 26) & 1 == 1, opc = (w >> 22) & 3
      let rn = (w >> 5) & 0x1F, rt = w & 0x1F
      let mode = (w >> 10) & 3
      let imm = Int32(signExtend((w >> 12) & 0x1FF, bits: 9))
      let gpr64 = !v && size == 3 && opc <= 1
      let wb: Writeback = mode == 1 ? .post : mode == 3 ? .pre : .none
      pairOrSingle(rn: rn, first: gpr64 ? rt : none, second: none, imm: imm, writeback: wb, load: opc == 1, cs: cs, ops: &ops)
      return .other
    }
    return .other
  }

  enum Writeback { case none, pre, post }

  /// "No register" for `pairOrSingle`.
  static let none: UInt32 = 0xFF

  /// Stack ops of a load/store of up to two 64-bit GPRs (`first` at the address,
  /// `second` 8 bytes above) at `[Rn + imm]`: pre-index adjusts the base first and
  /// accesses at offset 0, post-index accesses at 0 and adjusts after, as objtool's
  /// arm64 ports model write-back. Only SP- and FP-based accesses are stack ops, and
  /// only x29/x30 are tracked (callee-saved x19-x28 are saved in path-dependent order by
  /// GCC; tracking them makes false mismatches at joins).
  static func pairOrSingle(rn: UInt32, first: UInt32, second: UInt32, imm: Int32, writeback: Writeback,
                           load: Bool, cs: Bool = false, ops: inout [StackOp]) {
    let base: UInt8
    if rn == 31 { base = ARM64Register.sp } else if rn == 29 { base = ARM64Register.fp } else { return }
    if writeback == .pre {
      ops.append(StackOp(dest: .register, destRegister: base, source: .add, sourceRegister: base, sourceOffset: imm))
    }
    let at = writeback == .none ? imm : 0
    func access(_ r: UInt32, _ off: Int32) {
      guard r != none, r != 31, let slot = ARM64Register.slot(r, calleeSaved: cs),
            slot == ARM64Register.fp || slot == ARM64Register.lr || (cs && r >= 19 && r <= 28) else { return }
      if load {
        ops.append(StackOp(dest: .register, destRegister: slot, source: .registerIndirect, sourceRegister: base, sourceOffset: off))
      } else {
        ops.append(StackOp(dest: .registerIndirect, destRegister: base, destOffset: off, source: .register, sourceRegister: slot))
      }
    }
    access(first, at)
    access(second, at + 8)
    if writeback == .post {
      ops.append(StackOp(dest: .register, destRegister: base, source: .add, sourceRegister: base, sourceOffset: imm))
    }
  }
}
