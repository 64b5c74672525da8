import ELFObject
import UnwindModel

/// How `check` reports findings: objtool's text lines on stderr (the default), or on
/// stdout one JSON object per finding (JSON Lines) or one SARIF 2.1.0 log.
public enum OutputFormat: String, Sendable, CaseIterable {
  case text, json, sarif
}

/// A finding with what machine output adds to it: the object it is in, the byte offsets
/// of its places in that file (section file offset + offset; nil for a section without
/// file bytes), and its fingerprint.
public struct ReportedFinding: Sendable {
  public var file: String
  public var finding: Finding
  public var fileOffset: UInt64?
  public var relatedFileOffsets: [UInt64?]
  public var fingerprint: String
  /// Accepted by a `--suppress` entry: its reason (still reported in JSON and SARIF).
  public var suppression: String?

  init(file: String, finding: Finding, in elf: ELFFile) {
    self.file = file
    self.finding = finding
    func at(_ l: CodeLocation?) -> UInt64? {
      guard let l, let s = elf.section(named: l.section), s.hasFileBytes else { return nil }
      return s.fileOffset &+ l.offset
    }
    fileOffset = at(finding.location)
    relatedFileOffsets = finding.related.map { at($0.location) }
    fingerprint = FindingFingerprint.of(finding, file: file)
  }
}

/// A finding's identity across rebuilds: its rule, the object's file name (not its
/// directory), the function (else the symbol or section) it is in, and its message's kind
/// and arguments with every offset and number blanked (`Message.fingerprintKey`), so
/// code moving within or between builds keeps the fingerprint and a different problem
/// does not. FNV-1a, 64 bits, hex. (Format 2 of the baseline: format 1 hashed the
/// rendered message.)
public enum FindingFingerprint {
  public static func of(_ f: Finding, file: String) -> String {
    let base = file.split(separator: "/").last.map(String.init) ?? file
    let scope = f.location?.function ?? f.location?.symbol ?? f.sectionName ?? f.location?.section ?? ""
    let key = "\(f.rule.code)|\(base)|\(scope)|\(f.message.fingerprintKey)"
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in key.utf8 {
      h ^= UInt64(b)
      h = h &* 0x100_0000_01b3
    }
    let hex = String(h, radix: 16)
    return String(repeating: "0", count: 16 - hex.count) + hex
  }
}

/// JSON text, written by hand (the output's key order is fixed, and nothing here needs a
/// general encoder).
enum JSON {
  static func string(_ s: String) -> String {
    var out = "\""
    for u in s.unicodeScalars {
      switch u {
      case "\"": out += "\\\""
      case "\\": out += "\\\\"
      case "\n": out += "\\n"
      case "\r": out += "\\r"
      case "\t": out += "\\t"
      default:
        if u.value < 0x20 {
          let hex = String(u.value, radix: 16)
          out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        } else {
          out.unicodeScalars.append(u)
        }
      }
    }
    return out + "\""
  }

  /// An object from key/value pairs already encoded; nil values are left out.
  static func object(_ pairs: [(String, String?)]) -> String {
    "{" + pairs.compactMap { k, v in v.map { "\(string(k)):\($0)" } }.joined(separator: ",") + "}"
  }

  static func array(_ items: [String]) -> String { "[" + items.joined(separator: ",") + "]" }
}

/// `check --format json`: one line per finding.
public enum FindingJSON {
  public static func line(_ r: ReportedFinding) -> String {
    let f = r.finding
    let l = f.location
    return JSON.object([
      ("rule", JSON.string(f.rule.code)),
      ("name", JSON.string(f.rule.name)),
      ("severity", JSON.string(f.severity.rawValue)),
      ("file", JSON.string(r.file)),
      ("section", (l?.section ?? f.sectionName).map(JSON.string)),
      ("offset", l.map { "\($0.offset)" }),
      ("fileOffset", r.fileOffset.map { "\($0)" }),
      ("symbol", l?.symbol.map(JSON.string)),
      ("symbolOffset", l.flatMap { $0.symbol == nil ? nil : "\($0.symbolOffset)" }),
      ("location", l.map { JSON.string($0.text) }),
      ("function", l?.function.map(JSON.string)),
      ("source", f.sourceLine.map(JSON.string)),
      ("message", JSON.string(f.message.text)),
      ("notes", JSON.array(f.notes.map(JSON.string))),
      ("related", JSON.array(zip(f.related, r.relatedFileOffsets).map { rel, off in
        JSON.object([
          ("label", JSON.string(rel.label)),
          ("section", JSON.string(rel.location.section)),
          ("offset", "\(rel.location.offset)"),
          ("fileOffset", off.map { "\($0)" }),
          ("location", JSON.string(rel.location.text)),
          ("function", rel.location.function.map(JSON.string)),
        ])
      })),
      ("trace", f.trace.isEmpty ? nil : JSON.array(f.trace.map { step in
        JSON.object([("location", JSON.string(step.location.text)), ("label", JSON.string(step.label))])
      })),
      ("fingerprint", JSON.string(r.fingerprint)),
      ("suppressed", r.suppression.map(JSON.string)),
    ])
  }
}

/// `check --format sarif`: one SARIF 2.1.0 log with one run. The rules come from the
/// catalogue; each result names the object as its artifact with the finding's byte
/// offset (and, when the line table has one, the source line as a second location), the
/// function as a logical location, the other places it involves as related locations,
/// and a fingerprint that survives rebuilds.
public enum FindingSARIF {
  public static func log(_ findings: [ReportedFinding], files: [String], version: String) -> String {
    let rules = RuleID.all.filter { $0 != .backtrace }
    let ruleIndex = Dictionary(uniqueKeysWithValues: rules.enumerated().map { ($1.code, $0) })
    let artifacts = files
    let artifactIndex = Dictionary(artifacts.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
    let driver = JSON.object([
      ("name", JSON.string("unwindcheck")),
      ("version", JSON.string(version)),
      ("rules", JSON.array(rules.map { rule in
        let e = RuleCatalogue.entry(for: rule)
        return JSON.object([
          ("id", JSON.string(rule.code)),
          ("name", JSON.string(rule.name)),
          ("shortDescription", JSON.object([("text", JSON.string(e?.messages ?? rule.name))])),
          ("fullDescription", JSON.object([("text", JSON.string(e?.meaning ?? rule.name))])),
          ("help", JSON.object([("text", JSON.string(e.map { "Causes: \($0.causes)\nFix: \($0.fix)" } ?? ""))])),
          ("defaultConfiguration", JSON.object([("level", JSON.string(level(rule.defaultSeverity)))])),
        ])
      })),
    ])
    func physical(_ file: String, _ offset: UInt64?) -> String {
      JSON.object([
        ("artifactLocation", JSON.object([("uri", JSON.string(uri(file))), ("index", artifactIndex[file].map { "\($0)" })])),
        ("region", offset.map { JSON.object([("byteOffset", "\($0)"), ("byteLength", "1")]) }),
      ])
    }
    func logical(_ l: CodeLocation?) -> String? {
      guard let l else { return nil }
      let name = l.function ?? l.symbol ?? l.section
      return JSON.array([JSON.object([
        ("name", JSON.string(name)),
        ("fullyQualifiedName", JSON.string(l.text)),
        ("kind", JSON.string(l.function != nil ? "function" : "module")),
      ])])
    }
    let results = findings.filter { $0.finding.rule != .backtrace }.map { r -> String in
      let f = r.finding
      var locations = [JSON.object([("physicalLocation", physical(r.file, r.fileOffset)), ("logicalLocations", logical(f.location))])]
      if let src = f.sourceLine, let colon = src.lastIndex(of: ":"), let line = Int(src[src.index(after: colon)...]) {
        locations.insert(JSON.object([
          ("physicalLocation", JSON.object([
            ("artifactLocation", JSON.object([("uri", JSON.string(String(src[..<colon])))])),
            ("region", JSON.object([("startLine", "\(line)")])),
          ])),
          ("logicalLocations", logical(f.location)),
        ]), at: 0)
      }
      let related = zip(f.related, r.relatedFileOffsets).enumerated().map { k, pair in
        JSON.object([
          ("id", "\(k)"),
          ("message", JSON.object([("text", JSON.string("\(pair.0.label): \(pair.0.location.text)"))])),
          ("physicalLocation", physical(r.file, pair.1)),
          ("logicalLocations", logical(pair.0.location)),
        ])
      }
      let text = ([f.location.map { "\($0.text): \(f.message.text)" } ?? f.message.text] + f.notes).joined(separator: "\n")
      return JSON.object([
        ("ruleId", JSON.string(f.rule.code)),
        ("ruleIndex", ruleIndex[f.rule.code].map { "\($0)" }),
        ("level", JSON.string(level(f.severity))),
        ("message", JSON.object([("text", JSON.string(text))])),
        ("locations", JSON.array(locations)),
        ("relatedLocations", related.isEmpty ? nil : JSON.array(related)),
        ("partialFingerprints", JSON.object([("unwindcheck/v1", JSON.string(r.fingerprint))])),
        ("suppressions", r.suppression.map { reason in
          JSON.array([JSON.object([("kind", JSON.string("external")), ("justification", JSON.string(reason))])])
        }),
      ])
    }
    let run = JSON.object([
      ("tool", JSON.object([("driver", driver)])),
      ("artifacts", JSON.array(artifacts.map { JSON.object([("location", JSON.object([("uri", JSON.string(uri($0)))]))]) })),
      ("results", JSON.array(results)),
    ])
    return JSON.object([
      ("$schema", JSON.string("https://json.schemastore.org/sarif-2.1.0.json")),
      ("version", JSON.string("2.1.0")),
      ("runs", JSON.array([run])),
    ])
  }

  static func level(_ s: Severity) -> String {
    switch s {
    case .error: "error"
    case .warning: "warning"
    case .note: "note"
    }
  }

  /// A relative path as a relative URI reference (percent-encoding what URIs do not allow).
  static func uri(_ path: String) -> String {
    var out = ""
    for b in path.utf8 {
      let c = Character(UnicodeScalar(b))
      if c.isLetter && b < 0x80 || c.isNumber && b < 0x80 || "-._~/".contains(c) {
        out.append(c)
      } else {
        out += "%" + (b < 16 ? "0" : "") + String(b, radix: 16, uppercase: true)
      }
    }
    return path.hasPrefix("/") ? "file://" + out : out
  }
}
