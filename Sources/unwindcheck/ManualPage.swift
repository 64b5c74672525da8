// The manual pages and the shell completion, generated from the same command tables as
// `--help` (`Commands.root`, `ObjtoolCommandLine.options`): an option added to a table is
// in the help, the manual and the completion at once. The Debian package
// (Scripts/build-deb.sh) installs what these print.
import UnwindDriver

enum ManualPage {
  /// The date and version the pages carry.
  static let date = "2026-12-05"

  /// roff: a text made safe for a man page (backslashes, leading dots and quotes).
  static func escaped(_ text: String) -> String {
    var s = text.replacing("\\", with: "\\e").replacing("-", with: "\\-")
    if s.hasPrefix(".") || s.hasPrefix("'") { s = "\\&" + s }
    return s
  }

  /// `unwindcheck(1)`: every command with its options.
  static func unwindcheck(root: CommandSpec, version: String) -> String {
    var out = [
      ".TH UNWINDCHECK 1 \"\(date)\" \"unwindcheck \(version)\" \"User Commands\"",
      ".SH NAME", "unwindcheck \\- \(escaped(root.abstract.trimmingTrailingPeriod))",
      ".SH SYNOPSIS",
    ]
    for c in root.subcommands {
      for (path, spec) in leaves(c, prefix: [c.name]) {
        out.append(".B unwindcheck \(path.joined(separator: " "))")
        var usage = spec.options.isEmpty ? "" : "[\\fIoptions\\fR]"
        if let p = spec.positional { usage += (usage.isEmpty ? "" : " ") + (spec.minimumPositional > 0 ? "\\fI\(p.name)\\fR..." : "[\\fI\(p.name)\\fR]") }
        if !usage.isEmpty { out.append(usage) }
        out.append(".br")
      }
    }
    out.append(".B objtool\n[\\fIobjtool options\\fR] \\fIfile\\fR  (see \\fBunwindcheck\\-objtool\\fR(1))")
    out += [".SH DESCRIPTION", escaped(root.abstract)]
    for paragraph in root.discussion.split(separator: "\n\n").map(String.init) { out += [".PP", escaped(paragraph)] }
    out += [".PP", "Each command prints its own help with \\fB\\-\\-help\\fR; the same text, option for option, follows."]
    out.append(".SH COMMANDS")
    for c in root.subcommands {
      for (path, spec) in leaves(c, prefix: [c.name]) {
        out += [".SS \"unwindcheck \(path.joined(separator: " "))\"", escaped(spec.abstract)]
        if !spec.discussion.isEmpty { out += [".PP", escaped(spec.discussion)] }
        if let p = spec.positional { out += [".TP", "\\fI\(p.name)\\fR", escaped(p.help)] }
        for o in spec.options { out += [".TP", optionLabel(o), escaped(o.help)] }
      }
    }
    out += [
      ".SH EXIT STATUS",
      ".TP", "0", "clean (or findings without \\fB\\-\\-werror\\fR)",
      ".TP", "1", "findings under \\fB\\-\\-werror\\fR, or a refusal to write",
      ".TP", "2", "usage error",
      ".TP", "3", "unreadable or malformed input",
      ".SH FILES",
      ".TP", "/usr/lib/unwindcheck/objtool",
      "unwindcheck under the name objtool, for Kbuild's \\fBobjtool=\\fR: \\fBmake M=... objtool=/usr/lib/unwindcheck/objtool modules\\fR",
      ".SH SEE ALSO", "\\fBunwindcheck\\-objtool\\fR(1), \\fBreadelf\\fR(1), /usr/share/doc/unwindcheck/",
    ]
    return out.joined(separator: "\n") + "\n"
  }

  /// `unwindcheck-objtool(1)`: the objtool personality, its options per kernel.
  static func objtool(version: String) -> String {
    var out = [
      ".TH UNWINDCHECK\\-OBJTOOL 1 \"\(date)\" \"unwindcheck \(version)\" \"User Commands\"",
      ".SH NAME", "unwindcheck\\-objtool \\- unwindcheck standing in for the kernel's objtool",
      ".SH SYNOPSIS",
      ".B /usr/lib/unwindcheck/objtool", "[\\fB\\-\\-kernel=\\fIV\\fR] [\\fIoptions\\fR] \\fIfile.o\\fR", ".br",
      ".B unwindcheck objtool", "[\\fB\\-\\-kernel=\\fIV\\fR] [\\fIoptions\\fR] \\fIfile.o\\fR",
      ".SH DESCRIPTION",
      "Run under the name \\fBobjtool\\fR (or \\fBobjtool.real\\-\\fIarch\\fR, as Debian's wrapper execs it), or as "
        + "\\fBunwindcheck objtool\\fR, unwindcheck is the objtool of one kernel: its command line, its messages, "
        + "its exit status and the formats it writes (ORC, the site sections). Kbuild runs it through \\fBobjtool=\\fR.",
      ".PP",
      "Which kernel's objtool it is comes from, in this order: \\fB\\-\\-kernel=\\fIV\\fR on the command line "
        + "(also in \\fBOBJTOOL_ARGS\\fR); the environment variable \\fBUNWINDCHECK_KERNEL\\fR; Kbuild's "
        + "\\fBKERNELRELEASE\\fR, then \\fBVERSION\\fR.\\fBPATCHLEVEL\\fR. Supported: "
        + ObjtoolContract.supported.map(\.series).joined(separator: ", ")
        + ". Any other kernel, or none, is refused with one line before anything is read or written (exit 1).",
      ".SH OPTIONS",
      "The options of the supported objtools, as their \\fB\\-\\-help\\fR lists them (the kernels that have each in brackets).",
    ]
    for (title, actions) in [("Actions", true), ("Options", false)] {
      out += [".SS \(title)"]
      for o in ObjtoolCommandLine.options where o.action == actions {
        let kernels = ObjtoolContract.supported.filter { $0.accepts(o.long) }.map(\.series)
        guard !kernels.isEmpty else { continue }
        let short = o.short.map { "\\fB\\-\($0)\\fR, " } ?? ""
        let argument = o.kind.isHacks ? "[=\\fIhacks\\fR]" : escaped(o.argument)
        out += [".TP", "\(short)\\fB\\-\\-\(escaped(o.long))\\fR\(argument)",
                escaped(o.help) + (kernels.count == ObjtoolContract.supported.count ? "" : " [\(kernels.joined(separator: ", "))]")]
      }
    }
    out += [
      ".SH ENVIRONMENT",
      ".TP", "OBJTOOL_ARGS", "More options, read before the command line's (as objtool does).",
      ".TP", "OBJTOOL_VERBOSE", "1: \\fB\\-\\-verbose\\fR (6.12).",
      ".TP", "UNWINDCHECK_KERNEL", "The kernel whose objtool to be, when \\fB\\-\\-kernel\\fR is not given.",
      ".SH EXAMPLES",
      ".nf", "make \\-C /lib/modules/$(uname \\-r)/build M=$PWD objtool=/usr/lib/unwindcheck/objtool modules", ".fi",
      ".SH SEE ALSO", "\\fBunwindcheck\\fR(1)",
    ]
    return out.joined(separator: "\n") + "\n"
  }

  /// A bash completion for `unwindcheck`: the commands, then each command's options, then
  /// file names.
  static func bashCompletion(root: CommandSpec) -> String {
    var cases: [String] = []
    func walk(_ spec: CommandSpec, _ path: [String]) {
      let words = spec.subcommands.map(\.name) + spec.options.map { "--\($0.name)" } + ["--help"]
      cases.append("    \"\(path.joined(separator: " "))\") _uw_words=\"\(words.joined(separator: " "))\"; _uw_files=\(spec.positional == nil ? 0 : 1) ;;")
      for s in spec.subcommands { walk(s, path + [s.name]) }
    }
    walk(root, [])
    return """
      # bash completion for unwindcheck (generated by `unwindcheck completion bash` from
      # the same tables as --help)
      _unwindcheck_table() {
        case "$1" in
      \(cases.joined(separator: "\n"))
          *) _uw_words=""; _uw_files=1 ;;
        esac
      }
      _unwindcheck() {
        local cur=${COMP_WORDS[COMP_CWORD]} path="" w i
        for ((i = 1; i < COMP_CWORD; i++)); do
          w=${COMP_WORDS[i]}
          [[ $w == -* ]] && continue
          _unwindcheck_table "$path"
          case " $_uw_words " in *" $w "*) path=${path:+$path }$w ;; esac
        done
        _unwindcheck_table "$path"
        if [[ $cur == -* || $_uw_files == 0 ]]; then
          COMPREPLY=($(compgen -W "$_uw_words" -- "$cur"))
        else
          COMPREPLY=($(compgen -f -- "$cur"))
        fi
      }
      complete -o filenames -o bashdefault -F _unwindcheck unwindcheck

      """
  }

  /// The commands that run (leaves), with their paths.
  static func leaves(_ spec: CommandSpec, prefix: [String]) -> [([String], CommandSpec)] {
    spec.subcommands.isEmpty ? [(prefix, spec)] : spec.subcommands.flatMap { leaves($0, prefix: prefix + [$0.name]) }
  }

  static func optionLabel(_ o: OptionSpec) -> String {
    switch o.kind {
    case .flag: "\\fB\\-\\-\(escaped(o.name))\\fR"
    case .value(let p): "\\fB\\-\\-\(escaped(o.name))\\fR \\fI\(escaped(p))\\fR"
    case .optionalValue(let p, _): "\\fB\\-\\-\(escaped(o.name))\\fR[=\\fI\(escaped(p))\\fR]"
    }
  }
}

extension String {
  var trimmingTrailingPeriod: String { hasSuffix(".") ? String(dropLast()) : self }
}
