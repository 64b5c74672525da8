/// AT&T assembly text for decoded instructions, in the style of GNU objdump (what
/// objtool's `--trace` prints through libopcodes): the mnemonic, a size suffix only where
/// no register operand fixes the size, operands source first, immediates as unsigned
/// hex of the operand size, branch targets as addresses.
///
/// Written for the instructions kernel code is made of: the general-purpose one-byte and
/// 0F maps, the system instructions (control registers, MSRs, segment and descriptor
/// tables, uaccess and CET), fences and NOPs. Anything else (SSE, AVX, x87, VEX/EVEX/XOP)
/// is printed as `(bad)` with its opcode map and byte when the encoding is invalid, or
/// as `.insn` plus its raw bytes: a place the trace shows as not spelled out, never a
/// guess. `Scripts/difftest-syntax.py` measures the agreement with GNU objdump.
public enum X86Syntax {
  /// The text of `insn`, whose bytes are `bytes` (exactly `insn.length` of them), at
  /// `address` (branch targets are printed as addresses).
  public static func format(_ insn: X86Instruction, bytes: UnsafeRawBufferPointer, address: UInt64) -> String {
    var f = Formatter(insn: insn, bytes: bytes, address: address)
    return f.text()
  }
}

private let gpr64 = ["rax", "rcx", "rdx", "rbx", "rsp", "rbp", "rsi", "rdi", "r8", "r9", "r10", "r11", "r12", "r13", "r14", "r15"]
private let gpr32 = ["eax", "ecx", "edx", "ebx", "esp", "ebp", "esi", "edi", "r8d", "r9d", "r10d", "r11d", "r12d", "r13d", "r14d", "r15d"]
private let gpr16 = ["ax", "cx", "dx", "bx", "sp", "bp", "si", "di", "r8w", "r9w", "r10w", "r11w", "r12w", "r13w", "r14w", "r15w"]
private let gpr8rex = ["al", "cl", "dl", "bl", "spl", "bpl", "sil", "dil", "r8b", "r9b", "r10b", "r11b", "r12b", "r13b", "r14b", "r15b"]
private let gpr8 = ["al", "cl", "dl", "bl", "ah", "ch", "dh", "bh"]
private let conditions = ["o", "no", "b", "ae", "e", "ne", "be", "a", "s", "ns", "p", "np", "l", "ge", "le", "g"]
private let arithmetic = ["add", "or", "adc", "sbb", "and", "sub", "xor", "cmp"]
private let shifts = ["rol", "ror", "rcl", "rcr", "shl", "shr", "shl", "sar"]
private let segments = ["es", "cs", "ss", "ds", "fs", "gs"]

private struct Formatter {
  let insn: X86Instruction
  let bytes: UnsafeRawBufferPointer
  let address: UInt64
  /// The segment override in effect (last one wins), as an index into `segments`.
  var segment: Int?
  /// Operand size in bytes for the "v" operands (2, 4, 8).
  var size: Int

  init(insn: X86Instruction, bytes: UnsafeRawBufferPointer, address: UInt64) {
    self.insn = insn
    self.bytes = bytes
    self.address = address
    size = insn.rexW ? 8 : insn.prefixes.contains(.operandSize) ? 2 : 4
    var i = 0
    scan: while i < bytes.count {
      switch bytes[i] {
      case 0x26: segment = 0
      case 0x2E: segment = 1
      case 0x36: segment = 2
      case 0x3E: segment = 3
      case 0x64: segment = 4
      case 0x65: segment = 5
      case 0x66, 0x67, 0xF0, 0xF2, 0xF3: break
      default: break scan
      }
      i += 1
    }
  }

  // MARK: Operands

  func register(_ n: UInt8, size: Int) -> String {
    let r = Int(n & 15)
    switch size {
    case 1: return "%" + (insn.rex != 0 ? gpr8rex[r] : gpr8[r & 7])
    case 2: return "%" + gpr16[r]
    case 4: return "%" + gpr32[r]
    default: return "%" + gpr64[r]
    }
  }

  static func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }

  func signedHex(_ v: Int64) -> String {
    v < 0 ? "-" + Self.hex(UInt64(bitPattern: 0 &- v)) : Self.hex(UInt64(v))
  }

  /// `$imm` as an unsigned number of `size` bytes.
  func immediate(size: Int) -> String {
    let v = UInt64(bitPattern: insn.immediate)
    let mask: UInt64 = size >= 8 ? .max : (1 << UInt64(size * 8)) - 1
    return "$" + Self.hex(v & mask)
  }

  var isRegisterForm: Bool { insn.mod == 3 }

  /// How many 66h prefixes the instruction has.
  var operandSizePrefixes: Int {
    var n = 0
    for b in bytes {
      guard [0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65, 0x66, 0x67, 0xF0, 0xF2, 0xF3].contains(b) else { break }
      if b == 0x66 { n += 1 }
    }
    return n
  }

  /// The ModRM r/m operand: a register of `size` bytes, or the memory operand.
  func rm(size: Int) -> String {
    isRegisterForm ? register(insn.rm, size: size) : memory()
  }

  func memory() -> String {
    // In 64-bit mode only FS and GS override; objdump names the others as prefixes.
    var text = segment.flatMap { $0 >= 4 ? "%" + segments[$0] + ":" : nil } ?? ""
    let addr32 = insn.prefixes.contains(.addressSize)
    let names = addr32 ? gpr32 : gpr64
    if insn.isRIPRelative {
      return text + signedHex(insn.displacement) + (addr32 ? "(%eip)" : "(%rip)")
    }
    var base: String? = nil
    var index: String? = nil
    var scale = 1
    if insn.hasSIB {
      let b = insn.sibBase
      if !(b & 7 == 5 && insn.mod == 0) { base = "%" + names[Int(b)] }
      let x = insn.sibIndex
      scale = 1 << Int(insn.sib >> 6)
      if x != 4 { index = "%" + names[Int(x)] } else if scale != 1 { index = addr32 ? "%eiz" : "%riz" }
    } else {
      base = "%" + names[Int(insn.rm)]
    }
    let hasDisp = insn.displacementSize > 0
    if hasDisp {
      if base == nil && index == nil {
        text += Self.hex(UInt64(bitPattern: insn.displacement) & (addr32 ? 0xFFFF_FFFF : .max))
        return text
      }
      text += signedHex(insn.displacement)
    }
    text += "("
    if let base { text += base }
    if let index { text += "," + index + "," + String(scale) }
    return text + ")"
  }

  func suffix(_ size: Int) -> String {
    switch size { case 1: return "b"; case 2: return "w"; case 4: return "l"; default: return "q" }
  }

  /// The mnemonic with a suffix when the r/m operand is memory (nothing else fixes it).
  func sized(_ name: String, _ size: Int) -> String { isRegisterForm ? name : name + suffix(size) }

  var target: String {
    let next = address &+ UInt64(insn.length)
    return String(next &+ UInt64(bitPattern: insn.immediate), radix: 16)
  }

  var prefixText: String {
    var t = ""
    if insn.prefixes.contains(.lock) { t += "lock " }
    return t
  }

  func raw() -> String {
    ".insn " + (0..<bytes.count).map { String(format2(bytes[$0])) }.joined(separator: " ")
  }

  func format2(_ b: UInt8) -> String {
    let s = String(b, radix: 16)
    return s.count == 1 ? "0" + s : s
  }

  // MARK: Instructions

  mutating func text() -> String {
    guard insn.isValid, !insn.isPrefixOnly else { return "(bad)" }
    guard insn.encoding == .legacy else { return raw() }
    let body: String?
    switch insn.map {
    case .oneByte: body = oneByte()
    case .twoByte0F: body = twoByte()
    default: body = nil
    }
    guard let body else { return raw() }
    // A segment override on an instruction without a memory operand is named as a
    // prefix (`cs call`: the padding of a retpoline call); string ops name it inside.
    let memoryOperand = insn.hasModRM && insn.mod != 3
    let stringOp = insn.map == .oneByte && (0xA4...0xAF).contains(insn.opcode)
    let conditionalJump = (insn.map == .oneByte && (0x70...0x7F).contains(insn.opcode))
      || (insn.map == .twoByte0F && (0x80...0x8F).contains(insn.opcode))
    if let segment, conditionalJump && (segment == 1 || segment == 3) {
      // 2E/3E on a conditional jump: the static branch hints.
      let parts = body.split(separator: " ", maxSplits: 1)
      return prefixText + parts[0] + (segment == 1 ? ",pn " : ",pt ") + (parts.count > 1 ? parts[1] : "")
    }
    if let segment, !stringOp, !body.hasPrefix("notrack "), !body.contains("nop"), !memoryOperand || segment < 4 {
      return prefixText + segments[segment] + " " + body
    }
    return prefixText + body
  }

  func two(_ name: String, _ a: String, _ b: String) -> String { name + " " + a + "," + b }

  mutating func oneByte() -> String? {
    let op = insn.opcode
    let rep = insn.prefixes.contains(.rep), repne = insn.prefixes.contains(.repne)
    switch op {
    case 0x00...0x3F where op & 7 < 6:
      let name = arithmetic[Int(op >> 3)]
      switch op & 7 {
      case 0: return two(name, register(insn.reg, size: 1), rm(size: 1))
      case 1: return two(name, register(insn.reg, size: size), rm(size: size))
      case 2: return two(name, rm(size: 1), register(insn.reg, size: 1))
      case 3: return two(name, rm(size: size), register(insn.reg, size: size))
      case 4: return two(name, immediate(size: 1), "%al")
      default: return two(name, immediate(size: size), register(0, size: size))
      }
    case 0x50...0x57:
      return "push " + register((op & 7) | (insn.rexB << 3), size: insn.prefixes.contains(.operandSize) ? 2 : 8)
    case 0x58...0x5F:
      return "pop " + register((op & 7) | (insn.rexB << 3), size: insn.prefixes.contains(.operandSize) ? 2 : 8)
    case 0x63:
      return two(insn.rexW ? "movslq" : "movsxd", rm(size: 4), register(insn.reg, size: size))
    case 0x68: return "push " + immediate(size: insn.prefixes.contains(.operandSize) ? 2 : 8)
    case 0x6A: return "push " + immediate(size: insn.prefixes.contains(.operandSize) ? 2 : 8)
    case 0x69, 0x6B:
      return "imul " + immediate(size: size) + "," + rm(size: size) + "," + register(insn.reg, size: size)
    case 0x70...0x7F: return "j" + conditions[Int(op & 15)] + " " + target
    case 0x80, 0x81, 0x83:
      let s = op == 0x80 ? 1 : size
      return two(sized(arithmetic[Int(insn.reg & 7)], s), immediate(size: s), rm(size: s))
    case 0x84: return two("test", register(insn.reg, size: 1), rm(size: 1))
    case 0x85: return two("test", register(insn.reg, size: size), rm(size: size))
    case 0x86: return two("xchg", register(insn.reg, size: 1), rm(size: 1))
    case 0x87: return two("xchg", register(insn.reg, size: size), rm(size: size))
    case 0x88: return two("mov", register(insn.reg, size: 1), rm(size: 1))
    case 0x89: return two("mov", register(insn.reg, size: size), rm(size: size))
    case 0x8A: return two("mov", rm(size: 1), register(insn.reg, size: 1))
    case 0x8B: return two("mov", rm(size: size), register(insn.reg, size: size))
    case 0x8C:
      guard insn.reg & 7 < 6 else { return nil }
      return two("mov", "%" + segments[Int(insn.reg & 7)], rm(size: isRegisterForm ? size : 2))
    case 0x8D: return isRegisterForm ? nil : two("lea", memory(), register(insn.reg, size: size))
    case 0x8E:
      guard insn.reg & 7 < 6 else { return nil }
      return two("mov", rm(size: isRegisterForm ? 4 : 2), "%" + segments[Int(insn.reg & 7)])
    case 0x8F: return insn.reg & 7 == 0 ? "pop " + rm(size: 8) : nil
    case 0x90:
      if rep { return "pause" }
      if insn.rexB != 0 { return two("xchg", register(8, size: size), register(0, size: size)) }
      return insn.prefixes.contains(.operandSize) ? "xchg %ax,%ax" : "nop"
    case 0x91...0x97: return two("xchg", register((op & 7) | (insn.rexB << 3), size: size), register(0, size: size))
    case 0x98: return size == 8 ? "cltq" : size == 2 ? "cbtw" : "cwtl"
    case 0x99: return size == 8 ? "cqto" : size == 2 ? "cwtd" : "cltd"
    case 0x9C: return insn.prefixes.contains(.operandSize) ? "pushfw" : "pushf"
    case 0x9D: return insn.prefixes.contains(.operandSize) ? "popfw" : "popf"
    case 0x9E: return "sahf"
    case 0x9F: return "lahf"
    case 0xA8: return two("test", immediate(size: 1), "%al")
    case 0xA9: return two("test", immediate(size: size), register(0, size: size))
    case 0xA4, 0xA5, 0xAA, 0xAB, 0xAC, 0xAD, 0xA6, 0xA7, 0xAE, 0xAF:
      return stringOp(op, rep: rep, repne: repne)
    case 0xB0...0xB7: return two("mov", immediate(size: 1), register((op & 7) | (insn.rexB << 3), size: 1))
    case 0xB8...0xBF:
      let r = register((op & 7) | (insn.rexB << 3), size: size)
      return insn.immediateSize == 8 ? two("movabs", immediate(size: 8), r) : two("mov", immediate(size: size), r)
    case 0xC0, 0xC1:
      let s = op == 0xC0 ? 1 : size
      return two(sized(shifts[Int(insn.reg & 7)], s), immediate(size: 1), rm(size: s))
    case 0xD0, 0xD1:
      return sized(shifts[Int(insn.reg & 7)], op == 0xD0 ? 1 : size) + " " + rm(size: op == 0xD0 ? 1 : size)
    case 0xD2, 0xD3:
      return two(sized(shifts[Int(insn.reg & 7)], op == 0xD2 ? 1 : size), "%cl", rm(size: op == 0xD2 ? 1 : size))
    case 0xC2: return "ret " + immediate(size: 2)
    case 0xC3: return rep ? "repz ret" : "ret"
    case 0xC6: return insn.reg & 7 == 0 ? two(sized("mov", 1), immediate(size: 1), rm(size: 1)) : nil
    case 0xC7: return insn.reg & 7 == 0 ? two(sized("mov", size), immediate(size: size), rm(size: size)) : nil
    case 0xC8: return "enter $" + Self.hex(UInt64(UInt16(truncatingIfNeeded: insn.immediate))) + ",$" + Self.hex(UInt64(bytes[bytes.count - 1]))
    case 0xC9: return "leave"
    case 0xCA: return "lret " + immediate(size: 2)
    case 0xCB: return "lret"
    case 0xCC: return "int3"
    case 0xCD: return "int " + immediate(size: 1)
    case 0xCF: return insn.rexW ? "iretq" : size == 2 ? "iretw" : "iret"
    case 0xE0: return "loopne " + target
    case 0xE1: return "loope " + target
    case 0xE2: return "loop " + target
    case 0xE3: return "jrcxz " + target
    case 0xE4: return two("in", immediate(size: 1), "%al")
    case 0xE5: return two("in", immediate(size: 1), register(0, size: min(size, 4)))
    case 0xE6: return two("out", "%al", immediate(size: 1))
    case 0xE7: return two("out", register(0, size: min(size, 4)), immediate(size: 1))
    case 0xE8: return "call " + target
    case 0xE9, 0xEB: return "jmp " + target
    case 0xEC: return "in (%dx),%al"
    case 0xED: return "in (%dx)," + register(0, size: min(size, 4))
    case 0xEE: return "out %al,(%dx)"
    case 0xEF: return "out " + register(0, size: min(size, 4)) + ",(%dx)"
    case 0xF1: return "int1"
    case 0xF4: return "hlt"
    case 0xF5: return "cmc"
    case 0xF6, 0xF7:
      let s = op == 0xF6 ? 1 : size
      let r = Int(insn.reg & 7)
      if r < 2 { return two(sized("test", s), immediate(size: s), rm(size: s)) }
      let names = ["", "", "not", "neg", "mul", "imul", "div", "idiv"]
      return sized(names[r], s) + " " + rm(size: s)
    case 0xF8: return "clc"
    case 0xF9: return "stc"
    case 0xFA: return "cli"
    case 0xFB: return "sti"
    case 0xFC: return "cld"
    case 0xFD: return "std"
    case 0xFE:
      let r = Int(insn.reg & 7)
      return r < 2 ? sized(r == 0 ? "inc" : "dec", 1) + " " + rm(size: 1) : nil
    case 0xFF:
      let notrack = insn.prefixes.contains(.segmentDS) ? "notrack " : ""
      switch insn.reg & 7 {
      case 0: return sized("inc", size) + " " + rm(size: size)
      case 1: return sized("dec", size) + " " + rm(size: size)
      case 2: return notrack + "call *" + rm(size: 8)
      case 3: return isRegisterForm ? nil : "lcall *" + memory()
      case 4: return notrack + "jmp *" + rm(size: 8)
      case 5: return isRegisterForm ? nil : "ljmp *" + memory()
      case 6: return "push " + rm(size: 8)
      default: return nil
      }
    default:
      return nil
    }
  }

  func stringOp(_ op: UInt8, rep: Bool, repne: Bool) -> String {
    let s = op & 1 == 0 ? 1 : size
    let acc = register(0, size: s)
    let src = "%" + (segment.map { segments[$0] } ?? "ds") + ":(%rsi)"
    let dst = "%es:(%rdi)"
    let compare = op == 0xA6 || op == 0xA7 || op == 0xAE || op == 0xAF
    let prefix = rep ? (compare ? "repz " : "rep ") : repne ? (compare ? "repnz " : "repnz ") : ""
    switch op {
    case 0xA4, 0xA5: return prefix + two("movs" + suffix(s), src, dst)
    case 0xA6, 0xA7: return prefix + two("cmps" + suffix(s), dst, src)
    case 0xAA, 0xAB: return prefix + two("stos", acc, dst)
    case 0xAC, 0xAD: return prefix + two("lods", src, acc)
    default: return prefix + two("scas", dst, acc)
    }
  }

  mutating func twoByte() -> String? {
    let op = insn.opcode
    let rep = insn.prefixes.contains(.rep)
    switch op {
    case 0x00:
      let names = ["sldt", "str", "lldt", "ltr", "verr", "verw"]
      let r = Int(insn.reg & 7)
      guard r < names.count else { return nil }
      return names[r] + " " + rm(size: isRegisterForm && r < 2 ? size : 2)
    case 0x01:
      if isRegisterForm {
        switch insn.modrm {
        case 0xC1: return "vmcall"
        case 0xC2: return "vmlaunch"
        case 0xC3: return "vmresume"
        case 0xC4: return "vmxoff"
        case 0xC8: return "monitor %rax,%ecx,%edx"
        case 0xC9: return "mwait %eax,%ecx"
        case 0xCA: return "clac"
        case 0xCB: return "stac"
        case 0xCF: return "encls"
        case 0xD0: return "xgetbv"
        case 0xD1: return "xsetbv"
        case 0xD5: return "xend"
        case 0xD6: return "xtest"
        case 0xD8: return "vmrun"
        case 0xD9: return "vmmcall"
        case 0xDA: return "vmload"
        case 0xDB: return "vmsave"
        case 0xDC: return "stgi"
        case 0xDD: return "clgi"
        case 0xDF: return "invlpga"
        case 0xEE: return "rdpkru"
        case 0xEF: return "wrpkru"
        case 0xF8: return "swapgs"
        case 0xF9: return "rdtscp"
        case 0xFA: return "monitorx %rax,%ecx,%edx"
        case 0xFB: return "mwaitx %eax,%ecx,%ebx"
        default: return nil
        }
      }
      let names = ["sgdt", "sidt", "lgdt", "lidt", "smsw", "", "lmsw", "invlpg"]
      let r = Int(insn.reg & 7)
      guard !names[r].isEmpty else { return nil }
      return names[r] + " " + memory()
    case 0x05: return "syscall"
    case 0x06: return "clts"
    case 0x07: return insn.rexW ? "sysretq" : "sysret"
    case 0x08: return "invd"
    case 0x09: return "wbinvd"
    case 0x0B: return "ud2"
    case 0x0D:
      guard !isRegisterForm else { return nil }
      let r = insn.reg & 7
      return (r == 1 ? "prefetchw " : r == 2 ? "prefetchwt1 " : "prefetch ") + memory()
    case 0x18:
      guard !isRegisterForm, insn.reg & 7 < 4 else { return isRegisterForm ? nil : "nop" + suffix(size) + " " + memory() }
      return ["prefetchnta ", "prefetcht0 ", "prefetcht1 ", "prefetcht2 "][Int(insn.reg & 7)] + memory()
    case 0x1E where rep && insn.modrm == 0xFA: return "endbr64"
    case 0x1E where rep && insn.modrm == 0xFB: return "endbr32"
    case 0x19...0x1F:
      if insn.prefixes.contains(.rep) || insn.prefixes.contains(.repne) { return nil }
      // A NOP accesses no memory: objdump names its padding prefixes instead (one
      // `data16` per 66h beyond the one that sets the size, the segment as `cs`).
      var pad = String(repeating: "data16 ", count: max(0, operandSizePrefixes - 1))
      if let segment { pad += segments[segment] + " " }
      var plain = self
      plain.segment = nil
      return pad + (isRegisterForm ? "nop " : "nop" + suffix(size) + " ") + plain.rm(size: size)
    case 0x20, 0x22:
      let cr = "%cr" + String(insn.reg)
      let g = register(insn.rm, size: 8)
      return op == 0x20 ? two("mov", cr, g) : two("mov", g, cr)
    case 0x21, 0x23:
      let dr = "%db" + String(insn.reg)
      let g = register(insn.rm, size: 8)
      return op == 0x21 ? two("mov", dr, g) : two("mov", g, dr)
    case 0x30: return "wrmsr"
    case 0x31: return "rdtsc"
    case 0x32: return "rdmsr"
    case 0x33: return "rdpmc"
    case 0x34: return "sysenter"
    case 0x35: return "sysexit"
    case 0x40...0x4F:
      return two("cmov" + conditions[Int(op & 15)], rm(size: size), register(insn.reg, size: size))
    case 0x80...0x8F: return "j" + conditions[Int(op & 15)] + " " + target
    case 0x90...0x9F: return "set" + conditions[Int(op & 15)] + " " + rm(size: 1)
    case 0xA0: return "push %fs"
    case 0xA1: return "pop %fs"
    case 0xA8: return "push %gs"
    case 0xA9: return "pop %gs"
    case 0xA2: return "cpuid"
    case 0xA3, 0xAB, 0xB3, 0xBB:
      let name = ["bt", "bts", "btr", "btc"][Int((op >> 3) & 3)]
      return two(name, register(insn.reg, size: size), rm(size: size))
    case 0xA4, 0xAC:
      return (op == 0xA4 ? "shld " : "shrd ") + immediate(size: 1) + "," + register(insn.reg, size: size) + "," + rm(size: size)
    case 0xA5, 0xAD:
      return (op == 0xA5 ? "shld " : "shrd ") + "%cl," + register(insn.reg, size: size) + "," + rm(size: size)
    case 0xAE:
      if isRegisterForm {
        switch insn.reg & 7 {
        case 5: return "lfence"
        case 6: return "mfence"
        case 7: return "sfence"
        case 0 where rep: return "rdfsbase " + register(insn.rm, size: size)
        case 1 where rep: return "rdgsbase " + register(insn.rm, size: size)
        case 2 where rep: return "wrfsbase " + register(insn.rm, size: size)
        case 3 where rep: return "wrgsbase " + register(insn.rm, size: size)
        default: return nil
        }
      }
      if rep || insn.prefixes.contains(.repne) { return nil }
      let names = ["fxsave", "fxrstor", "ldmxcsr", "stmxcsr", "xsave", "xrstor", "xsaveopt", "clflush"]
      let r = Int(insn.reg & 7)
      var name = names[r]
      if insn.prefixes.contains(.operandSize) {
        guard r >= 6 else { return nil }
        name = r == 6 ? "clwb" : "clflushopt"
      } else if insn.rexW && r != 2 && r != 3 && r != 7 { name += "64" }
      return name + " " + memory()
    case 0xAF: return two("imul", rm(size: size), register(insn.reg, size: size))
    case 0xB0: return two("cmpxchg", register(insn.reg, size: 1), rm(size: 1))
    case 0xB1: return two("cmpxchg", register(insn.reg, size: size), rm(size: size))
    case 0xB6, 0xB7, 0xBE, 0xBF:
      let from = op & 1 == 0 ? 1 : 2
      let name = (op < 0xB8 ? "movz" : "movs") + suffix(from) + suffix(size)
      return two(name, rm(size: from), register(insn.reg, size: size))
    case 0xB8 where rep: return two("popcnt", rm(size: size), register(insn.reg, size: size))
    case 0xBA:
      let r = Int(insn.reg & 7)
      guard r >= 4 else { return nil }
      return two(sized(["bt", "bts", "btr", "btc"][r - 4], size), immediate(size: 1), rm(size: size))
    case 0xBC: return two(rep ? "tzcnt" : "bsf", rm(size: size), register(insn.reg, size: size))
    case 0xBD: return two(rep ? "lzcnt" : "bsr", rm(size: size), register(insn.reg, size: size))
    case 0xC0: return two("xadd", register(insn.reg, size: 1), rm(size: 1))
    case 0xC1: return two("xadd", register(insn.reg, size: size), rm(size: size))
    case 0xC7:
      switch insn.reg & 7 {
      case 1 where !isRegisterForm: return (insn.rexW ? "cmpxchg16b " : "cmpxchg8b ") + memory()
      case 6 where isRegisterForm: return "rdrand " + register(insn.rm, size: size)
      case 7 where isRegisterForm: return (rep ? "rdpid " : "rdseed ") + register(insn.rm, size: rep ? 8 : size)
      default: return nil
      }
    case 0xC8...0xCF: return "bswap " + register((op & 7) | (insn.rexB << 3), size: size)
    case 0xFF: return "ud0 " + rm(size: 4) + "," + register(insn.reg, size: 4)
    case 0xB9: return "ud1 " + rm(size: 4) + "," + register(insn.reg, size: 4)
    default: return nil
    }
  }
}
