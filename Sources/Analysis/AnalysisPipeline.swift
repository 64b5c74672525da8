import ELFObject
import WorkPool
import UnwindModel

/// One object's analysis, from its decoded code to findings and per-instruction CFI,
/// built from one context (the file, the architecture, the options):
///
///     Program -> relocations, special sections, patch sites -> Resolution
///       -> unwind hints -> Walker -> its passes (`Pass`, in objtool's `check()` order)
///
/// Each stage is made once and handed to the next; what a stage needs only to be built
/// (the special sections, the relocation index but for `--ibt`/`--noinstr`) is released
/// when the walker is made.
public struct AnalysisPipeline {
  var walker: Walker

  public init(file: ELFFile, texts: consuming [(SectionIndex, DecodedText)], arch: ArchitectureDescription, options: AnalysisOptions) {
    // (Only bytes in the file count: a section without them may claim any size.)
    let alternativeEntries = file.sections.filter { $0.name == KernelSections.alternatives && $0.hasFileBytes }
      .reduce(0) { $0 + Int($1.size) / max(arch.alternativeLayout.entrySize, 1) }
    var program = Program(file: file, texts: texts, virtualRoom: alternativeEntries,
                          workers: options.walkThreads,
                          ownsNoInstructions: { $0.binding == .global && arch.isEmbeddedInstruction($0.name) })
    program.tablePerEntry = options.tablePerEntry
    PhaseTimes.mark("resolve: program")
    let relocations = RelocationIndexCache(file: file)
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
    let recover = file.isFinalModule && !file.sections.contains { $0.name.hasPrefix(KernelSections.discardPrefix) }
    let resolution = Resolution(program: &program, special: special, relocations: relocations, arch: arch, sites: sites,
                                recoverFinalModule: recover, options: options)
    PhaseTimes.mark("resolve: destinations")
    let (kinds, noEndbr) = (resolution.kind, resolution.noEndbr)
    let hints = UnwindHints(program, special, arch: arch, kernel61: options.hintNumbering61, ibt: options.ibt,
                            badEntriesAreFindings: options.badEntriesAreFindings,
                            isEndbrOrNoEndbr: { kinds[$0.int] == .endbr || noEndbr.contains($0) })
    let paravirt = options.noinstr ? Paravirt(program, relocations: relocations, kinds: resolution.kind, conventions: arch.kernel) : nil
    var safe: [Bool] = []
    if options.uaccess {
      // objtool marks the symbol find_symbol_by_name returns: the last of that name.
      safe = [Bool](repeating: false, count: file.symbols.count)
      var last: [String: Int] = [:]
      for sym in file.symbols where arch.kernel.uaccessSafeFunctions.contains(sym.name) { last[sym.name] = Int(sym.index.rawValue) }
      for i in last.values { safe[i] = true }
    }
    // The checks after the walk look up relocations in code only (data sections' come
    // from the file).
    let kept = options.ibt || options.noinstr ? relocations.restricted(to: program.sections.map(\.section)) : nil
    walker = Walker(program: program, resolution: resolution, hints: hints, relocations: kept, paravirt: paravirt,
                    uaccessSafe: safe, arch: arch, options: options)
  }

  /// What the passes have found so far, which decides the ones after.
  struct Progress {
    var warnings = 0
    /// No fatal table finding: the code may be walked.
    var clean = true
    /// A failed UNRET walk: objtool checks and writes nothing more.
    var stopped = false
  }

  /// The walker's passes, in objtool's `check()` order.
  enum Pass: CaseIterable {
    /// The resolution's and the hints' findings, made while reading the tables.
    case tableFindings
    /// UNWIND_HINT_IRET_REGS without ENDBR.
    case iretHints
    /// `--retpoline`/`--rethunk` (objtool `validate_retpoline`).
    case retpoline
    /// Every function from its entry (objtool `validate_functions`).
    case functions
    /// Hinted code no function walk reached (objtool `validate_unwind_hints`).
    case unwindHints
    /// Instructions no walk reached (objtool `validate_reachable_instructions`), only
    /// after a walk without warnings.
    case reachable
    /// `--noinstr` without a full walk: the noinstr sections' functions and hints.
    case noinstrSections
    /// `--unret` (objtool `validate_unrets`).
    case unret
    /// `--ibt` (objtool `validate_ibt`).
    case ibt
    /// `--sls` (objtool `validate_sls`).
    case sls

    func runs(_ o: AnalysisOptions, _ s: Progress, ignoresUnreachable: Bool) -> Bool {
      switch self {
      case .tableFindings: true
      case .iretHints: s.clean
      case .retpoline: s.clean && o.retpolineCheck
      case .functions, .unwindHints: s.clean && o.walk
      case .reachable: s.clean && o.walk && s.warnings == 0 && !ignoresUnreachable
      case .noinstrSections: s.clean && !o.walk && o.noinstr
      case .unret: s.clean && o.unret
      case .ibt: s.clean && !s.stopped && o.ibt
      case .sls: s.clean && !s.stopped && o.slsCheck
      }
    }
  }

  /// Runs the passes and returns findings plus per-instruction CFI.
  public mutating func run() -> ValidationResult {
    var progress = Progress()
    for pass in Pass.allCases where pass.runs(walker.options, progress, ignoresUnreachable: walker.ignoresUnreachable) {
      run(pass, &progress)
    }
    return walker.result()
  }

  private mutating func run(_ pass: Pass, _ s: inout Progress) {
    switch pass {
    case .tableFindings:
      (s.warnings, s.clean) = walker.tableFindings()
    case .iretHints:
      s.warnings += walker.validateIretHints()
    case .retpoline:
      s.warnings += walker.validateRetpoline()
    case .functions:
      s.warnings += walker.validateFunctions()
    case .unwindHints:
      s.warnings += walker.validateUnwindHints()
    case .reachable:
      walker.validateReachable()
    case .noinstrSections:
      s.warnings += walker.validateNoinstrSections()
    case .unret:
      let (n, stop) = walker.validateUnrets()
      s.warnings += n
      s.stopped = stop
    case .ibt:
      s.warnings += walker.validateIBT()
    case .sls:
      s.warnings += walker.validateSLS()
    }
    if PhaseTimes.enabled { PhaseTimes.mark("pass: \(pass)") }
  }

  /// One report per patch site, as the walk left them (optionally only sites in `function`).
  public func patchSites(function: String? = nil) -> [PatchSiteReport] { walker.patchSites(function: function) }
}
