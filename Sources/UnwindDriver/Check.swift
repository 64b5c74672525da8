import Glibc
import Analysis
import DwarfCFI
import WorkPool
import ELFObject
import UnwindModel
import SFrame

/// Options of `unwindcheck check`, with objtool's meanings.
public struct CheckOptions: Sendable {
  /// Print per-object structure counts on stdout.
  public var stats = false
  /// `--stackval`: add the frame-pointer rules.
  public var stackval = false
  /// `--link`, `--module`, `--no-unreachable` as objtool.
  public var link = false
  public var module = false
  public var noUnreachable = false
  /// `--ibt` (Kbuild passes it with X86_KERNEL_IBT): jumps past ENDBR are sibling calls.
  public var ibt = false
  /// Findings make the run fail (exit 1).
  public var werror = false
  /// `--format`: objtool's text lines on stderr, or JSON Lines / SARIF on stdout.
  public var format = OutputFormat.text
  /// The version SARIF names its tool with.
  public var toolVersion = "0"
  /// `--suppress`, `--baseline`, `--write-baseline`.
  public var suppressions: Suppressions?
  public var baseline: Baseline?
  public var writeBaseline: String?
  /// Findings go through `ReportedFinding` (machine formats, filters) instead of being
  /// printed as the object is checked.
  var defersFindings: Bool { format != .text || suppressions != nil || baseline != nil || writeBaseline != nil }
  /// Print the branch chain after each finding.
  public var backtrace = false
  /// Print each finding's notes (patch-site conflicts: both streams and their CFI).
  public var verbose = false
  /// `--orc`: write ORC into the object (or into `output`).
  public var orc = false
  public var output: String?
  /// Regenerate when the object already has ORC.
  public var replace = false
  /// `--prefix=N`: N bytes of NOP padding before functions become `__pfx_` symbols.
  public var prefix = 0
  /// `--against-dwarf`: compare the computed CFI with the object's DWARF CFI.
  public var againstDwarf = false
  /// `--summary` (with `--against-dwarf`): agree/disagree/not-comparable counts per
  /// function and object on stdout, and the total line.
  public var summary = false
  /// `--table` (with `--against-dwarf`): both sides at every boundary, on stdout.
  public var table = false
  /// `--sframe[=VERSION]`: write an `.sframe` section computed from the instructions
  /// (with `--output`, into a copy); functions SFrame cannot describe are findings.
  public var sframe: UInt8?
  /// The SFrame versions `--sframe` writes.
  public static let sframeVersions = SFrame.versions
  /// `--against-sframe`: the object's own `.sframe` against the computed CFI.
  public var againstSFrame = false
  /// `--coverage` (with `--against-dwarf`): the code without DWARF CFI, with the CFI the
  /// walk computed for it, on stdout.
  public var coverage = false
  /// `--lines`: add ` (file.c:123)` to findings (always on with `--against-dwarf`).
  /// Off by default so plain `check` prints objtool's exact text.
  public var sourceLines = false
  /// arm64 `--callee-saved`: also track x19-x28 saves/restores (compared at joins and
  /// returns). Off by default: GCC saves them in path-dependent order.
  public var calleeSaved = false
  /// Kernel ABI / objtool version to emulate.
  public var kernel = KernelVersion.v6_12
  /// `--jobs N`: objects analysed at once, and worker threads inside one big object;
  /// 0 means one per core.
  public var jobs = 0
  /// A one-object run leaves its analysis for the process exit to free (Kbuild's case);
  /// a caller that checks many objects one call at a time (the fuzz harness) frees each.
  public var freeEachObject = false
  /// The site sections and rewrites objtool writes for Kbuild (the `objtool` front end).
  public var writes = KbuildWrites()
  /// Standing in for objtool: its message texts, its exit statuses, and sections the
  /// object already has are skipped with a note instead of refused.
  public var objtoolFrontEnd = false
  /// Stop at a bad `__jump_table`/`__ex_table` entry as objtool does (its front end
  /// always; the objtool-verdict tests set it) instead of reporting it and going on.
  public var stopAtBadTableEntries = false
  /// `--dry-run`: analyse, write nothing. `--backup`: keep `FILE.orig` before writing.
  public var dryRun = false
  /// Build the written object in memory only and parse it back (the fuzz harness's
  /// whole-pipeline target: nothing touches the file system).
  public var imageInMemory = false
  public var backup = false
  /// `--hacks=jump_label`, `--hacks=noinstr` (the rewrites need the analysis to treat
  /// those instructions as what they become).
  public var jumpLabelHack = false
  public var noinstrHack = false
  /// `--mcount`.
  public var mcount = false
  /// `--static-call` (check): the static calls' keys are looked up as objtool does when
  /// it lists them (the objtool front end reports this while writing).
  public var staticCallCheck = false
  /// `--noinstr`, `--unret` (objtool's DEBUG_ENTRY checks of vmlinux).
  public var noinstr = false
  public var unret = false
  /// `--uaccess`: STAC/CLAC tracked along every path (the SMAP alternatives followed
  /// patched), calls and returns with user access enabled are findings.
  public var uaccess = false
  /// `--retpoline`, `--rethunk`, `--sls`: the mitigation checks.
  public var retpolineCheck = false
  public var rethunkCheck = false
  public var slsCheck = false
  /// Walk the functions and report what the walk finds (objtool: only with `--orc`,
  /// `--stackval`, `--uaccess`).
  public var walkFindings = true
  /// `--sec-address`: the section offset after each symbol-relative place.
  public var sectionAddresses = false
  /// Objects with at least this many instructions have their functions walked on
  /// several threads (nil: the analysis default). Tests and the differential scripts
  /// set 0 to run the parallel walk on every object.
  public var parallelWalkMinimum: Int?
  public init() {}

  /// Threads for the parallel phases inside one object (decoding a big section).
  var threadsPerObject: Int { jobs > 0 ? jobs : ProcessorCount.online }
  /// A one-object run on a terminal: the functions walked, as a progress line.
  var walkProgress: WalkProgressLine?

  /// The rules between options, in one place: what one option implies for another, and
  /// the combinations that make no sense (then the usage error's message).
  public mutating func settle(inputs: Int) -> String? {
    if againstDwarf { sourceLines = true }
    if output != nil && !orc && prefix == 0 && sframe == nil { return "--output needs --orc, --prefix or --sframe" }
    if output != nil && inputs > 1 { return "--output takes one input file" }
    if (table || coverage) && !againstDwarf { return "--table and --coverage need --against-dwarf" }
    if summary && !againstDwarf && !againstSFrame { return "--summary needs --against-dwarf or --against-sframe" }
    return nil
  }

  var analysisOptions: AnalysisOptions {
    var o = AnalysisOptions()
    o.framePointerRules = stackval
    o.linked = link
    o.module = module
    o.skipUnreachable = noUnreachable
    o.ibt = ibt
    let traits = kernel.objtool
    o.hintNumbering61 = traits.hintNumbering61
    o.backtrace = backtrace
    o.explainPaths = verbose || format != .text
    o.annotateInstructions = traits.annotateInstructions
    o.conflictAtInstruction = traits.conflictAtInstruction
    o.firstUnreachableOnly = traits.firstUnreachableOnly
    o.tablePerEntry = traits.tablePerEntry
    o.badEntriesAreFindings = !(objtoolFrontEnd || stopAtBadTableEntries)
    o.relativeJumpTables = againstDwarf
    o.walkThreads = threadsPerObject
    if let parallelWalkMinimum { o.parallelWalkMinimum = parallelWalkMinimum }
    if let walkProgress { o.rootsWalked = { walkProgress.add($0, of: $1) } }
    o.jumpLabelHack = jumpLabelHack
    o.noinstrHack = noinstrHack
    o.uaccess = uaccess
    o.noinstr = noinstr
    o.unret = unret
    o.retpolineCheck = retpolineCheck
    o.rethunkCheck = rethunkCheck
    o.slsCheck = slsCheck
    o.walk = walkFindings
    o.collectSites = writes.any || staticCallCheck
    o.mcount = mcount
    return o
  }
}

/// Structure counts of one object, as `check --stats` prints them.
public struct ObjectSummary: Sendable, Equatable {
  public var machine: Machine
  public var byteOrder: ByteOrder
  public var sections: Int
  public var executableSections: Int
  public var symbols: Int
  public var relocationSections: Int
  public var relocations: Int

  public init(_ file: ELFFile) {
    machine = file.machine
    byteOrder = file.byteOrder
    sections = file.sections.count
    executableSections = file.sections.filter(\.isExecutable).count
    symbols = file.symbols.count
    relocationSections = file.relocationSections.count + file.deferredRelocationSections.count
    relocations = file.relocationCount
  }

  /// `key: value` lines, objtool `--stats` style, one object per block.
  public func statsText(path: String) -> String {
    """
    \(path): machine: \(machine), \(byteOrder == .little ? "little" : "big")-endian
    \(path): sections: \(sections) (\(executableSections) executable)
    \(path): symbols: \(symbols)
    \(path): relocations: \(relocations) in \(relocationSections) sections
    """
  }
}

/// Validates one opened object: x86-64 objects get the stack validation; others
/// (arm64 until its issue lands) only the structural checks done when opening.
public func validate(_ file: ELFFile, options: CheckOptions) -> [Finding] {
  analyse(file, options: options)?.findings ?? []
}

/// The full validation result (findings and per-instruction CFI) of an x86-64 object.
/// The description the analysis runs with for `file`'s machine (nil: not analysed).
func architecture(of file: ELFFile, options: CheckOptions) -> ArchitectureDescription? {
  ArchitectureSupport.of(file.machine)?.description(options)
}

/// `extraNoreturns` adds to the kernel's list of functions that never return (the
/// DWARF cross-check passes the debug information's `DW_AT_noreturn` functions).
public func analyse(_ file: ELFFile, options: CheckOptions, extraNoreturns: Set<String> = []) -> ValidationResult? {
  guard var arch = architecture(of: file, options: options),
        let texts = try? ObjectDecoder.decodeForAnalysis(of: file, calleeSaved: options.calleeSaved,
                                                         workers: options.threadsPerObject) else { return nil }
  PhaseTimes.mark("decode")
  arch.noreturnFunctions.formUnion(extraNoreturns)
  var pipeline = AnalysisPipeline(file: file, texts: consume texts,
                            arch: arch,
                            options: options.analysisOptions)
  PhaseTimes.mark("resolve")
  let result = pipeline.run()
  PhaseTimes.mark("walk")
  return result
}

/// What checking one object produced: its output lines in order (stdout or stderr),
/// its status and counts. Objects are checked independently, so a batch can run them
/// on several threads and still print each object's lines together, in input order.
struct ObjectReport: Sendable {
  /// `findings`: where the findings' lines go when they are rendered after filtering.
  enum Stream: Sendable { case out, err, findings }
  var lines: [(Stream, String)] = []
  var status = ExitStatus.clean
  var anyFinding = false
  /// Findings reported (not notes), for the summary line.
  var findingCount = 0
  var dwarf = DwarfCounts()
  /// With `--format json|sarif`: the findings, for the machine output.
  var machine: [ReportedFinding] = []

  mutating func out(_ line: String) { lines.append((.out, line)) }
  mutating func err(_ line: String) { lines.append((.err, line)) }
}

/// `unwindcheck check FILE...`: opens and validates each object. Every unreadable
/// object gives one error line; the others are processed regardless. Findings go to
/// `err` in objtool's line shape. With several objects and `--jobs` other than 1 they
/// are analysed concurrently (libdw, used by `--against-dwarf`/`--lines`, keeps them
/// sequential); the lines still come out per object, in the order of `paths`.
public func runCheck(paths: [String], options: CheckOptions,
                     out: (String) -> Void, err: (String) -> Void) -> ExitStatus {
  var status = ExitStatus.clean
  var anyFinding = false
  var dwarfTotal = DwarfCounts()
  let usesLibDW = options.againstDwarf || options.sourceLines
  let workers = usesLibDW ? 1 : min(paths.count, options.jobs > 0 ? options.jobs : ProcessorCount.online)
  let progress = Progress(total: paths.count, unit: "objects", enabled: paths.count > 1)
  var withProgress = options
  if paths.count == 1 {
    // One big object (vmlinux.o): its functions as they are walked.
    let walk = WalkProgressLine()
    if walk.isEnabled { withProgress.walkProgress = walk }
  }
  let options = withProgress
  // One object (as Kbuild runs it): its analysis is left for the process exit to free
  // (tearing down a kernel's tens of arrays one by one costs more than the exit).
  let keep = paths.count == 1 && !options.freeEachObject
  var sarif: [ReportedFinding] = []
  var findingTotal = 0, unreadable = 0
  var baseline = options.baseline
  var counts = FilterCounts(entries: options.suppressions?.entries.count ?? 0)
  var toBaseline: [ReportedFinding] = []
  /// The suppressions and the baseline applied, in order (a baseline fingerprint is
  /// used up by the first finding it matches).
  func filtered(_ findings: [ReportedFinding]) -> [ReportedFinding] {
    var out: [ReportedFinding] = []
    for var r in findings {
      if r.finding.rule != .backtrace, let s = options.suppressions, let k = s.match(r) {
        r.suppression = s.entries[k].reason
        counts.suppressed += 1
        counts.used[k] += 1
      } else if r.finding.rule != .backtrace {
        toBaseline.append(r)
        if let n = baseline?.counts[r.fingerprint], n > 0 {
          baseline?.counts[r.fingerprint] = n - 1
          counts.inBaseline += 1
          continue
        }
      }
      out.append(r)
    }
    return out
  }
  forEachInOrder(count: paths.count, workers: workers,
                 work: { checkObject(path: paths[$0], options: options, keepUntilExit: keep) },
                 consume: { _, report in
                   if !report.lines.isEmpty { progress.clear() }
                   var report = report
                   for (stream, line) in report.lines {
                     switch stream {
                     case .out: out(line)
                     case .err: err(line)
                     case .findings:
                       let shown = filtered(report.machine)
                       report.anyFinding = shown.contains { $0.suppression == nil && $0.finding.severity != .note }
                       report.findingCount = shown.filter { $0.suppression == nil && $0.finding.severity != .note }.count
                       switch options.format {
                       case .text:
                         for r in shown where r.suppression == nil {
                           for line in DiagnosticText.lines(r.finding, file: r.file, verbose: options.verbose) { err(line) }
                         }
                       case .json: for r in shown where r.finding.rule != .backtrace { out(FindingJSON.line(r)) }
                       case .sarif: sarif += shown
                       }
                     }
                   }
                   progress.advance()
                   findingTotal += report.findingCount
                   if report.status == .badInput { unreadable += 1 }
                   if report.status == .badInput || (report.status == .findings && status == .clean) { status = report.status }
                   anyFinding = anyFinding || report.anyFinding
                   dwarfTotal += report.dwarf
                 })
  progress.finish()
  if options.format == .sarif { out(FindingSARIF.log(sarif, files: paths, version: options.toolVersion)) }
  if let path = options.writeBaseline {
    if let problem = writeTextFile(path, Baseline.text(toBaseline)) {
      err("unwindcheck: error: cannot write the baseline \(path): \(problem)")
      status = .badInput
    }
  }
  if options.suppressions != nil || options.baseline != nil {
    err("unwindcheck: \(counts.suppressed) finding\(counts.suppressed == 1 ? "" : "s") suppressed, \(counts.inBaseline) in the baseline")
  }
  // One summary line when a person is reading (stderr a terminal) or with --stats.
  if options.stats || isatty(2) != 0 {
    var parts = ["\(paths.count) object\(paths.count == 1 ? "" : "s")", "\(findingTotal) finding\(findingTotal == 1 ? "" : "s")"]
    if unreadable > 0 { parts.append("\(unreadable) unreadable") }
    err("unwindcheck: " + parts.joined(separator: ", "))
  }
  if options.verbose, let s = options.suppressions {
    for (k, e) in s.entries.enumerated() where counts.used[k] == 0 {
      err("unwindcheck: note: suppression \(e.origin) (\(e.rule) \(e.function) \(e.object)) matched nothing")
    }
  }
  if options.againstDwarf && options.summary { out("dwarf: \(dwarfTotal.shortText)") }
  if status == .clean && anyFinding && options.werror { status = .findings }
  return status
}

/// Checks one object (and writes its ORC when asked).
func checkObject(path: String, options: CheckOptions, keepUntilExit: Bool = false, opened: ELFFile? = nil) -> ObjectReport {
  var report = ObjectReport()
  do {
    let file: ELFFile
    if let opened { file = opened } else { file = try ELFFile.open(path: path) }
    PhaseTimes.mark("open")
    if options.stats { report.out(ObjectSummary(file).statsText(path: path)) }
    let dwarf = options.againstDwarf || options.sourceLines ? DwarfObject(file: file) : nil
    // The cross-check walks with the compiler's noreturn knowledge, so a call to a
    // user-space noreturn function (abort, a _Noreturn error handler) ends the path
    // as the compiler assumed when it wrote the CFI.
    let result = analyse(file, options: options,
                         extraNoreturns: options.againstDwarf ? dwarf?.noreturnFunctions() ?? [] : [])
    options.walkProgress?.finish()
    if keepUntilExit, let result { KeptUntilExit.shared.keep((file, result)) }
    var findings = result?.findings ?? []
    if options.staticCallCheck && !options.writes.staticCalls, let result, file.section(named: KernelSections.staticCallSites) == nil,
       let arch = ArchitectureSupport.of(file.machine),
       case .failure(let problem) = staticCallKeys(file, result.patchLists, arch: arch, module: options.module) {
      findings.append(problem.finding)
    }
    if options.againstDwarf || options.sourceLines {
      if options.againstDwarf, let result, let dwarf {
        let x = crossCheckDwarf(file: file, result: result, dwarf: dwarf,
                                map: DwarfRegisterMap(result.registers), table: options.table, coverage: options.coverage)
        for line in x.table { report.out("\(path)\t\(line)") }
        for line in x.coverage?.lines(path: path) ?? [] { report.out(line) }
        findings += x.findings
        // Frame sections libdw would need unbounded memory or time for (FrameSectionScan):
        // a malformed table, so a finding, and the rest is still checked.
        for (name, reason) in dwarf.refusedFrameSections {
          findings.append(Finding(scope: Message(.frameSectionNotCompared, .name(name), .value(reason)), section: name))
        }
        report.dwarf += x.total
        if options.summary {
          for (name, c) in x.functions { report.out("\(path): \(name): \(c.shortText)") }
          let sections = x.frameSections.isEmpty ? "no DWARF CFI" : x.frameSections.map(\.rawValue).joined(separator: "+")
          report.out("\(path): dwarf (\(sections)): \(x.total.detailedText)")
        }
      } else if options.againstDwarf {
        report.err("\(path): warning: unwindcheck: no DWARF cross-check (\(result == nil ? "architecture not analysed yet" : DwarfObject.libraryLoadError.map { "cannot load libdw: \($0)" } ?? "libdw cannot open the object"))")
      }
      if let dwarf { attachSourceLines(&findings, file: file, dwarf: dwarf) }
    }
    if options.againstSFrame, let result {
      switch checkAgainstSFrame(file, result: result) {
      case .success(let x):
        findings += x.findings
        if options.stats || options.summary {
          report.out("\(path): sframe: \(x.functions) functions compared (\(x.instructions) instructions, \(x.disagreeing) disagreeing), \(x.missing) reached without an entry"
                     + (x.notCompared > 0 ? ", \(x.notCompared) entries not compared (flexible or PC-mask)" : "")
                     + (x.lateEntries > 0 ? ", \(x.lateEntries) entries starting after the function (\(x.uncoveredInstructions) instructions before them)" : ""))
        }
      case .failure(.noSection):
        report.err("\(path): warning: unwindcheck: no .sframe section to check")
      case .failure(.unreadable(let why)):
        report.err(DiagnosticFormat.error(path: path, "cannot read .sframe: \(why)"))
        report.status = .badInput
      }
    }
    // SFrame from the instructions (`--sframe`): its findings join the others (filters,
    // formats), its section waits for the write below.
    var extraSections: [SectionEdit] = []
    if let version = options.sframe, let result {
      if let build = buildSFrame(file, result: result, version: version) {
        findings += build.findings
        if options.stats {
          report.out("\(path): sframe: \(build.covered) of \(build.reached) reached functions described, \(build.rowCount) rows")
        }
        do {
          extraSections.append(try sframeSection(build, machine: file.machine, order: file.byteOrder))
        } catch {
          report.err(DiagnosticFormat.error(path: path, "cannot encode SFrame: \(error)"))
          report.status = .findings
        }
      } else {
        report.err(DiagnosticFormat.error(path: path, "SFrame has no ABI for \(file.machine)"))
        report.status = .findings
      }
    }
    if options.stats, let result {
      let total = result.instructionCFI.reduce(0) { $0 + $1.offsets.count }
      let walked = result.instructionCFI.reduce(0) { n, s in n + s.cfi.lazy.filter { $0 != nil }.count }
      report.out("\(path): instructions: \(total) (\(walked) with a CFI state)")
    }
    if options.stats, let c = result?.patchSiteCounts {
      report.out("\(path): patch sites: \(c.sites) (\(c.replacements) replacements, \(c.multiSites) with 2+), jump labels: \(c.jumpLabels), exception entries: \(c.exceptionEntries)")
    }
    let style: DiagnosticText.Style = options.objtoolFrontEnd
      ? .objtool(sectionAddresses: options.sectionAddresses) : .unwindcheck
    if !options.defersFindings {
      for f in findings {
        for line in DiagnosticText.lines(f, file: path, verbose: options.verbose, style: style) { report.err(line) }
      }
    } else {
      report.machine = findings.map { ReportedFinding(file: path, finding: $0, in: file) }
      report.lines.append((.findings, ""))
    }
    report.anyFinding = findings.contains { $0.severity != .note }
    report.findingCount = findings.filter { $0.severity != .note }.count
    if options.orc || options.prefix > 0 || options.writes.any || !extraSections.isEmpty, let result {
      defer { PhaseTimes.mark("write") }
      switch writeObject(file, result: result, path: path, options: options, extraSections: extraSections) {
      case .written(let notes), .skipped(let notes):
        for n in notes { report.err("\(path): warning: \(style.tool): \(n)") }
      case .refused(let message):
        report.err(DiagnosticFormat.error(path: path, message))
        report.status = .findings
      case .failed(let message):
        report.err(DiagnosticFormat.error(path: path, message))
        report.status = .badInput
      }
    }
  } catch {
    report.err(DiagnosticFormat.line(for: error, path: path))
    report.status = .badInput
  }
  return report
}

/// What a one-object run hands to the process exit instead of freeing it.
final class KeptUntilExit: @unchecked Sendable {
  // @unchecked: written once by the single object's worker, never read.
  static let shared = KeptUntilExit()
  private var values: [Any] = []
  func keep(_ value: Any) { values.append(value) }
}
