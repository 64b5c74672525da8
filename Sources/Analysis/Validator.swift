import ELFObject
import WorkPool
import UnwindModel

/// objtool's stack validation (`validate_functions` + the unreachable pass) over one
/// object: every function is walked from its entry state, depth first, with an explicit
/// stack of pending paths instead of recursion. A finding ends the walk of its
/// function (objtool's "return 1" propagates to the root), which decides which
/// instructions get CFI and therefore what ORC says.
public struct Validator {
  let p: Program
  let r: Resolution
  let arch: ArchitectureDescription
  let options: AnalysisOptions
  let interpreter: CFIInterpreter
  let hints: UnwindHints
  /// The object's relocations by section, sorted, kept for `.ibt_endbr_seal` only (the
  /// scan after the walk); otherwise released with the resolution's other inputs.
  let relocations: RelocationIndexCache?

  var table = CFIStateTable()
  /// What the walk marks per instruction, symbol and site slot, in memory every copy of
  /// this validator shares (the parallel walk's threads write disjoint entries).
  let marks: WalkMarks
  var findings: [Finding] = []
  var transitions = TransitionMemo()

  /// Per instruction, what the walk would otherwise look up in a table at every step:
  /// bit 0 alternatives to follow, 1 an unwind hint (not a SAVE mark), 2 the original
  /// stream is not followed after the alternatives.
  let insnFlags: [UInt8]
  /// `--uaccess`: per symbol, on objtool's uaccess-safe list (empty without it).
  let uaccessSafe: [Bool]
  static let flagAlternatives: UInt8 = 1, flagHint: UInt8 = 2, flagSkipOriginal: UInt8 = 4, flagInstrumentation: UInt8 = 8
  /// `--noinstr`: the paravirt tables (nil without `pv_ops`).
  let paravirt: Paravirt?

  static let noState = UInt32.max

  /// `--ibt`: what `validate_ibt` found (the seal list is written to `.ibt_endbr_seal`).
  var ibt = IBTSeal.Analysis()

  /// `trace`: the symbol whose walks are recorded (a function: every walk of it and its
  /// cold parts; any other symbol: the walks starting inside it), the events, and
  /// whether the walk under way is recorded.
  let traceSymbol: SymbolID?
  var traceEvents: [TraceEvent] = []
  var tracingNow = false

  /// A speculative walk (a parallel thread's) stops instead of entering code outside
  /// its function (`leftFunction` set), and records what it marked so it can be undone.
  var speculative = false
  var leftFunction = false
  var marked: [InsnRef] = []
  var markedSlots: [Int] = []
  // The unreachable pass (Validator+Reachability.swift):
  /// Instructions found ignorable during the unreachable pass (`.cold` parts of dead
  /// weak-function code), objtool's late `insn->ignore`.
  var lateIgnored: Set<InsnRef> = []
  /// Per text section: replacement or aux code (never reported unreachable).
  var patchSections: [Bool] = []
  var holes: SymbolHoles?

  public init(file: ELFFile, texts: consuming [(SectionIndex, DecodedText)], arch: ArchitectureDescription, options: AnalysisOptions) {
    // (Only bytes in the file count: a section without them may claim any size.)
    let alternativeEntries = file.sections.filter { $0.name == ".altinstructions" && $0.hasFileBytes }
      .reduce(0) { $0 + Int($1.size) / max(arch.alternativeLayout.entrySize, 1) }
    var program = Program(file: file, texts: texts, virtualRoom: alternativeEntries,
                          workers: options.walkThreads,
                          ownsNoInstructions: { $0.binding == .global && arch.isEmbeddedInstruction($0.name) })
    program.tablePerEntry = options.tablePerEntry
    PhaseTimes.mark("resolve: program")
    let relocations = RelocationIndexCache(file: file)
    // Kept for the checks after the walk, which look up relocations in code only (data
    // sections' come from the file).
    self.relocations = options.ibt || options.noinstr ? relocations.restricted(to: program.sections.map(\.section)) : nil
    var special = SpecialSections(file: file, relocations: relocations)
    special.strictRelocationTypes = options.badEntriesAreFindings
    PhaseTimes.mark("resolve: relocations")
    let layout = arch.alternativeLayout.forUaccess(options.uaccess)
    // objtool reads `.altinstructions` only for a walk (--orc, --stackval, --uaccess) or
    // --noinstr: with --unret alone its UNRET walk follows no alternative.
    let sites = program.buildAlternativeGroups(options.walk || options.noinstr ? special.alternativeEntries(layout: layout) : [],
                                               layout: layout)
    PhaseTimes.mark("resolve: alternatives")
    // A final module (modpost's .gnu.linkonce.this_module) without any .discard.*
    // section lost its objtool annotations to module.lds: re-derive what we can.
    let recover = file.isFinalModule && !file.sections.contains { $0.name.hasPrefix(".discard.") }
    r = Resolution(program: &program, special: special, relocations: relocations, arch: arch, sites: sites, recoverFinalModule: recover,
                   readAnnotateInsn: options.annotateInstructions, ibt: options.ibt,
                   relativeJumpTables: options.relativeJumpTables, noUnreachable: options.skipUnreachable,
                   module: options.module, mcount: options.mcount, jumpLabelHack: options.jumpLabelHack,
                   noinstrHack: options.noinstrHack, badEntriesAreFindings: options.badEntriesAreFindings,
                   workers: options.walkThreads,
                   parallelMinimum: options.parallelWalkMinimum)
    p = program
    PhaseTimes.mark("resolve: destinations")
    marks = WalkMarks(instructions: program.count, symbols: file.symbols.count, siteTables: program.siteTableLengths,
                      uaccess: options.uaccess)
    let (kinds, noEndbr) = (r.kind, r.noEndbr)
    hints = UnwindHints(program, special, arch: arch, kernel61: options.hintNumbering61, ibt: options.ibt,
                        badEntriesAreFindings: options.badEntriesAreFindings,
                        isEndbrOrNoEndbr: { kinds[$0.int] == .endbr || noEndbr.contains($0) })
    var flags = [UInt8](repeating: 0, count: program.count)
    for (insn, _) in r.alternatives where !r.ignoreAlternatives.contains(insn) { flags[insn.int] |= Self.flagAlternatives }
    for (insn, kind) in hints.hints {
      if case .save = kind { continue }
      flags[insn.int] |= Self.flagHint
    }
    for insn in r.skipOriginal { flags[insn.int] |= Self.flagSkipOriginal }
    for insn in r.instrumentation.keys { flags[insn.int] |= Self.flagInstrumentation }
    paravirt = options.noinstr ? Paravirt(program, relocations: relocations, kinds: r.kind, conventions: arch.kernel) : nil
    insnFlags = flags
    var safe: [Bool] = []
    if options.uaccess {
      // objtool marks the symbol find_symbol_by_name returns: the last of that name.
      safe = [Bool](repeating: false, count: file.symbols.count)
      var last: [String: Int] = [:]
      for sym in file.symbols where arch.kernel.uaccessSafeFunctions.contains(sym.name) { last[sym.name] = Int(sym.index.rawValue) }
      for i in last.values { safe[i] = true }
    }
    uaccessSafe = safe
    self.arch = arch
    self.options = options
    traceSymbol = options.traceSymbol.map { SymbolID($0) }
    interpreter = CFIInterpreter(arch: arch, framePointerRules: options.framePointerRules)
    // About one distinct transition per 30 instructions in a kernel: no rehashing.
    transitions = TransitionMemo(capacity: program.count / 32)
  }

  /// Runs the whole validation and returns findings plus per-instruction CFI.
  public mutating func run() -> ValidationResult {
    findings.append(contentsOf: r.warnings)
    findings.append(contentsOf: r.fatal)
    findings.append(contentsOf: hints.findings)
    findings.append(contentsOf: hints.entryFindings)
    var warnings = r.fatal.count + r.warnings.count + hints.findings.count + hints.entryFindings.count
    let clean = r.fatal.isEmpty && hints.findings.isEmpty
    if clean {
      // (While reading the hints: before the walk, so they take the function's one warning.)
      for insn in hints.iretWithoutEndbr { warn(insn, .iretRegsHintWithoutEndbr, "UNWIND_HINT_IRET_REGS without ENDBR") }
      warnings += hints.iretWithoutEndbr.count
    }
    if clean && options.retpolineCheck { warnings += validateRetpoline() }
    if options.walk && clean {
      warnings += validateFunctions()
      warnings += validateUnwindHints()
      if warnings == 0 && !ignoresUnreachable { validateReachable() }
    } else if options.noinstr && clean {
      // objtool `validate_noinstr_sections`: without the full walk, the functions and
      // hint entries of the noinstr sections.
      for name in arch.kernel.noinstrWalkedSections {
        guard let slot = p.sections.firstIndex(where: { $0.name == name }) else { continue }
        warnings += validateFunctions(onlySlot: slot)
        warnings += validateUnwindHints(onlySlot: slot)
      }
    }
    var stopped = false
    if clean && options.unret {
      let (n, stop) = validateUnrets()
      warnings += n
      // (objtool stops after a failed UNRET walk: nothing more is checked or written.)
      stopped = stop
    }
    PhaseTimes.mark("walk: hints, reachable, unret")
    if clean && !stopped && options.ibt { warnings += validateIBT() }
    PhaseTimes.mark("walk: ibt")
    if clean && !stopped && options.slsCheck { warnings += validateSLS() }
    if PhaseTimes.enabled { PhaseTimes.mark("walk: states \(table.states.count) transitions \(transitions.count)") }
    // Views of the whole-object columns (noState is CFIColumn.none), not copies: at
    // kernel scale a copy would be the run's peak memory.
    var perSection: [(section: SectionIndex, offsets: Column<UInt32>, kinds: Column<InstructionKind>, cfi: CFIColumn)] = []
    let trace = traceEvents
    traceEvents = []
    let (offsets, kinds) = p.columns
    for s in p.sections {
      perSection.append((s.section, Column(offsets, base: s.first, count: s.count), Column(kinds, base: s.first, count: s.count),
                         CFIColumn(marks.cfi, base: s.first, count: s.count)))
    }
    let originals = p.groups.indices.filter { p.groups[$0].original.isNone }
    var perSite: [GroupID: Int] = [:]
    for g in p.groups where !g.original.isNone { perSite[g.original, default: 0] += 1 }
    let counts = (sites: originals.count, replacements: p.groups.count - originals.count,
                  multiSites: perSite.values.filter { $0 >= 2 }.count,
                  jumpLabels: r.jumpLabelCount, exceptionEntries: r.exceptionEntryCount)
    var result = ValidationResult(findings: findings, patchSiteCounts: counts, cfiStates: table, instructionCFI: perSection,
                                  registers: arch.registers)
    if options.collectSites { result.patchLists = patchLists() }
    result.trace = trace
    result.symbolsByAddress = p.sections.indices.map { p.sortedSymbols(inSlot: $0).map(\.raw) }
    for g in p.groups where g.original.isNone {
      let first = g.first, last = g.last
      result.sites.append((p.sections[p.slot(first)].section, p.offset(first), p.offset(last) + UInt64(p.length(last)),
                           marks.siteTable(Int(g.table)).map { $0 == Self.noState ? nil : CFIStateID(rawValue: $0) }))
    }
    return result
  }

  /// The site lists as places (and `.ibt_endbr_seal`'s, computed here with `--ibt`).
  func patchLists() -> PatchLists {
    func place(_ i: InsnRef) -> PatchLists.Place { PatchLists.Place(section: p.sections[p.slot(i)].section, offset: p.offset(i)) }
    let l = r.callSiteLists
    var out = PatchLists()
    out.staticCalls = l.staticCalls.map { i in
      let k = r.kind[i.int]
      return (place(i), SymbolIndex(rawValue: UInt32(r.callDest[i.int].raw)),
              (k == .jumpConditional || k == .jumpUnconditional) && !r.callDest[i.int].isNone)
    }
    out.retpolines = l.retpolines.map(place)
    out.returns = l.returns.map(place)
    out.calls = l.calls.map(place)
    out.mcount = l.mcount.map(place)
    out.jumpLabelNops = r.jumpLabelNops.map { (place($0), p.length($0)) }
    out.noinstrRewrites = r.noinstrRewrites.map { (place($0.insn), p.length($0.insn), $0.sibling) }
    if options.ibt { out.endbrSeal = ibt.sealable.map(place) }
    return out
  }

  // MARK: - Reporting

  /// objtool `WARN_INSN`: one finding per symbol; later ones are suppressed.
  mutating func warn(_ insn: InsnRef, _ rule: RuleID, _ message: String) {
    if tracingNow { trace(.finding, insn, message + " [\(rule.code)]") }
    let sym = p.symbolOf[insn.int]
    if sym.isNone || !marks.warned[sym.int] {
      findings.append(Finding(rule: rule, at: p.location(insn), message: message))
      lastWarning = findings.count - 1
    } else {
      lastWarning = nil
    }
    if !sym.isNone { marks.warned[sym.int] = true }
  }

  /// objtool `WARN`: not tied to an instruction in its text, never suppressed; `place`
  /// is the instruction it arose at, for machine-readable output.
  mutating func warnPlain(_ rule: RuleID, _ message: String, section: String? = nil, place: InsnRef? = nil) {
    if tracingNow, let place { trace(.finding, place, message + " [\(rule.code)]") }
    findings.append(Finding(rule: rule, scope: message, section: section, place: place.map { p.location($0) }))
    lastWarning = findings.count - 1
  }

  /// The finding the walk's last `warn`/`warnPlain` made (nil: suppressed), which a
  /// `--backtrace` trace belongs to.
  var lastWarning: Int?

  /// objtool `insn->hint` (SAVE marks are not hints).
  @inline(__always)
  func isHint(_ insn: InsnRef) -> Bool { insnFlags[insn.int] & Self.flagHint != 0 }

  // MARK: - The walk (objtool validate_branch)

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
    var cfi: UInt32
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
    /// The branch chain that led here (index into `backtraceNodes`), for --backtrace.
    var chain: Int32 = -1
  }

  /// The walk's stack of pending paths, kept between roots (no allocation per function).
  var pendingPaths: [Pending] = []

  /// One step of a branch chain: the jump or alternative site and its label.
  var backtraceNodes: [(insn: InsnRef, label: String, parent: Int32)] = []

  mutating func extend(_ chain: Int32, _ insn: InsnRef, _ label: String) -> Int32 {
    guard options.backtrace || options.explainPaths else { return -1 }
    backtraceNodes.append((insn, label, chain))
    return Int32(backtraceNodes.count - 1)
  }

  /// Ends a walk with a finding: with --backtrace, the chain back to the root becomes
  /// the finding's trace (objtool prints it even when the warning itself was
  /// suppressed: then a note carries it).
  mutating func failed(_ chain: Int32, root: InsnRef, rootLabel: String) -> Int {
    guard options.backtrace else { return 1 }
    var trace: [TraceStep] = []
    var c = chain
    while c >= 0 {
      let node = backtraceNodes[Int(c)]
      trace.append(TraceStep(location: p.location(node.insn), label: node.label))
      c = node.parent
    }
    trace.append(TraceStep(location: p.location(root), label: rootLabel))
    if let k = lastWarning, k == findings.count - 1 {
      findings[k].trace = trace
    } else {
      var note = Finding(rule: .backtrace, scope: "backtrace of a suppressed warning", place: p.location(root))
      note.trace = trace
      findings.append(note)
    }
    return 1
  }

  /// Per interned state, the answers the walk asks at returns, calls and jumps, computed
  /// once per state: bit 0 known, 1 modified frame, 2 valid frame, 3 BP scratch,
  /// 4 CFA undefined.
  var stateFacts: [UInt8] = []

  mutating func facts(_ id: UInt32) -> UInt8 {
    let i = Int(id)
    if i < stateFacts.count, stateFacts[i] != 0 { return stateFacts[i] }
    if stateFacts.count < table.states.count { stateFacts.append(contentsOf: repeatElement(0, count: table.states.count - stateFacts.count)) }
    let s = table.states[i]
    var f: UInt8 = 1
    if isModifiedFrame(s) { f |= 2 }
    if isValidFrame(s) { f |= 4 }
    if s.bpScratch { f |= 8 }
    if s.cfa.base == CFIRule.undefinedBase { f |= 16 }
    stateFacts[i] = f
    return f
  }

  mutating func isModifiedFrame(_ id: UInt32) -> Bool { facts(id) & 2 != 0 }
  mutating func isValidFrame(_ id: UInt32) -> Bool { facts(id) & 4 != 0 }
  mutating func isBPScratch(_ id: UInt32) -> Bool { facts(id) & 8 != 0 }
  mutating func isCFAUndefined(_ id: UInt32) -> Bool { facts(id) & 16 != 0 }

  func isModifiedFrame(_ s: CFIState) -> Bool {
    let entry = arch.functionEntryCFI
    if s.cfa.base != entry.cfa.base || s.drap || s.cfa.offset != entry.cfa.offset || s.stackSize != entry.cfa.offset {
      return true
    }
    for i in 0..<cfiRegisterCount where s.regs[i] != entry.regs[i] { return true }
    return false
  }

  func isValidFrame(_ s: CFIState) -> Bool {
    let bp = Int(arch.framePointer)
    if s.cfa.base == Int8(bp) && s.regs[bp] == CFIRule(base: CFIRule.cfaBase, offset: 0 &- s.cfa.offset)
      && s.regs[cfiReturnAddress] == CFIRule(base: CFIRule.cfaBase, offset: (0 &- s.cfa.offset) &+ 8) {
      return true
    }
    if arch.frameRecords && s.regs[bp].base == CFIRule.cfaBase && s.vals[bp] == s.regs[bp]
      && s.regs[cfiReturnAddress] == CFIRule(base: CFIRule.cfaBase, offset: s.regs[bp].offset &+ 8) {
      return true  // the frame pointer holds the address of the frame record
    }
    return s.drap && s.regs[bp].base == Int8(bp)
  }

  /// The join-point comparison (objtool `insn_cfi_match`); reports the first difference.
  /// Equal ids are equal states; different ids may still match (objtool compares the
  /// CFA, the saved registers, the frame type and DRAP, not the tracked stack size).
  mutating func matches(_ insn: InsnRef, _ arrivingID: UInt32, chain: Int32 = -1, root: InsnRef? = nil,
                                 function fn: SymbolID? = nil) -> Bool {
    if marks.cfi[insn.int] == arrivingID { return true }
    let recorded = table[CFIStateID(rawValue: marks.cfi[insn.int])]
    let arriving = table[CFIStateID(rawValue: arrivingID)]
    if recorded.cfa != arriving.cfa {
      warn(insn, .stackStateMismatch,
           "stack state mismatch: cfa1=\(arch.registers.messageText(recorded.cfa)) cfa2=\(arch.registers.messageText(arriving.cfa))")
      explainMismatch(at: insn, recorded: marks.cfi[insn.int], arriving: arrivingID, chain: chain, root: root, function: fn)
      return false
    }
    for i in 0..<cfiRegisterCount where recorded.regs[i] != arriving.regs[i] {
      warn(insn, .stackStateMismatch,
           "stack state mismatch: reg1[\(arch.registers.messageLabel(i))]=\(arch.registers.messageText(recorded.regs[i])) reg2[\(arch.registers.messageLabel(i))]=\(arch.registers.messageText(arriving.regs[i]))")
      explainMismatch(at: insn, recorded: marks.cfi[insn.int], arriving: arrivingID, chain: chain, root: root, function: fn)
      return false
    }
    if recorded.type != arriving.type {
      warn(insn, .stackStateMismatch, "stack state mismatch: type1=\(recorded.type.rawValue) type2=\(arriving.type.rawValue)")
      explainMismatch(at: insn, recorded: marks.cfi[insn.int], arriving: arrivingID, chain: chain, root: root, function: fn)
      return false
    }
    if recorded.drap != arriving.drap || (recorded.drap && (recorded.drapRegister != arriving.drapRegister
                                                            || recorded.drapOffset != arriving.drapOffset)) {
      warn(insn, .stackStateMismatch,
           "stack state mismatch: drap1=\(recorded.drap ? 1 : 0)(\(recorded.drapRegister),\(recorded.drapOffset)) drap2=\(arriving.drap ? 1 : 0)(\(arriving.drapRegister),\(arriving.drapOffset))")
      explainMismatch(at: insn, recorded: marks.cfi[insn.int], arriving: arrivingID, chain: chain, root: root, function: fn)
      return false
    }
    return true
  }

  /// Walks one root; returns 1 if a finding stopped it.
  /// `initial` is an interned state id; the pending-path stack is reused across roots.
  mutating func walk(from root: InsnRef, function fn: SymbolID?, initial: UInt32, uaccess: Bool = false,
                             noinstr: Bool = false, rootLabel: String) -> Int {
    backtraceNodes.removeAll(keepingCapacity: true)
    var stack: [Pending] = []
    swap(&stack, &pendingPaths)  // unique, so no copy on the appends below
    stack.removeAll(keepingCapacity: true)
    stack.append(Pending(insn: root, state: PathState(cfi: initial, uaccess: uaccess, noinstr: noinstr), phase: .start))
    defer { pendingPaths = stack }
    tracingNow = traceSymbol != nil && isTraced(root, function: fn)
    defer { tracingNow = false }
    if tracingNow { trace(.start, root, rootLabel == "<=== (hint)" ? "walk from an unwind hint" : "walk from the entry", state: initial) }
    pathLoop: while let pending = stack.popLast() {
      var insn = pending.insn
      // The interned state before `insn`.
      var sid = pending.state.cfi
      var ua = pending.state.uaccess
      var uaStack = pending.state.uaccessStack
      var df = pending.state.df
      let noinstr = pending.state.noinstr
      var instr = pending.state.instr
      var phase = pending.phase
      var chain = pending.chain
      // The previous instruction of this straight-line run (objtool `prev_insn`).
      var previous: InsnRef? = pending.phase == .start ? nil : pending.insn
      if tracingNow && phase != .start {
        trace(phase == .afterDispatch ? .fallThrough : .original, insn,
              phase == .afterDispatch ? "back at the branch: its fall-through" : "back at the patch site: the original stream", state: sid)
      }
      if phase == .afterDispatch {
        if r.deadEnd[insn.int] { continue pathLoop }
        guard let n = p.nextToValidate(insn) else {
          if isCFAUndefined(sid) || ignoresUnreachable { continue pathLoop }
          warnPlain(.unexpectedEndOfSection, "\(p.sectionName(insn)): unexpected end of section", section: p.sectionName(insn), place: insn)
          return failed(chain, root: root, rootLabel: rootLabel)
        }
        previous = insn
        insn = n
        phase = .start
      }
      while true {
        if phase == .start {
          // Straight-line code must not run into another function.
          if let fn, let owner = p.function(insn), fn != p.parent[owner.int] {
            let name = p.symbolName(fn)
            if arch.kernel.paddingPrefixes.contains(where: name.hasPrefix) || ignoresUnreachable { continue pathLoop }
            warnPlain(.fallsThrough, "\(name)() falls through to next function \(p.symbolName(owner))()", place: insn)
            explainFallThrough(into: insn, from: previous)
            return failed(chain, root: root, rootLabel: rootLabel)
          }
          if speculative && p.function(insn) == nil {
            // Code of no function may be walked from several functions: the sequential
            // pass walks this root, in order.
            leftFunction = true
            return 0
          }
          // (The hint itself is fetched only at hint instructions: it holds a whole
          // CFIState, and materialising it at every step costs a 300-byte copy.)
          let atHint = isHint(insn)
          if marks.visited[insn.int] {
            if !atHint && !matches(insn, sid, chain: chain, root: root, function: fn) { return failed(chain, root: root, rootLabel: rootLabel) }
            // With --uaccess an instruction is walked once per uaccess state (objtool's
            // VISITED_BRANCH << uaccess): a second walk with the flag set goes on.
            if !options.uaccess || marks.uaccessVisits[insn.int] & (ua ? 2 : 1) != 0 {
              if tracingNow { trace(.joined, insn, "already walked with a matching state: this path ends", state: sid) }
              continue pathLoop
            }
          }
          if noinstr && insnFlags[insn.int] & Self.flagInstrumentation != 0 { instr &+= r.instrumentation[insn] ?? 0 }
          if atHint, let hint = hints.hints[insn] {
            // A hint replaces the walked state.
            switch hint {
            case .state(let s):
              sid = table.intern(s).rawValue
            case .forceUndefined:
              sid = table.intern(UnwindHints.forceUndefinedState).rawValue
            case .restore:
              guard let save = saveInstruction(before: insn, function: fn) else {
                warn(insn, .restoreWithoutSave, "no corresponding CFI save for CFI restore")
                return failed(chain, root: root, rootLabel: rootLabel)
              }
              if speculative && territory(save) != fn {
                // Another function's mark decides here: leave it to the sequential pass.
                leftFunction = true
                return 0
              }
              guard marks.visited[save.int] else {
                // Reached by a branch before the straight-line path got to the SAVE:
                // leave it to that path.
                if previous == nil { continue pathLoop }
                warn(insn, .saveRestoreCombo, "objtool isn't smart enough to handle this CFI save/restore combo")
                return failed(chain, root: root, rootLabel: rootLabel)
              }
              sid = marks.cfi[save.int]
            case .save:
              break
            }
            if tracingNow {
              // (A SAVE mark changes nothing.)
              if case .save = hint {} else { trace(.hint, insn, "an unwind hint sets the state here", state: sid) }
            }
          }
          marks.cfi[insn.int] = sid
          marks.visited[insn.int] = true
          if options.uaccess { marks.uaccessVisits[insn.int] |= ua ? 2 : 1 }
          if speculative { marked.append(insn) }
          // Patch sites: every stream writes its state into the shared byte-offset table;
          // first writer wins, a different whole state at the same offset is a conflict.
          if let off = p.groupOffset(insn) {
            let g = p.groups[p.groupOf[insn.int].int]
            let slot = marks.siteBase[Int(g.table)] + off
            if marks.siteSlots[slot] == Self.noState {
              marks.siteSlots[slot] = sid
              marks.siteWriters[slot] = insn.raw
              if speculative { markedSlots.append(slot) }
            } else if marks.siteSlots[slot] != sid {
              let site = g.original.isNone ? g.first : p.groups[g.original.int].first
              let before = findings.count
              if options.conflictAtInstruction {
                warn(insn, .alternativeConflict, "stack layout conflict in alternatives")
              } else {
                warn(site, .alternativeConflict, "stack layout conflict in alternatives: \(p.location(insn).text)")
              }
              if findings.count > before {
                let writer = InsnRef(Int(marks.siteWriters[slot]))
                let siteText = p.location(site).text
                func at(_ i: InsnRef) -> String { p.isVirtual(i) ? "its padding" : p.location(i).text }
                findings[findings.count - 1].notes = [
                  "site \(siteText), offset +0x\(String(off, radix: 16)):",
                  "first recorded by \(streamName(writer)) at \(at(writer)): \(cfiText(CFIStateID(rawValue: marks.siteSlots[slot])))",
                  "conflicting \(streamName(insn)) at \(at(insn)): \(cfiText(CFIStateID(rawValue: sid)))",
                ]
                findings[findings.count - 1].related = [RelatedLocation(label: "patch site", location: p.location(site))]
                  + [(writer, "first writer: \(streamName(writer))"), (insn, "conflicting: \(streamName(insn))")]
                    .filter { !p.isVirtual($0.0) }.map { RelatedLocation(label: $0.1, location: p.location($0.0)) }
              }
              return failed(chain, root: root, rootLabel: rootLabel)
            }
          }
          // Alternative successors first, each with the state before this instruction.
          if insnFlags[insn.int] & Self.flagAlternatives != 0, let alts = r.alternatives[insn] {
            stack.append(Pending(insn: insn, state: PathState(cfi: sid, uaccess: ua, uaccessStack: uaStack, df: df, noinstr: noinstr, instr: instr), phase: .afterAlternatives, chain: chain))
            let altChain = extend(chain, insn, "(alt)")
            if tracingNow {
              let what = r.jumpTable.contains(insn) || r.kind[insn.int] == .jumpDynamic ? "jump table" : "patch site"
              trace(.streams, insn, "\(what): \(alts.count) other stream\(alts.count == 1 ? "" : "s") walked first, from "
                    + alts.reversed().map { p.isVirtual($0) ? "(padding)" : p.location($0).text }.joined(separator: ", "), state: sid)
            }
            for a in alts {
              stack.append(Pending(insn: a, state: PathState(cfi: sid, uaccess: ua, uaccessStack: uaStack, df: df, noinstr: noinstr, instr: instr), phase: .start, chain: altChain))
            }
            continue pathLoop
          }
        }
        if phase == .afterAlternatives && insnFlags[insn.int] & Self.flagSkipOriginal != 0 { continue pathLoop }
        phase = .start

        let next = p.nextToValidate(insn)
        if !r.dropOps[insn.int] {
          let ops = p.ops(insn)
          if !ops.isEmpty {
            let inside = p.function(insn) != nil
            let nextHint = next.map(isHint) ?? false
            let context: UInt8 = (inside ? 1 : 0) | (nextHint ? 2 : 0)
            for op in ops {
              // Applying an op to an interned state is a pure function of (state, op,
              // context): computed once, then one table lookup.
              if let to = transitions.lookup(sid, op, context) {
                sid = to
                continue
              }
              var state = table[CFIStateID(rawValue: sid)]
              if case .stop(let rule, let message) = interpreter.apply(op, to: &state, insideFunction: inside,
                                                                       nextIsHint: nextHint) {
                warn(insn, rule, message)
                return failed(chain, root: root, rootLabel: rootLabel)
              }
              let to = table.intern(state).rawValue
              transitions.insert(sid, op, context, to: to)
              sid = to
            }
            // PUSHF/POPF in patch sites carry the uaccess flag (objtool handle_insn_ops;
            // after the CFI ops, as objtool applies each op's CFI change first).
            if options.uaccess && !p.groupOf[insn.int].isNone {
              for op in ops {
                if op.dest == .pushf {
                  if uaStack == 0 {
                    uaStack = 1
                  } else if uaStack >> 31 != 0 {
                    warn(insn, .pushfStackExhausted, "PUSHF stack exhausted")
                    return failed(chain, root: root, rootLabel: rootLabel)
                  }
                  uaStack = uaStack << 1 | (ua ? 1 : 0)
                }
                if op.source == .popf && uaStack != 0 {
                  ua = uaStack & 1 != 0
                  uaStack >>= 1
                  if uaStack == 1 { uaStack = 0 }
                }
              }
            }
          }
        }

        if tracingNow { trace(.step, insn, "", state: sid) }
        switch r.kind[insn.int] {
        case .ret:
          if noinstr && instr > 0 {
            warn(insn, .returnWithInstrumentation, "return with instrumentation enabled")
            return failed(chain, root: root, rootLabel: rootLabel)
          }
          if ua && !isUaccessSafe(fn) {
            warn(insn, .returnWithUaccessEnabled, "return with UACCESS enabled")
            return failed(chain, root: root, rootLabel: rootLabel)
          }
          if !ua && isUaccessSafe(fn) {
            warn(insn, .returnWithUaccessDisabled, "return with UACCESS disabled from a UACCESS-safe function")
            return failed(chain, root: root, rootLabel: rootLabel)
          }
          if df {
            warn(insn, .returnWithDirectionFlag, "return with DF set")
            return failed(chain, root: root, rootLabel: rootLabel)
          }
          if fn != nil && isModifiedFrame(sid) {
            warn(insn, .returnWithModifiedFrame, "return with modified stack frame")
            explainModifiedFrame(at: insn, sid, function: fn)
            return failed(chain, root: root, rootLabel: rootLabel)
          }
          if isBPScratch(sid) {
            warn(insn, .framePointerScratch, "BP used as a scratch register")
            return failed(chain, root: root, rootLabel: rootLabel)
          }
          if tracingNow { trace(.end, insn, "return: this path ends") }
          continue pathLoop
        case .call, .callDynamic:
          if !validateCall(insn, uaccess: ua, df: df, noinstr: noinstr && instr <= 0) { return failed(chain, root: root, rootLabel: rootLabel) }
          if options.framePointerRules && fn != nil && !isSpecialCall(insn) && !isValidFrame(sid) {
            warn(insn, .callWithoutFramePointer, "call without frame pointer save/setup")
            if let k = lastWarning {
              let fp = arch.registerName(arch.framePointer)
              findings[k].notes = [
                "state at the call: \(cfiText(CFIStateID(rawValue: sid)))",
                "with frame pointers a call needs the frame set up first: \(fp) saved in the frame and the CFA based on \(fp)"
                  + (arch.frameRecords ? " (or \(fp) pointing at the frame record)" : ""),
              ]
            }
            return failed(chain, root: root, rootLabel: rootLabel)
          }
        case .jumpConditional, .jumpUnconditional:
          if r.isSiblingCall(p, insn) {
            if p.function(insn) != nil && isModifiedFrame(sid) {
              warn(insn, .siblingCallWithModifiedFrame, "sibling call from callable instruction with modified stack frame")
              explainModifiedFrame(at: insn, sid, function: fn, what: "the sibling call")
              return failed(chain, root: root, rootLabel: rootLabel)
            }
            if !validateCall(insn, uaccess: ua, df: df, noinstr: noinstr && instr <= 0) { return failed(chain, root: root, rootLabel: rootLabel) }
            if tracingNow {
              trace(.end, insn, "sibling call to \(callDestName(insn))()" + (r.kind[insn.int] == .jumpConditional ? ": if not taken, on" : ": this path ends"))
            }
          } else if let dest = r.jumpDest[insn.int].value {
            if tracingNow {
              trace(r.kind[insn.int] == .jumpConditional ? .branch : .jump, insn,
                    r.kind[insn.int] == .jumpConditional ? "conditional: to \(p.location(dest).text) first, the fall-through later"
                      : "to \(p.location(dest).text)")
            }
            if r.kind[insn.int] == .jumpConditional {
              // Walk the target first, then come back for the fall-through.
              stack.append(Pending(insn: insn, state: PathState(cfi: sid, uaccess: ua, uaccessStack: uaStack, df: df, noinstr: noinstr, instr: instr), phase: .afterDispatch, chain: chain))
              stack.append(Pending(insn: dest, state: PathState(cfi: sid, uaccess: ua, uaccessStack: uaStack, df: df, noinstr: noinstr, instr: instr), phase: .start, chain: extend(chain, insn, "(branch)")))
              continue pathLoop
            }
            previous = insn
            chain = extend(chain, insn, "(branch)")
            insn = dest
            continue
          }
          if r.kind[insn.int] == .jumpUnconditional {
            if tracingNow && !r.isSiblingCall(p, insn) { trace(.end, insn, "jump out of the object's code: this path ends") }
            continue pathLoop
          }
        case .jumpDynamic, .jumpDynamicConditional:
          if r.isSiblingCall(p, insn) {
            if p.function(insn) != nil && isModifiedFrame(sid) {
              warn(insn, .siblingCallWithModifiedFrame, "sibling call from callable instruction with modified stack frame")
              explainModifiedFrame(at: insn, sid, function: fn, what: "the sibling call")
              return failed(chain, root: root, rootLabel: rootLabel)
            }
            if !validateCall(insn, uaccess: ua, df: df, noinstr: noinstr && instr <= 0) { return failed(chain, root: root, rootLabel: rootLabel) }
          }
          if r.kind[insn.int] == .jumpDynamic {
            if tracingNow { trace(.end, insn, r.isSiblingCall(p, insn) ? "indirect sibling call: this path ends" : "indirect jump: this path ends") }
            continue pathLoop
          }
        case .contextSwitch:
          // Outside a function the path ends here; inside one only an unwind hint on
          // the next instruction makes it acceptable, and the walk goes on there.
          guard fn != nil else { continue pathLoop }
          if !(next.map(isHint) ?? false) {
            warn(insn, .unsupportedInstruction, "unsupported instruction in callable function")
            return failed(chain, root: root, rootLabel: rootLabel)
          }
        case .stac:
          guard options.uaccess else { break }
          if ua {
            warn(insn, .recursiveUaccessEnable, "recursive UACCESS enable")
            return failed(chain, root: root, rootLabel: rootLabel)
          }
          ua = true
        case .clac:
          guard options.uaccess else { break }
          if !ua && fn != nil {
            warn(insn, .redundantUaccessDisable, "redundant UACCESS disable")
            return failed(chain, root: root, rootLabel: rootLabel)
          }
          if isUaccessSafe(fn) && uaStack == 0 {
            warn(insn, .uaccessSafeDisablesUaccess, "UACCESS-safe disables UACCESS")
            return failed(chain, root: root, rootLabel: rootLabel)
          }
          ua = false
        case .std:
          if df {
            warn(insn, .recursiveSTD, "recursive STD")
            return failed(chain, root: root, rootLabel: rootLabel)
          }
          df = true
        case .cld:
          if !df && fn != nil {
            warn(insn, .redundantCLD, "redundant CLD")
            return failed(chain, root: root, rootLabel: rootLabel)
          }
          df = false
        default:
          break
        }

        if r.deadEnd[insn.int] {
          if tracingNow { trace(.end, insn, r.kind[insn.int] == .call ? "call to a function that does not return: this path ends" : "dead end: this path ends") }
          continue pathLoop
        }
        guard let n = next else {
          if isCFAUndefined(sid) || ignoresUnreachable { continue pathLoop }
          warnPlain(.unexpectedEndOfSection, "\(p.sectionName(insn)): unexpected end of section", section: p.sectionName(insn), place: insn)
          return failed(chain, root: root, rootLabel: rootLabel)
        }
        previous = insn
        insn = n
      }
    }
    return 0
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
