import UnwindDriver

/// objtool's command line as the contract's objtool has it (6.1 or 6.12): `objtool
/// <actions> [<options>] file.o`, the subcmd parse-options conventions: long options
/// `--name`, `--name=value` (an integer option also takes its value as the next
/// argument), optional values only with `=`; short options bundled (`-or`), `-h` taking
/// its optional value attached (`-hjump_label`). `OBJTOOL_ARGS` holds options parsed
/// first (split at each space); `OBJTOOL_VERBOSE=1` sets `--verbose` (6.12).
enum ObjtoolCommandLine {
  /// A usage error: objtool prints the message (if any) and its usage, and exits 129.
  struct Usage: Error {
    var message: String?
    /// The usage line to print (`check_usage` or, for `OBJTOOL_ARGS`, `env_usage`).
    var usageLine = "objtool <actions> [<options>] file.o"
  }

  enum Kind: @unchecked Sendable {
    case flag(WritableKeyPath<ObjtoolInvocation, Bool>), integer, hacks, dump
    var isHacks: Bool { if case .hacks = self { true } else { false } }
  }

  /// One option of objtool's command line, declared once: its letters, its kind, the
  /// section and help line of the usage text. `ObjtoolContract.accepts` says which
  /// objtool has it.
  struct Option: @unchecked Sendable {  // (key paths are immutable values)
    var short: Character?
    var long: String
    var kind: Kind
    var action: Bool
    /// The usage column (after the letters): `--hacks[=<...>]` is made per contract.
    var argument = ""
    var help: String
  }

  // In objtool's usage order: actions (lettered first), then options.
  static let options: [Option] = [
    Option(short: "h", long: "hacks", kind: .hacks, action: true, help: "patch toolchain bugs/limitations"),
    Option(short: "i", long: "ibt", kind: .flag(\.ibt), action: true, help: "validate and annotate IBT"),
    Option(short: "l", long: "sls", kind: .flag(\.sls), action: true, help: "validate straight-line-speculation mitigations"),
    Option(short: "m", long: "mcount", kind: .flag(\.mcount), action: true, help: "annotate mcount/fentry calls for ftrace"),
    Option(short: "n", long: "noinstr", kind: .flag(\.noinstr), action: true, help: "validate noinstr rules"),
    Option(short: "o", long: "orc", kind: .flag(\.orc), action: true, help: "generate ORC metadata"),
    Option(short: "r", long: "retpoline", kind: .flag(\.retpoline), action: true, help: "validate and annotate retpoline usage"),
    Option(short: "s", long: "stackval", kind: .flag(\.stackval), action: true, help: "validate frame pointer rules"),
    Option(short: "t", long: "static-call", kind: .flag(\.staticCall), action: true, help: "annotate static calls"),
    Option(short: "u", long: "uaccess", kind: .flag(\.uaccess), action: true, help: "validate uaccess rules for SMAP"),
    Option(short: nil, long: "cfi", kind: .flag(\.cfi), action: true,
           help: "annotate kernel control flow integrity (kCFI) function preambles"),
    Option(short: nil, long: "dump", kind: .dump, action: true, argument: "[=<orc>]", help: "dump metadata"),
    Option(short: nil, long: "prefix", kind: .integer, action: true, argument: " <n>", help: "generate prefix symbols"),
    Option(short: nil, long: "rethunk", kind: .flag(\.rethunk), action: true, help: "validate and annotate rethunk usage"),
    Option(short: nil, long: "unret", kind: .flag(\.unret), action: true, help: "validate entry unret placement"),
    Option(short: "v", long: "verbose", kind: .flag(\.verbose), action: false, help: "verbose warnings"),
    Option(short: nil, long: "backtrace", kind: .flag(\.backtrace), action: false, help: "unwind on error"),
    Option(short: nil, long: "backup", kind: .flag(\.backup), action: false, help: "create .orig files before modification"),
    Option(short: nil, long: "dry-run", kind: .flag(\.dryRun), action: false, help: "don't write modifications"),
    Option(short: nil, long: "link", kind: .flag(\.link), action: false, help: "object is a linked object"),
    Option(short: nil, long: "mnop", kind: .flag(\.mnop), action: false, help: "nop out mcount call sites"),
    Option(short: nil, long: "module", kind: .flag(\.module), action: false, help: "object is part of a kernel module"),
    Option(short: nil, long: "no-unreachable", kind: .flag(\.noUnreachable), action: false,
           help: "skip 'unreachable instruction' warnings"),
    Option(short: nil, long: "sec-address", kind: .flag(\.secAddress), action: false,
           help: "print section addresses in warnings"),
    Option(short: nil, long: "stats", kind: .flag(\.stats), action: false, help: "print statistics"),
    // objtool 6.15+'s opt-in to fail the build on warnings (6.1 and 6.12 always exit 0).
    Option(short: nil, long: "werror", kind: .flag(\.werror), action: false,
           help: "fail (exit 1) when there are warnings (objtool 6.15+)"),
  ]
  /// 6.15-6.18's spelling of `--werror` (not in the usage text).
  private static let werrorAlias = "Werror"

  /// objtool's usage text for one contract (its binary's `--help`, plus `--werror`),
  /// headed by `usageLine`.
  static func usageText(_ usageLine: String, _ contract: ObjtoolContract) -> String {
    func line(_ o: Option) -> String {
      let letters = o.short.map { "-\($0), " } ?? "    "
      let argument = o.kind.isHacks ? "[=<\(contract.hacks.joined(separator: ","))>]" : o.argument
      let left = "    \(letters)--\(o.long)\(argument)"
      // subcmd's layout: help at column 26, or on the next line when the option is longer.
      if left.count <= 24 { return left + String(repeating: " ", count: 26 - left.count) + o.help }
      return left + "\n" + String(repeating: " ", count: 26) + o.help
    }
    // Each section lists the lettered options first (the table's order within each).
    let known = options.filter { contract.accepts($0.long) }
    var text = "\n Usage: \(usageLine)\n"
    for (title, actions) in [("Actions", true), ("Options", false)] {
      text += "\n\(title):\n"
      let section = known.filter { $0.action == actions }
      for o in section.filter({ $0.short != nil }) + section.filter({ $0.short == nil }) { text += line(o) + "\n" }
    }
    return text
  }

  /// `--kernel=V` (or `--kernel V`): which kernel's objtool to be, an unwindcheck
  /// extension, taken out of the arguments before objtool's own parsing.
  static func takeKernelOption(_ arguments: inout [String]) throws(Usage) -> String? {
    var found: String?
    var k = 0
    while k < arguments.count {
      let w = arguments[k]
      if w == "--" { break }
      if w.hasPrefix("--kernel=") {
        found = String(w.dropFirst("--kernel=".count))
        arguments.remove(at: k)
      } else if w == "--kernel" {
        guard k + 1 < arguments.count else { throw Usage(message: "Error: option `kernel' requires a value") }
        found = arguments[k + 1]
        arguments.removeSubrange(k...(k + 1))
      } else {
        k += 1
      }
    }
    return found
  }

  /// Parses `OBJTOOL_ARGS` (when set) and then `arguments` into one invocation.
  static func parse(_ arguments: [String], contract: ObjtoolContract, environment: String?, verbose: String?)
    throws(Usage) -> ObjtoolInvocation
  {
    var inv = ObjtoolInvocation()
    inv.contract = contract
    if let environment {
      var files: [String] = []
      let words = environment.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
      do {
        try parse(words, into: &inv, files: &files)
      } catch {
        throw Usage(message: error.message, usageLine: "OBJTOOL_ARGS=\"<options>\"")
      }
      // (A file named there counts as objtool counts it: never, as an option list.)
    }
    if contract.verboseEnvironment && verbose == "1" { inv.verbose = true }
    var files: [String] = []
    try parse(arguments, into: &inv, files: &files)
    guard files.count == 1 else { throw Usage(message: nil) }
    inv.file = files[0]
    return inv
  }

  private static func parse(_ words: [String], into inv: inout ObjtoolInvocation, files: inout [String]) throws(Usage) {
    var k = 0
    var onlyFiles = false
    while k < words.count {
      let w = words[k]
      k += 1
      if onlyFiles || w == "-" || !w.hasPrefix("-") {
        if !w.isEmpty { files.append(w) }
        continue
      }
      if w == "--" { onlyFiles = true; continue }
      if w.hasPrefix("--") {
        let body = w.dropFirst(2)
        let name = body.split(separator: "=", maxSplits: 1).first.map(String.init) ?? ""
        let value = body.contains("=") ? String(body[body.index(after: body.firstIndex(of: "=")!)...]) : nil
        if name == "help" { throw Usage(message: nil) }
        let long = name == werrorAlias ? "werror" : name
        guard inv.contract.accepts(name), let option = options.first(where: { $0.long == long }) else {
          // (subcmd names the whole word, value included)
          throw Usage(message: "Error: unknown option `\(body)'")
        }
        switch option.kind {
        case .flag(let path):
          if value != nil { throw Usage(message: "Error: option `\(name)' takes no value") }
          inv[keyPath: path] = true
        case .integer:
          var text = value
          if text == nil {
            guard k < words.count else { throw Usage(message: "Error: option `\(name)' requires a value") }
            text = words[k]
            k += 1
          }
          guard let t = text, let n = Int(t) else { throw Usage(message: "Error: option `\(name)' expects a numerical value") }
          inv.prefix = n
        case .hacks:
          try setHacks(value, &inv)
        case .dump:
          guard value == nil || value == "orc" else { throw Usage(message: "Error: option `dump' has an invalid value") }
          inv.dumpORC = true
        }
        continue
      }
      // Short options, bundled.
      var rest = Substring(w.dropFirst())
      while let c = rest.first {
        rest = rest.dropFirst()
        guard let option = options.first(where: { $0.short == c && inv.contract.accepts($0.long) }) else {
          throw Usage(message: "Error: unknown switch `\(c)'")
        }
        switch option.kind {
        case .flag(let path):
          inv[keyPath: path] = true
        case .hacks:
          try setHacks(rest.isEmpty ? nil : String(rest), &inv)
          rest = ""
        case .integer, .dump:
          break  // (no short form)
        }
      }
    }
  }

  /// `--hacks[=list]`: no list means every hack this objtool has; a list is matched by
  /// substring, as objtool does. A list naming none: the usage alone, as objtool.
  private static func setHacks(_ list: String?, _ inv: inout ObjtoolInvocation) throws(Usage) {
    var found = false
    let hacks: [(String, WritableKeyPath<ObjtoolInvocation, Bool>)] =
      [("jump_label", \.hackJumpLabel), ("noinstr", \.hackNoinstr), ("skylake", \.hackSkylake)]
    for (name, path) in hacks where inv.contract.hacks.contains(name) && (list == nil || list!.contains(name)) {
      inv[keyPath: path] = true
      found = true
    }
    if !found { throw Usage(message: nil) }
  }
}
