import ELFObject
import UnwindModel

/// The walk (objtool `validate_branch`): from one root, every path of control flow,
/// depth first, with an explicit stack of pending paths instead of recursion.
///
/// One `Path` carries where a path is and what it carries (`PathState`: the interned CFI
/// state and the uaccess, direction-flag and noinstr flags). Each instruction passes
/// through three stages, each a small function returning a `Step`:
/// - `enter`: the function boundary, the join with an earlier path (`joinMismatch`),
///   an unwind hint (`applyHint`), the instruction's marks and its patch-site slot
///   (`recordSiteSlot`), the alternative streams (`forkAlternatives`);
/// - `applyOps`: the stack operations, through the transition memo;
/// - `dispatch`: the instruction kind's rules (`returnViolation`, `callViolation`,
///   `directJump`, `indirectJump`, `flagChange`).
/// A rule that fails returns a `Violation`; `report` turns it into the finding (with
/// its explanation and backtrace) and ends the walk: objtool's "return 1" propagates
/// to the root, which decides which instructions get CFI and therefore what ORC says.
extension Walker {
  /// Where a pending path resumes.
  enum Phase {
    /// At the top of the per-instruction procedure.
    case start
    /// The instruction is recorded and its alternatives were walked: apply its ops.
    case afterAlternatives
    /// After the dispatch of a conditional jump whose target was walked.
    case afterDispatch
  }

  /// What one path of the walk carries, separate from where it is: the CFI state
  /// (interned: the 4-byte id, never the ~300-byte state) and, apart from it, the
  /// per-path flags objtool keeps in its `insn_state` beside the CFI (the uaccess and
  /// direction-flag tracking of `--uaccess` join them here, not the CFI state).
  struct PathState: Equatable {
    var cfi: CFIStateID
    /// `--uaccess`: user access is enabled (after STAC, before CLAC).
    var uaccess = false
    /// `--uaccess`: PUSHF/POPF inside patch sites save and restore the uaccess flag
    /// (objtool's `uaccess_stack`: a 1 guard bit above the saved flags).
    var uaccessStack: UInt32 = 0
    /// The direction flag is set (after STD, before CLD); tracked under any walk.
    var df = false
    /// `--noinstr`: the root is in a noinstr section, and the instrumentation count
    /// (instrumentation_begin() +1, _end() -1; objtool's s8).
    var noinstr = false
    var instr: Int8 = 0
  }

  /// A path waiting to be walked.
  struct Pending {
    var insn: InsnRef
    var state: PathState
    var phase: Phase
    /// The branch chain that led here, for --backtrace and the explanations.
    var chain: ChainID = .none
  }

  /// The path under way.
  struct Path {
    var insn: InsnRef
    var state: PathState
    /// The previous instruction of this straight-line run (objtool `prev_insn`).
    var previous: InsnRef?
    var chain: ChainID

    mutating func advance(to next: InsnRef) {
      previous = insn
      insn = next
    }
  }

  /// What holds for the whole walk from one root.
  struct Root {
    let insn: InsnRef
    /// The function walked (its instructions' territory), nil for code of none.
    let function: SymbolID?
    /// Walked from an unwind hint, not a symbol's entry.
    let fromHint: Bool

    /// objtool's backtrace label of the root. (A flag, not the string, is carried: the
    /// root goes to every stage of every instruction.)
    var label: String { fromHint ? "<=== (hint)" : "<=== (sym)" }
  }

  /// What an instruction's stage decides.
  enum Step {
    /// On to the instruction's next stage (or the next instruction).
    case proceed
    /// This path ends; pending paths go on.
    case endPath
    /// The straight line goes on at a jump's target.
    case jump(to: InsnRef)
    /// A rule failed: the walk ends with this finding.
    case fail(Violation)
    /// A speculative walk left its function: undone, walked again in order.
    case abandon
  }

  /// How a path ended.
  enum PathEnd {
    case ended
    case failed(Violation, ChainID)
    case abandoned
  }

  /// Walks one root; returns 1 if a finding stopped it. The pending-path stack is reused
  /// across roots.
  mutating func walk(from start: InsnRef, function fn: SymbolID?, initial: CFIStateID, uaccess: Bool = false,
                     noinstr: Bool = false, fromHint: Bool = false) -> Int {
    let root = Root(insn: start, function: fn, fromHint: fromHint)
    backtraceNodes.removeAll(keepingCapacity: true)
    var stack: [Pending] = []
    swap(&stack, &pendingPaths)  // unique, so no copy on the appends below
    stack.removeAll(keepingCapacity: true)
    stack.append(Pending(insn: start, state: PathState(cfi: initial, uaccess: uaccess, noinstr: noinstr), phase: .start))
    defer { pendingPaths = stack }
    tracingNow = traceSymbol != nil && isTraced(start, function: fn)
    defer { tracingNow = false }
    if tracingNow { trace(.start, start, fromHint ? "walk from an unwind hint" : "walk from the entry", state: initial) }
    while let pending = stack.popLast() {
      switch follow(pending, root, &stack) {
      case .ended: continue
      case .abandoned: return 0
      case .failed(let violation, let chain): return report(violation, chain: chain, root: root)
      }
    }
    return 0
  }

  /// Follows one path, instruction by instruction, until it ends.
  mutating func follow(_ pending: Pending, _ root: Root, _ stack: inout [Pending]) -> PathEnd {
    var path = Path(insn: pending.insn, state: pending.state, previous: pending.phase == .start ? nil : pending.insn,
                    chain: pending.chain)
    var phase = pending.phase
    if tracingNow && phase != .start {
      trace(phase == .afterDispatch ? .fallThrough : .original, path.insn,
            phase == .afterDispatch ? "back at the branch: its fall-through" : "back at the patch site: the original stream",
            state: path.state.cfi)
    }
    if phase == .afterDispatch {
      if r.deadEnd[path.insn.int] { return .ended }
      guard let n = p.nextToValidate(path.insn) else { return endOfSection(path) }
      path.advance(to: n)
      phase = .start
    }
    while true {
      if phase == .start {
        switch enter(&path, root, &stack) {
        case .proceed: break
        case .endPath: return .ended
        case .jump: preconditionFailure("enter never jumps")
        case .fail(let v): return .failed(v, path.chain)
        case .abandon: return .abandoned
        }
      } else if phase == .afterAlternatives && insnFlags[path.insn.int].contains(.skipOriginal) {
        return .ended
      }
      phase = .start
      let next = p.nextToValidate(path.insn)
      if let v = applyOps(&path, next: next) { return .failed(v, path.chain) }
      if tracingNow { trace(.step, path.insn, "", state: path.state.cfi) }
      switch dispatch(&path, next: next, root, &stack) {
      case .proceed: break
      case .endPath: return .ended
      case .jump(let dest):
        path.chain = extend(path.chain, path.insn, "(branch)")
        path.advance(to: dest)
        continue
      case .fail(let v): return .failed(v, path.chain)
      case .abandon: return .abandoned
      }
      if r.deadEnd[path.insn.int] {
        if tracingNow {
          trace(.end, path.insn, r.kind[path.insn.int] == .call ? "call to a function that does not return: this path ends" : "dead end: this path ends")
        }
        return .ended
      }
      guard let n = next else { return endOfSection(path) }
      path.advance(to: n)
    }
  }

  /// A path ran off the end of its section: fine where the state is undefined (the
  /// code after is unreachable by design) or unreachable code is not checked.
  mutating func endOfSection(_ path: Path) -> PathEnd {
    if isCFAUndefined(path.state.cfi) || ignoresUnreachable { return .ended }
    let name = p.sectionName(path.insn)
    return .failed(Violation(path.insn, Message(.unexpectedEndOfSection, .name(name)), plainIn: name), path.chain)
  }

  // MARK: - Entering an instruction

  /// The first stage: is the instruction the walk's to take, was it reached before (a
  /// join), does a hint replace the state; then its marks, its patch-site slot, and the
  /// alternative streams, walked before the instruction's own ops.
  @inline(__always)
  mutating func enter(_ path: inout Path, _ root: Root, _ stack: inout [Pending]) -> Step {
    let insn = path.insn
    // Straight-line code must not run into another function.
    if let fn = root.function, let owner = p.function(insn), fn != p.parent[owner.int] {
      let name = p.symbolName(fn)
      if arch.kernel.paddingPrefixes.contains(where: name.hasPrefix) || ignoresUnreachable { return .endPath }
      return .fail(Violation(insn, Message(.fallsThrough, .function(name), .function(p.symbolName(owner))),
                             plainIn: nil, explanation: .fallThrough(from: path.previous)))
    }
    if speculative && p.function(insn) == nil {
      // Code of no function may be walked from several functions: the sequential pass
      // walks this root, in order.
      leftFunction = true
      return .abandon
    }
    // (The hint itself is fetched only at hint instructions: it holds a whole CFIState,
    // and materialising it at every step costs a 300-byte copy.)
    let atHint = isHint(insn)
    if marks.visited[insn.int] {
      if !atHint, let v = joinMismatch(insn, arriving: path.state.cfi) { return .fail(v) }
      // With --uaccess an instruction is walked once per uaccess state (objtool's
      // VISITED_BRANCH << uaccess): a second walk with the flag set goes on.
      if !options.uaccess || marks.uaccessVisits[insn.int] & (path.state.uaccess ? 2 : 1) != 0 {
        if tracingNow { trace(.joined, insn, "already walked with a matching state: this path ends", state: path.state.cfi) }
        return .endPath
      }
    }
    if path.state.noinstr && insnFlags[insn.int].contains(.instrumentation) {
      path.state.instr &+= r.instrumentation[insn] ?? 0
    }
    if atHint {
      let step = applyHint(&path, root)
      guard case .proceed = step else { return step }
    }
    mark(insn, path.state)
    if let v = recordSiteSlot(insn, path.state.cfi) { return .fail(v) }
    if insnFlags[insn.int].contains(.alternatives), let alts = r.alternatives[insn] {
      forkAlternatives(path, alts, &stack)
      return .endPath
    }
    return .proceed
  }

  /// A hint replaces the walked state (a RESTORE: with the state at the function's
  /// nearest SAVE mark before it).
  mutating func applyHint(_ path: inout Path, _ root: Root) -> Step {
    let insn = path.insn
    guard let hint = hints.hints[insn] else { return .proceed }
    switch hint {
    case .state(let s):
      path.state.cfi = table.intern(s)
    case .forceUndefined:
      path.state.cfi = table.intern(UnwindHints.forceUndefinedState)
    case .restore:
      guard let save = saveInstruction(before: insn, function: root.function) else {
        return .fail(Violation(insn, Message(.restoreWithoutSave)))
      }
      if speculative && territory(save) != root.function {
        // Another function's mark decides here: leave it to the sequential pass.
        leftFunction = true
        return .abandon
      }
      guard marks.visited[save.int] else {
        // Reached by a branch before the straight-line path got to the SAVE: leave it
        // to that path.
        if path.previous == nil { return .endPath }
        return .fail(Violation(insn, Message(.saveRestoreCombo)))
      }
      path.state.cfi = marks[state: save]
    case .save:
      return .proceed  // (a SAVE mark changes nothing)
    }
    if tracingNow { trace(.hint, insn, "an unwind hint sets the state here", state: path.state.cfi) }
    return .proceed
  }

  /// Records that the walk reached `insn` with `state`.
  @inline(__always)
  mutating func mark(_ insn: InsnRef, _ state: PathState) {
    marks[state: insn] = state.cfi
    marks.visited[insn.int] = true
    if options.uaccess { marks.uaccessVisits[insn.int] |= state.uaccess ? 2 : 1 }
    if speculative { marked.append(insn) }
  }

  /// Patch sites: every stream writes its state into the site's shared byte-offset
  /// table; the first writer wins, a different whole state at the same offset is a
  /// conflict.
  mutating func recordSiteSlot(_ insn: InsnRef, _ state: CFIStateID) -> Violation? {
    guard let off = p.groupOffset(insn) else { return nil }
    let g = p.groups[p.groupOf[insn.int].int]
    let slot = marks.siteBase[Int(g.table)] + off
    let recorded = CFIStateID(rawValue: marks.siteSlots[slot])
    if recorded.isNone {
      marks.siteSlots[slot] = state.rawValue
      marks.siteWriters[slot] = insn.raw
      if speculative { markedSlots.append(slot) }
      return nil
    }
    guard recorded != state else { return nil }
    let site = g.original.isNone ? g.first : p.groups[g.original.int].first
    let conflict = Explanation.siteConflict(site: site, offset: off, writer: InsnRef(Int(marks.siteWriters[slot])),
                                            recorded: recorded, conflicting: insn, arriving: state)
    if options.conflictAtInstruction {
      return Violation(insn, Message(.alternativeConflict), explanation: conflict)
    }
    return Violation(site, Message(.alternativeConflictAt, .location(p.location(insn))),
                     explanation: conflict)
  }

  /// Alternative successors first, each with the state before this instruction; the
  /// original stream resumes after them.
  mutating func forkAlternatives(_ path: Path, _ alts: [InsnRef], _ stack: inout [Pending]) {
    let insn = path.insn
    stack.append(Pending(insn: insn, state: path.state, phase: .afterAlternatives, chain: path.chain))
    let altChain = extend(path.chain, insn, "(alt)")
    if tracingNow {
      let what = r.jumpTable.contains(insn) || r.kind[insn.int] == .jumpDynamic ? "jump table" : "patch site"
      trace(.streams, insn, "\(what): \(alts.count) other stream\(alts.count == 1 ? "" : "s") walked first, from "
            + alts.reversed().map { p.isVirtual($0) ? "(padding)" : p.location($0).text }.joined(separator: ", "),
            state: path.state.cfi)
    }
    for a in alts { stack.append(Pending(insn: a, state: path.state, phase: .start, chain: altChain)) }
  }

  // MARK: - Stack operations

  /// The instruction's stack operations applied to the path's CFI state.
  @inline(__always)
  mutating func applyOps(_ path: inout Path, next: InsnRef?) -> Violation? {
    let insn = path.insn
    guard !r.dropOps[insn.int] else { return nil }
    let ops = p.ops(insn)
    guard !ops.isEmpty else { return nil }
    // (inside a function: bit 0; the next instruction has a hint: bit 1; computed at the
    // first op that is not an inert register move.)
    var context: UInt8 = .max
    for op in ops {
      if isInertMove(op, path.state.cfi) { continue }
      if context == .max { context = (p.function(insn) != nil ? 1 : 0) | ((next.map(isHint) ?? false) ? 2 : 0) }
      // Applying an op to an interned state is a pure function of (state, op, context):
      // computed once, then one table lookup.
      if let to = transitions.lookup(path.state.cfi, op, context) {
        path.state.cfi = to
        continue
      }
      var state = table[path.state.cfi]
      if case .stop(let kind) = interpreter.apply(op, to: &state, insideFunction: context & 1 != 0,
                                                               nextIsHint: context & 2 != 0) {
        return Violation(insn, Message(kind))
      }
      let to = table.intern(state)
      transitions.insert(path.state.cfi, op, context, to: to)
      path.state.cfi = to
    }
    // PUSHF/POPF in patch sites carry the uaccess flag (objtool handle_insn_ops; after
    // the CFI ops, as objtool applies each op's CFI change first).
    if options.uaccess && !p.groupOf[insn.int].isNone { return applyFlagsStack(ops, insn, &path.state) }
    return nil
  }

  /// `--uaccess`: a PUSHF in a patch site pushes the uaccess flag, a POPF pops it.
  func applyFlagsStack(_ ops: ArraySlice<StackOp>, _ insn: InsnRef, _ state: inout PathState) -> Violation? {
    for op in ops {
      if op.dest == .pushf {
        if state.uaccessStack == 0 {
          state.uaccessStack = 1
        } else if state.uaccessStack >> 31 != 0 {
          return Violation(insn, Message(.pushfStackExhausted))
        }
        state.uaccessStack = state.uaccessStack << 1 | (state.uaccess ? 1 : 0)
      }
      if op.source == .popf && state.uaccessStack != 0 {
        state.uaccess = state.uaccessStack & 1 != 0
        state.uaccessStack >>= 1
        if state.uaccessStack == 1 { state.uaccessStack = 0 }
      }
    }
    return nil
  }

  // MARK: - The instruction kind's rules

  /// The last stage: what the instruction's kind means for the path.
  @inline(__always)
  mutating func dispatch(_ path: inout Path, next: InsnRef?, _ root: Root, _ stack: inout [Pending]) -> Step {
    let insn = path.insn
    let fn = root.function
    switch r.kind[insn.int] {
    case .ret:
      if let v = returnViolation(insn, path.state, function: fn) { return .fail(v) }
      if tracingNow { trace(.end, insn, "return: this path ends") }
      return .endPath
    case .call, .callDynamic:
      if let v = callViolation(insn, path.state) { return .fail(v) }
      if options.framePointerRules && fn != nil && !isSpecialCall(insn) && !isValidFrame(path.state.cfi) {
        return .fail(Violation(insn, Message(.callWithoutFramePointer),
                               explanation: .callWithoutFramePointer(path.state.cfi)))
      }
    case .jumpConditional, .jumpUnconditional:
      return directJump(path, stack: &stack)
    case .jumpDynamic, .jumpDynamicConditional:
      return indirectJump(path)
    case .contextSwitch:
      // Outside a function the path ends here; inside one only an unwind hint on the
      // next instruction makes it acceptable, and the walk goes on there.
      guard fn != nil else { return .endPath }
      if !(next.map(isHint) ?? false) {
        return .fail(Violation(insn, Message(.unsupportedInstruction)))
      }
    case .stac, .clac, .std, .cld:
      if let v = flagChange(insn, &path.state, function: fn) { return .fail(v) }
    default:
      break
    }
    return .proceed
  }

  /// objtool's checks at a return: instrumentation, uaccess, DF, the frame.
  mutating func returnViolation(_ insn: InsnRef, _ state: PathState, function fn: SymbolID?) -> Violation? {
    if state.noinstr && state.instr > 0 {
      return Violation(insn, Message(.returnWithInstrumentation))
    }
    if state.uaccess && !isUaccessSafe(fn) {
      return Violation(insn, Message(.returnWithUaccessEnabled))
    }
    if !state.uaccess && isUaccessSafe(fn) {
      return Violation(insn, Message(.returnWithUaccessDisabled))
    }
    if state.df { return Violation(insn, Message(.returnWithDirectionFlag)) }
    if fn != nil && isModifiedFrame(state.cfi) {
      return Violation(insn, Message(.returnWithModifiedFrame),
                       explanation: .modifiedFrame(state.cfi, what: "the return"))
    }
    if isBPScratch(state.cfi) { return Violation(insn, Message(.framePointerScratch)) }
    return nil
  }

  /// A sibling call (a jump out of the function) leaves as a return does, and is a call.
  mutating func siblingCallViolation(_ insn: InsnRef, _ state: PathState) -> Violation? {
    if p.function(insn) != nil && isModifiedFrame(state.cfi) {
      return Violation(insn, Message(.siblingCallWithModifiedFrame),
                       explanation: .modifiedFrame(state.cfi, what: "the sibling call"))
    }
    return callViolation(insn, state)
  }

  /// A direct jump: a sibling call, a branch within the object's code (a conditional
  /// one walks its target first and comes back for the fall-through), or out of it.
  mutating func directJump(_ path: Path, stack: inout [Pending]) -> Step {
    let insn = path.insn
    let conditional = r.kind[insn.int] == .jumpConditional
    if r.isSiblingCall(p, insn) {
      if let v = siblingCallViolation(insn, path.state) { return .fail(v) }
      if tracingNow { trace(.end, insn, "sibling call to \(callDestName(insn))()" + (conditional ? ": if not taken, on" : ": this path ends")) }
      return conditional ? .proceed : .endPath
    }
    guard let dest = r.jumpDest[insn.int].value else {
      if !conditional && tracingNow { trace(.end, insn, "jump out of the object's code: this path ends") }
      return conditional ? .proceed : .endPath
    }
    if tracingNow {
      trace(conditional ? .branch : .jump, insn,
            conditional ? "conditional: to \(p.location(dest).text) first, the fall-through later" : "to \(p.location(dest).text)")
    }
    guard conditional else { return .jump(to: dest) }
    stack.append(Pending(insn: insn, state: path.state, phase: .afterDispatch, chain: path.chain))
    stack.append(Pending(insn: dest, state: path.state, phase: .start, chain: extend(path.chain, insn, "(branch)")))
    return .endPath
  }

  /// An indirect jump: a sibling call is checked as one; an unconditional one ends the
  /// path (its targets, a jump table's, are alternatives of it).
  mutating func indirectJump(_ path: Path) -> Step {
    let insn = path.insn
    let sibling = r.isSiblingCall(p, insn)
    if sibling, let v = siblingCallViolation(insn, path.state) { return .fail(v) }
    guard r.kind[insn.int] == .jumpDynamic else { return .proceed }
    if tracingNow { trace(.end, insn, sibling ? "indirect sibling call: this path ends" : "indirect jump: this path ends") }
    return .endPath
  }

  /// STAC/CLAC (`--uaccess`) and STD/CLD change the path's flags.
  func flagChange(_ insn: InsnRef, _ state: inout PathState, function fn: SymbolID?) -> Violation? {
    switch r.kind[insn.int] {
    case .stac:
      guard options.uaccess else { return nil }
      if state.uaccess { return Violation(insn, Message(.recursiveUaccessEnable)) }
      state.uaccess = true
    case .clac:
      guard options.uaccess else { return nil }
      if !state.uaccess && fn != nil { return Violation(insn, Message(.redundantUaccessDisable)) }
      if isUaccessSafe(fn) && state.uaccessStack == 0 {
        return Violation(insn, Message(.uaccessSafeDisablesUaccess))
      }
      state.uaccess = false
    case .std:
      if state.df { return Violation(insn, Message(.recursiveSTD)) }
      state.df = true
    case .cld:
      if !state.df && fn != nil { return Violation(insn, Message(.redundantCLD)) }
      state.df = false
    default:
      break
    }
    return nil
  }

  /// The nearest SAVE mark before `insn` inside the walked function's symbol (objtool
  /// `sym_for_each_insn_continue_reverse`).
  func saveInstruction(before insn: InsnRef, function fn: SymbolID?) -> InsnRef? {
    guard let fn else { return nil }
    let sym = p.file.symbols[fn.int]
    var i = p.previous(insn)
    while let cur = i, p.sections[p.slot(cur)].section == sym.section.index, p.offset(cur) >= sym.value {
      if case .save = hints.hints[cur] { return cur }
      i = p.previous(cur)
    }
    return nil
  }
}
