import ELFObject
import UnwindModel

/// One code stream of a patch site: the original instructions, or one replacement
/// (objtool `struct alt_group`). All streams of a site share one byte-offset CFI
/// table (`table`), so the CFI each stream computes at a shared boundary is compared.
struct AlternativeGroup {
  /// `none` for the original stream; else the original stream's group.
  var original: GroupID
  var first: InsnRef
  /// Last real instruction, `none` for a replacement that is only padding.
  var last: InsnRef
  /// The virtual padding NOP of a shorter replacement, or `none`.
  var nop: InsnRef
  /// Index of the shared site table.
  var table: Int32
  /// The CPU feature of a replacement's `.altinstructions` entry.
  var feature: UInt16 = 0
}

/// An `.altinstructions` entry with its code resolved.
struct AlternativeEntry {
  var original: SpecialSections.Address
  var replacement: SpecialSections.Address?
  var originalLength: Int
  var replacementLength: Int
  var feature: UInt16
  /// Where the entry is in `.altinstructions`.
  var entryOffset: UInt64 = 0
  /// Why the entry cannot be used (then it is reported and skipped), or nil.
  var problem: Message? = nil
}

extension SpecialSections {
  /// `.altinstructions` entries in section order; with nested groups, consecutive
  /// entries for one site get the largest original length (ALTERNATIVE_2/3).
  func alternativeEntries(layout: AlternativeLayout) -> [AlternativeEntry] {
    // (A section without bytes in the file - SHT_NOBITS - may claim any size: no entries.)
    guard let sec = file.section(named: KernelSections.alternatives), sec.size > 0, sec.hasFileBytes else { return [] }
    let bytes = file.reader(for: sec.index)
    var result: [AlternativeEntry] = []
    var groupStart = 0
    for off in stride(from: 0, to: Int(sec.size) - layout.entrySize + 1, by: layout.entrySize) {
      guard let origLen = bytes.u8(at: off + layout.originalLengthOffset),
            let newLen = bytes.u8(at: off + layout.replacementLengthOffset),
            let feature = bytes.u16(at: off + layout.featureOffset) else { continue }
      // An entry is input like any other: its places must be code of this object.
      func bad(_ why: Message) {
        result.append(AlternativeEntry(original: Address(section: sec.index, offset: 0), replacement: nil, originalLength: Int(origLen),
                                       replacementLength: Int(newLen), feature: feature, entryOffset: UInt64(off), problem: why))
      }
      guard let orig = address(in: sec.index, at: UInt64(off)) else {
        bad(Message(.noOriginalRelocation))
        continue
      }
      guard file.section(orig.section).isExecutable, orig.offset &+ UInt64(origLen) <= file.section(orig.section).size else {
        bad(Message(.originalOutsideCode, .place(file.section(orig.section).name, orig.offset), .integer(origLen)))
        continue
      }
      // A callback site: its code is produced at boot. A NOP callback (arm64
      // `alt_cb_patch_nops`) turns the original into NOPs: both the original and the
      // all-NOP stream (an empty replacement) are live. Any other callback's output is
      // unknown: validate the original only.
      if let cb = layout.callbackBit, feature & cb != 0 {
        let callback = relocations.first(in: sec.index, from: UInt64(off + 4), to: UInt64(off + 5))
          .map { file.symbol($0.symbol).name }
        guard let callback, layout.nopCallbacks.contains(callback) else { continue }
        result.append(AlternativeEntry(original: orig, replacement: nil, originalLength: Int(origLen),
                                       replacementLength: 0, feature: feature))
        groupStart = result.count - 1
        continue
      }
      let repl = newLen > 0 ? address(in: sec.index, at: UInt64(off + 4)) : nil
      if newLen > 0 {
        guard let repl else {
          bad(Message(.noReplacementRelocation))
          continue
        }
        guard file.section(repl.section).isExecutable, repl.offset &+ UInt64(newLen) <= file.section(repl.section).size else {
          bad(Message(.replacementOutsideCode, .place(file.section(repl.section).name, repl.offset), .integer(newLen)))
          continue
        }
      }
      var e = AlternativeEntry(original: orig, replacement: repl, originalLength: Int(origLen),
                               replacementLength: Int(newLen), feature: feature, entryOffset: UInt64(off))
      if layout.nestedGroups, let prev = result.last, prev.problem == nil, prev.original == orig {
        let len = max(prev.originalLength, e.originalLength)
        for k in groupStart..<result.count { result[k].originalLength = len }
        e.originalLength = len
      } else {
        groupStart = result.count
      }
      result.append(e)
    }
    return result
  }
}

/// What building the groups contributes to branch resolution.
struct AlternativeSites {
  /// (original first instruction, replacement first instruction or padding NOP, skip
  /// the original stream after walking this one, skip this replacement).
  var successors: [(from: InsnRef, to: InsnRef, skipOriginal: Bool, skipReplacement: Bool)] = []
  /// Replacement jumps to their own end: they continue after the original site.
  var jumpDestinations: [(InsnRef, InsnRef)] = []
  var findings: [Finding] = []
}

extension Program {
  /// objtool `handle_group_alt` for every entry: original groups (one per site, shared
  /// by nested entries), replacement groups, padding NOPs, in-place jump redirection.
  mutating func buildAlternativeGroups(_ entries: [AlternativeEntry], layout: AlternativeLayout) -> AlternativeSites {
    var out = AlternativeSites()
    func entryPlace(_ e: AlternativeEntry) -> CodeLocation { .inSection(KernelSections.alternatives, at: e.entryOffset) }
    for e in entries {
      if let problem = e.problem {
        out.findings.append(Finding(at: entryPlace(e), Message(.badAlternativeEntry, .detail(problem)), severity: .warning))
        continue
      }
      if e.replacementLength > e.originalLength {
        // The kernel copies the replacement over the original: longer, it overwrites
        // the code after the site (the assembler macros pad the original to prevent it).
        out.findings.append(Finding(at: entryPlace(e),
                                    Message(.alternativeReplacementTooLong, .integer(e.replacementLength), .integer(e.originalLength)),
                                    severity: .warning))
        continue
      }
      guard let orig = instruction(in: e.original.section, at: e.original.offset) else {
        out.findings.append(Finding(at: objtoolPlace(e.original.section, e.original.offset), Message(.cantFindOriginal)))
        continue
      }
      if e.originalLength == 0 {
        out.findings.append(Finding(at: location(orig), Message(.emptyAlternative), severity: .warning))
        continue
      }
      // The original stream's group, created by the first entry for this site.
      var og = groupOf[orig.int]
      if og.isNone || !groups[og.int].original.isNone || groups[og.int].first != orig {
        og = GroupID(groups.count)
        let table = Int32(siteTableLengths.count)
        siteTableLengths.append(e.originalLength)
        var last = orig
        var i: InsnRef? = orig
        while let cur = i, offset(cur) < e.original.offset + UInt64(e.originalLength) {
          groupOf[cur.int] = og
          last = cur
          i = next(cur)
        }
        groups.append(AlternativeGroup(original: .none, first: orig, last: last, nop: .none, table: table))
      } else {
        let g = groups[og.int]
        let span = Int(offset(g.last) - offset(orig)) + length(g.last)
        if span != e.originalLength {
          out.findings.append(Finding(at: location(orig), Message(.overlappingAlternative, .integer(span), .integer(e.originalLength))))
          continue
        }
        if tablePerEntry {
          // objtool 6.1: a fresh table for this entry, used from now on by the original.
          groups[og.int].table = Int32(siteTableLengths.count)
          siteTableLengths.append(e.originalLength)
        }
      }
      let site = groups[og.int]
      let ng = GroupID(groups.count)
      groups.append(AlternativeGroup(original: og, first: .none, last: .none, nop: .none, table: site.table, feature: e.feature))
      var newFirst: InsnRef?
      var nop: InsnRef?
      if let repl = e.replacement, e.replacementLength > 0 {
        guard let first = instruction(in: repl.section, at: repl.offset) else {
          out.findings.append(Finding(at: objtoolPlace(repl.section, repl.offset), Message(.cantFindReplacement)))
          continue
        }
        newFirst = first
        var last: InsnRef?
        var i: InsnRef? = first
        while let cur = i, offset(cur) < repl.offset + UInt64(e.replacementLength) {
          last = cur
          symbolOf[cur.int] = symbolOf[orig.int]  // replacement code belongs to the original's function
          groupOf[cur.int] = ng
          let k = kind(cur)
          if (k == .jumpConditional || k == .jumpUnconditional) && immediate(cur) != 0 {
            let dest = Int64(bitPattern: offset(cur)) &+ Int64(length(cur)) &+ immediate(cur)
            if dest == Int64(repl.offset) + Int64(e.replacementLength) {
              guard let after = next(site.last) else {
                out.findings.append(Finding(at: location(cur), Message(.alternativeJumpDestination)))
                continue
              }
              out.jumpDestinations.append((cur, after))
            }
          }
          i = next(cur)
        }
        guard let l = last else {
          out.findings.append(Finding(scope: Message(.lastReplacementInstruction)))
          continue
        }
        groups[ng.int].last = l
      }
      if e.replacementLength < e.originalLength {
        // Padding makes the replacement as long as the original: its NOP records the
        // state after the replacement's last instruction at the replacement's end.
        // (A replacement outside any text section: slot 0, as before.)
        let slot = e.replacement.map { slotOfSection[$0.section.int] ?? 0 } ?? slot(orig)
        let nopOffset = (e.replacement?.offset ?? 0) + UInt64(e.replacementLength)
        nop = addVirtualNOP(slot: slot, offset: nopOffset, length: e.originalLength - e.replacementLength,
                            symbol: symbolOf[orig.int], group: ng)
        groups[ng.int].nop = nop!
      }
      groups[ng.int].first = (newFirst ?? nop)!
      out.successors.append((orig, newFirst ?? nop!, layout.skipOriginalFeatures.contains(e.feature),
                             layout.skipReplacementFeatures.contains(e.feature)))
    }
    return out
  }

  /// Offset of `i` within its group (the index into the shared site table).
  func groupOffset(_ i: InsnRef) -> Int? {
    guard let g = groupOf[i.int].value else { return nil }
    let off = Int(offset(i)) - Int(offset(groups[g.int].first))
    return off >= 0 && off < siteTableLengths[Int(groups[g.int].table)] ? off : nil
  }
}
