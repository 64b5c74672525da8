import ELFObject
import UnwindModel

/// unwindcheck's ORC-like entry for arm64 (no kernel format exists; LoongArch's ORC,
/// which also has a return-address column, is the model). 8 bytes, in the object's
/// byte order:
///
///     s16 cfa_offset   CFA = cfa_reg + cfa_offset
///     s16 fp_offset    caller's x29 at CFA + fp_offset (when fp_reg = CFA)
///     s16 ra_offset    return address at CFA + ra_offset (when ra_reg = CFA)
///     u16 flags        bits 0-2 cfa_reg (0 undefined, 1 SP, 2 FP = x29)
///                      bits 3-4 fp_reg (0 undefined = x29 unchanged, 1 CFA-relative)
///                      bits 5-6 ra_reg (0 undefined, 1 in x30, 2 CFA-relative)
///                      bit 7    ra_signed (PACIASP executed, AUTIASP not yet)
///                      bits 8-10 type (0 undefined, 1 end of stack, 2 call, 3 regs,
///                               4 regs partial), bit 11 signal, bits 12-15 zero
///
/// `.orc_unwind_ip` holds one s32 PC-relative address per entry (R_AARCH64_PREL32
/// against the code section's section symbol), sorted as for x86; an undefined entry
/// terminates each section's run.
public struct ARM64ORCEntry: Sendable, Equatable {
  public var cfaOffset: Int16 = 0
  public var fpOffset: Int16 = 0
  public var raOffset: Int16 = 0
  public var cfaRegister: UInt8 = 0
  public var fpRegister: UInt8 = 0
  public var raRegister: UInt8 = 0
  public var raSigned = false
  public var type: UInt8 = 0
  public var signal = false

  public static let size = 8
  public static let undefined = ARM64ORCEntry()

  public init() {}

  public var flags: UInt16 {
    UInt16(cfaRegister & 7) | UInt16(fpRegister & 3) << 3 | UInt16(raRegister & 3) << 5 | (raSigned ? 1 << 7 : 0)
      | UInt16(type & 7) << 8 | (signal ? 1 << 11 : 0)
  }

  public func bytes(order: ByteOrder) -> [UInt8] {
    var sink = ByteSink(order: order, capacity: Self.size)
    append(to: &sink)
    return sink.bytes
  }

  /// Appends the 8 bytes in the sink's byte order.
  public func append(to sink: inout ByteSink) {
    sink.u16(UInt16(bitPattern: cfaOffset))
    sink.u16(UInt16(bitPattern: fpOffset))
    sink.u16(UInt16(bitPattern: raOffset))
    sink.u16(flags)
  }

  /// Entry `index` of an `.orc_unwind` section.
  public init?(_ reader: ByteReader, index: Int) {
    let at = index * Self.size
    guard let a = reader.u16(at: at), let b = reader.u16(at: at + 2), let c = reader.u16(at: at + 4),
          let f = reader.u16(at: at + 6) else { return nil }
    cfaOffset = Int16(bitPattern: a)
    fpOffset = Int16(bitPattern: b)
    raOffset = Int16(bitPattern: c)
    cfaRegister = UInt8(f & 7)
    fpRegister = UInt8((f >> 3) & 3)
    raRegister = UInt8((f >> 5) & 3)
    raSigned = f & (1 << 7) != 0
    type = UInt8((f >> 8) & 7)
    signal = f & (1 << 11) != 0
  }

  /// From the CFI before an instruction; `registers` names the SP (CFA register 1),
  /// x29 (CFA register 2, the frame pointer) and x30 (the return address) slots.
  public init(_ cfi: CFIState, registers: ORCRegisterSlots, section: String, offset: UInt64) throws(ORCGenerator.Problem) {
    switch cfi.type {
    case .undefined: return
    case .endOfStack: type = 1; return
    case .call: type = 2
    case .regs: type = 3
    case .regsPartial: type = 4
    }
    signal = cfi.signal
    if cfi.cfa.base == CFIRule.undefinedBase { type = 0; return }
    guard let r = registers.orc(cfaBase: cfi.cfa.base) else {
      throw .unknownCFABase(section: section, offset: offset, base: cfi.cfa.base)
    }
    cfaRegister = r
    cfaOffset = Int16(truncatingIfNeeded: cfi.cfa.offset)
    let fp = cfi.regs[Int(registers.framePointer)]
    if fp.base == CFIRule.cfaBase {
      fpRegister = 1
      fpOffset = Int16(truncatingIfNeeded: fp.offset)
    } else if fp.base != CFIRule.undefinedBase {
      throw .unknownBPBase(section: section, offset: offset, base: fp.base)
    }
    let ra = cfi.regs[Int(registers.returnAddress)]
    if ra.base == CFIRule.cfaBase {
      raRegister = 2
      raOffset = Int16(truncatingIfNeeded: ra.offset)
    } else {
      raRegister = 1
    }
    raSigned = cfi.returnAddressSigned
  }

  static let typeNames = ["undef", "end_of_stack", "call", "regs", "regs_partial"]

  /// `type:call cfa:sp+32 fp:cfa-32 ra:cfa-24 signed:1 signal:0`
  public var text: String {
    let t = Int(type) < Self.typeNames.count ? Self.typeNames[Int(type)] : "\(type)"
    func signed(_ v: Int16) -> String { v >= 0 ? "+\(v)" : "\(v)" }
    let cfa = cfaRegister == 1 ? "sp\(signed(cfaOffset))" : cfaRegister == 2 ? "x29\(signed(cfaOffset))" : "(und)"
    let fp = fpRegister == 1 ? "cfa\(signed(fpOffset))" : "(und)"
    let ra = raRegister == 2 ? "cfa\(signed(raOffset))" : raRegister == 1 ? "x30" : "(und)"
    return "type:\(t) cfa:\(cfa) fp:\(fp) ra:\(ra) signed:\(raSigned ? 1 : 0) signal:\(signal ? 1 : 0)"
  }
}

extension ORCGenerator {
  /// The arm64 table: the same placement as x86 (changes only, patch sites from their
  /// shared table, terminators), with `ARM64ORCEntry`.
  public static func arm64Placement(_ sections: [ORCSectionInput], states: CFIStateTable,
                                    registers: ORCRegisterSlots, workers: Int = 1) throws(Problem) -> Placement<ARM64ORCEntry> {
    try placement(sections, states: states, undefined: .undefined, workers: workers) { (cfi, name, off) throws(Problem) in
      try ARM64ORCEntry(cfi, registers: registers, section: name, offset: off)
    }
  }
}

extension ORCDump {
  /// `orc dump` of an arm64 object: one line per entry, `SECTION+OFF:` then the entry text.
  public static func arm64Lines(_ file: ELFFile) throws(Problem) -> [String] {
    guard let unwind = file.section(named: KernelSections.orcUnwind), let ip = file.section(named: KernelSections.orcUnwindIP) else { return [] }
    guard unwind.size % UInt64(ARM64ORCEntry.size) == 0 else { throw .badSize(section: KernelSections.orcUnwind, size: unwind.size) }
    guard ip.size % 4 == 0 else { throw .badSize(section: KernelSections.orcUnwindIP, size: ip.size) }
    let count = Int(min(unwind.size / UInt64(ARM64ORCEntry.size), ip.size / 4))
    let orc = file.reader(for: unwind.index)
    let relocs = file.relocations(for: ip.index)?.relocations ?? []
    var out: [String] = []
    for i in 0..<min(count, relocs.count) {
      let r = relocs[i]
      let sym = file.symbol(r.symbol)
      let name = sym.isSectionSymbol ? (sym.section.index.map { file.section($0).name } ?? "") : sym.name
      guard let e = ARM64ORCEntry(orc, index: i) else { break }
      out.append("\(name)+\(String(UInt64(bitPattern: r.addend), radix: 16)):\(e.text)")
    }
    return out
  }
}
