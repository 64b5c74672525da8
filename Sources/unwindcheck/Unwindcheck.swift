// The unwindcheck executable: argument parsing only. Everything else is UnwindDriver.
import ArgumentParser
import ArchX86
import UnwindDriver
import ORC
import UnwindModel

#if canImport(Glibc)
import Glibc
#endif

let unwindcheckVersion = "0.1.0"

struct Unwindcheck: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "unwindcheck",
    abstract: "Static unwind validator for Linux-kernel-style ELF objects (x86-64, arm64).",
    discussion: """
      Exit codes: 0 clean, 1 findings under --werror, 2 usage error, \
      3 unreadable or malformed input.
      """,
    version: unwindcheckVersion,
    subcommands: [Check.self, Decode.self, Alternatives.self, ORCCommand.self, Explain.self],
    defaultSubcommand: nil)
}

struct Check: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Validate the stack metadata of objects, as objtool --orc --dry-run does.")

  @Flag(help: "Print per-object structure counts (sections, symbols, relocations) on stdout.")
  var stats = false

  @Flag(help: "Also apply the frame-pointer rules (objtool --stackval).")
  var stackval = false

  @Flag(help: "The input is a linked object: vmlinux.o or a module's linked .o (objtool --link).")
  var link = false

  @Flag(help: "The object belongs to a module (objtool --module).")
  var module = false

  @Flag(name: .customLong("no-unreachable"), help: "Skip the unreachable-instruction pass.")
  var noUnreachable = false

  @Flag(help: "IBT kernel (objtool --ibt): a direct jump past a function's ENDBR is a sibling call.")
  var ibt = false

  @Flag(help: "Exit with status 1 when there are findings.")
  var werror = false

  @Flag(help: "After each finding, print the branch chain that led to it (objtool --backtrace).")
  var backtrace = false

  @Flag(help: "Print notes under findings (for patch-site conflicts: both streams and their CFI).")
  var verbose = false

  @Flag(help: "Write ORC unwind tables into the object (objtool --orc without --dry-run).")
  var orc = false

  @Option(help: "With --orc: write the result to this file instead of replacing the input.")
  var output: String?

  @Flag(help: "With --orc: regenerate ORC in an object that already has it.")
  var replace = false

  @Option(help: "N bytes of NOP padding before each function become a __pfx_<func> symbol (written to the object even without --orc; with --orc the padding gets the function's CFI) (objtool --prefix; Kbuild passes 16).")
  var prefix: Int = 0

  @Option(help: "Kernel ABI / objtool version to emulate: 6.1, 6.12 or 6.14.")
  var kernel: KernelVersion = .v6_12

  @Flag(name: .customLong("against-dwarf"), help: "Compare the CFI computed from the instructions with the object's DWARF CFI (.eh_frame/.debug_frame, read by libdw) at every instruction boundary; each disagreement is a finding (UV1301-UV1303) with its source line.")
  var againstDwarf = false

  @Flag(help: "With --against-dwarf: print agree/disagree/not-comparable counts per function and object on stdout, then 'dwarf: agree N, disagree M, not comparable K' over all inputs.")
  var summary = false

  @Flag(help: "Add ' (file.c:123)' from the object's line table to findings (always on with --against-dwarf).")
  var lines = false

  @Flag(name: .customLong("callee-saved"), help: "arm64: also track the saves and restores of x19-x28 (compared at joins and returns). Off by default: GCC saves them in path-dependent order, which makes false mismatches.")
  var calleeSaved = false

  @Flag(help: "With --against-dwarf: print both sides at every instruction boundary on stdout: FILE, SECTION, 0xOFFSET, FUNC+0xOFF, ours, DWARF, verdict (tab-separated; each side as 'cfa REG+N ra WHERE fp WHERE').")
  var table = false

  @Argument(help: "Object files: compiler .o, linked module .o, or final .ko.")
  var files: [String]

  func validate() throws {
    if files.isEmpty { throw ValidationError("at least one object file is required") }
    if output != nil && !orc && prefix == 0 { throw ValidationError("--output needs --orc or --prefix") }
    if prefix < 0 { throw ValidationError("--prefix needs a byte count of 0 or more") }
    if output != nil && files.count > 1 { throw ValidationError("--output takes one input file") }
    if (summary || table) && !againstDwarf { throw ValidationError("--summary and --table need --against-dwarf") }
  }

  func run() throws {
    var options = CheckOptions()
    options.stats = stats
    options.stackval = stackval
    options.link = link
    options.module = module
    options.noUnreachable = noUnreachable
    options.ibt = ibt
    options.werror = werror
    options.backtrace = backtrace
    options.verbose = verbose
    options.orc = orc
    options.output = output
    options.replace = replace
    options.prefix = prefix
    options.kernel = kernel
    options.againstDwarf = againstDwarf
    options.summary = summary
    options.table = table
    options.calleeSaved = calleeSaved
    options.sourceLines = lines || againstDwarf
    let status = runCheck(
      paths: files, options: options,
      out: { print($0) },
      err: writeStderr)
    if status != .clean { throw ExitCode(status.rawValue) }
  }
}

struct Decode: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Print every instruction of the executable sections (linear sweep).",
    discussion: """
      One line per instruction: SECTION<TAB>0xOFFSET<TAB>LENGTH<TAB>KIND<TAB>STACK-OPS. \
      KIND is objtool's instruction type (jcc, jmp, jmp*, call, call*, ret, \
      context-switch, bug, nop, endbr, trap, stac, clac, std, cld, other, invalid); \
      direct branches add ->0xTARGET. STACK-OPS is - or DEST<-SRC ops joined by commas. \
      x86-64 and arm64 (AAELF64 mapping symbols and literal pools mark data in text).
      """)

  @Option(help: "Only decode the section with this name.")
  var section: String?

  @Argument(help: "Object files.")
  var files: [String]

  func validate() throws {
    if files.isEmpty { throw ValidationError("at least one object file is required") }
  }

  func run() throws {
    var options = DecodeOptions()
    options.section = section
    var out = OutputBuffer(fd: 1)
    let status = runDecode(paths: files, options: options, out: &out, err: writeStderr)
    if status != .clean { throw ExitCode(status.rawValue) }
  }
}

struct Alternatives: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Show every patch site: its code streams, the merged byte-offset CFI table, conflicts.")

  @Option(help: "Only sites inside this function.")
  var function: String?

  @Option(help: "Kernel ABI / objtool version to emulate: 6.1, 6.12 or 6.14.")
  var kernel: KernelVersion = .v6_12

  @Argument(help: "Object files.")
  var files: [String]

  func validate() throws {
    if files.isEmpty { throw ValidationError("at least one object file is required") }
  }

  func run() throws {
    var options = CheckOptions()
    options.kernel = kernel
    let status = runAlternatives(paths: files, function: function, options: options, out: { print($0) }, err: writeStderr)
    if status != .clean { throw ExitCode(status.rawValue) }
  }
}

struct ORCCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "orc", abstract: "ORC unwind tables.", subcommands: [ORCDumpCommand.self])
}

struct ORCDumpCommand: ParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "dump", abstract: "Print an object's ORC table as objtool --dump=orc does.")

  @Option(help: "ORC format: 6.12 (default; also 6.14) or 6.1.")
  var kernel: KernelVersion = .v6_12

  @Flag(help: "Print the ORC unwindcheck generates for the object (from its own analysis) instead of the ORC it contains.")
  var generate = false

  @Flag(help: "With --generate: analyse as objtool --ibt (Kbuild on IBT kernels).")
  var ibt = false

  @Argument(help: "Object files (.o after objtool, or .ko).")
  var files: [String]

  func validate() throws {
    if files.isEmpty { throw ValidationError("at least one object file is required") }
  }

  func run() throws {
    var out = OutputBuffer(fd: 1)
    var options = CheckOptions()
    options.kernel = kernel
    options.ibt = ibt
    let status = runORCDump(paths: files, format: kernel == .v6_1 ? .v6_1 : .v6_12, generate: generate, options: options,
                            out: &out, err: writeStderr)
    if status != .clean { throw ExitCode(status.rawValue) }
  }
}

struct Explain: ParsableCommand {
  static let configuration = CommandConfiguration(
    abstract: "Explain a finding's rule: meaning, typical causes, how to fix it.")

  @Argument(help: "A rule id (UV1010) or name (stack-state-mismatch); omit to list all rules.")
  var rule: String?

  func run() throws {
    guard let rule else {
      for e in RuleCatalogue.entries { print("\(e.rule.code)  \(e.rule.name)") }
      return
    }
    guard let id = RuleID.named(rule), let entry = RuleCatalogue.entry(for: id) else {
      throw ValidationError("unknown rule '\(rule)' (unwindcheck explain lists them)")
    }
    print(RuleCatalogue.text(for: entry))
  }
}

/// Maps ArgumentParser's usage failures (EX_USAGE, 64) onto our documented exit code 2.
@main
enum Main {
  static func main() {
    do {
      var command = try Unwindcheck.parseAsRoot()
      try command.run()
    } catch {
      let code = Unwindcheck.exitCode(for: error)
      if code == .validationFailure {
        writeStderr(Unwindcheck.fullMessage(for: error))
        exit(ExitStatus.usage.rawValue)
      }
      Unwindcheck.exit(withError: error)
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

extension KernelVersion: ExpressibleByArgument {}
