import ELFObject
import UnwindModel

/// Switch tables the architecture recognises from the code (arm64: entries without
/// relocations, see `ArchitectureDescription.switchTablePattern`): the table is located
/// through the relocation of the pattern's anchor instruction, its entries are read
/// from the section bytes, and each case target becomes an alternative successor of
/// the indirect jump (which is then not a sibling call).
extension Resolution {
  mutating func addPatternJumpTables(_ p: Program, relocations: RelocationIndexCache,
                                     finder: @Sendable ([UInt32], [UInt32]) -> SwitchTablePattern?) {
    let file = p.file
    let bigEndian = file.byteOrder == .big
    // Where each jump target is jumped to from (the first source), for walking back
    // into the block that performs the bounds check.
    var sourceOf: [InsnRef: InsnRef] = [:]
    var built = false
    var dataStarts: [SectionIndex: [UInt64]] = [:]
    for i in 0..<p.count where kind[i] == .jumpDynamic {
      let jump = InsnRef(i)
      guard !p.isVirtual(jump), let f = p.function(jump) else { continue }
      if !built {
        for k in 0..<p.count where !jumpDest[k].isNone && sourceOf[jumpDest[k]] == nil { sourceOf[jumpDest[k]] = InsnRef(k) }
        built = true
      }
      // Up to 160 instructions of the same function on the path to the jump, oldest
      // first: straight back, and through the branch that enters a block which nothing
      // falls into (the bounds check usually branches to the table code).
      var refs: [InsnRef] = [jump]
      var cur = jump
      while refs.count < 160 {
        let prev = p.previous(cur)
        let fallsIn = prev.map { p.function($0) == f && !p.isVirtual($0) && kind[$0.int] != .jumpUnconditional
          && kind[$0.int] != .ret && kind[$0.int] != .jumpDynamic } ?? false
        if fallsIn, let prev {
          refs.append(prev)
          cur = prev
        } else if let src = sourceOf[cur], p.function(src) == f, !refs.contains(src) {
          cur = src
          refs.append(cur)
        } else {
          break
        }
      }
      refs.reverse()
      let section = p.sections[p.slot(jump)].section
      let reader = file.reader(for: section)
      func window(_ refs: [InsnRef]) -> (words: [UInt32], offsets: [UInt32])? {
        var words: [UInt32] = []
        var offsets: [UInt32] = []
        words.reserveCapacity(refs.count)
        for r in refs {
          let off = p.offset(r)
          guard let w = reader.u32(at: Int(off)) else { return nil }
          words.append(bigEndian ? w.byteSwapped : w)  // A64 instructions are little-endian, also in BE objects
          offsets.append(UInt32(truncatingIfNeeded: off))
        }
        return (words, offsets)
      }
      var found = window(refs).flatMap { finder($0.words, $0.offsets) }
      if found == nil {
        // The table address may be set up far before (hoisted out of a loop): the
        // function's code up to the jump, in address order.
        var linear: [InsnRef] = [jump]
        var c = jump
        while linear.count < 2000, let prev = p.previous(c), p.function(prev) == f, !p.isVirtual(prev) {
          linear.append(prev)
          c = prev
        }
        found = window(linear.reversed()).flatMap { finder($0.words, $0.offsets) }
      }
      guard let pattern = found,
            let anchorInsn = p.instruction(in: section, at: UInt64(pattern.anchor)),
            let reloc = p.relocation(in: anchorInsn, relocations: relocations) else { continue }
      let sym = file.symbol(reloc.symbol)
      guard let tableSection = sym.section.index else { continue }
      let tableStart = Int64(bitPattern: sym.value) &+ reloc.addend
      let table = file.reader(for: tableSection)
      // The next thing the object refers to in the table's section (another table, a
      // string, a symbol): no table runs past it.
      func nextDataStart() -> UInt64 {
        if dataStarts[tableSection] == nil {
          var starts: [UInt64] = file.symbols(in: tableSection).map(\.value)
          for rs in file.relocationSections {
            for r in rs.relocations {
              let sym = file.symbol(r.symbol)
              if sym.section.index == tableSection {
                starts.append(UInt64(bitPattern: Int64(bitPattern: sym.value) &+ r.addend))
              }
            }
          }
          dataStarts[tableSection] = Array(Set(starts)).sorted()
        }
        let starts = dataStarts[tableSection] ?? []
        return starts.first { $0 > UInt64(bitPattern: tableStart) } ?? file.section(tableSection).size
      }
      // Entries that fit before the next data (a table start past the section's data,
      // from a damaged object, has none).
      func room() -> Int {
        let next = nextDataStart(), start = UInt64(bitPattern: tableStart)
        return next > start ? Int(min(4096, (next - start) / UInt64(pattern.entrySize))) : 0
      }
      // The case labels of the first `count` entries, up to the first that is not one.
      func caseTargets(_ count: Int) -> [InsnRef] {
        var targets: [InsnRef] = []
        for k in 0..<count {
          let at = Int(tableStart) + k * pattern.entrySize
          guard at >= 0 else { break }
          let v: Int64
          switch pattern.entrySize {
          case 1: v = table.u8(at: at).map { pattern.signedEntries ? Int64(Int8(bitPattern: $0)) : Int64($0) } ?? .min
          case 2: v = table.u16(at: at).map { pattern.signedEntries ? Int64(Int16(bitPattern: $0)) : Int64($0) } ?? .min
          case 4: v = table.u32(at: at).map { pattern.signedEntries ? Int64(Int32(bitPattern: $0)) : Int64($0) } ?? .min
          default: v = .min
          }
          guard v != Int64.min, pattern.base != nil || tableSection == section else { break }
          let base = pattern.base.map { Int64($0) } ?? tableStart
          let dest = base &+ (v << Int64(pattern.shift))
          guard dest >= 0, let d = p.instruction(in: section, at: UInt64(dest)), p.function(d) == f else { break }
          targets.append(d)
        }
        return targets
      }
      var targets: [InsnRef]
      if pattern.count > 0 {
        // The wider bound when all its entries are labels before the next data, else
        // the nearest compare's (all its entries must be labels).
        targets = []
        if pattern.widerCount > pattern.count && pattern.widerCount <= room() {
          targets = caseTargets(pattern.widerCount)
          if targets.count != pattern.widerCount { targets = [] }
        }
        if targets.isEmpty {
          targets = caseTargets(pattern.count)
          guard targets.count == pattern.count else { continue }
        }
      } else {
        // Without a bounds check the table runs to the next data, and its entries must
        // all be case labels of this function: stop at the first that is not.
        targets = caseTargets(room())
        guard !targets.isEmpty else { continue }
      }
      var seen = Set<InsnRef>()
      for t in targets where seen.insert(t).inserted { alternatives[jump, default: []].append(t) }
      jumpTable.insert(jump)
    }
  }
}
