import ELFObject
import UnwindModel

/// Where walks start (objtool `validate_functions`, `validate_unwind_hints`): every
/// function from its entry state, in objtool's order (on every core for a big object:
/// Walker+Parallel.swift), then the hinted code no function walk reached.
extension Walker {
  /// One step of `validateFunctions`, in objtool's order: a function without a size
  /// (named here, for its finding) or a root to walk within `function`.
  struct RootItem {
    var missingSize: String?
    var start = InsnRef(0)
    var function: SymbolID?
  }

  /// The function whose instructions `insn` is walked as (its owner's parent).
  func territory(_ insn: InsnRef) -> SymbolID? { p.function(insn).map { p.parent[$0.int] } }

  mutating func validateFunctions(onlySlot: Int? = nil) -> Int {
    let entry = table.intern(arch.functionEntryCFI)
    var items: [RootItem] = []
    for slot in onlySlot.map({ [$0] }) ?? Array(p.sections.indices) {
      // (objtool's order, in which a function without a size has its place.)
      for index in p.objtoolSymbolOrder(inSlot: slot) where p.symbolIsFunction[index.int] {
        let sym = p.file.symbols[index.int]
        if sym.size == 0 {
          items.append(RootItem(missingSize: sym.name))
          continue
        }
        let s = SymbolID(sym.index)
        guard p.parent[s.int] == s, !p.isAlias[s.int],
              let start = p.instruction(in: p.sections[slot].section, at: sym.value), !r.ignore[start.int] else { continue }
        items.append(RootItem(start: start, function: territory(start)))
      }
    }
    // A root outside any function is bounded by nothing (its walk may enter any
    // function's code): then every root is walked in order, on this thread.
    let parallel = options.walkThreads > 1 && traceSymbol == nil && p.count >= options.parallelWalkMinimum
      && !items.contains { $0.missingSize == nil && $0.function == nil }
    let done = parallel ? walkInParallel(items, entry: entry) : []
    var warnings = 0
    var unreported = 0
    for (k, item) in items.enumerated() {
      if let name = item.missingSize {
        warnPlain(Message(.missingSize, .function(name)))
        warnings += 1
      } else if k < done.count, let d = done[k] {
        findings.append(contentsOf: d.findings)
        warnings += d.warnings
        continue  // (counted by its thread)
      } else if !marks.visited[item.start.int] {
        warnings += walk(from: item.start, function: item.function, initial: entry,
                         uaccess: options.uaccess && isUaccessSafe(item.function),
                         noinstr: isNoinstrSlot(p.slot(item.start)))
      }
      unreported += 1
      if unreported == 1024 { options.rootsWalked?(unreported, items.count); unreported = 0 }
    }
    if unreported > 0 { options.rootsWalked?(unreported, items.count) }
    return warnings
  }

  /// Instructions carrying a hint that no function walk reached (entry code): walked
  /// from the all-undefined state, which the hint immediately replaces.
  /// With `onlySlot` (the noinstr-only walk) the hints of one section, walked with its
  /// noinstr state; otherwise every hint, as objtool walks them: not noinstr.
  mutating func validateUnwindHints(onlySlot: Int? = nil) -> Int {
    guard !hints.hints.isEmpty else { return 0 }
    var warnings = 0
    let undefined = table.intern(.allUndefined)
    let range = onlySlot.map { p.sections[$0].first..<(p.sections[$0].first + p.sections[$0].count) } ?? 0..<p.realCount
    let noinstr = onlySlot.map(isNoinstrSlot) ?? false
    for i in range {
      let insn = InsnRef(i)
      guard isHint(insn), !marks.visited[i], !r.ignore[i] else { continue }
      warnings += walk(from: insn, function: p.function(insn), initial: undefined, noinstr: noinstr, fromHint: true)
    }
    return warnings
  }

  /// objtool `init_insn_state`: a walk starting in a noinstr section checks noinstr
  /// rules (with `--noinstr` on a linked object only: calls out need their callee's
  /// section).
  func isNoinstrSlot(_ slot: Int) -> Bool {
    options.linked && options.noinstr && arch.kernel.isNoinstrSection(p.sections[slot].name)
  }
}
