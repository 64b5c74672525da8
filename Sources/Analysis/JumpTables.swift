import ELFObject
import UnwindModel

/// x86 switch jump tables (objtool `add_jump_table_alts`): an indirect jump is tied to
/// an anonymous table in `.rodata*` found by scanning back from the jump for an
/// instruction whose relocation points there; the table's relocations, from that
/// head on and while consecutive, name the case targets, which become alternative
/// successors of the jump.
extension Resolution {
  mutating func addJumpTableAlternatives(_ p: Program, relocations: RelocationIndexCache) {
    let file = p.file
    // objtool `mark_rodata`: GCC's tables in .rodata*, C jump tables in .data.rel.ro*.
    func isRodata(_ s: SectionIndex) -> Bool {
      let name = file.section(s).name
      return (name.hasPrefix(".rodata") && !name.contains(".str1.")) || name.hasPrefix(".data.rel.ro")
    }
    var covered: [SectionIndex: SectionSpans] = [:]
    var localObjectStarts: [SectionIndex: Set<UInt64>] = [:]
    guard file.sections.contains(where: { isRodata($0.index) }) else { return }
    // Relocations of each rodata section in file order, with an offset -> position map.
    var tables: [SectionIndex: (relocs: [Relocation], position: [UInt64: Int])] = [:]
    for rs in file.relocationSections where isRodata(rs.target) {
      var pos: [UInt64: Int] = [:]
      for (k, r) in rs.relocations.enumerated() where pos[r.offset] == nil { pos[r.offset] = k }
      tables[rs.target] = (rs.relocations, pos)
    }
    var heads: Set<[UInt64]> = []  // (section, offset) of table heads already claimed

    // Only functions with an indirect jump can have a table.
    var hasIndirectJump = [Bool](repeating: false, count: file.symbols.count)
    for i in 0..<p.realCount where kind[i] == .jumpDynamic {
      if let s = p.symbolOf[i].value { hasIndirectJump[s.int] = true }
    }
    for fsym in file.symbols where fsym.isFunction && hasIndirectJump[fsym.index.int] {
      let f = SymbolID(fsym.index)
      guard let sec = fsym.section.index, let start = p.instruction(in: sec, at: fsym.value),
            p.symbolOf[start.int] == f else { continue }
      // The function's instructions (with its .cold part) in order.
      var members: [InsnRef] = []
      var i: InsnRef? = start
      while let cur = i, p.symbolOf[cur.int] == f { members.append(cur); i = p.next(cur) }
      // Back-links for forward unconditional jumps that extend the straight-line region.
      var firstJumpSource: [InsnRef: InsnRef] = [:]
      var last: InsnRef? = nil
      var found: [(jump: InsnRef, section: SectionIndex, head: Int)] = []
      // Named code-address tables the function loads from (C computed goto).
      var labelTables: [(SectionIndex, Int)] = []
      for insn in members {
        if last == nil { last = insn }
        if kind[insn.int] == .jumpUnconditional, let d = jumpDest[insn.int].value, let l = last, p.offset(insn) > p.offset(l),
           p.offset(d) > p.offset(insn), firstJumpSource[d] == nil {
          firstJumpSource[d] = insn
          last = d
        }
        guard kind[insn.int] == .jumpDynamic else { continue }
        // Scan back for the table reference.
        var cur: InsnRef? = insn
        while let c = cur, let owner = p.function(c), p.parent[owner.int] == f {
          if c != insn && kind[c.int] == .jumpDynamic { break }
          if kind[c.int] == .jumpUnconditional, let d = jumpDest[c.int].value {
            let dOff = p.offset(d)
            if dOff <= p.offset(c) || dOff > p.offset(insn) { break }
          }
          if let (tsec, head, pcRelative, named) = switchTable(p, c, relocations: relocations, tables: tables, isRodata: isRodata,
                                                               covered: &covered, localObjectStarts: &localObjectStarts) {
            let entry = tables[tsec]!.relocs[head]
            let target = file.symbol(entry.symbol)
            if let ts = target.section.index, let dest = p.instruction(in: ts, at: UInt64(bitPattern: entry.addend)),
               let df = p.function(dest), p.parent[df.int] == f {
              if pcRelative { ignoreUnreachables = true }
              if named && !labelTables.contains(where: { $0 == (tsec, head) }) { labelTables.append((tsec, head)) }
              found.append((insn, tsec, head))
              heads.insert([UInt64(tsec.rawValue), entry.offset])
              break
            }
          }
          if let src = firstJumpSource[c] { cur = src } else {
            cur = p.previous(c).flatMap { p.symbolOf[$0.int] == p.symbolOf[c.int] ? $0 : nil }
          }
        }
      }
      // `goto *table[i]`: any of the function's address-taken labels is a target of
      // every computed goto in it, and GCC copies the dispatch (`ldr; br`) into each
      // handler with the table base kept in a register: each indirect jump no table was
      // found for gets the function's label tables.
      if !labelTables.isEmpty {
        let resolved = Set(found.map(\.jump))
        for insn in members where kind[insn.int] == .jumpDynamic && !resolved.contains(insn) {
          for (tsec, head) in labelTables { found.append((insn, tsec, head)) }
        }
      }
      for (jump, tsec, head) in found {
        let relocs = tables[tsec]!.relocs
        // A position-independent table: 4-byte PC32 entries `.Lcase - .Ltable`, each
        // relocation's addend is the case offset plus the entry's distance from the head.
        let relative = relativeJumpTables && relocs[head].type == pcRelative32
        let stride: UInt64 = relative ? 4 : 8
        var prevOffset: UInt64? = nil
        var k = head
        while k < relocs.count {
          let r = relocs[k]
          if k != head && heads.contains([UInt64(tsec.rawValue), r.offset]) { break }
          if let po = prevOffset, r.offset != po + stride { break }
          if relative && r.type != 2 { break }
          let target = relative ? r.addend &- Int64(bitPattern: r.offset &- relocs[head].offset) : r.addend
          let sym = file.symbol(r.symbol)
          // A function pointer right after the table: not a case target.
          if sym.section == fsym.section && UInt64(bitPattern: target) == fsym.value && !relative { break }
          guard let ts = sym.section.index, let dest = p.instruction(in: ts, at: UInt64(bitPattern: target)),
                let df = p.function(dest), p.parent[df.int] == f else { break }
          alternatives[jump, default: []].append(dest)
          prevOffset = r.offset
          k += 1
        }
        if prevOffset == nil {
          fatal.append(Finding(at: p.location(jump), Message(.switchTableNotFound)))
        } else {
          jumpTable.insert(jump)
        }
      }
    }
  }

  /// objtool `arch_find_switch_table` (x86): a relocation in `insn` against a rodata
  /// section symbol whose target is anonymous data with a relocation of its own.
  private func switchTable(_ p: Program, _ insn: InsnRef, relocations: RelocationIndexCache,
                           tables: [SectionIndex: (relocs: [Relocation], position: [UInt64: Int])],
                           isRodata: (SectionIndex) -> Bool,
                           covered: inout [SectionIndex: SectionSpans],
                           localObjectStarts: inout [SectionIndex: Set<UInt64>]) -> (SectionIndex, Int, Bool, named: Bool)? {
    guard !p.isVirtual(insn), let r = p.relocation(in: insn, relocations: relocations) else { return nil }
    let sym = p.file.symbol(r.symbol)
    if addressTablesInLocalObjects, !sym.isSectionSymbol, sym.type == .object, sym.binding == .local, sym.size > 0,
       let tsec = sym.section.index, isRodata(tsec) {
      // A named table (see `ArchitectureDescription.addressTablesInLocalObjects`):
      // its entries start at the symbol, whatever instruction half (`adrp`, `add
      // :lo12:`) names it.
      guard let head = tables[tsec]?.position[sym.value &+ UInt64(bitPattern: r.addend)] else { return nil }
      return (tsec, head, false, true)
    }
    guard sym.isSectionSymbol, let tsec = sym.section.index, isRodata(tsec) else { return nil }
    if addressTablesInLocalObjects {
      // (A linked object names the same table through its section symbol.)
      let at = UInt64(bitPattern: r.addend)
      if localObjectStarts[tsec] == nil {
        localObjectStarts[tsec] = Set(p.file.symbols(in: tsec).filter { $0.type == .object && $0.binding == .local && $0.size > 0 }.map(\.value))
      }
      if localObjectStarts[tsec]!.contains(at), let head = tables[tsec]?.position[at] { return (tsec, head, false, true) }
    }
    let pcRelative = r.type == pcRelative32
    let offset = UInt64(bitPattern: r.addend &+ (pcRelative ? pcRelativeBias : 0))
    let name = p.file.section(tsec).name
    // Tables are anonymous, except C jump tables in their own section.
    if name != SectionSpans.cJumpTableSection {
      if covered[tsec] == nil { covered[tsec] = SectionSpans(p.file, tsec) }
      if covered[tsec]!.covers(offset) { return nil }
    }
    guard let head = tables[tsec]?.position[offset] else { return nil }
    return (tsec, head, pcRelative, false)
  }
}

/// The sized symbols of one section as sorted spans, for "is this offset inside a
/// symbol" in O(log n).
struct SectionSpans {
  /// objtool `C_JUMP_TABLE_SECTION` (Debian's 6.12 objtool; 6.12.0 had `.rodata..c_jump_table`).
  static let cJumpTableSection = ".data.rel.ro.c_jump_table"

  private var starts: [UInt64] = []
  /// The largest end among the spans starting at or before each start.
  private var maxEnds: [UInt64] = []

  init(_ file: ELFFile, _ section: SectionIndex) {
    let spans = file.symbols(in: section).filter { $0.size > 0 && !$0.isSectionSymbol }
      .map { ($0.value, $0.value &+ $0.size) }.sorted { $0.0 < $1.0 }
    starts = spans.map(\.0)
    var m: UInt64 = 0
    maxEnds = spans.map { m = max(m, $0.1); return m }
  }

  /// How many spans start at or before `offset`.
  func countStarting(atOrBefore offset: UInt64) -> Int {
    var lo = 0, hi = starts.count
    while lo < hi {
      let mid = (lo + hi) / 2
      if starts[mid] <= offset { lo = mid + 1 } else { hi = mid }
    }
    return lo
  }

  func covers(_ offset: UInt64) -> Bool {
    let k = countStarting(atOrBefore: offset)
    return k > 0 && maxEnds[k - 1] > offset
  }

  /// The first span start after `offset`, if any.
  func nextStart(after offset: UInt64) -> UInt64? {
    let k = countStarting(atOrBefore: offset)
    return k < starts.count ? starts[k] : nil
  }
}
