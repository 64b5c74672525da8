import ELFObject
import UnwindModel

/// The checks behind Kbuild's other objtool flags that run after the walk or beside it:
/// `--unret`'s walk from each VALIDATE_UNRET_BEGIN, `--ibt`'s ENDBR rules, `--retpoline`
/// / `--rethunk` and `--sls` (objtool validate_unrets, validate_ibt, validate_retpoline,
/// validate_sls). The uaccess, direction-flag and noinstr rules are part of the walk.
extension Walker {
  // MARK: - Return-thunk entry (`--unret`)

  /// objtool `validate_unrets`: from each VALIDATE_UNRET_BEGIN, every path must reach
  /// the untraining (VALIDATE_UNRET_END: a retpoline-safe NOP) before a return or an
  /// indirect branch. Alternatives are followed (replacements first), jumps and calls
  /// into their targets (a call that comes back without finding is a success: its path
  /// ends there). One mark per instruction across all roots (VISITED_UNRET). A path
  /// that cannot be followed stops everything (objtool's "Failed UNRET validation").
  mutating func validateUnrets() -> (warnings: Int, stop: Bool) {
    var visited = [Bool](repeating: false, count: p.count)
    var warnings = 0
    enum Step { case start, afterAlternatives, afterBranch }
    rootLoop: for root in r.unretRoots {
      var stack: [(InsnRef, Step)] = [(root, .start)]
      pathLoop: while let (first, step) = stack.popLast() {
        var insn = first
        var phase = step
        if phase == .afterBranch {
          guard !r.deadEnd[insn.int] else { continue pathLoop }
          guard let n = p.nextToValidate(insn) else { return unretFailed(root, at: insn, Message(.unretEnd)) }
          insn = n
          phase = .start
        }
        while true {
          if phase == .start {
            if visited[insn.int] { continue pathLoop }
            visited[insn.int] = true
            if insnFlags[insn.int].contains(.alternatives), let alts = r.alternatives[insn] {
              stack.append((insn, .afterAlternatives))
              // (Popped last first: objtool's list order, as the main walk.)
              for a in alts { stack.append((a, .start)) }
              continue pathLoop
            }
          }
          if phase == .afterAlternatives && insnFlags[insn.int].contains(.skipOriginal) { continue pathLoop }
          phase = .start
          let k = r.kind[insn.int]
          switch k {
          case .callDynamic, .jumpDynamic, .jumpDynamicConditional:
            warn(insn, Message(.earlyIndirectCall))
            warnings += 1
            continue rootLoop
          case .jumpUnconditional, .jumpConditional, .call:
            if k != .call && !r.isSiblingCall(p, insn) {
              guard let dest = r.jumpDest[insn.int].value else {
                warn(insn, Message(.unretJumpUnresolved))
                return unretFailed(root)
              }
              if k == .jumpConditional {
                stack.append((insn, .afterBranch))
                stack.append((dest, .start))
                continue pathLoop
              }
              insn = dest
              continue
            }
            // A call (or sibling call): into the callee; its path ends there.
            let callee = r.callDest[insn.int].value
            guard let callee, let sec = p.file.symbols[callee.int].section.index,
                  let dest = p.instruction(in: sec, at: p.file.symbols[callee.int].value) else {
              findings.append(Finding(scope: Message(.unretFunctionUnresolved, .function(callee.map(p.symbolName) ?? ""))))
              return unretFailed(root)
            }
            insn = dest
            continue
          case .ret:
            warn(insn, Message(.returnBeforeUntrain))
            warnings += 1
            continue rootLoop
          case .contextSwitch:
            if p.function(insn) == nil { continue pathLoop }
          case .nop:
            if r.retpolineSafe.contains(insn) { continue pathLoop }
          default:
            break
          }
          if r.deadEnd[insn.int] { continue pathLoop }
          guard let n = p.nextToValidate(insn) else { return unretFailed(root, at: insn, Message(.unretEnd)) }
          insn = n
        }
      }
    }
    return (warnings, false)
  }

  /// A failed UNRET walk: the reason (at `insn`), then objtool's line at the root.
  mutating func unretFailed(_ root: InsnRef, at insn: InsnRef? = nil, _ message: Message? = nil)
    -> (warnings: Int, stop: Bool) {
    if let insn, let message { warn(insn, message) }
    warn(root, Message(.unretFailed))
    return (0, true)
  }

  // MARK: - Indirect branch tracking

  /// objtool `validate_ibt` and the warning of `create_ibt_endbr_seal_sections`: code
  /// and data references to code that is no ENDBR; a module's init/cleanup function
  /// whose ENDBR would be sealed.
  mutating func validateIBT() -> Int {
    guard let relocations else { return 0 }
    ibt = IBTSeal.analyse(p, r, relocations: relocations, pcRelativeTypes: arch.pcRelativeRelocations,
                          branchBias: arch.branchAddendBias, workers: p.count >= options.parallelWalkMinimum ? options.walkThreads : 1,
                          ownsNoInstructions: { [arch] in $0.binding == .global && arch.isEmbeddedInstruction($0.name) })
    for (insn, dest) in ibt.code {
      warn(insn, Message(.relocationToNonEndbr, .location(p.location(dest))))
    }
    for (section, offset, dest) in ibt.data {
      findings.append(Finding(at: dataLocation(section, offset), Message(.dataRelocationToNonEndbr, .location(p.location(dest)))))
    }
    var warnings = ibt.code.count + ibt.data.count
    if options.module {
      for insn in ibt.sealable {
        guard let s = p.symbolOf[insn.int].value else { continue }
        let sym = p.file.symbols[s.int]
        if sym.isFunction && sym.value == p.offset(insn) && arch.kernel.moduleEntryPoints.contains(sym.name) {
          findings.append(Finding(scope: Message(.moduleEntryNotIndirectTarget, .function(sym.name))))
          warnings += 1
        }
      }
    }
    return warnings
  }

  /// objtool `offstr` for a place in data: the containing symbol (lowest start, then
  /// symbol-table order), else the section; data has no function.
  func dataLocation(_ section: SectionIndex, _ offset: UInt64) -> CodeLocation {
    var place = p.objtoolPlace(section, offset)
    place.function = nil
    return place
  }

  // MARK: - Mitigations

  /// objtool `validate_retpoline` (`--retpoline`, with `--rethunk` also returns): an
  /// indirect call or jump, or a bare `ret`, that is not a retpoline or return thunk
  /// and not annotated safe; built-in init code needs no mitigation.
  mutating func validateRetpoline() -> Int {
    var count = 0
    for i in 0..<p.realCount {
      let insn = InsnRef(i)
      let k = r.kind[i]
      guard k == .jumpDynamic || k == .callDynamic || k == .ret, !r.retpolineSafe.contains(insn),
            !r.isInitCode(p, insn) else { continue }
      if k == .ret {
        guard options.rethunkCheck else { continue }
        warn(insn, Message(.nakedReturn))
      } else {
        warn(insn, Message(.indirectBranchInRetpolineBuild, .name(k == .jumpDynamic ? "jump" : "call")))
      }
      count += 1
    }
    return count
  }

  /// objtool `validate_sls` (`--sls`): every `ret` and indirect jump not annotated safe
  /// is followed, in its section, by a trap (`int3`) that stops straight-line speculation.
  mutating func validateSLS() -> Int {
    var count = 0
    for i in 0..<p.realCount {
      let insn = InsnRef(i)
      let k = r.kind[i]
      guard k == .ret || k == .jumpDynamic, !r.retpolineSafe.contains(insn) else { continue }
      if let n = p.next(insn), r.kind[n.int] == .trap { continue }
      warn(insn, Message(k == .ret ? .missingInt3AfterReturn : .missingInt3AfterIndirectJump))
      count += 1
    }
    return count
  }
}
