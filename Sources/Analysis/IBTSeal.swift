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

  /// The ENDBRs to seal, in objtool's order.
  static func sealable(_ p: Program, _ r: Resolution, relocations: RelocationIndexCache,
                       pcRelativeTypes: Set<UInt32>, branchBias: Int64,
                       ownsNoInstructions: (Symbol) -> Bool) -> [InsnRef] {
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
    guard !candidates.isEmpty else { return [] }
    var used = Set<InsnRef>()
    func mark(_ section: SectionIndex?, _ offset: Int64) {
      guard let section, offset >= 0, let dest = p.instruction(in: section, at: UInt64(offset)),
            isCandidate.contains(dest) else { return }
      used.insert(dest)
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
        mark(sym.section.index, Int64(bitPattern: sym.value) &+ addend)
      }
    }
    // Data sections.
    for rs in p.file.relocationSections {
      let target = p.file.section(rs.target)
      guard !target.isExecutable, !ignoresDataSection(target.name) else { continue }
      for rel in rs.relocations {
        let sym = symbols[rel.symbol.int]
        mark(sym.section.index, Int64(bitPattern: sym.value) &+ rel.addend)
      }
    }
    return candidates.filter { !used.contains($0) }
  }
}
