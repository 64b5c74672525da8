import ELFObject
import WorkPool
import UnwindModel

/// objtool's stack validation over one resolved object (`validate_functions`, the
/// unwind hints, the unreachable pass, and the checks that walk or read the walk's
/// marks): every function is walked from its entry state, depth first, with an explicit
/// stack of pending paths instead of recursion (Walker+Walk.swift). A finding ends the
/// walk of its function (objtool's "return 1" propagates to the root), which decides
/// which instructions get CFI and therefore what ORC says. `AnalysisPipeline` builds it
/// and runs its passes.
struct Walker {
  let p: Program
  let r: Resolution
  let arch: ArchitectureDescription
  let options: AnalysisOptions
  let interpreter: CFIInterpreter
  let hints: UnwindHints
  /// The object's relocations by section, sorted, kept for `.ibt_endbr_seal` only (the
  /// scan after the walk); otherwise released with the resolution's other inputs.
  let relocations: RelocationIndexCache?

  var table: CFIStateTable
  /// What the walk marks per instruction, symbol and site slot, in memory every copy of
  /// this walker shares (the parallel walk's threads write disjoint entries).
  let marks: WalkMarks
  var findings: [Finding] = []
  var transitions = TransitionMemo()

  /// Per instruction, what the walk would otherwise look up in a table at every step.
  let insnFlags: [InstructionFlags]
  /// `--uaccess`: per symbol, on objtool's uaccess-safe list (empty without it).
  let uaccessSafe: [Bool]
  /// `--noinstr`: the paravirt tables (nil without `pv_ops`).
  let paravirt: Paravirt?

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
  // The unreachable pass (Walker+Reachability.swift):
  /// Instructions found ignorable during the unreachable pass (`.cold` parts of dead
  /// weak-function code), objtool's late `insn->ignore`.
  var lateIgnored: Set<InsnRef> = []
  /// Per text section: replacement or aux code (never reported unreachable).
  var patchSections: [Bool] = []
  var holes: SymbolHoles?

  /// The walk over a resolved program (built by `AnalysisPipeline`).
  init(program: Program, resolution: Resolution, hints: UnwindHints, relocations: RelocationIndexCache?,
       paravirt: Paravirt?, uaccessSafe: [Bool], arch: ArchitectureDescription, options: AnalysisOptions) {
    p = program
    r = resolution
    self.hints = hints
    self.relocations = relocations
    self.paravirt = paravirt
    self.uaccessSafe = uaccessSafe
    self.arch = arch
    table = CFIStateTable(registerCount: arch.registers.count)
    self.options = options
    marks = WalkMarks(instructions: program.count, symbols: program.file.symbols.count, siteTables: program.siteTableLengths,
                      uaccess: options.uaccess)
    var flags = [InstructionFlags](repeating: [], count: program.count)
    for (insn, _) in resolution.alternatives where !resolution.ignoreAlternatives.contains(insn) { flags[insn.int].insert(.alternatives) }
    for (insn, kind) in hints.hints {
      if case .save = kind { continue }
      flags[insn.int].insert(.hint)
    }
    for insn in resolution.skipOriginal { flags[insn.int].insert(.skipOriginal) }
    for insn in resolution.instrumentation.keys { flags[insn.int].insert(.instrumentation) }
    insnFlags = flags
    traceSymbol = options.traceSymbol.map { SymbolID($0) }
    interpreter = CFIInterpreter(arch: arch, framePointerRules: options.framePointerRules)
    // About one distinct transition per 30 instructions in a kernel: no rehashing.
    transitions = TransitionMemo(capacity: program.count / 32)
  }

  /// The findings the resolution and the hints made while reading the tables (objtool
  /// reports them before it walks); whether the walk may run (no fatal one).
  mutating func tableFindings() -> (warnings: Int, clean: Bool) {
    findings.append(contentsOf: r.warnings)
    findings.append(contentsOf: r.fatal)
    findings.append(contentsOf: hints.findings)
    findings.append(contentsOf: hints.entryFindings)
    return (r.fatal.count + r.warnings.count + hints.findings.count + hints.entryFindings.count,
            r.fatal.isEmpty && hints.findings.isEmpty)
  }

  /// UNWIND_HINT_IRET_REGS without ENDBR: found while reading the hints, reported before
  /// the walk, so they take the function's one warning.
  mutating func validateIretHints() -> Int {
    for insn in hints.iretWithoutEndbr { warn(insn, Message(.iretRegsHintWithoutEndbr)) }
    return hints.iretWithoutEndbr.count
  }

  /// objtool `validate_noinstr_sections`: without the full walk, the functions and hint
  /// entries of the noinstr sections.
  mutating func validateNoinstrSections() -> Int {
    var warnings = 0
    for name in arch.kernel.noinstrWalkedSections {
      guard let slot = p.sections.firstIndex(where: { $0.name == name }) else { continue }
      warnings += validateFunctions(onlySlot: slot)
      warnings += validateUnwindHints(onlySlot: slot)
    }
    return warnings
  }

  /// What the walk leaves: findings, per-instruction CFI (views of the whole-object
  /// columns, not copies: at kernel scale a copy would be the run's peak memory), the
  /// site tables and counts, the trace.
  mutating func result() -> ValidationResult {
    if PhaseTimes.enabled { PhaseTimes.mark("walk: states \(table.count) transitions \(transitions.count)") }
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
                           marks.siteTable(Int(g.table)).map { $0 == CFIStateID.none.rawValue ? nil : CFIStateID(rawValue: $0) }))
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
  mutating func warn(_ insn: InsnRef, _ message: Message) {
    let sym = p.symbolOf[insn.int]
    if sym.isNone || !marks.warned[sym.int] {
      findings.append(Finding(at: p.location(insn), message))
      lastWarning = findings.count - 1
    } else {
      lastWarning = nil
    }
    if !sym.isNone { marks.warned[sym.int] = true }
    if tracingNow { trace(.finding, insn, message.text + " [\(message.kind.rule?.code ?? "")]", finding: lastWarning) }
  }

  /// objtool `WARN`: not tied to an instruction in its text, never suppressed; `place`
  /// is the instruction it arose at, for machine-readable output.
  mutating func warnPlain(_ message: Message, section: String? = nil, place: InsnRef? = nil) {
    findings.append(Finding(scope: message, section: section, place: place.map { p.location($0) }))
    lastWarning = findings.count - 1
    if tracingNow, let place { trace(.finding, place, message.text + " [\(message.kind.rule?.code ?? "")]", finding: lastWarning) }
  }

  /// The finding the walk's last `warn`/`warnPlain` made (nil: suppressed), which a
  /// `--backtrace` trace belongs to.
  var lastWarning: Int?

  /// objtool `insn->hint` (SAVE marks are not hints).
  @inline(__always)
  func isHint(_ insn: InsnRef) -> Bool { insnFlags[insn.int].contains(.hint) }

  // MARK: - The walk's verdicts (the walk itself: Walker+Walk.swift)

  /// The walk's stack of pending paths, kept between roots (no allocation per function).
  var pendingPaths: [Pending] = []

  /// One step of a branch chain: the jump or alternative site and its label.
  var backtraceNodes: [(insn: InsnRef, label: String, parent: ChainID)] = []

  mutating func extend(_ chain: ChainID, _ insn: InsnRef, _ label: String) -> ChainID {
    guard options.backtrace || options.explainPaths else { return .none }
    backtraceNodes.append((insn, label, chain))
    return ChainID(raw: Int32(backtraceNodes.count - 1))
  }

  /// Reports the violation that stopped a walk: objtool's warning, then its evidence and
  /// backtrace. Returns the walk's count (1).
  mutating func report(_ v: Violation, chain: ChainID, root: Root) -> Int {
    switch v.placement {
    case .instruction: warn(v.insn, v.message)
    case .plain(let section): warnPlain(v.message, section: section, place: v.insn)
    }
    switch v.explanation {
    case .none:
      break
    case .mismatch(let recorded, let arriving):
      explainMismatch(at: v.insn, recorded: recorded, arriving: arriving, chain: chain, root: root.insn, function: root.function)
    case .fallThrough(let previous):
      explainFallThrough(into: v.insn, from: previous)
    case .modifiedFrame(let state, let what):
      explainModifiedFrame(at: v.insn, state, function: root.function, what: what)
    case .callWithoutFramePointer(let state):
      explainMissingFrame(state)
    case .siteConflict(let site, let offset, let writer, let recorded, let conflicting, let arriving):
      explainSiteConflict(site: site, offset: offset, writer: writer, recorded: recorded, conflicting: conflicting, arriving: arriving)
    }
    return failed(chain, root: root)
  }

  /// Ends a walk with a finding: with --backtrace, the chain back to the root becomes
  /// the finding's trace (objtool prints it even when the warning itself was
  /// suppressed: then a note carries it).
  mutating func failed(_ chain: ChainID, root: Root) -> Int {
    guard options.backtrace else { return 1 }
    var trace: [TraceStep] = []
    var c = chain
    while !c.isNone {
      let node = backtraceNodes[c.int]
      trace.append(TraceStep(location: p.location(node.insn), label: node.label))
      c = node.parent
    }
    trace.append(TraceStep(location: p.location(root.insn), label: root.label))
    if let k = lastWarning, k == findings.count - 1 {
      findings[k].trace = trace
    } else {
      var note = Finding(scope: Message(.backtraceOfSuppressed), place: p.location(root.insn))
      note.trace = trace
      findings.append(note)
    }
    return 1
  }

  /// Per interned state, its facts (`StateFacts`; zero: not computed yet).
  var stateFacts: [StateFacts] = []

  mutating func facts(_ id: CFIStateID) -> StateFacts {
    let i = Int(id.rawValue)
    if i < stateFacts.count, !stateFacts[i].isEmpty { return stateFacts[i] }
    if stateFacts.count < table.count { stateFacts.append(contentsOf: repeatElement([], count: table.count - stateFacts.count)) }
    let s = table[i]
    var f: StateFacts = .known
    if isModifiedFrame(s) { f.insert(.modifiedFrame) }
    if isValidFrame(s) { f.insert(.validFrame) }
    if s.bpScratch { f.insert(.bpScratch) }
    if s.cfa.base == CFIRule.undefinedBase { f.insert(.cfaUndefined) }
    if s.forceUndefined || (s.cfa.base != CFIRule.undefinedBase && s.type != .regs && s.type != .regsPartial) {
      f.insert(.movesInert)
    }
    stateFacts[i] = f
    return f
  }

  /// Whether `op` is a move between two registers that leaves `state` as it is (see
  /// `StateFacts.movesInert`): the walk's shortcut past the memo for the moves objtool
  /// 6.12 makes ops of.
  @inline(__always)
  mutating func isInertMove(_ op: StackOp, _ state: CFIStateID) -> Bool {
    guard op.source == .register, op.dest == .register, op.sourceRegister != arch.stackPointer,
          op.destRegister != arch.stackPointer, facts(state).contains(.movesInert) else { return false }
    return Int8(op.destRegister) != table.cfa(state).base
  }

  mutating func isModifiedFrame(_ id: CFIStateID) -> Bool { facts(id).contains(.modifiedFrame) }
  mutating func isValidFrame(_ id: CFIStateID) -> Bool { facts(id).contains(.validFrame) }
  mutating func isBPScratch(_ id: CFIStateID) -> Bool { facts(id).contains(.bpScratch) }
  mutating func isCFAUndefined(_ id: CFIStateID) -> Bool { facts(id).contains(.cfaUndefined) }

  func isModifiedFrame(_ s: CFIState) -> Bool {
    let entry = arch.functionEntryCFI
    if s.cfa.base != entry.cfa.base || s.drap || s.cfa.offset != entry.cfa.offset || s.stackSize != entry.cfa.offset {
      return true
    }
    for i in arch.registers.slots where s.regs[i] != entry.regs[i] { return true }
    return false
  }

  func isValidFrame(_ s: CFIState) -> Bool {
    let bp = Int(arch.framePointer)
    if s.cfa.base == Int8(bp) && s.regs[bp] == CFIRule(base: CFIRule.cfaBase, offset: 0 &- s.cfa.offset)
      && s.regs[Int(arch.registers.returnAddress)] == CFIRule(base: CFIRule.cfaBase, offset: (0 &- s.cfa.offset) &+ 8) {
      return true
    }
    if arch.frameRecords && s.regs[bp].base == CFIRule.cfaBase && s.vals[bp] == s.regs[bp]
      && s.regs[Int(arch.registers.returnAddress)] == CFIRule(base: CFIRule.cfaBase, offset: s.regs[bp].offset &+ 8) {
      return true  // the frame pointer holds the address of the frame record
    }
    return s.drap && s.regs[bp].base == Int8(bp)
  }

  /// The join-point comparison (objtool `insn_cfi_match`): the first difference, if any.
  /// Equal ids are equal states; different ids may still match (objtool compares the
  /// CFA, the saved registers, the frame type and DRAP, not the tracked stack size).
  func joinMismatch(_ insn: InsnRef, arriving arrivingID: CFIStateID) -> Violation? {
    let recordedID = marks[state: insn]
    if recordedID == arrivingID { return nil }
    let recorded = table[recordedID]
    let arriving = table[arrivingID]
    let regs = arch.registers
    let message: Message
    if recorded.cfa != arriving.cfa {
      message = Message(.mismatchCFA, .value(regs.messageText(recorded.cfa)), .value(regs.messageText(arriving.cfa)))
    } else if let i = regs.slots.first(where: { recorded.regs[$0] != arriving.regs[$0] }) {
      message = Message(.mismatchRegister, .name(regs.messageLabel(i)), .value(regs.messageText(recorded.regs[i])),
                        .name(regs.messageLabel(i)), .value(regs.messageText(arriving.regs[i])))
    } else if recorded.type != arriving.type {
      message = Message(.mismatchType, .integer(recorded.type.rawValue), .integer(arriving.type.rawValue))
    } else if recorded.drap != arriving.drap || (recorded.drap && (recorded.drapRegister != arriving.drapRegister
                                                                   || recorded.drapOffset != arriving.drapOffset)) {
      func drap(_ s: CFIState) -> [MessageArgument] { [.number(s.drap ? 1 : 0), .integer(s.drapRegister), .integer(s.drapOffset)] }
      message = Message(.mismatchDRAP, arguments: drap(recorded) + drap(arriving))
    } else {
      return nil
    }
    return Violation(insn, message, explanation: .mismatch(recorded: recordedID, arriving: arrivingID))
  }
}
