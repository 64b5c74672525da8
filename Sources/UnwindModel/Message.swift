/// What a finding says, as data: a kind (its wording, declared once in `MessageKind`
/// together with the rules it may be reported under) and the arguments that fill it.
/// `text` is the one renderer; the catalogue shows the same templates; fingerprints and
/// suppressions read the arguments. Nothing reads a rendered message back.
public struct Message: Sendable, Hashable {
  public var kind: MessageKind
  public var arguments: [MessageArgument]

  public init(_ kind: MessageKind, _ arguments: MessageArgument...) {
    self.init(kind, arguments: arguments)
  }

  public init(_ kind: MessageKind, arguments: [MessageArgument]) {
    assert(kind.template.placeholderCount == arguments.count, "\(kind): \(arguments.count) arguments for \(kind.template)")
    self.kind = kind
    self.arguments = arguments
  }

  /// objtool's wording with the arguments in place.
  public var text: String {
    var out = ""
    var next = 0
    for piece in kind.template.pieces {
      switch piece {
      case .literal(let s): out += s
      case .slot:
        out += next < arguments.count ? arguments[next].text : "?"
        next += 1
      }
    }
    return out
  }

  /// The functions the message names, outermost first (a fall-through names both; a
  /// call rule its callee): suppression entries match them.
  public var functionNames: [String] {
    arguments.flatMap { a -> [String] in
      switch a {
      case .function(let name): [name]
      case .detail(let m): m.functionNames
      default: []
      }
    }
  }

  /// The message's part of a finding's fingerprint: the kind and the arguments that do
  /// not move when code moves (names; a place's base), the others blanked (`#`).
  public var fingerprintKey: String {
    ([kind.rawValue] + arguments.map(\.fingerprintKey)).joined(separator: "|")
  }
}

/// One argument of a message, typed by what it is, which decides how it is printed and
/// whether a fingerprint keeps it.
public enum MessageArgument: Sendable, Hashable {
  /// A function's name (the template adds objtool's `()`): suppressions match it,
  /// fingerprints keep it.
  case function(String)
  /// Another name: a section, a table, a symbol, a register, a word chosen by the rule
  /// ("jump" or "call"). Fingerprints keep it.
  case name(String)
  /// A place, `BASE+0xOFF` (`placeText`): fingerprints keep the base, not the offset.
  case place(String, UInt64)
  /// A number, in decimal: fingerprints blank it.
  case number(Int64)
  /// A value computed from the code (a CFI rule as objtool prints it, `4+16`, `sp+16`):
  /// fingerprints blank it.
  case value(String)
  /// A message of its own inside this one (a table entry's problem): rendered in place,
  /// fingerprinted by its own kind and arguments.
  case detail(Message)

  public var text: String {
    switch self {
    case .function(let s), .name(let s), .value(let s): s
    case .place(let base, let offset): placeText(base, offset)
    case .number(let n): String(n)
    case .detail(let m): m.text
    }
  }

  var fingerprintKey: String {
    switch self {
    case .function(let s), .name(let s): s
    case .place(let base, _): base + "+#"
    case .number, .value: "#"
    case .detail(let m): "(" + m.fingerprintKey + ")"
    }
  }

  /// A number argument from any integer.
  public static func integer(_ n: some BinaryInteger) -> MessageArgument { .number(Int64(truncatingIfNeeded: n)) }

  /// A code location's place (`sym+0x1a`).
  public static func location(_ l: CodeLocation) -> MessageArgument { .place(l.name, l.symbolOffset) }
}

/// A message template: literal text with `{LABEL}` slots, filled in order. The labels
/// are what the rule catalogue shows (`FUNC() falls through to next function NEXT()`).
public struct MessageTemplate: Sendable, Hashable, ExpressibleByStringLiteral {
  public enum Piece: Sendable, Hashable {
    case literal(String)
    case slot(label: String)
  }

  public let pieces: [Piece]

  public init(stringLiteral text: String) { self.init(text) }

  public init(_ text: String) {
    var pieces: [Piece] = []
    var literal = ""
    var label: String?
    for c in text {
      if var l = label {
        if c == "}" {
          pieces.append(.slot(label: l))
          label = nil
        } else {
          l.append(c)
          label = l
        }
      } else if c == "{" {
        if !literal.isEmpty { pieces.append(.literal(literal)) }
        literal = ""
        label = ""
      } else {
        literal.append(c)
      }
    }
    if !literal.isEmpty { pieces.append(.literal(literal)) }
    self.pieces = pieces
  }

  public var placeholderCount: Int {
    pieces.reduce(0) { n, p in if case .slot = p { n + 1 } else { n } }
  }

  /// The template as the catalogue shows it: each slot by its label.
  public var pattern: String {
    pieces.map { p in
      switch p {
      case .literal(let s): s
      case .slot(let label): label
      }
    }.joined()
  }
}
