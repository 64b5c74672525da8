import ELFObject
import UnwindModel
import WorkPool

/// `--ibt`: the ENDBR instructions nothing takes the address of, which the kernel may
/// seal (overwrite with NOPs) at boot: objtool's `endbr_list` after `validate_ibt`.
///
/// Candidates are the ENDBRs that start a function (not an alias, not an embedded
/// instruction), in section order and by address within a section. A candidate is
/// "used", and stays, when a relocation points at it from anything but a branch: an
/// instruction that loads a function pointer (a PC-relative field counts from its
/// end), or a data section (vtables, ops structures), except sections that name code
/// without meaning to branch there (debug info, exception and bug tables, the kernel's
/// own patch lists).
struct IBTSeal {
  /// Sections whose relocations never make an ENDBR "used" (objtool `validate_ibt`).
  static let ignoredDataSections: Set<String> = [
    KernelSections.alternatives, KernelSections.endbrSeal, KernelSections.orcUnwindIP, KernelSections.paravirtInstructions, KernelSections.retpolineSites,
    KernelSections.smpLocks, KernelSections.staticCallSites, "_error_injection_whitelist", "_kprobe_blacklist", KernelSections.bugTable,
    KernelSections.exceptionTable, KernelSections.jumpTable, KernelSections.mcountLocations, KernelSections.kcfiTraps,
  ]

  static func ignoresDataSection(_ name: String) -> Bool {
    (name.hasPrefix(".discard") && name != KernelSections.endbrNoSeal) || name.hasPrefix(".debug")
      || ignoredDataSections.contains(name) || name.contains(KernelSections.patchableFunctionEntries)
  }

  /// What `validate_ibt` finds: the ENDBRs to seal (in objtool's order) and the
  /// address-taking references to code that is no ENDBR.
  struct Analysis {
    var sealable: [InsnRef] = []
    /// An instruction (not a branch) loading the address of `dest`, which is no ENDBR.
    var code: [(insn: InsnRef, dest: InsnRef)] = []
    /// A data relocation (section, offset) naming `dest`, which is no ENDBR.
    var data: [(section: SectionIndex, offset: UInt64, dest: InsnRef)] = []
  }

  /// objtool `validate_ibt` with the seal list: every relocation of an instruction that
  /// is not a branch and every relocation of a data section (but the skipped ones) that
  /// names code. A target that is an ENDBR is "used" (not sealed). Otherwise a code
  /// reference is a finding unless it stays within its function (`_THIS_IP_`,
  /// IRET-to-self), the target is ANNOTATE_NOENDBR, or it is the end of a symbol that
  /// starts with an ENDBR (a code range); a data reference unless the target is
  /// ANNOTATE_NOENDBR.
  static func analyse(_ p: Program, _ r: Resolution, relocations: RelocationIndexCache,
                      pcRelativeTypes: Set<UInt32>, branchBias: Int64, workers: Int,
                      ownsNoInstructions: (Symbol) -> Bool) -> Analysis {
    var out = Analysis()
    var candidates: [InsnRef] = []
    var isCandidate = Set<InsnRef>()
    let symbols = p.file.symbols
    for slot in p.sections.indices {
      for s in p.sortedSymbols(inSlot: slot) {
        let sym = symbols[s.int]
        guard sym.isFunction, sym.size > 0, !p.isAlias[s.int], !ownsNoInstructions(sym),
              let first = p.instruction(in: p.sections[slot].section, at: sym.value),
              p.kind(first) == .endbr, isCandidate.insert(first).inserted else { continue }
        candidates.append(first)
      }
    }
    // The work, in objtool's order: each text section's relocations (merged with its
    // instructions), then each data section's, big ones in chunks; on every core, the
    // results joined in that order.
    enum Item { case text(slot: Int), data(section: Int, range: Range<Int>) }
    var items: [Item] = p.sections.indices.map { .text(slot: $0) }
    let dataSections = p.file.relocationSections.enumerated()
      .filter { !p.file.section($0.element.target).isExecutable && !ignoresDataSection(p.file.section($0.element.target).name) }
      .sorted { $0.element.target.rawValue < $1.element.target.rawValue }
    let chunk = 1 << 16
    for (k, rs) in dataSections {
      for start in stride(from: 0, to: rs.relocations.count, by: chunk) {
        items.append(.data(section: k, range: start..<min(start + chunk, rs.relocations.count)))
      }
    }
    struct Found: Sendable {
      var used: [InsnRef] = []
      var code: [(insn: InsnRef, dest: InsnRef)] = []
      var data: [(section: SectionIndex, offset: UInt64, dest: InsnRef)] = []
    }
    final class Shared: @unchecked Sendable {
      // @unchecked: read only while the workers run.
      let p: Program, r: Resolution, relocations: RelocationIndexCache, items: [Item]
      let pcRelativeTypes: Set<UInt32>, branchBias: Int64
      init(_ p: Program, _ r: Resolution, _ relocations: RelocationIndexCache, _ items: [Item], _ t: Set<UInt32>, _ b: Int64) {
        (self.p, self.r, self.relocations, self.items, pcRelativeTypes, branchBias) = (p, r, relocations, items, t, b)
      }
    }
    let shared = Shared(p, r, relocations, items, pcRelativeTypes, branchBias)
    let results = OrderedSlots<Found>(count: items.count)
    parallelFor(count: items.count, workers: workers) { k in
      let (p, r) = (shared.p, shared.r)
      var found = Found()
      func target(_ sym: Int, _ addend: Int64) -> InsnRef? {
        guard let section = p.file.symbols[sym].section.index else { return nil }
        let offset = Int64(bitPattern: p.file.symbols[sym].value) &+ addend
        return offset >= 0 ? p.instruction(in: section, at: UInt64(offset)) : nil
      }
      switch shared.items[k] {
      case .text(let slot):
        // Instructions that are not branches: their relocations (code loading a
        // function's address).
        let text = p.sections[slot]
        var i = text.first
        let end = text.first + text.count
        for rel in shared.relocations.all(in: text.section) {
          while i < end && p.offset(InsnRef(i)) + UInt64(p.length(InsnRef(i))) <= rel.offset { i += 1 }
          guard i < end, p.offset(InsnRef(i)) <= rel.offset else { continue }
          switch r.kind[i] {
          case .call, .callDynamic, .jumpConditional, .jumpUnconditional, .jumpDynamic, .jumpDynamicConditional, .ret, .nop:
            continue
          default:
            break
          }
          if r.symbolClass[rel.symbol.int].contains(.staticCallTrampoline) { continue }
          let addend = shared.pcRelativeTypes.contains(rel.type) ? rel.addend &+ shared.branchBias : rel.addend
          guard let dest = target(rel.symbol.int, addend) else { continue }
          if r.kind[dest.int] == .endbr {
            found.used.append(dest)
            continue
          }
          let insn = InsnRef(i)
          if let a = p.function(insn), let b = p.function(dest), p.parent[a.int] == p.parent[b.int] { continue }
          if r.noEndbr.contains(dest) || endsEndbrRange(p, r, dest) { continue }
          found.code.append((insn, dest))
        }
      case .data(let section, let range):
        let rs = p.file.relocationSections[section]
        for rel in rs.relocations[range] {
          guard let dest = target(rel.symbol.int, rel.addend) else { continue }
          if r.kind[dest.int] == .endbr {
            found.used.append(dest)
          } else if !r.noEndbr.contains(dest) {
            found.data.append((rs.target, rel.offset, dest))
          }
        }
      }
      results.put(k, found)
    }
    var used = [Bool](repeating: false, count: p.count)
    for k in items.indices {
      let f = results.take(k)
      for i in f.used { used[i.int] = true }
      out.code += f.code
      out.data += f.data
    }
    out.sealable = candidates.filter { !used[$0.int] }
    return out
  }

  /// objtool `noendbr_range`: `dest` is just past the end of the symbol containing the
  /// byte before it (the first such symbol: lowest start, then symbol-table order), and
  /// that symbol starts with an ENDBR or an ANNOTATE_NOENDBR instruction.
  private static func endsEndbrRange(_ p: Program, _ r: Resolution, _ dest: InsnRef) -> Bool {
    let off = p.offset(dest)
    guard off > 0 else { return false }
    let section = p.sections[p.slot(dest)].section
    var best: Symbol?
    for sym in p.file.symbols(in: section) where !sym.isSectionSymbol && sym.size > 0
      && sym.value <= off - 1 && off - 1 < sym.value &+ sym.size {
      if best == nil || sym.value < best!.value { best = sym }
    }
    guard let sym = best, let first = p.instruction(in: section, at: sym.value),
          r.kind[first.int] == .endbr || r.noEndbr.contains(first) else { return false }
    return off == sym.value &+ sym.size
  }
}
