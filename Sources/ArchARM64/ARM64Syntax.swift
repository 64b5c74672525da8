/// A64 assembly text in the style of GNU objdump (`aarch64-linux-gnu-objdump -d`):
/// preferred aliases (`mov`, `cmp`, `tst`, `cset`, `lsl`, `ubfx`, `mul`, `stadd` ...),
/// arithmetic and logical immediates in hex, load/store offsets in decimal, branch
/// targets as addresses.
///
/// Written for what kernel code is made of: branches, exception and system instructions
/// (hints, PAC and BTI, barriers, the system registers the kernel touches most),
/// integer data processing, loads and stores of every addressing form including pairs,
/// exclusives, acquire/release and LSE atomics, and FP/SIMD register loads and stores.
/// Other FP/SIMD and SVE encodings are printed as `.insn 0xWORD`: not spelled out,
/// never guessed. `Scripts/difftest-syntax.py --arch arm64` measures the agreement.
public enum ARM64Syntax {
  public static func format(_ word: UInt32, address: UInt64) -> String {
    Formatter(w: word, pc: address).text() ?? ".insn 0x" + String(word, radix: 16)
  }
}

private let conditionNames = ["eq", "ne", "cs", "cc", "mi", "pl", "vs", "vc", "hi", "ls", "ge", "lt", "gt", "le", "al", "nv"]

private struct Formatter {
  let w: UInt32
  let pc: UInt64

  func bits(_ lo: Int, _ n: Int) -> UInt32 { (w >> UInt32(lo)) & ((1 << UInt32(n)) - 1) }
  func bit(_ i: Int) -> Bool { (w >> UInt32(i)) & 1 != 0 }
  func signed(_ lo: Int, _ n: Int) -> Int64 {
    let v = Int64(bits(lo, n))
    return v >= (1 << (n - 1)) ? v - (1 << n) : v
  }

  static func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }

  /// A general register: 31 is the zero register unless `sp` says the stack pointer.
  func r(_ n: UInt32, _ x: Bool, sp: Bool = false) -> String {
    if n == 31 { return sp ? (x ? "sp" : "wsp") : (x ? "xzr" : "wzr") }
    return (x ? "x" : "w") + String(n)
  }

  var rd: UInt32 { bits(0, 5) }
  var rn: UInt32 { bits(5, 5) }
  var rm: UInt32 { bits(16, 5) }
  var sf: Bool { bit(31) }

  func target(_ offset: Int64) -> String { String(UInt64(bitPattern: Int64(bitPattern: pc) &+ offset), radix: 16) }

  func text() -> String? {
    switch bits(25, 4) {
    case 0b1000, 0b1001: return dataImmediate()
    case 0b1010, 0b1011: return branchSystem()
    case 0b0101, 0b1101: return dataRegister()
    case 0b0100, 0b0110, 0b1100, 0b1110: return loadStore()
    default: return w == 0 ? "udf #0" : (w >> 16 == 0 ? "udf #" + String(w & 0xFFFF) : nil)
    }
  }

  // MARK: Branches, exceptions, system

  func branchSystem() -> String? {
    if bits(26, 5) == 0b00101 {  // B, BL
      return (bit(31) ? "bl " : "b ") + target(signed(0, 26) * 4)
    }
    if bits(25, 7) == 0b0101010 {  // B.cond
      guard !bit(4) else { return nil }
      return "b." + conditionNames[Int(bits(0, 4))] + " " + target(signed(5, 19) * 4)
    }
    if bits(25, 6) == 0b011010 {  // CBZ/CBNZ
      return (bit(24) ? "cbnz " : "cbz ") + r(rd, sf) + ", " + target(signed(5, 19) * 4)
    }
    if bits(25, 6) == 0b011011 {  // TBZ/TBNZ
      let b = (bits(31, 1) << 5) | bits(19, 5)
      return (bit(24) ? "tbnz " : "tbz ") + r(rd, b >= 32) + ", #" + String(b) + ", " + target(signed(5, 14) * 4)
    }
    if bits(24, 8) == 0b11010100 {  // exceptions
      let imm = Self.hex(UInt64(bits(5, 16)))
      switch (bits(21, 3), bits(0, 5)) {
      case (0, 1): return "svc #" + imm
      case (0, 2): return "hvc #" + imm
      case (0, 3): return "smc #" + imm
      case (1, 0): return "brk #" + imm
      case (2, 0): return "hlt #" + imm
      default: return nil
      }
    }
    if bits(22, 10) == 0b1101010100 { return system() }
    if bits(25, 7) == 0b1101011 {  // branch to register
      let opc = bits(21, 4), op2 = bits(16, 5), op3 = bits(10, 6), rn = self.rn
      guard op2 == 31 else { return nil }
      switch (opc, op3) {
      case (0, 0): return "br " + r(rn, true)
      case (1, 0): return "blr " + r(rn, true)
      case (2, 0): return rn == 30 ? "ret" : "ret " + r(rn, true)
      case (2, 2) where rn == 31 && rd == 31: return "retaa"
      case (2, 3) where rn == 31 && rd == 31: return "retab"
      case (4, 0) where rn == 31: return "eret"
      case (0, 2), (0, 3): return (op3 == 2 ? "braaz " : "brabz ") + r(rn, true)
      case (1, 2), (1, 3): return (op3 == 2 ? "blraaz " : "blrabz ") + r(rn, true)
      case (8, 2), (8, 3): return (op3 == 2 ? "braa " : "brab ") + r(rn, true) + ", " + r(rd, true, sp: true)
      case (9, 2), (9, 3): return (op3 == 2 ? "blraa " : "blrab ") + r(rn, true) + ", " + r(rd, true, sp: true)
      default: return nil
      }
    }
    return nil
  }

  func system() -> String? {
    let l = bit(21), op0 = bits(19, 2), op1 = bits(16, 3), crn = bits(12, 4), crm = bits(8, 4), op2 = bits(5, 3)
    if !l && op0 == 0 && crn == 2 && rd == 31 {  // hints
      let n = Int((crm << 3) | op2)
      let names: [Int: String] = [0: "nop", 1: "yield", 2: "wfe", 3: "wfi", 4: "sev", 5: "sevl", 7: "xpaclri",
                                  8: "pacia1716", 10: "pacib1716", 12: "autia1716", 14: "autib1716",
                                  16: "esb", 17: "psb csync", 18: "tsb csync", 20: "csdb",
                                  24: "paciaz", 25: "paciasp", 26: "pacibz", 27: "pacibsp",
                                  28: "autiaz", 29: "autiasp", 30: "autibz", 31: "autibsp",
                                  32: "bti", 34: "bti c", 36: "bti j", 38: "bti jc"]
      return names[n] ?? "hint #" + Self.hex(UInt64(n))
    }
    if !l && op0 == 0 && op1 == 3 && crn == 3 && rd == 31 {  // barriers
      switch op2 {
      case 2: return "clrex" + (crm == 15 ? "" : " #" + String(crm))
      case 4, 5:
        let options = [1: "oshld", 2: "oshst", 3: "osh", 5: "nshld", 6: "nshst", 7: "nsh",
                       9: "ishld", 10: "ishst", 11: "ish", 13: "ld", 14: "st", 15: "sy"]
        if op2 == 4 && crm == 0 { return "ssbb" }
        if op2 == 4 && crm == 4 { return "pssbb" }
        return (op2 == 4 ? "dsb " : "dmb ") + (options[Int(crm)] ?? "#" + Self.hex(UInt64(crm)))
      case 6: return "isb" + (crm == 15 ? "" : " #" + Self.hex(UInt64(crm)))
      case 7 where crm == 0: return "sb"
      default: return nil
      }
    }
    if !l && op0 == 0 && crn == 4 && rd == 31 {  // MSR (immediate)
      let fields: [UInt32: String] = [0x05: "spsel", 0x1E: "daifset", 0x1F: "daifclr", 0x03: "uao", 0x04: "pan",
                                      0x19: "ssbs", 0x1A: "dit", 0x1C: "tco"]
      guard let name = fields[(op1 << 3) | op2] else { return nil }
      return "msr " + name + ", #" + Self.hex(UInt64(crm))
    }
    if op0 >= 2 {  // MRS / MSR (register)
      let reg = systemRegister(op0, op1, crn, crm, op2)
      return l ? "mrs " + r(rd, true) + ", " + reg : "msr " + reg + ", " + r(rd, true)
    }
    if op0 == 1 && !l {  // SYS: the cache and TLB maintenance aliases
      return sysAlias(op1, crn, crm, op2)
    }
    return nil
  }

  func systemRegister(_ op0: UInt32, _ op1: UInt32, _ crn: UInt32, _ crm: UInt32, _ op2: UInt32) -> String {
    let key = (op0 << 14) | (op1 << 11) | (crn << 7) | (crm << 3) | op2
    // (op0, op1, CRn, CRm, op2) packed as op0:op1:CRn:CRm:op2 (2, 3, 4, 4, 3 bits).
    let names: [UInt32: String] = [
      0xC208: "sp_el0", 0xDA10: "nzcv", 0xDA11: "daif", 0xC212: "currentel", 0xC213: "pan",
      0xC214: "uao", 0xDA20: "fpcr", 0xDA21: "fpsr", 0xC684: "tpidr_el1", 0xDE82: "tpidr_el0",
      0xDE83: "tpidrro_el0", 0xE682: "tpidr_el2", 0xDF02: "cntvct_el0", 0xDF01: "cntpct_el0", 0xDF00: "cntfrq_el0",
      0xC080: "sctlr_el1", 0xC100: "ttbr0_el1", 0xC101: "ttbr1_el1", 0xC102: "tcr_el1", 0xC600: "vbar_el1",
      0xC200: "spsr_el1", 0xC201: "elr_el1", 0xC000: "midr_el1", 0xC005: "mpidr_el1", 0xC082: "cpacr_el1",
      0xC300: "far_el1", 0xC290: "esr_el1", 0x8012: "mdscr_el1", 0xC510: "mair_el1", 0xDA16: "ssbs",
      0xDA15: "dit", 0xDA17: "tco", 0xC681: "contextidr_el1", 0xC3A0: "par_el1", 0xE088: "hcr_el2",
      0xE080: "sctlr_el2", 0xE600: "vbar_el2", 0xE200: "spsr_el2", 0xE201: "elr_el2", 0xC708: "cntkctl_el1",
      0xDF19: "cntv_ctl_el0", 0xDF1A: "cntv_cval_el0", 0xDF11: "cntp_ctl_el0", 0xDF12: "cntp_cval_el0", 0xD801: "ctr_el0",
      0xD807: "dczid_el0", 0xE208: "sp_el1", 0xE703: "cntvoff_el2", 0xE108: "vttbr_el2", 0xE10A: "vtcr_el2",
      0xC020: "id_aa64pfr0_el1", 0xC030: "id_aa64isar0_el1", 0xC038: "id_aa64mmfr0_el1", 0xC006: "revidr_el1",
      0xDCE0: "pmcr_el0", 0xDCE8: "pmccntr_el0", 0xDF10: "cntp_tval_el0", 0xDF18: "cntv_tval_el0", 0xC609: "disr_el1",
      0xE089: "mdcr_el2", 0xE08A: "cptr_el2", 0xE08B: "hstr_el2", 0xC081: "actlr_el1", 0x8084: "oslar_el1",
      0x809C: "osdlr_el1", 0xC210: "spsel", 0xC086: "gcr_el1", 0xC085: "rgsr_el1", 0xC2B0: "tfsr_el1",
      0xC2B1: "tfsre0_el1", 0xC108: "apiakeylo_el1", 0xC109: "apiakeyhi_el1", 0xC10A: "apibkeylo_el1", 0xC10B: "apibkeyhi_el1",
      0xC110: "apdakeylo_el1", 0xC111: "apdakeyhi_el1", 0xC118: "apgakeylo_el1", 0xC119: "apgakeyhi_el1", 0xC090: "zcr_el1",
      0xD920: "rndr", 0xD921: "rndrrs",
    ]
    if let n = names[key] { return n }
    return "s\(op0)_\(op1)_c\(crn)_c\(crm)_\(op2)"
  }

  func sysAlias(_ op1: UInt32, _ crn: UInt32, _ crm: UInt32, _ op2: UInt32) -> String? {
    guard crn == 7 else { return nil }
    let x = r(rd, true)
    let dc: [UInt32: String] = [0x061: "ivac", 0x062: "isw", 0x0A2: "csw", 0x0E2: "cisw", 0x341: "zva",
                                0x3A1: "cvac", 0x3B1: "cvau", 0x3C1: "cvap", 0x3E1: "civac"]
    let key = (op1 << 8) | (crm << 4) | op2
    if let n = dc[key] { return "dc " + n + ", " + x }
    switch key {
    case 0x010 where rd == 31: return "ic ialluis"
    case 0x050 where rd == 31: return "ic iallu"
    case 0x351: return "ic ivau, " + x
    default: return nil
    }
  }

  // MARK: Data processing, immediate

  func dataImmediate() -> String? {
    let x = sf
    switch bits(23, 3) {
    case 0b000, 0b001:  // ADR, ADRP
      let imm = (signed(5, 19) << 2) | Int64(bits(29, 2))
      if bit(31) {
        let page = Int64(bitPattern: pc & ~0xFFF) &+ (imm << 12)
        return "adrp " + r(rd, true) + ", " + String(UInt64(bitPattern: page), radix: 16)
      }
      return "adr " + r(rd, true) + ", " + target(imm)
    case 0b010:  // add/sub immediate
      let op = bit(30), s = bit(29), shift = bit(22)
      let imm = Self.hex(UInt64(bits(10, 12))) + (shift ? ", lsl #12" : "")
      if !op && !s && !shift && bits(10, 12) == 0 && (rd == 31 || rn == 31) {
        return "mov " + r(rd, x, sp: true) + ", " + r(rn, x, sp: true)
      }
      if s && rd == 31 { return (op ? "cmp " : "cmn ") + r(rn, x, sp: true) + ", #" + imm }
      let name = (op ? "sub" : "add") + (s ? "s" : "")
      return name + " " + r(rd, x, sp: !s) + ", " + r(rn, x, sp: true) + ", #" + imm
    case 0b100:  // logical immediate
      guard x || !bit(22), let value = decodeBitMask(n: bit(22), imms: bits(10, 6), immr: bits(16, 6), x) else { return nil }
      let imm = "#" + Self.hex(value)
      switch bits(29, 2) {
      case 0: return "and " + r(rd, x, sp: true) + ", " + r(rn, x) + ", " + imm
      case 1:
        if rn == 31 && !isMoveWide(value, x) { return "mov " + r(rd, x, sp: true) + ", " + imm }
        return "orr " + r(rd, x, sp: true) + ", " + r(rn, x) + ", " + imm
      case 2: return "eor " + r(rd, x, sp: true) + ", " + r(rn, x) + ", " + imm
      default:
        if rd == 31 { return "tst " + r(rn, x) + ", " + imm }
        return "ands " + r(rd, x) + ", " + r(rn, x) + ", " + imm
      }
    case 0b101:  // move wide
      let hw = bits(21, 2), imm16 = UInt64(bits(5, 16))
      guard x || hw < 2 else { return nil }
      let shift = UInt64(hw * 16)
      switch bits(29, 2) {
      case 0:  // MOVN
        if !(imm16 == 0 && hw != 0) && (x || imm16 != 0xFFFF) {
          var v = ~(imm16 << shift)
          if !x { v &= 0xFFFF_FFFF }
          return "mov " + r(rd, x) + ", #" + Self.hex(v)
        }
        return "movn " + r(rd, x) + ", #" + Self.hex(imm16) + (hw != 0 ? ", lsl #" + String(shift) : "")
      case 2:  // MOVZ
        if !(imm16 == 0 && hw != 0) { return "mov " + r(rd, x) + ", #" + Self.hex(imm16 << shift) }
        return "movz " + r(rd, x) + ", #" + Self.hex(imm16) + ", lsl #" + String(shift)
      case 3:
        return "movk " + r(rd, x) + ", #" + Self.hex(imm16) + (hw != 0 ? ", lsl #" + String(shift) : "")
      default: return nil
      }
    case 0b110:  // bitfield
      return bitfield()
    case 0b111:  // EXTR
      guard bits(29, 2) == 0, !bit(21), bit(22) == x else { return nil }
      let lsb = bits(10, 6)
      if rn == rm { return "ror " + r(rd, x) + ", " + r(rn, x) + ", #" + String(lsb) }
      return "extr " + r(rd, x) + ", " + r(rn, x) + ", " + r(rm, x) + ", #" + String(lsb)
    default:
      return nil
    }
  }

  func isMoveWide(_ value: UInt64, _ x: Bool) -> Bool {
    let width: UInt64 = x ? 64 : 32
    let mask: UInt64 = x ? .max : 0xFFFF_FFFF
    for shift in stride(from: UInt64(0), to: width, by: 16) {
      let field = UInt64(0xFFFF) << shift
      if value & ~field & mask == 0 { return true }
      if ~value & ~field & mask == 0 { return true }
    }
    return false
  }

  /// The architecture's DecodeBitMasks for a logical immediate (nil: reserved).
  func decodeBitMask(n: Bool, imms: UInt32, immr: UInt32, _ x: Bool) -> UInt64? {
    let combined = (n ? 1 << 6 : 0) | (~imms & 0x3F)
    guard combined != 0 else { return nil }
    var len = 6
    while len >= 0 && combined & (1 << UInt32(len)) == 0 { len -= 1 }
    guard len >= 1 else { return nil }
    let size = UInt64(1) << UInt64(len)
    let levels = UInt32(size - 1)
    let s = imms & levels, rot = immr & levels
    guard s != levels else { return nil }
    var element: UInt64 = (UInt64(1) << UInt64(s + 1)) - 1
    if rot > 0 {
      let mask: UInt64 = size == 64 ? .max : (1 << size) - 1
      element = ((element >> UInt64(rot)) | (element << (size - UInt64(rot)))) & mask
    }
    var value: UInt64 = 0
    var k: UInt64 = 0
    let width: UInt64 = x ? 64 : 32
    while k < width { value |= element << k; k += size }
    return x ? value : value & 0xFFFF_FFFF
  }

  func bitfield() -> String? {
    let x = sf
    guard bit(22) == x else { return nil }
    let immr = bits(16, 6), imms = bits(10, 6)
    guard x || (immr < 32 && imms < 32) else { return nil }  // (unallocated for 32 bits)
    let top: UInt32 = x ? 63 : 31
    let d = r(rd, x), n = r(rn, x)
    func num(_ v: UInt32) -> String { "#" + String(v) }
    switch bits(29, 2) {
    case 0:  // SBFM
      if imms == top { return "asr " + d + ", " + n + ", " + num(immr) }
      if immr == 0 && imms == 7 { return "sxtb " + d + ", " + r(rn, false) }
      if immr == 0 && imms == 15 { return "sxth " + d + ", " + r(rn, false) }
      if immr == 0 && imms == 31 && x { return "sxtw " + d + ", " + r(rn, false) }
      if imms < immr { return "sbfiz " + d + ", " + n + ", " + num(top + 1 - immr) + ", " + num(imms + 1) }
      return "sbfx " + d + ", " + n + ", " + num(immr) + ", " + num(imms - immr + 1)
    case 1:  // BFM
      if imms < immr {
        if rn == 31 { return "bfc " + d + ", " + num(top + 1 - immr) + ", " + num(imms + 1) }
        return "bfi " + d + ", " + n + ", " + num(top + 1 - immr) + ", " + num(imms + 1)
      }
      return "bfxil " + d + ", " + n + ", " + num(immr) + ", " + num(imms - immr + 1)
    case 2:  // UBFM
      if imms != top && imms + 1 == immr { return "lsl " + d + ", " + n + ", " + num(top - imms) }
      if imms == top { return "lsr " + d + ", " + n + ", " + num(immr) }
      if !x && immr == 0 && imms == 7 { return "uxtb " + d + ", " + n }
      if !x && immr == 0 && imms == 15 { return "uxth " + d + ", " + n }
      if imms < immr { return "ubfiz " + d + ", " + n + ", " + num(top + 1 - immr) + ", " + num(imms + 1) }
      return "ubfx " + d + ", " + n + ", " + num(immr) + ", " + num(imms - immr + 1)
    default:
      return nil
    }
  }

  // MARK: Data processing, register

  func shifted(_ reg: String, type: UInt32, amount: UInt32) -> String {
    amount == 0 && type == 0 ? reg : reg + ", " + ["lsl", "lsr", "asr", "ror"][Int(type)] + " #" + String(amount)
  }

  func dataRegister() -> String? {
    let x = sf
    if bits(24, 5) == 0b01010 {  // logical (shifted register)
      let opc = bits(29, 2), neg = bit(21), type = bits(22, 2), amount = bits(10, 6)
      guard x || amount < 32 else { return nil }
      let m = shifted(r(rm, x), type: type, amount: amount)
      let d = r(rd, x), n = r(rn, x)
      switch (opc, neg) {
      case (1, false) where rn == 31 && amount == 0 && type == 0: return "mov " + d + ", " + r(rm, x)
      case (1, true) where rn == 31: return "mvn " + d + ", " + m
      case (3, false) where rd == 31: return "tst " + n + ", " + m
      default:
        let names = [["and", "bic"], ["orr", "orn"], ["eor", "eon"], ["ands", "bics"]]
        return names[Int(opc)][neg ? 1 : 0] + " " + d + ", " + n + ", " + m
      }
    }
    if bits(24, 5) == 0b01011 {  // add/sub, shifted or extended register
      let op = bit(30), s = bit(29)
      if !bit(21) {
        let type = bits(22, 2), amount = bits(10, 6)
        guard type != 3, x || amount < 32 else { return nil }
        let m = shifted(r(rm, x), type: type, amount: amount)
        if s && rd == 31 { return (op ? "cmp " : "cmn ") + r(rn, x) + ", " + m }
        if op && rn == 31 { return (s ? "negs " : "neg ") + r(rd, x) + ", " + m }
        return (op ? "sub" : "add") + (s ? "s " : " ") + r(rd, x) + ", " + r(rn, x) + ", " + m
      }
      guard bits(22, 2) == 0 else { return nil }
      let option = bits(13, 3), amount = bits(10, 3)
      guard amount <= 4 else { return nil }
      let wideM = option & 3 == 3
      var ext = ["uxtb", "uxth", "uxtw", "uxtx", "sxtb", "sxth", "sxtw", "sxtx"][Int(option)]
      let spInvolved = rd == 31 && !s || rn == 31
      if spInvolved && option == (x ? 3 : 2) { ext = amount == 0 ? "" : "lsl" }
      let tail = ext.isEmpty ? "" : ", " + ext + (amount == 0 ? "" : " #" + String(amount))
      let m = r(rm, x && wideM) + tail
      if s && rd == 31 { return (op ? "cmp " : "cmn ") + r(rn, x, sp: true) + ", " + m }
      return (op ? "sub" : "add") + (s ? "s " : " ") + r(rd, x, sp: !s) + ", " + r(rn, x, sp: true) + ", " + m
    }
    switch bits(21, 8) {
    case 0b11010000:  // adc, sbc
      guard bits(10, 6) == 0 else { return nil }
      let op = bit(30), s = bit(29)
      if op && rn == 31 { return (s ? "ngcs " : "ngc ") + r(rd, x) + ", " + r(rm, x) }
      return (op ? "sbc" : "adc") + (s ? "s " : " ") + r(rd, x) + ", " + r(rn, x) + ", " + r(rm, x)
    case 0b11010010:  // conditional compare
      guard bit(29), !bit(10), !bit(4) else { return nil }
      let name = bit(30) ? "ccmp " : "ccmn "
      let second = bit(11) ? "#" + Self.hex(UInt64(rm)) : r(rm, x)
      return name + r(rn, x) + ", " + second + ", #" + Self.hex(UInt64(bits(0, 4))) + ", " + conditionNames[Int(bits(12, 4))]
    case 0b11010100:  // conditional select
      guard !bit(29), bits(11, 1) == 0 else { return nil }
      let op = bit(30), o2 = bit(10), cond = bits(12, 4)
      let inverse = conditionNames[Int(cond ^ 1)]
      let d = r(rd, x), n = r(rn, x), m = r(rm, x)
      switch (op, o2) {
      case (false, false): return "csel " + d + ", " + n + ", " + m + ", " + conditionNames[Int(cond)]
      case (false, true):
        if rm == rn && cond < 14 { return rn == 31 ? "cset " + d + ", " + inverse : "cinc " + d + ", " + n + ", " + inverse }
        return "csinc " + d + ", " + n + ", " + m + ", " + conditionNames[Int(cond)]
      case (true, false):
        if rm == rn && cond < 14 { return rn == 31 ? "csetm " + d + ", " + inverse : "cinv " + d + ", " + n + ", " + inverse }
        return "csinv " + d + ", " + n + ", " + m + ", " + conditionNames[Int(cond)]
      case (true, true):
        if rm == rn && cond < 14 { return "cneg " + d + ", " + n + ", " + inverse }
        return "csneg " + d + ", " + n + ", " + m + ", " + conditionNames[Int(cond)]
      }
    case 0b11010110:
      if bit(30) {  // one source
        guard bits(16, 5) == 0, !bit(29) else { return nil }
        let names: [UInt32: String] = [0: "rbit", 1: "rev16", 2: x ? "rev32" : "rev", 3: "rev", 4: "clz", 5: "cls"]
        guard let name = names[bits(10, 6)], bits(10, 6) != 3 || x else { return nil }
        return name + " " + r(rd, x) + ", " + r(rn, x)
      }
      guard !bit(29) else { return nil }
      let names: [UInt32: String] = [2: "udiv", 3: "sdiv", 8: "lsl", 9: "lsr", 10: "asr", 11: "ror"]
      if let name = names[bits(10, 6)] { return name + " " + r(rd, x) + ", " + r(rn, x) + ", " + r(rm, x) }
      if bits(10, 6) & 0b111000 == 0b010000 {  // crc32
        let size = Int(bits(10, 2)), c = bit(12)
        return "crc32" + (c ? "c" : "") + ["b", "h", "w", "x"][size] + " " + r(rd, false) + ", " + r(rn, false) + ", " + r(rm, size == 3)
      }
      return nil
    default:
      break
    }
    if bits(24, 5) == 0b11011 {  // three source
      let op31 = bits(21, 3), o0 = bit(15), ra = bits(10, 5)
      let d = r(rd, x)
      switch op31 {
      case 0:
        if ra == 31 { return (o0 ? "mneg " : "mul ") + d + ", " + r(rn, x) + ", " + r(rm, x) }
        return (o0 ? "msub " : "madd ") + d + ", " + r(rn, x) + ", " + r(rm, x) + ", " + r(ra, x)
      case 1, 5:
        guard x else { return nil }
        let u = op31 == 5 ? "u" : "s"
        if ra == 31 { return u + (o0 ? "mnegl " : "mull ") + d + ", " + r(rn, false) + ", " + r(rm, false) }
        return u + (o0 ? "msubl " : "maddl ") + d + ", " + r(rn, false) + ", " + r(rm, false) + ", " + r(ra, true)
      case 2, 6:
        guard x, !o0 else { return nil }
        return (op31 == 6 ? "umulh " : "smulh ") + d + ", " + r(rn, true) + ", " + r(rm, true)
      default:
        return nil
      }
    }
    return nil
  }

  // MARK: Loads and stores

  func vectorRegister(_ n: UInt32, size: Int) -> String {
    ["b", "h", "s", "d", "q"][size] + String(n)
  }

  func address(_ base: UInt32, offset: Int64, mode: UInt32) -> String {
    let b = r(base, true, sp: true)
    switch mode {
    case 1: return "[" + b + "], #" + String(offset)  // post-index
    case 3: return "[" + b + ", #" + String(offset) + "]!"  // pre-index
    default: return offset == 0 ? "[" + b + "]" : "[" + b + ", #" + String(offset) + "]"
    }
  }

  func loadStore() -> String? {
    let v = bit(26)
    // Pairs.
    if bits(27, 3) == 0b101 {
      let opc = bits(30, 2), l = bit(22), mode = bits(23, 2)
      let rt2 = bits(10, 5)
      let scale: Int, reg: (UInt32) -> String
      var name = l ? "ldp" : "stp"
      if v {
        guard opc < 3 else { return nil }
        scale = 2 + Int(opc)
        reg = { vectorRegister($0, size: 2 + Int(opc)) }
      } else {
        guard opc != 3 else { return nil }
        if opc == 1 { guard l else { return nil }; name = "ldpsw" }
        scale = opc == 2 ? 3 : 2
        reg = { r($0, opc != 0) }
      }
      if mode == 0 { name = l ? "ldnp" : "stnp"; guard opc != 1 || v else { return nil } }
      let offset = signed(15, 7) << Int64(scale)
      return name + " " + reg(rd) + ", " + reg(rt2) + ", " + address(rn, offset: offset, mode: mode == 2 ? 0 : mode)
    }
    // Load literal.
    if bits(27, 3) == 0b011 && !bit(24) && !bit(25) {
      let opc = bits(30, 2)
      let t = target(signed(5, 19) * 4)
      if v { guard opc < 3 else { return nil }; return "ldr " + vectorRegister(rd, size: 2 + Int(opc)) + ", " + t }
      switch opc {
      case 0: return "ldr " + r(rd, false) + ", " + t
      case 1: return "ldr " + r(rd, true) + ", " + t
      case 2: return "ldrsw " + r(rd, true) + ", " + t
      default: return "prfm " + prefetch(rd) + ", " + t
      }
    }
    // Exclusives, acquire/release.
    if bits(24, 6) == 0b001000 {
      return exclusive()
    }
    guard bits(27, 3) == 0b111 else { return nil }
    let size = Int(bits(30, 2)), opc = bits(22, 2)
    // Register, its kind (sign extension and width), and the name.
    func operand() -> (name: String, reg: String)? {
      if v {
        let s = opc & 2 != 0 ? 4 : size
        guard opc & 2 == 0 || size == 0 else { return nil }
        return ((opc & 1 != 0 ? "ldr" : "str"), vectorRegister(rd, size: s))
      }
      let suffix = ["b", "h", "", ""][size]
      switch opc {
      case 0: return ("str" + suffix, r(rd, size == 3))
      case 1: return ("ldr" + suffix, r(rd, size == 3))
      case 2:
        if size == 3 { return ("prfm", prefetch(rd)) }
        if size == 2 { return ("ldrsw", r(rd, true)) }
        return ("ldrs" + suffix, r(rd, true))
      default:
        guard size < 2 else { return nil }
        return ("ldrs" + suffix, r(rd, false))
      }
    }
    let scale = v && opc & 2 != 0 ? 4 : size
    if bit(24) {  // unsigned offset
      guard let (name, reg) = operand() else { return nil }
      return name + " " + reg + ", " + address(rn, offset: Int64(bits(10, 12)) << Int64(scale), mode: 0)
    }
    if bit(21) {
      if bits(10, 2) == 2 {  // register offset
        guard let (name, reg) = operand() else { return nil }
        let option = bits(13, 3), s = bit(12)
        guard option & 2 != 0 else { return nil }
        let m = r(rm, option & 1 != 0)
        var tail = ""
        if option == 3 {
          tail = s ? ", lsl #" + String(scale) : ""
        } else {
          tail = ", " + ["", "", "uxtw", "", "", "", "sxtw", "sxtx"][Int(option)] + (s ? " #" + String(scale) : "")
        }
        return name + " " + reg + ", [" + r(rn, true, sp: true) + ", " + m + tail + "]"
      }
      if bits(10, 2) == 0 && !v { return atomic() }
      return nil
    }
    let mode = bits(10, 2)
    guard let (name, reg) = operand() else { return nil }
    let offset = signed(12, 9)
    switch mode {
    case 0:  // unscaled
      let unscaled = name == "prfm" ? "prfum" : String(name.prefix(2)) + "u" + String(name.dropFirst(2))
      return unscaled + " " + reg + ", " + address(rn, offset: offset, mode: 0)
    case 1, 3:
      guard name != "prfm" else { return nil }
      return name + " " + reg + ", " + address(rn, offset: offset, mode: mode)
    default:  // unprivileged
      guard !v, name != "prfm" else { return nil }
      let unpriv = String(name.prefix(2)) + "t" + String(name.dropFirst(2))
      return unpriv + " " + reg + ", " + address(rn, offset: offset, mode: 0)
    }
  }

  func prefetch(_ op: UInt32) -> String {
    let type = op >> 3, target = (op >> 1) & 3, policy = op & 1
    guard type < 3, target < 3 else { return "#0x" + String(op, radix: 16) }
    return ["pld", "pli", "pst"][Int(type)] + "l" + String(target + 1) + (policy == 0 ? "keep" : "strm")
  }

  func exclusive() -> String? {
    let size = Int(bits(30, 2)), o2 = bit(23), l = bit(22), o1 = bit(21), o0 = bit(15)
    let rs = rm, rt2 = bits(10, 5)
    let suffix = ["b", "h", "", ""][size]
    let x = size == 3
    let base = "[" + r(rn, true, sp: true) + "]"
    if o1 && !o2 {  // exclusive pairs (and CASP): not spelled out
      return nil
    }
    if o2 && o1 {  // CAS
      guard rt2 == 31 else { return nil }
      let name = "cas" + (l ? "a" : "") + (o0 ? "l" : "") + suffix
      return name + " " + r(rs, x) + ", " + r(rd, x) + ", " + base
    }
    if o2 {  // LDAR/STLR, LDLAR/STLLR
      guard rs == 31, rt2 == 31 else { return nil }
      let name = (l ? (o0 ? "ldar" : "ldlar") : (o0 ? "stlr" : "stllr")) + suffix
      return name + " " + r(rd, x) + ", " + base
    }
    guard rt2 == 31 else { return nil }
    if l {
      guard rs == 31 else { return nil }
      return (o0 ? "ldaxr" : "ldxr") + suffix + " " + r(rd, x) + ", " + base
    }
    return (o0 ? "stlxr" : "stxr") + suffix + " " + r(rs, false) + ", " + r(rd, x) + ", " + base
  }

  func atomic() -> String? {
    let size = Int(bits(30, 2)), a = bit(23), l = bit(22), o3 = bit(15), opc = bits(12, 3)
    let x = size == 3
    let suffix = ["b", "h", "", ""][size]
    let base = "[" + r(rn, true, sp: true) + "]"
    if o3 {
      if opc == 0 { return "swp" + (a ? "a" : "") + (l ? "l" : "") + suffix + " " + r(rm, x) + ", " + r(rd, x) + ", " + base }
      if opc == 4 && a && !l && rm == 31 { return "ldapr" + suffix + " " + r(rd, x) + ", " + base }
      return nil
    }
    let ops = ["add", "clr", "eor", "set", "smax", "smin", "umax", "umin"]
    if rd == 31 && !a {
      return "st" + ops[Int(opc)] + (l ? "l" : "") + suffix + " " + r(rm, x) + ", " + base
    }
    return "ld" + ops[Int(opc)] + (a ? "a" : "") + (l ? "l" : "") + suffix + " " + r(rm, x) + ", " + r(rd, x) + ", " + base
  }
}
