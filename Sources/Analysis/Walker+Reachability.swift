import ELFObject
import UnwindModel

/// Unreachable instructions (objtool `validate_reachable_instructions`): after every
/// walk, each instruction no walk marked is reported unless objtool would ignore it
/// (objtool 6.1: only the object's first, `AnalysisOptions.firstUnreachableOnly`).
extension Walker {
  mutating func validateReachable() {
    for i in 0..<p.count {
      let insn = InsnRef(i)
      if marks.visited[i] || ignoreUnreachable(insn) { continue }
      if options.firstUnreachableOnly {
        warn(insn, Message(.unreachableInstruction))
        explainUnreachable(insn)
        return
      }
      if let prev = p.previous(insn), r.deadEnd[prev.int], r.kind[prev.int] == .call, !r.callDest[prev.int].isNone {
        warn(insn, Message(.missingNoreturn, .function(p.symbolName(r.callDest[prev.int]))))
        continue
      }
      warn(insn, Message(.unreachableInstruction))
      explainUnreachable(insn)
    }
  }

  mutating func markIgnored(function f: SymbolID) {
    let sym = p.file.symbols[f.int]
    guard let sec = sym.section.index, var i = p.instruction(in: sec, at: sym.value) else { return }
    while p.symbolOf[i.int] == f {
      lateIgnored.insert(i)
      guard let n = p.next(i) else { break }
      i = n
    }
  }

  /// objtool `ignore_unreachable_insn`.
  mutating func ignoreUnreachable(_ insn: InsnRef) -> Bool {
    let k = r.kind[insn.int]
    if r.ignore[insn.int] || lateIgnored.contains(insn) || k == .nop || k == .trap { return true }
    if patchSections.isEmpty { patchSections = p.sections.map { $0.name == KernelSections.alternativeReplacements || $0.name == KernelSections.alternativeAux } }
    if patchSections[p.slot(insn)] { return true }
    if !arch.codeOutsideFunctionsHasHints && p.function(insn) == nil { return true }
    if options.linked && p.function(insn) == nil {
      // Whole-archive links leave the code of weak functions the linker replaced:
      // code in a hole between symbols is ignored when the hole runs to the end or
      // reaches walked code (the next symbol's first instruction included).
      if holes == nil { holes = SymbolHoles(p) }
      switch holes!.hole(containing: insn, p) {
      case .none: return false
      case .toEnd: return true
      case .until(let end):
        var cur = p.next(insn)
        while let c = cur {
          if marks.visited[c.int] { return true }
          if p.offset(c) >= end { break }
          // A hole that jumps into a .cold part: that part is ignored too.
          if let d = r.jumpDest[c.int].value, let df = p.function(d), nameBeforeCold(p.symbolName(df)) != nil {
            markIgnored(function: df)
          }
          cur = p.next(c)
        }
        return false
      }
    }
    guard let fn = p.function(insn) else { return false }
    if r.symbolClass[fn.int].contains(.staticCallTrampoline) { return true }
    if let prev = p.previous(insn), r.deadEnd[prev.int] {
      if k == .bug { return true }
      if k == .jumpUnconditional, let d = r.jumpDest[insn.int].value, r.kind[d.int] == .bug { return true }
    }
    // KASAN/UBSAN: code leading (within the function) to a no-return sanitizer call.
    var cur = insn
    for _ in 0..<5 {
      if r.kind[cur.int] == .call, !r.callDest[cur.int].isNone {
        let name = p.symbolName(r.callDest[cur.int])
        if arch.kernel.noReturnSanitizerCalls.contains(name) { return true }
      }
      if r.kind[cur.int] == .jumpUnconditional {
        guard let d = r.jumpDest[cur.int].value, p.function(d) == fn else { break }
        cur = d
        continue
      }
      guard let n = p.next(cur), p.function(n) == fn else { break }
      cur = n
    }
    return false
  }
}
