import ELFObject
import WorkPool
import UnwindModel

/// Branch and call targets, sibling calls, dead ends: what objtool's
/// `add_jump_destinations`, `add_call_destinations` and `add_dead_ends` compute before
/// the walk. Columns indexed by global instruction number.
struct Resolution {
  /// Resolved intra-object jump target (`insn->jump_dest`), or `none`.
  var jumpDest: [InsnRef]
  /// Call destination symbol (`insn->call_dest`) for calls and sibling-call jumps, or `none`.
  var callDest: [SymbolID]
  /// A call whose target was resolved: its push op is dropped (the callee's ret undoes it).
  var dropOps: [Bool]
  var deadEnd: [Bool]
  /// Kind after thunk conversions (retpoline call -> call*, return-thunk jump -> ret)
  /// and annotated intra-function calls (call -> jmp that keeps its push).
  var kind: [InstructionKind]
  /// Alternative successors (objtool `insn->alts`) in the order they were added; the
  /// walk visits them in reverse, as 6.12's prepended list does.
  var alternatives: [InsnRef: [InsnRef]] = [:]
  /// STACK_FRAME_NON_STANDARD functions' instructions (`insn->ignore`).
  var ignore: [Bool]
  /// ANNOTATE_IGNORE_ALTERNATIVE sites (`insn->ignore_alts`), and sites whose
  /// replacement is not followed (x86 SMAP without uaccess validation).
  var ignoreAlternatives: Set<InsnRef> = []
  /// Sites whose original stream is not followed after the replacements (x86 POPCNT).
  var skipOriginal: Set<InsnRef> = []
  /// Indirect jumps tied to a switch table (not sibling calls).
  var jumpTable: Set<InsnRef> = []
  /// A rip-relative table reference was seen: objtool then skips the unreachable pass.
  var ignoreUnreachables = false
  /// Non-fatal findings made while reading special sections ("empty alternative entry").
  var warnings: [Finding] = []
  /// Per symbol: what objtool's `classify_symbols` says of it (global symbols only).
  var symbolClass: [SymbolClass]
  var fatal: [Finding] = []
  var jumpLabelCount = 0
  /// objtool's call-site lists (`annotate_call_site`, `add_return_call`), in discovery
  /// order: every jump (in instruction order) before every call. They become
  /// `.static_call_sites`, `.retpoline_sites`, `.return_sites`, `.call_sites` and
  /// `__mcount_loc`.
  var callSiteLists = CallSiteLists()
  /// Instructions objtool marks `retpoline_safe`: retpoline and return-thunk branches
  /// (converted to what they stand for), rewritten tail calls, and those annotated
  /// ANNOTATE_RETPOLINE_SAFE (`.discard.retpoline_safe`).
  var retpolineSafe = Set<InsnRef>()
  /// ANNOTATE_NOENDBR (`.discard.noendbr`): code whose address is taken without an
  /// ENDBR on purpose (objtool `insn->noendbr`).
  var noEndbr = Set<InsnRef>()
  /// instrumentation_begin()/end() (`.discard.instr_begin` +1, `.discard.instr_end` -1):
  /// what each marked instruction adds to a noinstr path's instrumentation count.
  var instrumentation: [InsnRef: Int8] = [:]
  /// VALIDATE_UNRET_BEGIN (`.discard.validate_unret`): roots of the `--unret` walk, in
  /// instruction order.
  var unretRoots: [InsnRef] = []
  /// `--hacks=jump_label`: the jump-label JMPs that become NOPs (objtool `handle_jump_alt`).
  var jumpLabelNops: [InsnRef] = []
  /// `--hacks=noinstr`: instrumentation calls (tail calls: `sibling`) in `noinstr` code
  /// that become NOPs (returns).
  var noinstrRewrites: [(insn: InsnRef, sibling: Bool)] = []
  var exceptionEntryCount = 0
  /// Per symbol: whether calls to it are dead ends, once asked (0 not yet, 1 no, 2 yes).
  var noreturnCache: [UInt8] = []

  /// Whether to re-derive the annotations a final module lost (see `UnwindDriver`).
  let recoverFinalModule: Bool

  let ibt: Bool
  /// See `AnalysisOptions.relativeJumpTables`.
  let relativeJumpTables: Bool
  /// See `ArchitectureDescription.addressTablesInLocalObjects`.
  let addressTablesInLocalObjects: Bool
  /// The architecture's 32-bit PC-relative relocation type (relative switch tables).
  let pcRelative32: UInt32?
  /// What a PC-relative field's addend lacks to be its target's offset (x86: 4).
  let pcRelativeBias: Int64

  /// objtool `--no-unreachable` (or a RIP-relative switch table, found later): jumps to
  /// a function's end are tolerated, and falling off a function or section is no finding.
  let noUnreachable: Bool

  /// What a pass establishes for the passes after it.
  enum Fact: CaseIterable {
    case symbolClasses, kinds, ignoredCode, annotations, tableSizesChecked, alternativeSuccessors,
         jumpLabelsAndFixups, jumpDestinations, intraFunctionCalls, callDestinations, deadEnds, jumpTables, retpolineSafe,
         noEndbr, instrumentation
  }

  /// The passes, in objtool's `decode_sections` order (each relies on the earlier ones:
  /// a jump's destination decides sibling calls, which decide dead ends, which the jump
  /// tables and the walk read). `needs` is checked against what earlier passes provided.
  enum Pass: CaseIterable {
    /// objtool `classify_symbols`; the instruction kinds, `ud2` a dead end by default.
    case classifySymbols
    /// STACK_FRAME_NON_STANDARD functions (`add_ignores`).
    case ignores
    /// ANNOTATE_IGNORE_ALTERNATIVE (`.discard.ignore_alts`, 6.14 `.discard.annotate_insn`).
    case ignoreAlternatives
    /// ANNOTATE_NOENDBR (`read_noendbr_hints`; 6.14 `.discard.annotate_insn`).
    case noEndbrHints
    /// Special sections whose size is not a whole number of entries; bad alternative entries.
    case specialSectionChecks
    /// `.altinstructions` groups as alternative successors (`add_special_section_alts`).
    case alternatives
    /// Jump labels and exception-table fixups as alternative successors.
    case jumpLabelsAndFixups
    /// `add_jump_destinations`: targets, sibling calls, thunks, `.cold` parents.
    case jumpDestinations
    /// ANNOTATE_INTRA_FUNCTION_CALL (`read_intra_function_calls`).
    case intraFunctionCalls
    /// `add_call_destinations`: callees, retpolines, noreturn callees (dead ends).
    case callDestinations
    /// `.discard.(un)reachable`, 6.14 REACHABLE, `__bug_table` WARN sites (`add_dead_ends`).
    case deadEnds
    /// Switch tables through relocations (objtool's x86 way, `add_jump_table_alts`).
    case jumpTables
    /// Switch tables recognised in the code, supplied by the architecture (arm64).
    case patternJumpTables
    /// ANNOTATE_RETPOLINE_SAFE (`read_retpoline_hints`).
    case retpolineHints
    /// instrumentation_begin/end (`read_instr_hints`) and VALIDATE_UNRET_BEGIN
    /// (`read_validate_unret_hints`).
    case instrumentationHints

    var needs: Set<Fact> {
      switch self {
      case .classifySymbols: []
      case .ignores, .ignoreAlternatives, .noEndbrHints: [.kinds]
      case .specialSectionChecks: []
      case .alternatives: [.tableSizesChecked, .annotations]
      case .jumpLabelsAndFixups: [.kinds, .alternativeSuccessors]
      case .jumpDestinations: [.symbolClasses, .kinds, .jumpLabelsAndFixups]
      case .intraFunctionCalls: [.kinds, .jumpDestinations]
      case .callDestinations: [.symbolClasses, .ignoredCode, .intraFunctionCalls]
      case .deadEnds: [.callDestinations]
      case .jumpTables, .patternJumpTables: [.jumpDestinations, .deadEnds]
      case .retpolineHints: [.callDestinations, .jumpTables]
      case .instrumentationHints: [.retpolineSafe]
      }
    }

    var provides: Set<Fact> {
      switch self {
      case .classifySymbols: [.symbolClasses, .kinds]
      case .ignores: [.ignoredCode]
      case .ignoreAlternatives: [.annotations]
      case .noEndbrHints: [.noEndbr]
      case .specialSectionChecks: [.tableSizesChecked]
      case .alternatives: [.alternativeSuccessors]
      case .jumpLabelsAndFixups: [.jumpLabelsAndFixups]
      case .jumpDestinations: [.jumpDestinations]
      case .intraFunctionCalls: [.intraFunctionCalls]
      case .callDestinations: [.callDestinations]
      case .deadEnds: [.deadEnds]
      case .jumpTables, .patternJumpTables: [.jumpTables]
      case .retpolineHints: [.retpolineSafe]
      case .instrumentationHints: [.instrumentation]
      }
    }
  }

  /// What the passes read besides the program: the object's special sections, its
  /// relocations, the architecture and the alternative groups already built.
  struct Inputs {
    var special: SpecialSections
    var relocations: RelocationIndexCache
    var arch: ArchitectureDescription
    var sites: AlternativeSites
    /// 6.14 `.discard.annotate_insn` entries (empty unless read).
    var annotations: [(SpecialSections.Address, UInt32)]
    func annotated(_ type: UInt32) -> [SpecialSections.Address] { annotations.filter { $0.1 == type }.map(\.0) }
  }

  /// Threads for the per-instruction lookups of objects of `parallelMinimum`
  /// instructions and more (smaller ones: one thread).
  let workers: Int
  /// `--module` (its `.init.text` is not built-in init code) and `--mcount`.
  let module: Bool
  let mcount: Bool
  let jumpLabelHack: Bool
  /// A bad `__jump_table` or `__ex_table` entry is a finding at the entry and the rest
  /// is analysed (`check`); objtool (and its front end) stops there instead.
  let badEntriesAreFindings: Bool
  let kernel: KernelConventions
  /// Per text section, with `--hacks=noinstr`: `noinstr` code (empty otherwise).
  var noinstrSlot: [Bool] = []
  /// Per text section (slot): alternative replacement code; built-in init code.
  var replacementSlot: [Bool] = []
  var initSlot: [Bool] = []
  let mcountCallee: String?

  /// Resolves `p` for the walk, with the analysis options that bear on it (`--module`,
  /// `--ibt`, `--mcount`, the hacks, 6.14's annotations, the table-entry policy,
  /// `--no-unreachable`, the threads).
  init(program p: inout Program, special: SpecialSections, relocations: RelocationIndexCache, arch: ArchitectureDescription,
       sites: AlternativeSites, recoverFinalModule: Bool = false, options: AnalysisOptions) {
    badEntriesAreFindings = options.badEntriesAreFindings
    workers = p.count >= options.parallelWalkMinimum ? options.walkThreads : 1
    module = options.module
    jumpLabelHack = options.jumpLabelHack
    kernel = arch.kernel
    noinstrSlot = options.noinstrHack ? p.sections.map { arch.kernel.isNoinstrSection($0.name) } : []
    mcount = options.mcount
    mcountCallee = arch.mcountCallee
    replacementSlot = p.sections.map { $0.name == arch.kernel.replacementSection }
    initSlot = p.sections.map { !options.module && $0.name == arch.kernel.initSection }
    self.recoverFinalModule = recoverFinalModule
    ibt = options.ibt
    relativeJumpTables = options.relativeJumpTables
    addressTablesInLocalObjects = arch.addressTablesInLocalObjects
    pcRelative32 = arch.pcRelative32Relocation
    pcRelativeBias = arch.branchAddendBias
    noUnreachable = options.skipUnreachable
    let n = p.count
    jumpDest = Array(repeating: .none, count: n)
    callDest = Array(repeating: .none, count: n)
    dropOps = Array(repeating: false, count: n)
    deadEnd = Array(repeating: false, count: n)
    ignore = Array(repeating: false, count: n)
    symbolClass = []
    kind = []
    let inputs = Inputs(special: special, relocations: relocations, arch: arch, sites: sites,
                        annotations: options.annotateInstructions ? special.instructionAnnotations() : [])
    var provided: Set<Fact> = []
    for pass in Pass.allCases {
      assert(pass.needs.isSubset(of: provided), "resolution pass \(pass) runs before what it needs")
      run(pass, &p, inputs)
      provided.formUnion(pass.provides)
    }
  }

  private mutating func run(_ pass: Pass, _ p: inout Program, _ x: Inputs) {
    switch pass {
    case .classifySymbols:
      symbolClass = p.file.symbols.map { SymbolClass($0, arch: x.arch) }
      // Undefined encodings are walked as plain instructions, as objtool's decoder (the
      // kernel's, which accepts e.g. 0x06 in 64-bit code) treats them; `decode` shows
      // them as "invalid".
      kind = (0..<p.count).map { p.kind(InsnRef($0)) }
      for i in 0..<p.count where kind[i] == .bug { deadEnd[i] = true }  // ud2 is a dead end by default
    case .ignores:
      addIgnores(p, x.special)
    case .ignoreAlternatives:
      for a in x.special.annotationTargets(KernelSections.ignoreAlternatives) + x.annotated(SpecialSections.AnnotationType.ignoreAlternatives) {
        if let insn = p.instruction(in: a.section, at: a.offset) { ignoreAlternatives.insert(insn) }
      }
    case .noEndbrHints:
      readNoEndbrHints(p, x)
    case .specialSectionChecks:
      fatal.append(contentsOf: x.special.sizeFindings(alternativeEntrySize: x.arch.alternativeLayout.entrySize))
      for f in x.sites.findings where fatal.isEmpty {
        if f.isError { fatal.append(f) } else { warnings.append(f) }
      }
    case .alternatives:
      for (from, to, skipOrig, skipRepl) in x.sites.successors {
        addAlternative(from, to)
        if skipOrig { skipOriginal.insert(from) }
        if skipRepl { ignoreAlternatives.insert(from) }
      }
      for (jump, dest) in x.sites.jumpDestinations { jumpDest[jump.int] = dest }
    case .jumpLabelsAndFixups:
      addSpecialSectionAlternatives(p, x.special)
      PhaseTimes.mark("resolve: special sections")
    case .jumpDestinations:
      addJumpDestinations(&p, relocations: x.relocations, arch: x.arch)
      PhaseTimes.mark("resolve: jumps")
    case .intraFunctionCalls:
      readIntraFunctionCalls(p, x.special.annotationTargets(KernelSections.intraFunctionCalls)
                                + x.annotated(SpecialSections.AnnotationType.intraFunctionCall))
    case .callDestinations:
      addCallDestinations(p, relocations: x.relocations, arch: x.arch)
      PhaseTimes.mark("resolve: calls")
    case .deadEnds:
      addDiscardedAnnotations(p, relocations: x.relocations)
      // 6.14+ REACHABLE annotates the instruction itself (not the one after it).
      for a in x.annotated(SpecialSections.AnnotationType.reachable) {
        if let insn = p.instruction(in: a.section, at: a.offset) { deadEnd[insn.int] = false }
      }
      if recoverFinalModule || x.arch.warningsFromBugTable { recoverReachableWarnings(p, x.special) }
    case .jumpTables:
      addJumpTableAlternatives(p, relocations: x.relocations)
    case .patternJumpTables:
      if let finder = x.arch.switchTablePattern { addPatternJumpTables(p, relocations: x.relocations, finder: finder) }
    case .retpolineHints:
      readRetpolineHints(p, x)
    case .instrumentationHints:
      readInstrumentationHints(p, x)
    }
  }

  /// Whether `insn` is in built-in init code (`.init.text` of vmlinux: no mitigations needed).
  func isInitCode(_ p: Program, _ insn: InsnRef) -> Bool { initSlot[p.slot(insn)] }

  /// STACK_FRAME_NON_STANDARD: the function (and its .cold part) is never walked.
  private mutating func addIgnores(_ p: Program, _ special: SpecialSections) {
    let named = special.nonStandardFrameFunctions()
    guard !named.isEmpty else { return }
    var ignored = [Bool](repeating: false, count: p.file.symbols.count)
    for f in named { ignored[f.int] = true }
    for i in 0..<p.count {
      let s = p.symbolOf[i]
      if !s.isNone && (ignored[s.int] || ignored[p.parent[s.int].int]) { ignore[i] = true }
    }
  }

  private mutating func addAlternative(_ from: InsnRef, _ to: InsnRef) {
    alternatives[from, default: []].append(to)
  }

  /// Jump labels and exception fixups as alternative successors (objtool
  /// `add_special_section_alts`, after the `.altinstructions` groups).
  private mutating func addSpecialSectionAlternatives(_ p: Program, _ special: SpecialSections) {
    // Entries whose address fields have no usable relocation (objtool: "can't find orig
    // reloc" and stop).
    for table in [KernelSections.jumpTable, KernelSections.exceptionTable] where fatal.isEmpty {
      for bad in special.unreadableEntries(table) {
        let objtoolStop = Finding(scope: Message(.tableFieldUnreadable, .place(table, bad.field), .detail(bad.why)))
        if !badEntry(.specialSectionEntry, table: table, entry: bad.entry, bad.why, stop: objtoolStop) { return }
      }
    }
    let labels = special.jumpLabels
    jumpLabelCount = labels.count
    for jl in labels {
      guard let site = p.instruction(in: jl.code.section, at: jl.code.offset) else {
        if badEntriesAreFindings {
          warnings.append(Finding(at: .inSection(KernelSections.jumpTable, at: jl.entry),
                                  Message(.jumpLabelSiteNotInstruction, place(p, jl.code.section, jl.code.offset)),
                                  severity: .warning))
        } else {
          fatal.append(Finding(at: p.objtoolPlace(jl.code.section, jl.code.offset), Message(.cantFindOriginal)))
          return
        }
        continue
      }
      // objtool needs the target to be an instruction too, whatever the site's kind.
      guard let target = p.instruction(in: jl.target.section, at: jl.target.offset) else {
        if badEntriesAreFindings {
          warnings.append(Finding(at: .inSection(KernelSections.jumpTable, at: jl.entry),
                                  Message(.jumpLabelTargetNotInstruction, place(p, jl.target.section, jl.target.offset)),
                                  severity: .warning))
          continue
        }
        fatal.append(Finding(at: p.objtoolPlace(jl.target.section, jl.target.offset), Message(.cantFindReplacement)))
        return
      }
      if jumpLabelHack && jl.keyFlags & 2 != 0 && kind[site.int] == .jumpUnconditional {
        // Initially off: the JMP is written as a NOP of its length, and is one.
        kind[site.int] = .nop
        jumpLabelNops.append(site)
      }
      switch kind[site.int] {
      case .nop:
        // A NOP site may become a jump to the target.
        addAlternative(site, target)
      case .jumpUnconditional:
        // A JMP site may become a NOP: the next instruction.
        if let n = p.next(site) { addAlternative(site, n) }
      default:
        if badEntriesAreFindings {
          warnings.append(Finding(at: .inSection(KernelSections.jumpTable, at: jl.entry),
                                  Message(.jumpLabelSiteUnsupported, .location(p.location(site))), severity: .warning))
        } else {
          fatal.append(Finding(at: p.location(site), Message(.jumpLabelUnsupportedInstruction)))
        }
      }
    }
    let exceptions = special.exceptionTable
    exceptionEntryCount = exceptions.count
    for ex in exceptions {
      guard let insn = p.instruction(in: ex.insn.section, at: ex.insn.offset),
            let fixup = p.instruction(in: ex.fixup.section, at: ex.fixup.offset) else {
        if badEntriesAreFindings {
          let bad = p.instruction(in: ex.insn.section, at: ex.insn.offset) == nil ? ex.insn : ex.fixup
          warnings.append(Finding(at: .inSection(KernelSections.exceptionTable, at: ex.entry),
                                  Message(.exceptionEntryNotInstruction, place(p, bad.section, bad.offset)),
                                  severity: .warning))
        } else {
          if p.instruction(in: ex.insn.section, at: ex.insn.offset) == nil {
            fatal.append(Finding(at: p.objtoolPlace(ex.insn.section, ex.insn.offset), Message(.cantFindOriginal)))
          } else {
            fatal.append(Finding(at: p.objtoolPlace(ex.fixup.section, ex.fixup.offset), Message(.cantFindReplacement)))
          }
          return
        }
        continue
      }
      addAlternative(insn, fixup)
    }
  }

  private func isStaticJump(_ k: InstructionKind) -> Bool { k == .jumpConditional || k == .jumpUnconditional }

  /// objtool's symbol flags (`classify_symbols`), set on global symbols only.
  struct SymbolClass: OptionSet {
    var rawValue: UInt8
    static let retpolineThunk = SymbolClass(rawValue: 1)
    static let returnThunk = SymbolClass(rawValue: 2)
    static let embeddedInstruction = SymbolClass(rawValue: 4)
    static let staticCallTrampoline = SymbolClass(rawValue: 8)

    init(rawValue: UInt8) { self.rawValue = rawValue }

    init(_ sym: Symbol, arch: ArchitectureDescription) {
      self = []
      guard sym.binding == .global else { return }
      if arch.isRetpolineThunk(sym.name) { insert(.retpolineThunk) }
      if arch.isReturnThunk(sym.name) { insert(.returnThunk) }
      if arch.isEmbeddedInstruction(sym.name) { insert(.embeddedInstruction) }
      if let prefix = arch.staticCallTrampolinePrefix, sym.name.hasPrefix(prefix) { insert(.staticCallTrampoline) }
    }
  }

  /// objtool `is_sibling_call`: an indirect jump in function code that is not a jump
  /// table's, or a static jump with a call destination anywhere (entry code's
  /// `jmp sync_regs` is a sibling call, checked as a call by `--noinstr`).
  func isSiblingCall(_ p: Program, _ i: InsnRef) -> Bool {
    switch kind[i.int] {
    case .jumpDynamic: return p.function(i) != nil && !jumpTable.contains(i)
    case .jumpConditional, .jumpUnconditional: return !callDest[i.int].isNone
    default: return false
    }
  }
}

/// objtool's lists of call sites, each in discovery order (jumps before calls).
struct CallSiteLists {
  /// Calls and tail calls to static-call trampolines (`.static_call_sites`).
  var staticCalls: [InsnRef] = []
  /// Calls and jumps to retpoline thunks (`.retpoline_sites`).
  var retpolines: [InsnRef] = []
  /// Jumps to the return thunk (`.return_sites`).
  var returns: [InsnRef] = []
  /// Direct calls but those above, not in built-in init code (`.call_sites`).
  var calls: [InsnRef] = []
  /// Calls to the ftrace entry hook, with `--mcount` (`__mcount_loc`).
  var mcount: [InsnRef] = []
}
