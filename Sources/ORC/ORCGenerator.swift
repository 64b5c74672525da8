import ELFObject
import UnwindModel
import WorkPool

/// One executable section's CFI as the ORC stage needs it.
public struct ORCSectionInput: Sendable {
  public var section: SectionIndex
  public var name: String
  public var size: UInt64
  /// Instruction offsets and the state recorded before each (nil = never reached).
  public var offsets: Column<UInt32>
  public var cfi: CFIColumn
  /// Patch sites in this section: the original range and its shared byte-offset table.
  public var sites: [(start: UInt64, end: UInt64, table: [CFIStateID?])]

  public init(section: SectionIndex, name: String, size: UInt64, offsets: Column<UInt32>, cfi: CFIColumn,
              sites: [(start: UInt64, end: UInt64, table: [CFIStateID?])]) {
    self.section = section
    self.name = name
    self.size = size
    self.offsets = offsets
    self.cfi = cfi
    self.sites = sites
  }
}

/// An ORC table entry at `section + offset`.
public struct ORCPlacedEntry: Sendable, Equatable {
  public var section: SectionIndex
  public var sectionName: String
  public var offset: UInt64
  public var entry: ORCEntry
}

/// CFI -> ORC, in objtool's emission order (`orc_create`): per text section, an entry
/// wherever it differs from the previous one, patch sites from their shared table
/// (every non-empty byte slot), never-reached code as UNDEFINED, and a terminator at
/// the section end when the section produced anything.
public enum ORCGenerator {
  /// CFI that ORC cannot express (objtool's "unknown CFA base reg" etc.; it then
  /// writes no ORC at all, and neither do we).
  public enum Problem: Error, Sendable, Equatable, CustomStringConvertible {
    case unknownCFABase(section: String, offset: UInt64, base: Int8)
    case unknownBPBase(section: String, offset: UInt64, base: Int8)
    case unknownType(section: String, offset: UInt64, type: UInt8)

    public var description: String {
      switch self {
      case .unknownCFABase(let s, let o, let b): "\(placeText(s, o)): unknown CFA base reg \(b)"
      case .unknownBPBase(let s, let o, let b): "\(placeText(s, o)): unknown BP base reg \(b)"
      case .unknownType(let s, let o, let t): "\(placeText(s, o)): unknown unwind hint type \(t)"
      }
    }
  }

  /// Sections that never get ORC of their own (objtool: not "text").
  public static func isText(_ name: String) -> Bool {
    name != KernelSections.alternativeReplacements && name != KernelSections.alternativeAux && !name.hasPrefix(KernelSections.discardPrefix)
  }

  /// x86 entries as columns (see `placement`).
  public static func x86Placement(_ sections: [ORCSectionInput], states: CFIStateTable,
                                  format: ORCFormat, registers: ORCRegisterSlots, workers: Int = 1) throws(Problem) -> Placement<ORCEntry> {
    let undefined = ORCEntry(spOffset: 0, bpOffset: 0, spRegister: 0, bpRegister: 0, type: 0, flag: false)
    return try placement(sections, states: states, undefined: undefined, workers: workers) { (cfi, name, off) throws(Problem) in
      try entry(cfi, format: format, registers: registers, name, off)
    }
  }

  /// x86 entries with their section named (`orc dump --generate`, tests).
  public static func entries(_ sections: [ORCSectionInput], states: CFIStateTable,
                             format: ORCFormat, registers: ORCRegisterSlots) throws(Problem) -> [ORCPlacedEntry] {
    let p = try x86Placement(sections, states: states, format: format, registers: registers)
    return p.entries.indices.map { k in
      let s = sections[Int(p.input[k])]
      return ORCPlacedEntry(section: s.section, sectionName: s.name, offset: p.offsets[k], entry: p.entries[k])
    }
  }

  /// Entries as columns: for each, the index of its input (section), its offset and
  /// the entry (at kernel scale half a million entries: nothing per entry but three
  /// array slots).
  public struct Placement<E: Sendable>: Sendable {
    public var input: [Int32] = []
    public var offsets: [UInt64] = []
    public var entries: [E] = []
    public var count: Int { entries.count }
  }

  /// The placement shared by every entry format: per text section an entry wherever it
  /// differs from the previous one, patch sites from their shared byte-offset table,
  /// never-reached code as `undefined`, a terminator at the section end.
  ///
  /// A big section (vmlinux.o's .text) is cut into chunks at instructions outside any
  /// patch site, scanned on `workers` threads; the chunks' entries are then joined in
  /// order, dropping each that repeats the entry before it, which is exactly what one
  /// scan of the whole section keeps.
  public static func placement<E: Equatable & Sendable>(
    _ sections: [ORCSectionInput], states: CFIStateTable, undefined: E, workers: Int = 1,
    make: @escaping @Sendable (CFIState, String, UInt64) throws(Problem) -> E
  ) throws(Problem) -> Placement<E> {
    var out = Placement<E>()
    for (n, s) in sections.enumerated() where isText(s.name) {
      let chunks = chunkStarts(s, workers: workers)
      var scanned: [Result<(offsets: [UInt64], entries: [E]), Problem>]
      if chunks.count == 2 {
        scanned = [scan(s, from: chunks[0], to: chunks[1], states: states, undefined: undefined, make: make)]
      } else {
        let slots = OrderedSlots<Result<(offsets: [UInt64], entries: [E]), Problem>>(count: chunks.count - 1)
        parallelFor(count: chunks.count - 1, workers: workers) { c in
          slots.put(c, scan(s, from: chunks[c], to: chunks[c + 1], states: states, undefined: undefined, make: make))
        }
        scanned = (0..<(chunks.count - 1)).map { slots.take($0) }
      }
      var previous = undefined  // all-zero bytes
      var empty = true
      for chunk in scanned {
        let (offsets, entries) = try chunk.get()
        for (off, e) in zip(offsets, entries) where e != previous {
          out.input.append(Int32(n))
          out.offsets.append(off)
          out.entries.append(e)
          previous = e
          empty = false
        }
      }
      if !empty {
        out.input.append(Int32(n))
        out.offsets.append(s.size)
        out.entries.append(undefined)
      }
    }
    return out
  }

  /// Instruction indices where chunks of `s` start (and its end last): one chunk for a
  /// small section; otherwise about four per worker, each start moved past any patch
  /// site it would fall inside.
  public static func chunkStarts(_ s: ORCSectionInput, workers: Int) -> [Int] {
    let count = s.offsets.count
    guard workers > 1, count >= 1 << 17 else { return [0, count] }
    let parts = workers * 4
    var starts = [0]
    var site = 0
    for c in 1..<parts {
      var i = max(count * c / parts, starts.last! + 1)
      guard i < count else { break }
      let off = UInt64(s.offsets[i])
      while site < s.sites.count && s.sites[site].end <= off { site += 1 }
      if site < s.sites.count && s.sites[site].start < off {
        while i < count && UInt64(s.offsets[i]) < s.sites[site].end { i += 1 }
      }
      if i < count && i > starts.last! { starts.append(i) }
    }
    starts.append(count)
    return starts
  }

  /// The entries of instructions `from..<to` of `s`, each that differs from the one
  /// before it in the chunk (the first always).
  static func scan<E: Equatable & Sendable>(
    _ s: ORCSectionInput, from: Int, to: Int, states: CFIStateTable, undefined: E,
    make: (CFIState, String, UInt64) throws(Problem) -> E
  ) -> Result<(offsets: [UInt64], entries: [E]), Problem> {
    // An entry depends only on the interned state: made once per state, not per
    // instruction (a CFIState is ~300 bytes to read).
    var memo = [E?](repeating: nil, count: states.count)
    func entry(_ id: CFIStateID, _ off: UInt64) throws(Problem) -> E {
      if let e = memo[Int(id.rawValue)] { return e }
      let e = try make(states[id], s.name, off)
      memo[Int(id.rawValue)] = e
      return e
    }
    var offsets: [UInt64] = [], entries: [E] = []
    var previous: E?
    func add(_ e: E, _ offset: UInt64) {
      if e == previous { return }
      offsets.append(offset)
      entries.append(e)
      previous = e
    }
    do throws(Problem) {
      var i = from
      var siteIndex = 0
      if from > 0 {
        // The first site at or after the chunk's start.
        let start = UInt64(s.offsets[from])
        var lo = 0, hi = s.sites.count
        while lo < hi { let mid = (lo + hi) / 2; if s.sites[mid].start < start { lo = mid + 1 } else { hi = mid } }
        siteIndex = lo
      }
      // The state the last entry came from, while no site wrote one since: the same
      // state again gives the same entry (most instructions change nothing), so the
      // entry is not looked up.
      var lastState: CFIStateID?? = .none
      while i < to {
        let off = UInt64(s.offsets[i])
        while siteIndex < s.sites.count && s.sites[siteIndex].start < off { siteIndex += 1 }
        if siteIndex < s.sites.count && s.sites[siteIndex].start == off {
          // A patch site: every recorded byte offset of the shared table.
          let site = s.sites[siteIndex]
          for (k, id) in site.table.enumerated() {
            guard let id else { continue }
            add(try entry(id, off), off + UInt64(k))
          }
          while i < to && UInt64(s.offsets[i]) < site.end { i += 1 }
          siteIndex += 1
          lastState = .none
          continue
        }
        let state = s.cfi[i]
        if lastState != .some(state) {
          if let id = state { add(try entry(id, off), off) } else { add(undefined, off) }
          lastState = .some(state)
        }
        i += 1
      }
    } catch {
      return .failure(error)
    }
    return .success((offsets, entries))
  }

  /// objtool `init_orc_entry`.
  static func entry(_ cfi: CFIState, format: ORCFormat, registers: ORCRegisterSlots,
                    _ section: String, _ offset: UInt64) throws(Problem) -> ORCEntry {
    var e = ORCEntry(spOffset: 0, bpOffset: 0, spRegister: 0, bpRegister: 0, type: 0, flag: false)
    switch format {
    case .v6_12:
      switch cfi.type {
      case .undefined: return e
      case .endOfStack: e.type = 1; return e
      case .call: e.type = 2
      case .regs: e.type = 3
      case .regsPartial: e.type = 4
      }
      e.flag = cfi.signal
    case .v6_1:
      // 6.1: CALL 0, REGS 1, REGS_PARTIAL 2; undefined CFA encodes "undefined".
      switch cfi.type {
      case .regs: e.type = 1
      case .regsPartial: e.type = 2
      default: e.type = 0
      }
      if cfi.cfa.base == CFIRule.undefinedBase { return e }
    }
    switch cfi.cfa.base {
    case CFIRule.spIndirectBase: e.spRegister = ORCRegister.spIndirect
    case CFIRule.bpIndirectBase: e.spRegister = ORCRegister.bpIndirect
    case let base:
      guard let r = registers.orc(cfaBase: base) else {
        throw .unknownCFABase(section: section, offset: offset, base: base)
      }
      e.spRegister = r
    }
    let bp = cfi.regs[Int(registers.framePointer)]
    switch bp.base {
    case CFIRule.undefinedBase: e.bpRegister = ORCRegister.undefined
    case CFIRule.cfaBase: e.bpRegister = ORCRegister.prevSP
    case registers.framePointer: e.bpRegister = ORCRegister.bp
    default: throw .unknownBPBase(section: section, offset: offset, base: bp.base)
    }
    e.spOffset = Int16(truncatingIfNeeded: cfi.cfa.offset)
    e.bpOffset = Int16(truncatingIfNeeded: bp.offset)
    return e
  }

  /// The entries in `orc dump` text (section symbols named by their section).
  public static func dumpLines(_ entries: [ORCPlacedEntry], format: ORCFormat) -> [String] {
    entries.map { p in
      let e = p.entry
      let loc = "\(p.sectionName)+\(String(p.offset, radix: 16)):"
      switch format {
      case .v6_12:
        return loc + "type:\(ORCDump.typeName(e.type, format)) sp:\(ORCDump.register(e.spRegister, e.spOffset)) bp:\(ORCDump.register(e.bpRegister, e.bpOffset)) signal:\(e.flag ? 1 : 0)"
      case .v6_1:
        return loc + " sp:\(ORCDump.register(e.spRegister, e.spOffset)) bp:\(ORCDump.register(e.bpRegister, e.bpOffset)) type:\(ORCDump.typeName(e.type, format)) end:\(e.flag ? 1 : 0)"
      }
    }
  }
}
