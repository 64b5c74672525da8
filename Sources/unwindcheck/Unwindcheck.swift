// The unwindcheck executable: argument parsing only. Everything else is UnwindDriver.
// The commands are data (CommandSpec tables below), read by CommandLineParser.
import UnwindModel
import UnwindDriver
import ORC

#if canImport(Glibc)
import Glibc
#endif

let unwindcheckVersion = "0.1.0"

/// glibc's `mallopt` (malloc.h is not part of the Glibc module).
@_silgen_name("mallopt") func glibcMallopt(_ parameter: Int32, _ value: Int32) -> Int32

/// What `alternatives`, `trace` and `orc dump` read: the analysis options and their own.
struct SiteArguments {
  var check = CheckOptions()
  var function: String?
  /// `--html FILE`: the page to write.
  var html: String?
  /// `--at FUNCTION+0xOFFSET`: the instruction whose frame the page shows first.
  var at: (function: String, offset: UInt64)?
}

struct ORCDumpArguments {
  var check = CheckOptions()
  var generate = false
}

/// The value parsers the option tables share.
enum OptionValues {
  static func kernel(_ text: String) throws(OptionValueError) -> KernelVersion {
    guard let k = KernelVersion(rawValue: text) else { throw OptionValueError(message: "--kernel takes 6.1, 6.12 or 6.14, not '\(text)'") }
    return k
  }

  static func count(_ name: String) -> (String) throws(OptionValueError) -> Int {
    { text throws(OptionValueError) in
      guard let n = Int(text), n >= 0 else { throw OptionValueError(message: "--\(name) needs a count of 0 or more, not '\(text)'") }
      return n
    }
  }

  static func loaded<T>(_ result: Result<T, FilterFileError>) throws(OptionValueError) -> T {
    switch result {
    case .success(let value): return value
    case .failure(let e): throw OptionValueError(message: e.message)
    }
  }
}

enum Commands {
  static let kernelHelp = "Kernel ABI / objtool version to emulate: 6.1, 6.12 or 6.14."

  /// `check`'s options, each declared once with the field of `CheckOptions` it sets.
  static let checkOptions: [OptionBinding<CheckOptions>] = [
    .flag("stats", \.stats, "Print per-object structure counts (sections, symbols, relocations) on stdout."),
    .flag("stackval", \.stackval, "Also apply the frame-pointer rules (objtool --stackval)."),
    .flag("link", \.link, "The input is a linked object: vmlinux.o or a module's linked .o (objtool --link)."),
    .flag("module", \.module, "The object belongs to a module (objtool --module)."),
    .flag("no-unreachable", \.noUnreachable, "Skip the unreachable-instruction pass."),
    .flag("ibt", \.ibt, "IBT kernel (objtool --ibt): a direct jump past a function's ENDBR is a sibling call."),
    .flag("retpoline", \.retpolineCheck, "objtool --retpoline: indirect calls and jumps outside retpolines and annotated places are findings."),
    .flag("rethunk", \.rethunkCheck, "With --retpoline: bare returns (not through the return thunk) are findings."),
    .flag("sls", \.slsCheck, "objtool --sls: a ret or indirect jump must be followed by int3."),
    .flag("noinstr", \.noinstr, "objtool --noinstr (with --link): calls out of noinstr code need instrumentation_begin(); returns must end it."),
    .flag("unret", \.unret, "objtool --unret: from VALIDATE_UNRET_BEGIN, no return or indirect branch before the untraining."),
    .flag("static-call", \.staticCallCheck, "objtool --static-call: every static call's key symbol exists (not required with --module)."),
    .flag("uaccess", \.uaccess, "objtool --uaccess: no call or return with user access (STAC) enabled; SMAP alternatives followed patched."),
    .flag("werror", \.werror, "Exit with status 1 when there are findings."),
    .value("suppress", "file", \.suppressions, "Accepted findings: lines 'RULE FUNCTION-GLOB OBJECT-GLOB REASON' (rule id, name or *; the reason is required); suppressed findings are counted, kept in JSON/SARIF as suppressed; with --verbose unused entries are named.") { text throws(OptionValueError) in try OptionValues.loaded(Suppressions.load(text)) },
    .value("baseline", "file", \.baseline, "Report only findings not in this baseline (written by --write-baseline), matched by fingerprint.") { text throws(OptionValueError) in try OptionValues.loaded(Baseline.load(text)) },
    .text("write-baseline", "file", \.writeBaseline, "Write the findings (fingerprint, rule, object, place, message) to this file as a baseline."),
    .value("format", "format", \.format, "text (objtool's lines on stderr, the default), json (one JSON object per finding on stdout: JSON Lines) or sarif (one SARIF 2.1.0 log on stdout).") { text throws(OptionValueError) in
      guard let f = OutputFormat(rawValue: text) else { throw OptionValueError(message: "--format takes text, json or sarif, not '\(text)'") }
      return f
    },
    .flag("backtrace", \.backtrace, "After each finding, print the branch chain that led to it (objtool --backtrace)."),
    .flag("verbose", \.verbose, "Print notes under findings (for patch-site conflicts: both streams and their CFI)."),
    .flag("orc", \.orc, "Write ORC unwind tables into the object (objtool --orc without --dry-run)."),
    .flag("against-sframe", \.againstSFrame, "Compare the object's own .sframe (SFrame version 1, 2 or 3, as GNU as writes it from .cfi directives) with the CFI computed from the instructions: disagreements and reached functions without an entry are findings; with --summary the counts on stdout."),
    .optionalValue("sframe", "version", default: "3", \.sframe, "Write an .sframe section computed from the instructions: SFrame version 3 with PC-relative function starts (what the kernel's SFrame readers take; the default), 2, or 1 (what binutils 2.40 reads); functions whose CFI SFrame cannot express get none and a finding.") { text throws(OptionValueError) in
      guard let v = UInt8(text), CheckOptions.sframeVersions.contains(v) else { throw OptionValueError(message: "--sframe: version \(text): unwindcheck writes SFrame versions 1, 2 and 3") }
      return v
    },
    .text("output", "output", \.output, "With --orc: write the result to this file instead of replacing the input."),
    .flag("replace", \.replace, "With --orc: regenerate ORC in an object that already has it."),
    .value("prefix", "prefix", \.prefix, "N bytes of NOP padding before each function become a __pfx_<func> symbol (written to the object even without --orc; with --orc the padding gets the function's CFI) (objtool --prefix; Kbuild passes 16).", OptionValues.count("prefix")),
    .value("kernel", "kernel", \.kernel, kernelHelp + " (default: 6.12)", OptionValues.kernel),
    .value("jobs", "n", \.jobs, "Objects analysed at once, and threads for one big object (default: every core).", OptionValues.count("jobs")),
    .flag("against-dwarf", \.againstDwarf, "Compare the CFI computed from the instructions with the object's DWARF CFI (.eh_frame/.debug_frame, read by libdw) at every instruction boundary; each disagreement is a finding (UV1301-UV1303) with its source line; a frame section too big or slow for libdw is not compared (UV1304)."),
    .flag("summary", \.summary, "With --against-dwarf: print agree/disagree/not-comparable counts per function and object on stdout, then 'dwarf: agree N, disagree M, not comparable K' over all inputs."),
    .flag("lines", \.sourceLines, "Add ' (file.c:123)' from the object's line table to findings (always on with --against-dwarf)."),
    .flag("callee-saved", \.calleeSaved, "arm64: also track the saves and restores of x19-x28 (compared at joins and returns). Off by default: GCC saves them in path-dependent order, which makes false mismatches."),
    .flag("coverage", \.coverage, "With --against-dwarf: list on stdout the functions and blocks of code outside functions that have no DWARF CFI at all, each with how many of its instructions the walk reached and the CFI it computed there (a row at each change: what a hand annotation must say), then the counts."),
    .flag("table", \.table, "With --against-dwarf: print both sides at every instruction boundary on stdout: FILE, SECTION, 0xOFFSET, FUNC+0xOFF, ours, DWARF, verdict (tab-separated; each side as 'cfa REG+N ra WHERE fp WHERE')."),
  ]

  static let check = CommandSpec(
    name: "check",
    abstract: "Validate the stack metadata of objects, as objtool --orc --dry-run does.",
    options: checkOptions.specs(),
    positional: ("files", "Object files: compiler .o, linked module .o, or final .ko."),
    minimumPositional: 1)

  static let decodeOptions: [OptionBinding<DecodeOptions>] = [
    .text("section", "section", \.section, "Only decode the section with this name."),
    .text("function", "name", \.function, "Only the instructions of the functions with this name."),
  ]

  static let decode = CommandSpec(
    name: "decode",
    abstract: "Print every instruction of the executable sections (linear sweep).",
    discussion: "One line per instruction: SECTION<TAB>0xOFFSET<TAB>LENGTH<TAB>KIND<TAB>STACK-OPS<TAB>FUNCTION+0xOFF<TAB>ASSEMBLY (GNU objdump's syntax; .insn and the bytes where unwindcheck does not spell the instruction out). KIND is objtool's instruction type (jcc, jmp, jmp*, call, call*, ret, context-switch, bug, nop, endbr, trap, stac, clac, std, cld, other, invalid); direct branches add ->0xTARGET. STACK-OPS is - or DEST<-SRC ops joined by commas. x86-64 and arm64 (AAELF64 mapping symbols and literal pools mark data in text).",
    options: decodeOptions.specs(),
    positional: ("files", "Object files."), minimumPositional: 1)

  static let alternativesOptions: [OptionBinding<SiteArguments>] = [
    .text("function", "function", \.function, "Only sites inside this function."),
    .value("kernel", "kernel", \.check.kernel, kernelHelp, OptionValues.kernel),
    .text("html", "file", \.html, "Write the sites as one self-contained HTML page instead: per site its streams over the shared byte offsets with the CFI each recorded, the merged table, conflicting slots marked (one input file)."),
  ]

  static let alternatives = CommandSpec(
    name: "alternatives",
    abstract: "Show every patch site: its code streams, the merged byte-offset CFI table, conflicts.",
    options: alternativesOptions.specs(),
    positional: ("files", "Object files."), minimumPositional: 1)

  static let traceOptions: [OptionBinding<SiteArguments>] = [
    .text("function", "name", \.function, "The function (or code symbol) to trace. Required unless --at names it."),
    .text("html", "file", \.html, "Write the trace as one self-contained HTML page instead: the function's control-flow graph laid out by Graphviz (dot) with the CFI after each instruction, a mismatch's two paths in two colours, the frame at an instruction drawn as stack slots (click an instruction), the function's patch sites as tables."),
    .value("at", "place", \.at, "With --html: FUNCTION+0xOFFSET (a finding's place): the instruction whose frame the page shows first; it names the function when --function is not given.") { text throws(OptionValueError) in
      // FUNCTION+0xOFFSET (or FUNCTION alone: its entry).
      let parts = text.split(separator: "+", maxSplits: 1)
      let digits = parts.count == 2 ? parts[1] : "0"
      guard let name = parts.first, let offset = digits.hasPrefix("0x") ? UInt64(digits.dropFirst(2), radix: 16) : UInt64(digits) else {
        throw OptionValueError(message: "--at: '\(text)' is not FUNCTION+0xOFFSET")
      }
      return (String(name), offset)
    },
    OptionBinding<CheckOptions>.flag("stackval", \.stackval, "Walk with the frame-pointer rules (objtool --stackval).").lifted(\.check),
    OptionBinding<CheckOptions>.flag("link", \.link, "The object is linked (vmlinux.o, a module's .ko).").lifted(\.check),
    OptionBinding<CheckOptions>.flag("module", \.module, "The object is a kernel module.").lifted(\.check),
    OptionBinding<CheckOptions>.flag("uaccess", \.uaccess, "Follow the uaccess state (objtool --uaccess).").lifted(\.check),
    OptionBinding<CheckOptions>.flag("ibt", \.ibt, "Analyse as objtool --ibt.").lifted(\.check),
    OptionBinding<CheckOptions>.flag("noinstr", \.noinstr, "Check noinstr rules (with --link).").lifted(\.check),
    .value("kernel", "kernel", \.check.kernel, kernelHelp, OptionValues.kernel),
  ]

  static let trace = CommandSpec(
    name: "trace",
    abstract: "Show the walk of one function: every instruction in walk order with its assembly, stack ops and CFI, the branch decisions, and every stream of its patch sites.",
    discussion: "Lines: '== walk from ...' where a walk starts; one line per instruction walked (function+offset, section+offset, bytes, assembly with the relocation target, stack ops, then '| ' and the CFI after it); '## ' an unwind hint setting the state; '=> ' a patch site or jump table whose other streams are walked first; '-> ' a branch decision or the end of a path; '<- ' back at a branch or site for the path left for later; '-- ' a join with code already walked; '!! ' a finding. Then the instructions no walk reached and each patch site's streams with the merged table.",
    options: traceOptions.specs(),
    positional: ("file", "An object file."), minimumPositional: 1, maximumPositional: 1)

  static let orcDumpOptions: [OptionBinding<ORCDumpArguments>] = [
    .value("kernel", "kernel", \.check.kernel, "ORC format: 6.12 (default; also 6.14) or 6.1.", OptionValues.kernel),
    .flag("generate", \.generate, "Print the ORC unwindcheck generates for the object (from its own analysis) instead of the ORC it contains."),
    OptionBinding<CheckOptions>.flag("ibt", \.ibt, "With --generate: analyse as objtool --ibt (Kbuild on IBT kernels).").lifted(\.check),
  ]

  static let orcDump = CommandSpec(
    name: "dump",
    abstract: "Print an object's ORC table as objtool --dump=orc does.",
    options: orcDumpOptions.specs(),
    positional: ("files", "Object files (.o after objtool, or .ko)."), minimumPositional: 1)

  static let orc = CommandSpec(name: "orc", abstract: "ORC unwind tables.", subcommands: [orcDump])

  static let sframeDump = CommandSpec(
    name: "dump",
    abstract: "Print an object's .sframe section (SFrame version 1, 2 or 3) in the layout of readelf --sframe, with real function starts.",
    positional: ("files", "Object files."), minimumPositional: 1)

  static let sframe = CommandSpec(name: "sframe", abstract: "SFrame stack trace tables.", subcommands: [sframeDump])

  static let explain = CommandSpec(
    name: "explain",
    abstract: "Explain a finding's rule: meaning, typical causes, how to fix it.",
    positional: ("rule", "A rule id (UV1010), a rule name (stack-state-mismatch), or an objtool or unwindcheck warning line pasted whole; omit to list all rules."),
    maximumPositional: 1)

  static let manualOptions: [OptionBinding<ManualArguments>] = [
    .flag("objtool", \.objtool, "The page of the objtool personality (unwindcheck-objtool(1)) instead of unwindcheck(1)."),
  ]

  static let manual = CommandSpec(
    name: "manual",
    abstract: "Print the manual page (roff, for man(1)) generated from the same tables as --help.",
    options: manualOptions.specs())

  static let completion = CommandSpec(
    name: "completion",
    abstract: "Print a shell completion script generated from the same tables as --help (bash).",
    positional: ("shell", "bash."), minimumPositional: 1, maximumPositional: 1)

  static let root = CommandSpec(
    name: "unwindcheck",
    abstract: "Static unwind validator for Linux-kernel-style ELF objects (x86-64, arm64).",
    discussion: "Exit codes: 0 clean, 1 findings under --werror, 2 usage error, 3 unreadable or malformed input.\n\n"
      + "unwindcheck objtool [--kernel=V] OBJTOOL-ARGS FILE (or the binary run under the name objtool, as Kbuild's "
      + "objtool=) stands in for the objtool of kernel V, or of the kernel whose Kbuild runs it (KERNELRELEASE); "
      + "supported: \(ObjtoolContract.supported.map(\.series).joined(separator: ", ")); UNWINDCHECK_KERNEL=V overrides; "
      + "any other kernel is refused and nothing is written.",
    subcommands: [check, decode, alternatives, trace, orc, sframe, explain, manual, completion])
}

/// `manual`'s options.
struct ManualArguments {
  var objtool = false
}

/// Runs the command `path` names; returns the exit status.
func run(_ path: [String], _ a: ParsedArguments) throws(UsageError) -> ExitStatus {
  switch path {
  case ["check"]:
    var o = CheckOptions()
    o.toolVersion = unwindcheckVersion
    try Commands.checkOptions.apply(a, to: &o, command: path)
    // For the differential scripts: the parallel walk on objects of any size.
    if let v = getenv("UNWINDCHECK_PARALLEL_WALK_MIN") { o.parallelWalkMinimum = Int(String(cString: v)) }
    if let problem = o.settle(inputs: a.positional.count) { throw UsageError(message: problem, command: path) }
    return runCheck(paths: a.positional, options: o, out: { print($0) }, err: writeStderr)
  case ["decode"]:
    var o = DecodeOptions()
    try Commands.decodeOptions.apply(a, to: &o, command: path)
    var out = OutputBuffer(fd: 1)
    return runDecode(paths: a.positional, options: o, out: &out, err: writeStderr)
  case ["alternatives"]:
    var o = SiteArguments()
    try Commands.alternativesOptions.apply(a, to: &o, command: path)
    if o.html != nil && a.positional.count != 1 { throw UsageError(message: "--html takes one input file", command: path) }
    return runAlternatives(paths: a.positional, function: o.function, options: o.check, html: o.html,
                           out: { print($0) }, err: writeStderr)
  case ["trace"]:
    var o = SiteArguments()
    try Commands.traceOptions.apply(a, to: &o, command: path)
    if let at = o.at, let function = o.function, at.function != function {
      throw UsageError(message: "--at \(at.function)+0x\(String(at.offset, radix: 16)) is not in --function \(function)", command: path)
    }
    guard let function = o.function ?? o.at?.function else {
      throw UsageError(message: "trace needs --function NAME (or --at FUNCTION+0xOFFSET)", command: path)
    }
    if o.at != nil && o.html == nil { throw UsageError(message: "--at needs --html", command: path) }
    return runTrace(path: a.positional[0], function: function, options: o.check, html: o.html, at: o.at?.offset,
                    out: { print($0) }, err: writeStderr)
  case ["orc", "dump"]:
    var o = ORCDumpArguments()
    try Commands.orcDumpOptions.apply(a, to: &o, command: path)
    var out = OutputBuffer(fd: 1)
    return runORCDump(paths: a.positional, format: ORCFormat(kernel: o.check.kernel), generate: o.generate,
                      options: o.check, out: &out, err: writeStderr)
  case ["sframe", "dump"]:
    var out = OutputBuffer(fd: 1)
    return runSFrameDump(paths: a.positional, out: &out, err: writeStderr)
  case ["explain"]:
    guard let rule = a.positional.first else {
      for e in RuleCatalogue.entries { print("\(e.rule.code)  \(e.rule.name)") }
      return .clean
    }
    guard let id = RuleCatalogue.rule(matching: rule), let entry = RuleCatalogue.entry(for: id) else {
      throw UsageError(message: "no rule matches '\(rule)' (give a rule id, a rule name or a warning line; unwindcheck explain lists the rules)", command: path)
    }
    print(RuleCatalogue.text(for: entry))
    return .clean
  case ["manual"]:
    var o = ManualArguments()
    try Commands.manualOptions.apply(a, to: &o, command: path)
    print(o.objtool ? ManualPage.objtool(version: unwindcheckVersion) : ManualPage.unwindcheck(root: Commands.root, version: unwindcheckVersion),
          terminator: "")
    return .clean
  case ["completion"]:
    guard a.positional == ["bash"] else { throw UsageError(message: "completion: only bash is written", command: path) }
    print(ManualPage.bashCompletion(root: Commands.root), terminator: "")
    return .clean
  default:
    throw UsageError(message: "unknown command '\(path.joined(separator: " "))'", command: [])
  }
}

@main
enum Main {
  static func main() {
    // glibc malloc, tuned for kernel-scale runs. Arrays under 32 MB come from the heap,
    // with a fixed threshold (the adaptive one made peak RSS vary with thread timing):
    // a phase's freed columns are reused by the next phase's instead of being unmapped
    // and faulted in again, zero-filled (vmlinux.o: 0.13 s of ~1 s, for ~30 MB more
    // peak). Larger arrays still get their own mappings.
    _ = glibcMallopt(-3 /* M_MMAP_THRESHOLD */, 32 << 20)
    let arguments = Array(CommandLine.arguments.dropFirst())
    // Standing in for objtool: run as `objtool` or `objtool.real-<arch>` (a link or a
    // copy, under Debian's wrapper that execs argv[0].real-$SRCARCH), or as
    // `unwindcheck objtool ARGS`.
    let name = CommandLine.arguments.first.map { String($0.split(separator: "/").last ?? "") } ?? ""
    if name == "objtool" || name.hasPrefix("objtool.real-") {
      exit(objtoolMain(arguments))
    }
    if arguments.first == "objtool" {
      exit(objtoolMain(Array(arguments.dropFirst())))
    }
    do throws(UsageError) {
      switch try CommandLineParser.parse(arguments, root: Commands.root) {
      case .version:
        print(unwindcheckVersion)
      case .help(let path):
        print(CommandLineParser.help(for: path, root: Commands.root), terminator: "")
      case .run(let path, let parsed):
        if parsed.positional.count == 1 {
          // One object: its helper threads allocate little, and their own arenas
          // would hold freed heap memory the main thread cannot reuse (peak RSS
          // 370-410 MB on vmlinux.o with per-thread arenas, ~395 MB with one).
          _ = glibcMallopt(-8 /* M_ARENA_MAX */, 1)
        }
        let status = try run(path, parsed)
        exit(status.rawValue)
      }
    } catch {
      let full = (["unwindcheck"] + error.command).joined(separator: " ")
      writeStderr("Error: \(error.message)\nUsage: see '\(full) --help'")
      exit(ExitStatus.usage.rawValue)
    }
  }
}

/// Writes one line to file descriptor 2 (unbuffered, so it interleaves with stdout as
/// the lines were produced).
func writeStderr(_ line: String) {
  var text = line
  text.append("\n")
  text.withUTF8 { buf in
    var rest = UnsafeRawBufferPointer(buf)
    while !rest.isEmpty {
      let n = write(2, rest.baseAddress, rest.count)
      if n <= 0 { return }
      rest = UnsafeRawBufferPointer(rebasing: rest[n...])
    }
  }
}

/// `objtool ARGS`: the objtool of the kernel that runs it (`ObjtoolContract.select`),
/// its command line and exit statuses; refused, writing nothing, when that kernel is
/// not supported or unknown.
func objtoolMain(_ arguments: [String]) -> Int32 {
  func env(_ name: String) -> String? { getenv(name).map { String(cString: $0) } }
  var arguments = arguments
  var environment = env("OBJTOOL_ARGS")
  var contract = ObjtoolContract.v6_12
  do throws(ObjtoolCommandLine.Usage) {
    var words = environment.map { $0.split(separator: " ", omittingEmptySubsequences: false).map(String.init) } ?? []
    let fromEnvironment = try ObjtoolCommandLine.takeKernelOption(&words)
    if environment != nil { environment = words.joined(separator: " ") }
    let option = try ObjtoolCommandLine.takeKernelOption(&arguments) ?? fromEnvironment
    switch ObjtoolContract.select(option: option, environment: env) {
    case .success(let c): contract = c
    case .failure(let refusal):
      writeStderr(refusal.message)
      return ObjtoolExit.failed
    }
    let invocation = try ObjtoolCommandLine.parse(arguments, contract: contract, environment: environment,
                                                  verbose: env("OBJTOOL_VERBOSE"))
    return runObjtool(invocation, out: { print($0) }, err: writeStderr)
  } catch {
    if let message = error.message { writeStderr("  \(message)") }
    writeStderr(ObjtoolCommandLine.usageText(error.usageLine, contract))
    return ObjtoolExit.usage
  }
}
