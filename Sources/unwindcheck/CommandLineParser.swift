// A small table-driven command-line parser: each command is data (its options, its
// positional arguments, its help text), one parser reads argv against it, one renderer
// prints the help.
//
// Why not swift-argument-parser: unwindcheck runs once per object in a kernel build
// (Kbuild calls it like objtool, thousands of times), and a measured third of a
// small module's run went to ArgumentParser's reflection (protocol-conformance scans
// and type-metadata demangling at start-up). A table and a loop cost nothing.

#if canImport(Glibc)
import Glibc
#endif

/// One option of a command: `--name`, `--name=value` or `--name value`.
struct OptionSpec {
  enum Kind {
    /// A switch: present or not.
    case flag
    /// Takes a value; `placeholder` names it in the help text.
    case value(placeholder: String)
    /// `--name` alone means `default`; another value only as `--name=value` (so a
    /// following file name is never taken for it).
    case optionalValue(placeholder: String, default: String)
  }

  var name: String
  var kind: Kind
  var help: String

  static func flag(_ name: String, _ help: String) -> OptionSpec { OptionSpec(name: name, kind: .flag, help: help) }
  static func value(_ name: String, _ placeholder: String, _ help: String) -> OptionSpec {
    OptionSpec(name: name, kind: .value(placeholder: placeholder), help: help)
  }
}

/// A command: its name, what it does, its options, its positional arguments.
struct CommandSpec {
  var name: String
  var abstract: String
  var discussion: String = ""
  var options: [OptionSpec] = []
  /// Name and help of the positional arguments, and how many are required (at least).
  var positional: (name: String, help: String)? = nil
  var minimumPositional = 0
  var maximumPositional = Int.max
  var subcommands: [CommandSpec] = []
}

/// What the parser found for one command: which options were given (by name, as the
/// command's option table spells them) and the positional arguments. Read only by
/// `OptionBinding.apply`, which gives each option's value to the field it declares.
struct ParsedArguments {
  fileprivate(set) var flags: Set<String> = []
  fileprivate(set) var values: [String: String] = [:]
  var positional: [String] = []
}

/// An option declared once: its name, help and kind (`spec`, which the parser and the
/// help text read) and the field of the command's arguments value `Target` it sets.
/// A typo in a name is a usage error at once, never a silently false read.
struct OptionBinding<Target>: @unchecked Sendable {  // (key paths and pure closures)
  var spec: OptionSpec
  /// Sets the field from the option's text (a flag: called with "" when present).
  var set: (inout Target, String) throws(OptionValueError) -> Void

  static func flag(_ name: String, _ field: WritableKeyPath<Target, Bool>, _ help: String) -> OptionBinding {
    OptionBinding(spec: .flag(name, help)) { target, _ in target[keyPath: field] = true }
  }

  static func text(_ name: String, _ placeholder: String, _ field: WritableKeyPath<Target, String?>, _ help: String)
    -> OptionBinding
  {
    value(name, placeholder, field, help) { text in text }
  }

  /// A value parsed into the field's type; `parse` says what is wrong with a bad one.
  static func value<Value>(_ name: String, _ placeholder: String, _ field: WritableKeyPath<Target, Value>, _ help: String,
                           _ parse: @escaping (String) throws(OptionValueError) -> Value) -> OptionBinding {
    OptionBinding(spec: .value(name, placeholder, help)) { target, text throws(OptionValueError) in
      target[keyPath: field] = try parse(text)
    }
  }

  /// A value that may be left out (`--name` alone is `defaultText`), parsed into the
  /// field's type.
  static func optionalValue<Value>(_ name: String, _ placeholder: String, default defaultText: String,
                                   _ field: WritableKeyPath<Target, Value>, _ help: String,
                                   _ parse: @escaping (String) throws(OptionValueError) -> Value) -> OptionBinding {
    OptionBinding(spec: OptionSpec(name: name, kind: .optionalValue(placeholder: placeholder, default: defaultText), help: help)) {
      target, text throws(OptionValueError) in target[keyPath: field] = try parse(text)
    }
  }

  /// The same option applied to a field of a larger value (a command's arguments that
  /// hold `CheckOptions` and more).
  func lifted<Outer>(_ path: WritableKeyPath<Outer, Target>) -> OptionBinding<Outer> {
    let set = self.set
    return OptionBinding<Outer>(spec: spec) { outer, text throws(OptionValueError) in try set(&outer[keyPath: path], text) }
  }
}

/// What is wrong with an option's value.
struct OptionValueError: Error {
  var message: String
}

extension Array {
  /// The options' specs, for the parser and the help text.
  func specs<Target>() -> [OptionSpec] where Element == OptionBinding<Target> { map(\.spec) }

  /// Every option given in `arguments` set in `target`, in the table's order.
  func apply<Target>(_ arguments: ParsedArguments, to target: inout Target, command: [String]) throws(UsageError)
    where Element == OptionBinding<Target>
  {
    for binding in self {
      let text: String?
      switch binding.spec.kind {
      case .flag: text = arguments.flags.contains(binding.spec.name) ? "" : nil
      case .value, .optionalValue: text = arguments.values[binding.spec.name]
      }
      guard let text else { continue }
      do throws(OptionValueError) {
        try binding.set(&target, text)
      } catch {
        throw UsageError(message: error.message, command: command)
      }
    }
  }
}

/// A usage error: the message, and the command whose usage to show.
struct UsageError: Error {
  var message: String
  var command: [String]
}

/// The outcome of reading argv.
enum ParseOutcome {
  /// Run this command (its path from the root, e.g. ["orc", "dump"]) with these arguments.
  case run(path: [String], arguments: ParsedArguments)
  /// `--help` (or `help`): print the help of this command.
  case help(path: [String])
  case version
}

enum CommandLineParser {
  /// Reads `arguments` (argv without the program name) against `root`.
  static func parse(_ arguments: [String], root: CommandSpec) throws(UsageError) -> ParseOutcome {
    var spec = root
    var path: [String] = []
    var rest = arguments[...]
    // Subcommand words first.
    while !spec.subcommands.isEmpty {
      guard let word = rest.first else { return .help(path: path) }
      if word == "--help" || word == "-h" { return .help(path: path) }
      if word == "help" {
        // `help check`, `help orc dump`: the help of the named command.
        var target = path
        var inner = spec
        for name in rest.dropFirst() {
          guard let sub = inner.subcommands.first(where: { $0.name == name }) else { break }
          target.append(name)
          inner = sub
        }
        return .help(path: target)
      }
      if path.isEmpty && word == "--version" { return .version }
      guard let sub = spec.subcommands.first(where: { $0.name == word }) else {
        throw UsageError(message: word.hasPrefix("-") ? "unknown option '\(word)'" : "unknown command '\(word)'",
                         command: path)
      }
      path.append(word)
      spec = sub
      rest = rest.dropFirst()
    }
    var parsed = ParsedArguments()
    var onlyPositional = false
    while let word = rest.first {
      rest = rest.dropFirst()
      if onlyPositional || !word.hasPrefix("-") || word == "-" {
        parsed.positional.append(word)
        continue
      }
      if word == "--" { onlyPositional = true; continue }
      if word == "--help" || word == "-h" { return .help(path: path) }
      guard word.hasPrefix("--") else { throw UsageError(message: "unknown option '\(word)'", command: path) }
      var name = String(word.dropFirst(2))
      var inlineValue: String?
      if let eq = name.firstIndex(of: "=") {
        inlineValue = String(name[name.index(after: eq)...])
        name = String(name[..<eq])
      }
      guard let option = spec.options.first(where: { $0.name == name }) else {
        throw UsageError(message: "unknown option '--\(name)'", command: path)
      }
      switch option.kind {
      case .flag:
        if inlineValue != nil { throw UsageError(message: "option '--\(name)' takes no value", command: path) }
        parsed.flags.insert(name)
      case .optionalValue(_, let defaultText):
        parsed.values[name] = inlineValue ?? defaultText
      case .value:
        if let v = inlineValue {
          parsed.values[name] = v
        } else if let v = rest.first {
          parsed.values[name] = v
          rest = rest.dropFirst()
        } else {
          throw UsageError(message: "option '--\(name)' needs a value", command: path)
        }
      }
    }
    if parsed.positional.count < spec.minimumPositional {
      throw UsageError(message: "missing \(spec.positional?.name ?? "argument")", command: path)
    }
    if parsed.positional.count > spec.maximumPositional {
      throw UsageError(message: "unexpected argument '\(parsed.positional[spec.maximumPositional])'", command: path)
    }
    return .run(path: path, arguments: parsed)
  }

  /// The command at `path` below `root`.
  static func command(at path: [String], root: CommandSpec) -> CommandSpec {
    var spec = root
    for word in path {
      guard let sub = spec.subcommands.first(where: { $0.name == word }) else { break }
      spec = sub
    }
    return spec
  }

  /// The help text of the command at `path`.
  static func help(for path: [String], root: CommandSpec) -> String {
    let spec = command(at: path, root: root)
    let full = ([root.name] + path).joined(separator: " ")
    var out = "OVERVIEW: \(spec.abstract)\n"
    if !spec.discussion.isEmpty { out += "\n" + wrap(spec.discussion, indent: 0) + "\n" }
    var usage = "\nUSAGE: \(full)"
    if !spec.subcommands.isEmpty { usage += " <subcommand>" }
    if !spec.options.isEmpty { usage += " [<options>]" }
    if let p = spec.positional { usage += spec.minimumPositional > 0 ? " <\(p.name)> ..." : " [<\(p.name)>]" }
    out += usage + "\n"
    if let p = spec.positional {
      out += "\nARGUMENTS:\n" + item("<\(p.name)>", p.help)
    }
    if !spec.options.isEmpty || spec.subcommands.isEmpty {
      out += "\nOPTIONS:\n"
      for o in spec.options {
        switch o.kind {
        case .flag: out += item("--\(o.name)", o.help)
        case .value(let placeholder): out += item("--\(o.name) <\(placeholder)>", o.help)
        case .optionalValue(let placeholder, _): out += item("--\(o.name)[=<\(placeholder)>]", o.help)
        }
      }
      if path.isEmpty { out += item("--version", "Show the version.") }
      out += item("-h, --help", "Show help information.")
    }
    if !spec.subcommands.isEmpty {
      out += "\nSUBCOMMANDS:\n"
      for s in spec.subcommands { out += item(s.name, s.abstract) }
      out += "\n  See '\(full) help <subcommand>' for detailed help.\n"
    }
    return out
  }

  private static func item(_ label: String, _ help: String) -> String {
    let width = 26
    let text = wrap(help, indent: width + 2)
    if label.count + 2 < width {
      return "  " + label + String(repeating: " ", count: width - label.count) + text.drop { $0 == " " } + "\n"
    }
    return "  " + label + "\n" + text + "\n"
  }

  /// Word-wraps `text` at 80 columns with `indent` spaces before every line.
  private static func wrap(_ text: String, indent: Int) -> String {
    var lines: [String] = []
    var line = String(repeating: " ", count: indent)
    var empty = true
    for word in text.split(separator: " ") {
      if !empty && line.count + 1 + word.count > 80 {
        lines.append(line)
        line = String(repeating: " ", count: indent)
        empty = true
      }
      line += (empty ? "" : " ") + word
      empty = false
    }
    lines.append(line)
    return lines.joined(separator: "\n")
  }
}
