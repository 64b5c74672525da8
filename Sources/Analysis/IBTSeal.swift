import ELFObject
import UnwindModel

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
    ".altinstructions", ".ibt_endbr_seal", ".orc_unwind_ip", ".parainstructions", ".retpoline_sites",
    ".smp_locks", ".static_call_sites", "_error_injection_whitelist", "_kprobe_blacklist", "__bug_table",
    "__ex_table", "__jump_table", "__mcount_loc", ".kcfi_traps",
  ]

  static func ignoresDataSection(_ name: String) -> Bool {
    (name.hasPrefix(".discard") && name != ".discard.ibt_endbr_noseal") || name.hasPrefix(".debug")
      || ignoredDataSections.contains(name) || name.contains("__patchable_function_entries")
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
                      pcRelativeTypes: Set<UInt32>, branchBias: Int64,
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
    var used = Set<InsnRef>()
    func target(_ section: SectionIndex?, _ offset: Int64) -> InsnRef? {
      guard let section, offset >= 0 else { return nil }
      return p.instruction(in: section, at: UInt64(offset))
    }
    // Instructions that are not branches: their relocations (code loading a function's
    // address). The relocations of each text section are merged with its instructions.
    for slot in p.sections.indices {
      let text = p.sections[slot]
      var i = text.first
      let end = text.first + text.count
      for rel in relocations.all(in: text.section) {
        while i < end && p.offset(InsnRef(i)) + UInt64(p.length(InsnRef(i))) <= rel.offset { i += 1 }
        guard i < end, p.offset(InsnRef(i)) <= rel.offset else { continue }
        switch r.kind[i] {
        case .call, .callDynamic, .jumpConditional, .jumpUnconditional, .jumpDynamic, .jumpDynamicConditional, .ret, .nop:
          continue
        default:
          break
        }
        let sym = symbols[rel.symbol.int]
        if r.symbolClass[rel.symbol.int].contains(.staticCallTrampoline) { continue }
        let addend = pcRelativeTypes.contains(rel.type) ? rel.addend &+ branchBias : rel.addend
        guard let dest = target(sym.section.index, Int64(bitPattern: sym.value) &+ addend) else { continue }
        if r.kind[dest.int] == .endbr {
          used.insert(dest)
          continue
        }
        let insn = InsnRef(i)
        if let a = p.function(insn), let b = p.function(dest), p.parent[a.int] == p.parent[b.int] { continue }
        if r.noEndbr.contains(dest) || endsEndbrRange(p, r, dest) { continue }
        out.code.append((insn, dest))
      }
    }
    // Data sections, in section order.
    for rs in p.file.relocationSections.sorted(by: { $0.target.rawValue < $1.target.rawValue }) {
      let section = p.file.section(rs.target)
      guard !section.isExecutable, !ignoresDataSection(section.name) else { continue }
      for rel in rs.relocations {
        let sym = symbols[rel.symbol.int]
        guard let dest = target(sym.section.index, Int64(bitPattern: sym.value) &+ rel.addend) else { continue }
        if r.kind[dest.int] == .endbr {
          used.insert(dest)
        } else if !r.noEndbr.contains(dest) {
          out.data.append((rs.target, rel.offset, dest))
        }
      }
    }
    out.sealable = candidates.filter { !used.contains($0) }
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
