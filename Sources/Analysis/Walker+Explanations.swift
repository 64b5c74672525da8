import ELFObject
import UnwindModel

/// The evidence a finding carries beyond objtool's line (`--verbose`, JSON, SARIF): both
/// paths of a join mismatch, the state and saves of a modified frame, what led into
/// another function or left code unreachable. Computed only when a finding is made.
extension Walker {
  // MARK: - Explanations (notes and related places: `--verbose`, JSON, SARIF)

  /// Both states at a join: the one recorded by the first path and the arriving one.
  /// With the branch chains (`explainPaths`): both paths from the walk's root to the
  /// join, as the branches each took, and the point after which they part.
  mutating func explainMismatch(at insn: InsnRef, recorded: CFIStateID, arriving: CFIStateID, chain: ChainID,
                                        root: InsnRef?, function fn: SymbolID?) {
    guard let k = lastWarning else { return }
    findings[k].notes = [
      "state recorded by the first path to reach \(p.location(insn).text): \(cfiText(recorded))",
      "state of the path arriving now: \(cfiText(arriving))",
    ]
    guard options.explainPaths || options.backtrace, let root else { return }
    var second: [PathStep] = []
    var c = chain
    while !c.isNone {
      let node = backtraceNodes[c.int]
      second.append(PathStep(insn: node.insn, alternative: node.label == "(alt)"))
      c = node.parent
    }
    second.reverse()
    guard let first = firstPath(to: insn, from: root, function: fn) else { return }
    func text(_ steps: [PathStep]) -> String {
      var parts = ["\(p.location(root).text) (start)"]
      for s in steps {
        parts.append(s.alternative ? "\(p.location(s.insn).text) (into an alternative)" : "\(p.location(s.insn).text) (branch taken)")
      }
      parts.append("\(p.location(insn).text)")
      return parts.joined(separator: " -> ")
    }
    var common = 0
    while common < first.count, common < second.count, first[common] == second[common] { common += 1 }
    let from = common == 0 ? "\(p.location(root).text) (the start)" : p.location(first[common - 1].insn).text
    func decision(_ steps: [PathStep]) -> String {
      guard common < steps.count else { return "goes straight on" }
      let s = steps[common]
      return s.alternative ? "enters the alternative at \(p.location(s.insn).text)"
        : "takes the branch at \(p.location(s.insn).text) (\(r.kind[s.insn.int] == .jumpConditional ? "conditional" : "unconditional"))"
    }
    findings[k].paths = [
      FindingPath(label: "first path", start: p.location(root), turns: first.map { p.location($0.insn) }, end: p.location(insn)),
      FindingPath(label: "arriving path", start: p.location(root), turns: second.map { p.location($0.insn) }, end: p.location(insn)),
    ]
    findings[k].notes += [
      "first path:    \(text(first))",
      "arriving path: \(text(second))",
      "the paths part after \(from): the first \(decision(first)), the arriving one \(decision(second))",
    ]
    var related: [RelatedLocation] = []
    if common < first.count { related.append(RelatedLocation(label: "where the first path turns", location: p.location(first[common].insn))) }
    if common < second.count { related.append(RelatedLocation(label: "where the arriving path turns", location: p.location(second[common].insn))) }
    if common > 0 { related.append(RelatedLocation(label: "last branch both paths took", location: p.location(first[common - 1].insn))) }
    findings[k].related += related
  }

  /// One branch of a path: taken (`alternative` false) or an alternative stream entered.
  struct PathStep: Equatable {
    var insn: InsnRef
    var alternative: Bool
  }

  /// The branches of the first path from `root` to reach `target`, found by following the
  /// walk's order (alternatives last-first, a conditional branch's target before its
  /// fall-through) over control flow alone: the walk's first path to an instruction is
  /// the one that recorded its state. Nil if it is not reached that way (for example
  /// from another root). Only run for a finding.
  func firstPath(to target: InsnRef, from root: InsnRef, function fn: SymbolID?) -> [PathStep]? {
    var nodes: [(step: PathStep, parent: Int32)] = []
    var seen = Set<InsnRef>()
    var stack: [(insn: InsnRef, phase: Phase, chain: Int32)] = [(root, .start, -1)]
    func steps(_ chain: Int32) -> [PathStep] {
      var out: [PathStep] = []
      var c = chain
      while c >= 0 { out.append(nodes[Int(c)].step); c = nodes[Int(c)].parent }
      return out.reversed()
    }
    while let top = stack.popLast() {
      var insn = top.insn
      var phase = top.phase
      var chain = top.chain
      if phase == .afterDispatch {
        guard !r.deadEnd[insn.int], let n = p.nextToValidate(insn) else { continue }
        insn = n
        phase = .start
      }
      while true {
        if phase == .start {
          if let fn, let owner = p.function(insn), fn != p.parent[owner.int] { break }
          if seen.contains(insn) { break }
          seen.insert(insn)
          if insn == target { return steps(chain) }
          if insnFlags[insn.int].contains(.alternatives), let alts = r.alternatives[insn] {
            stack.append((insn, .afterAlternatives, chain))
            for a in alts {
              nodes.append((PathStep(insn: insn, alternative: true), chain))
              stack.append((a, .start, Int32(nodes.count - 1)))
            }
            break
          }
        }
        if phase == .afterAlternatives && insnFlags[insn.int].contains(.skipOriginal) { break }
        phase = .start
        var ends = false
        switch r.kind[insn.int] {
        case .ret, .jumpDynamic:
          ends = true
        case .jumpConditional, .jumpUnconditional:
          if r.isSiblingCall(p, insn) {
            ends = r.kind[insn.int] == .jumpUnconditional
          } else if let dest = r.jumpDest[insn.int].value {
            nodes.append((PathStep(insn: insn, alternative: false), chain))
            if r.kind[insn.int] == .jumpConditional {
              stack.append((insn, .afterDispatch, chain))
              stack.append((dest, .start, Int32(nodes.count - 1)))
              ends = true
            } else {
              chain = Int32(nodes.count - 1)
              insn = dest
              continue
            }
          } else {
            ends = r.kind[insn.int] == .jumpUnconditional
          }
        case .contextSwitch:
          ends = fn == nil
        default:
          break
        }
        if ends || r.deadEnd[insn.int] { break }
        guard let n = p.nextToValidate(insn) else { break }
        insn = n
      }
    }
    return nil
  }

  /// What is still on the frame at a return: the state against the entry state, and the
  /// instructions of the function that saved a register still saved there.
  mutating func explainModifiedFrame(at insn: InsnRef, _ sid: CFIStateID, function fn: SymbolID?, what: String) {
    guard let k = lastWarning else { return }
    let state = table[sid]
    let entry = arch.functionEntryCFI
    findings[k].notes = [
      "state at \(what): \(cfiText(sid))",
      "state at entry:\(String(repeating: " ", count: max(1, what.count - 4)))\(cfiText(table.intern(entry)))",
    ]
    guard let fn else { return }
    let sym = p.file.symbols[fn.int]
    guard let sec = sym.section.index, let start = p.instruction(in: sec, at: sym.value) else { return }
    for reg in arch.registers.slots where state.regs[reg] != entry.regs[reg] && state.regs[reg].base == CFIRule.cfaBase {
      // The saves of that register in the function (a push or a store of it).
      var saves: [InsnRef] = []
      var cur: InsnRef? = start
      while let c = cur, p.symbolOf[c.int] == fn || p.function(c).map({ p.parent[$0.int] }) == fn {
        if p.ops(c).contains(where: { ($0.dest == .push || $0.dest == .registerIndirect) && Int($0.sourceRegister) == reg && $0.source == .register }) {
          saves.append(c)
        }
        cur = p.next(c)
      }
      let name = arch.registers.reportName(reg)
      for s in saves.prefix(3) {
        findings[k].related.append(RelatedLocation(label: "\(name) saved here, not restored on this path", location: p.location(s)))
        findings[k].notes.append("\(name) saved at \(p.location(s).text), not restored on this path")
      }
    }
  }

  /// A call before the frame was set up: the state there and what the rule wants.
  mutating func explainMissingFrame(_ sid: CFIStateID) {
    guard let k = lastWarning else { return }
    let fp = arch.registerName(arch.framePointer)
    findings[k].notes = [
      "state at the call: \(cfiText(sid))",
      "with frame pointers a call needs the frame set up first: \(fp) saved in the frame and the CFA based on \(fp)"
        + (arch.frameRecords ? " (or \(fp) pointing at the frame record)" : ""),
    ]
  }

  /// Two streams of a patch site at one byte offset: the site, the first writer's state
  /// and the conflicting one's.
  mutating func explainSiteConflict(site: InsnRef, offset: Int, writer: InsnRef, recorded: CFIStateID, conflicting insn: InsnRef,
                                    arriving: CFIStateID) {
    guard let k = lastWarning else { return }
    func at(_ i: InsnRef) -> String { p.isVirtual(i) ? "its padding" : p.location(i).text }
    findings[k].notes = [
      "site \(p.location(site).text), offset +0x\(String(offset, radix: 16)):",
      "first recorded by \(streamName(writer)) at \(at(writer)): \(cfiText(recorded))",
      "conflicting \(streamName(insn)) at \(at(insn)): \(cfiText(arriving))",
    ]
    findings[k].related = [RelatedLocation(label: "patch site", location: p.location(site))]
      + [(writer, "first writer: \(streamName(writer))"), (insn, "conflicting: \(streamName(insn))")]
        .filter { !p.isVirtual($0.0) }.map { RelatedLocation(label: $0.1, location: p.location($0.0)) }
  }

  /// A walk that crossed into another function: by a branch into it (named), or by
  /// running off its own end.
  mutating func explainFallThrough(into insn: InsnRef, from previous: InsnRef?) {
    guard let k = lastWarning, let previous else { return }
    let kind = r.kind[previous.int]
    if (kind == .jumpConditional || kind == .jumpUnconditional) && r.jumpDest[previous.int].value == insn {
      findings[k].related = [RelatedLocation(label: "the branch into it", location: p.location(previous))]
      findings[k].notes = ["reached by the branch at \(p.location(previous).text), not by falling off the end"]
    } else {
      findings[k].related = [RelatedLocation(label: "the last instruction before it", location: p.location(previous))]
      findings[k].notes = ["its last instruction, \(p.location(previous).text), is no return, jump or call that does not return, so execution runs on into \(p.location(insn).text)"
                           + " (a missing `ret`, a call to a noreturn function the tool does not know, or code the compiler assumed unreachable)"]
    }
  }


  /// Why nothing reached it: the instruction before it ends every path through it
  /// (return, jump, noreturn call), and no branch, table or hint leads here.
  mutating func explainUnreachable(_ insn: InsnRef) {
    guard let k = lastWarning else { return }
    var notes: [String] = []
    if let prev = p.previous(insn), p.sections[p.slot(prev)].section == p.sections[p.slot(insn)].section {
      let kind = r.kind[prev.int]
      let why: String
      switch kind {
      case .ret: why = "a return"
      case .jumpUnconditional, .jumpDynamic: why = "an unconditional jump"
      case .call where r.deadEnd[prev.int]: why = "a call that does not return"
      default: why = r.deadEnd[prev.int] ? "a dead end" : marks.visited[prev.int] ? "code that does not fall through" : "code no walk reached either"
      }
      notes.append("the instruction before it, \(p.location(prev).text), is \(why); no branch, jump table, alternative or unwind hint leads here")
      findings[k].related.append(RelatedLocation(label: "the instruction before it", location: p.location(prev)))
    }
    findings[k].notes = notes
  }
}
