import UnwindDriver

/// objtool 6.12's command line (`objtool <actions> [<options>] file.o`, the subcmd
/// parse-options conventions): long options `--name`, `--name=value` (an integer option
/// also takes its value as the next argument), optional values only with `=`; short
/// options bundled (`-or`), `-h` taking its optional value attached (`-hjump_label`).
/// `OBJTOOL_ARGS` holds options parsed first (split at each space); `OBJTOOL_VERBOSE=1`
/// sets `--verbose`.
enum ObjtoolCommandLine {
  /// A usage error: objtool prints the message (if any) and its usage, and exits 129.
  struct Usage: Error {
    var message: String?
    /// The usage line to print (`check_usage` or, for `OBJTOOL_ARGS`, `env_usage`).
    var usageLine = "objtool <actions> [<options>] file.o"
  }

  private enum Kind: @unchecked Sendable { case flag(WritableKeyPath<ObjtoolInvocation, Bool>), integer, hacks, dump }

  private struct Option: @unchecked Sendable {  // (key paths are immutable values)
    var short: Character?
    var long: String
    var kind: Kind
  }

  private static let options: [Option] = [
    Option(short: "h", long: "hacks", kind: .hacks),
    Option(short: "i", long: "ibt", kind: .flag(\.ibt)),
    Option(short: "m", long: "mcount", kind: .flag(\.mcount)),
    Option(short: "n", long: "noinstr", kind: .flag(\.noinstr)),
    Option(short: "o", long: "orc", kind: .flag(\.orc)),
    Option(short: "r", long: "retpoline", kind: .flag(\.retpoline)),
    Option(short: nil, long: "rethunk", kind: .flag(\.rethunk)),
    Option(short: nil, long: "unret", kind: .flag(\.unret)),
    Option(short: nil, long: "prefix", kind: .integer),
    Option(short: "l", long: "sls", kind: .flag(\.sls)),
    Option(short: "s", long: "stackval", kind: .flag(\.stackval)),
    Option(short: "t", long: "static-call", kind: .flag(\.staticCall)),
    Option(short: "u", long: "uaccess", kind: .flag(\.uaccess)),
    Option(short: nil, long: "cfi", kind: .flag(\.cfi)),
    Option(short: nil, long: "dump", kind: .dump),
    Option(short: nil, long: "backtrace", kind: .flag(\.backtrace)),
    Option(short: nil, long: "backup", kind: .flag(\.backup)),
    Option(short: nil, long: "dry-run", kind: .flag(\.dryRun)),
    Option(short: nil, long: "link", kind: .flag(\.link)),
    Option(short: nil, long: "module", kind: .flag(\.module)),
    Option(short: nil, long: "mnop", kind: .flag(\.mnop)),
    Option(short: nil, long: "no-unreachable", kind: .flag(\.noUnreachable)),
    Option(short: nil, long: "sec-address", kind: .flag(\.secAddress)),
    Option(short: nil, long: "stats", kind: .flag(\.stats)),
    Option(short: "v", long: "verbose", kind: .flag(\.verbose)),
    // objtool 6.15+'s opt-in to fail the build on warnings (6.12 always exits 0).
    Option(short: nil, long: "werror", kind: .flag(\.werror)),
    Option(short: nil, long: "Werror", kind: .flag(\.werror)),
  ]

  /// objtool's usage text (the help of its 6.12 binary, plus `--werror`), headed by
  /// `usageLine`.
  static func usageText(_ usageLine: String) -> String { "\n Usage: \(usageLine)\n" + optionsText }

  private static let optionsText = """

    Actions:
        -h, --hacks[=<jump_label,noinstr,skylake>]
                              patch toolchain bugs/limitations
        -i, --ibt             validate and annotate IBT
        -l, --sls             validate straight-line-speculation mitigations
        -m, --mcount          annotate mcount/fentry calls for ftrace
        -n, --noinstr         validate noinstr rules
        -o, --orc             generate ORC metadata
        -r, --retpoline       validate and annotate retpoline usage
        -s, --stackval        validate frame pointer rules
        -t, --static-call     annotate static calls
        -u, --uaccess         validate uaccess rules for SMAP
            --cfi             annotate kernel control flow integrity (kCFI) function preambles
            --dump[=<orc>]    dump metadata
            --prefix <n>      generate prefix symbols
            --rethunk         validate and annotate rethunk usage
            --unret           validate entry unret placement

    Options:
        -v, --verbose         verbose warnings
            --backtrace       unwind on error
            --backup          create .orig files before modification
            --dry-run         don't write modifications
            --link            object is a linked object
            --mnop            nop out mcount call sites
            --module          object is part of a kernel module
            --no-unreachable  skip 'unreachable instruction' warnings
            --sec-address     print section addresses in warnings
            --stats           print statistics
            --werror          fail (exit 1) when there are warnings (objtool 6.15+)

    """

  /// Parses `OBJTOOL_ARGS` (when set) and then `arguments` into one invocation.
  static func parse(_ arguments: [String], environment: String?, verbose: String?) throws(Usage) -> ObjtoolInvocation {
    var inv = ObjtoolInvocation()
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
    if verbose == "1" { inv.verbose = true }
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
        guard let option = options.first(where: { $0.long == name }) else {
          throw Usage(message: "Error: unknown option `\(name)'")
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
        guard let option = options.first(where: { $0.short == c }) else { throw Usage(message: "Error: unknown switch `\(c)'") }
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

  /// `--hacks[=list]`: no list means every hack; a list is matched by substring, as
  /// objtool does.
  private static func setHacks(_ list: String?, _ inv: inout ObjtoolInvocation) throws(Usage) {
    var found = false
    if list == nil || list!.contains("jump_label") { inv.hackJumpLabel = true; found = true }
    if list == nil || list!.contains("noinstr") { inv.hackNoinstr = true; found = true }
    if list == nil || list!.contains("skylake") { inv.hackSkylake = true; found = true }
    if !found { throw Usage(message: "Error: option `hacks' has an invalid value") }
  }
}
