import ELFObject
import UnwindModel

/// `unwindcheck trace`: the events one function's walk records, and how patch-site
/// streams are named in them and in conflict findings.
extension Walker {
  /// Whether a walk from `root` (as `function`) is one `trace` records.
  func isTraced(_ root: InsnRef, function fn: SymbolID?) -> Bool {
    guard let t = traceSymbol else { return false }
    if let fn, fn == p.parent[t.int] { return true }
    let sym = p.file.symbols[t.int]
    guard !p.isVirtual(root), p.sections[p.slot(root)].section == sym.section.index else { return false }
    let off = p.offset(root)
    return off >= sym.value && off < sym.value &+ max(sym.size, 1)
  }

  mutating func trace(_ kind: TraceEvent.Kind, _ insn: InsnRef, _ detail: String = "", state: CFIStateID? = nil,
                      finding: Int? = nil) {
    traceEvents.append(TraceEvent(kind: kind, section: p.sections[p.slot(insn)].section,
                                  location: p.isVirtual(insn) ? nil : p.location(insn),
                                  state: state.map(cfiText), detail: detail, finding: finding))
  }

  /// "original" or "replacement N (feature 0xF)" for an instruction of a patch site.
  func streamName(_ insn: InsnRef) -> String {
    guard let group = p.groupOf[insn.int].value else { return "code" }
    let gi = group.int
    let g = p.groups[gi]
    guard !g.original.isNone else { return "original" }
    let n = p.groups[..<gi].filter { $0.original == g.original }.count + 1
    return "replacement \(n) (feature \(arch.featureText(g.feature)))"
  }
}
