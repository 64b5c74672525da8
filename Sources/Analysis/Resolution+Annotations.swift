import ELFObject
import UnwindModel

/// The annotation tables objtool reads besides the patch sites: `.discard.retpoline_safe`,
/// `.discard.noendbr`, the instrumentation and VALIDATE_UNRET tables, intra-function
/// calls, `.discard.reachable` and `__bug_table` WARN entries, and how a bad entry of any
/// kernel table is handled (`badEntry`: a finding at the entry in `check`, objtool's stop
/// in the front end).
extension Resolution {
  /// A bad entry of a kernel table (`table` at `entry`, the offset of the entry's
  /// relocation). With `badEntriesAreFindings` (`check`) it is a finding at the entry and
  /// the caller goes on with the other entries (returns true); the objtool front end
  /// stops with objtool's own `stop` finding instead (returns false).
  mutating func badEntry(_ rule: RuleID, table: String, entry: UInt64, _ detail: Message, stop: Finding?) -> Bool {
    if badEntriesAreFindings {
      let message: Message = switch rule {
      case .badRetpolineHint: Message(.badRetpolineTableEntry, .detail(detail))
      case .badNoEndbrHint: Message(.badNoEndbrTableEntry, .detail(detail))
      case .badAnnotationEntry:
        Message(.badAnnotationEntryProblem, .name(String(table.dropFirst(KernelSections.discardPrefix.count))), .detail(detail))
      default: Message(.badSpecialTableEntry, .name(table), .detail(detail))
      }
      warnings.append(Finding(at: .inSection(table, at: entry), message, severity: .warning))
      return true
    }
    guard let stop else { return true }
    fatal.append(stop)
    return false
  }

  /// "SECTION+0xOFF" of a table entry's target, for messages.
  func place(_ p: Program, _ section: SectionIndex?, _ offset: UInt64) -> MessageArgument {
    .place(section.map { p.file.section($0).name } ?? "(no section)", offset)
  }

  /// A table entry's target that is not an instruction.
  func notAnInstruction(_ p: Program, _ section: SectionIndex?, _ offset: UInt64) -> Message {
    Message(.notAnInstruction, place(p, section, offset))
  }

  /// A table entry whose relocation names a symbol where a section is wanted.
  func namesSymbol(_ sym: Symbol) -> Message {
    Message(.relocationNamesSymbol, .name(sym.name.isEmpty ? "a symbol" : sym.name))
  }

  /// `.discard.retpoline_safe`: section-relative pointers to indirect branches, returns
  /// or NOPs the mitigation checks accept (objtool `read_retpoline_hints`).
  mutating func readRetpolineHints(_ p: Program, _ x: Inputs) {
    guard let sec = p.file.section(named: KernelSections.retpolineSafe), fatal.isEmpty else { return }
    let table = KernelSections.retpolineSafe
    for r in x.relocations.all(in: sec.index) {
      let sym = p.file.symbol(r.symbol)
      guard sym.isSectionSymbol, let target = sym.section.index else {
        if badEntry(.badRetpolineHint, table: table, entry: r.offset, namesSymbol(sym),
                    stop: Finding(scope: Message(.retpolineRelocationSymbolType))) { continue }
        return
      }
      guard let insn = p.instruction(in: target, at: UInt64(bitPattern: r.addend)) else {
        if badEntry(.badRetpolineHint, table: table, entry: r.offset, notAnInstruction(p, target, UInt64(bitPattern: r.addend)),
                    stop: Finding(scope: Message(.badRetpolineEntry))) { continue }
        return
      }
      switch kind[insn.int] {
      case .jumpDynamic, .callDynamic, .ret, .nop:
        retpolineSafe.insert(insn)
      default:
        // (A real annotation on the wrong instruction: objtool's message at the instruction.)
        fatal.append(Finding(at: p.location(insn), Message(.retpolineHintTarget)))
        return
      }
    }
  }

  /// `.discard.noendbr`: any symbol + addend names the instruction; one that names no
  /// instruction stops objtool ("bad .discard.noendbr entry").
  mutating func readNoEndbrHints(_ p: Program, _ x: Inputs) {
    for a in x.annotated(SpecialSections.AnnotationType.noEndbr) {
      if let insn = p.instruction(in: a.section, at: a.offset) { noEndbr.insert(insn) }
    }
    guard let sec = p.file.section(named: KernelSections.noEndbr), fatal.isEmpty else { return }
    for r in x.relocations.all(in: sec.index) {
      let sym = p.file.symbol(r.symbol)
      let off = UInt64(bitPattern: Int64(bitPattern: sym.value) &+ r.addend)
      guard let target = sym.section.index, let insn = p.instruction(in: target, at: off) else {
        if badEntry(.badNoEndbrHint, table: KernelSections.noEndbr, entry: r.offset, notAnInstruction(p, sym.section.index, off),
                    stop: Finding(scope: Message(.badNoEndbrEntry))) { continue }
        return
      }
      noEndbr.insert(insn)
    }
  }

  /// `.discard.instr_end`, then `.discard.instr_begin` (objtool reads the second only when
  /// the first exists), then `.discard.validate_unret`: section-relative instruction
  /// pointers; anything else stops objtool.
  mutating func readInstrumentationHints(_ p: Program, _ x: Inputs) {
    guard fatal.isEmpty else { return }
    /// The instructions a table names, or nil after a fatal finding.
    func targets(_ table: String, badEntry: String) -> [InsnRef]? {
      guard let sec = p.file.section(named: table), p.file.relocations(for: sec.index) != nil else { return [] }
      var out: [InsnRef] = []
      for r in x.relocations.all(in: sec.index) {
        let sym = p.file.symbol(r.symbol)
        guard sym.isSectionSymbol, let target = sym.section.index else {
          if self.badEntry(.badAnnotationEntry, table: table, entry: r.offset, namesSymbol(sym),
                           stop: Finding(scope: Message(.annotationRelocationSymbolType, .name(table)))) { continue }
          return nil
        }
        guard let insn = p.instruction(in: target, at: UInt64(bitPattern: r.addend)) else {
          if self.badEntry(.badAnnotationEntry, table: table, entry: r.offset, notAnInstruction(p, target, UInt64(bitPattern: r.addend)),
                           stop: Finding(scope: Message(.badAnnotationTableEntry, .name(badEntry)))) { continue }
          return nil
        }
        out.append(insn)
      }
      return out
    }
    if let sec = p.file.section(named: KernelSections.instrumentationEnd), p.file.relocations(for: sec.index) != nil {
      guard let ends = targets(KernelSections.instrumentationEnd, badEntry: KernelSections.instrumentationEnd) else { return }
      for i in ends { instrumentation[i, default: 0] &-= 1 }
      guard let begins = targets(KernelSections.instrumentationBegin, badEntry: KernelSections.instrumentationBegin) else { return }
      for i in begins { instrumentation[i, default: 0] &+= 1 }
    }
    // (objtool 6.12 names the wrong table in this message.)
    guard let unret = targets(KernelSections.validateUnret, badEntry: KernelSections.instrumentationEnd) else { return }
    unretRoots = Array(Set(unret)).sorted { $0.int < $1.int }
  }

  /// ANNOTATE_INTRA_FUNCTION_CALL: the call becomes a jump that keeps its push, so the
  /// target starts with the return address on the stack.
  mutating func readIntraFunctionCalls(_ p: Program, _ targets: [SpecialSections.Address]) {
    for a in targets {
      guard let insn = p.instruction(in: a.section, at: a.offset) else { continue }
      guard kind[insn.int] == .call else {
        fatal.append(Finding(at: p.location(insn), Message(.intraFunctionCallNotDirect)))
        continue
      }
      kind[insn.int] = .jumpUnconditional
      let dest = UInt64(bitPattern: Int64(bitPattern: p.offset(insn)) &+ Int64(p.length(insn)) &+ p.immediate(insn))
      guard let d = p.instruction(in: p.sections[p.slot(insn)].section, at: dest) else {
        fatal.append(Finding(at: p.location(insn), Message(.intraFunctionCallDestination, .place(p.sectionName(insn), dest))))
        continue
      }
      jumpDest[insn.int] = d
    }
  }

  /// A final `.ko` has lost every `.discard.*` annotation (module.lds discards them).
  /// Recover WARN reachability from `__bug_table`: each entry flagged BUGFLAG_WARNING
  /// whose address holds a `ud2` was annotated reachable (ASM_REACHABLE in __WARN_FLAGS).
  mutating func recoverReachableWarnings(_ p: Program, _ special: SpecialSections) {
    guard let sec = p.file.section(named: KernelSections.bugTable), sec.size > 0, sec.hasFileBytes else { return }
    let bytes = p.file.reader(for: sec.index)
    let entrySize = 12  // s32 bug_addr, s32 file, u16 line, u16 flags (relative pointers, verbose)
    for off in stride(from: 0, to: Int(sec.size) - entrySize + 1, by: entrySize) {
      guard let flags = bytes.u16(at: off + 10), flags & 1 != 0 else { continue }
      // (objtool does not read this table: a bad entry is only ever a `check` finding.)
      guard let addr = special.address(in: sec.index, at: UInt64(off)) else {
        if badEntriesAreFindings {
          _ = badEntry(.specialSectionEntry, table: KernelSections.bugTable, entry: UInt64(off), Message(.noBugAddressRelocation), stop: nil)
        }
        continue
      }
      guard let insn = p.instruction(in: addr.section, at: addr.offset) else {
        if badEntriesAreFindings {
          _ = badEntry(.specialSectionEntry, table: KernelSections.bugTable, entry: UInt64(off), notAnInstruction(p, addr.section, addr.offset), stop: nil)
        }
        continue
      }
      guard kind[insn.int] == .bug else { continue }
      deadEnd[insn.int] = false
    }
  }

  /// `.discard.reachable` / `.discard.unreachable`: the instruction *before* each
  /// target loses / gains its dead-end mark (objtool 6.12 `add_dead_ends`). A target
  /// that is neither an instruction nor the end of its code section stops objtool ("can't
  /// find reachable insn at ..."); `check` reports the entry and reads the rest.
  mutating func addDiscardedAnnotations(_ p: Program, relocations: RelocationIndexCache) {
    for (name, value) in [(KernelSections.unreachable, true), (KernelSections.reachable, false)] {
      guard let sec = p.file.section(named: name), fatal.isEmpty else { continue }
      let what = value ? "unreachable" : "reachable"
      for r in relocations.all(in: sec.index) {
        let sym = p.file.symbol(r.symbol)
        let off = UInt64(bitPattern: Int64(bitPattern: sym.value) &+ r.addend)
        if let target = sym.section.index {
          if let insn = p.instruction(in: target, at: off) {
            // (The first instruction of a section has no instruction before it.)
            if let prev = p.previous(insn) { deadEnd[prev.int] = value }
            continue
          }
          if target.int < p.slotOfSection.count, let slot = p.slotOfSection[target.int], off == p.sections[slot].size,
             p.sections[slot].count > 0 {
            deadEnd[p.sections[slot].first + p.sections[slot].count - 1] = value
            continue
          }
        }
        let at = place(p, sym.section.index, off)
        if badEntry(.badAnnotationEntry, table: name, entry: r.offset, Message(.notAnInstruction, at),
                    stop: Finding(scope: Message(.annotationInstructionMissing, .name(what), at))) { continue }
        return
      }
    }
  }
}
