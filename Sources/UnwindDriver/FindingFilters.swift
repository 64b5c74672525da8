import Glibc
import UnwindModel

/// `check --suppress FILE`: accepted findings, one entry per line:
///
///     RULE  FUNCTION-GLOB  OBJECT-GLOB  REASON...
///
/// RULE is a rule id (`UV1020`), a rule name (`falls-through-to-next-function`) or `*`;
/// FUNCTION-GLOB is matched (fnmatch) against the finding's function, its symbol (its
/// section, for a place outside any symbol) and every `name()` its message names (a fall-through names both functions); OBJECT-GLOB
/// against the object's path as given and its file name. The reason is required: it is
/// what a reviewer reads, and SARIF carries it as the suppression's justification.
/// `#` starts a comment; blank lines are ignored.
public struct Suppressions: Sendable {
  public struct Entry: Sendable {
    public var rule: String
    public var function: String
    public var object: String
    public var reason: String
    /// `FILE:LINE`, for messages about the entry.
    public var origin: String
  }

  public var entries: [Entry] = []

  public init(entries: [Entry] = []) { self.entries = entries }

  /// Parses a suppression file; a malformed line is an error naming it.
  public static func parse(_ text: String, path: String) -> Result<Suppressions, FilterFileError> {
    var out = Suppressions()
    for (n, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      let line = raw.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
      let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
      if fields.isEmpty { continue }
      let origin = "\(path):\(n + 1)"
      guard fields.count >= 4 else {
        return .failure(FilterFileError(message: "\(origin): a suppression needs RULE FUNCTION-GLOB OBJECT-GLOB REASON (the reason is required)"))
      }
      let rule = String(fields[0])
      guard rule == "*" || RuleID.named(rule) != nil else {
        return .failure(FilterFileError(message: "\(origin): unknown rule '\(rule)' (see `unwindcheck explain`)"))
      }
      out.entries.append(Entry(rule: rule, function: String(fields[1]), object: String(fields[2]),
                               reason: fields[3...].joined(separator: " "), origin: origin))
    }
    return .success(out)
  }

  /// The first entry that accepts the finding.
  public func match(_ r: ReportedFinding) -> Int? {
    let f = r.finding
    // (A place in code outside any symbol is named after its section: `.idmap.text`.)
    let names = [f.location?.function, f.location?.name].compactMap { $0 } + f.names
    let base = r.file.split(separator: "/").last.map(String.init) ?? r.file
    return entries.firstIndex { e in
      (e.rule == "*" || RuleID.named(e.rule) == f.rule)
        && names.contains { glob(e.function, $0) }
        && (glob(e.object, r.file) || glob(e.object, base))
    }
  }

  private func glob(_ pattern: String, _ text: String) -> Bool { fnmatch(pattern, text, 0) == 0 }
}

/// `check --baseline FILE` / `--write-baseline FILE`: known findings by fingerprint, one
/// per line after a header, with the rule, object, place and message for people:
///
///     # unwindcheck baseline 2
///     FINGERPRINT<TAB>RULE<TAB>OBJECT<TAB>PLACE<TAB>MESSAGE
///
/// A finding whose fingerprint is listed is not reported; a fingerprint listed n times
/// hides n findings (the same problem twice in one function is two).
public struct Baseline: Sendable {
  public var counts: [String: Int] = [:]

  public init() {}

  public static let header = "# unwindcheck baseline 2"
  /// The header's words before the format number.
  static let headerPrefix = "# unwindcheck baseline "

  public static func parse(_ text: String, path: String) -> Result<Baseline, FilterFileError> {
    var out = Baseline()
    for (n, line) in text.split(separator: "\n").enumerated() {
      if line.hasPrefix(headerPrefix) && line != header {
        return .failure(FilterFileError(message: "\(path):\(n + 1): a baseline of format \(line.dropFirst(headerPrefix.count)), whose fingerprints this unwindcheck does not compute (format 2); write it again with --write-baseline"))
      }
      if line.hasPrefix("#") || line.isEmpty { continue }
      let fp = line.prefix { $0 != "\t" }
      guard fp.count == 16, fp.allSatisfy(\.isHexDigit) else {
        return .failure(FilterFileError(message: "\(path):\(n + 1): not a baseline line (FINGERPRINT<TAB>...)"))
      }
      out.counts[String(fp), default: 0] += 1
    }
    return .success(out)
  }

  public static func text(_ findings: [ReportedFinding]) -> String {
    var out = header + "\n"
    for r in findings where r.finding.rule != .backtrace {
      let place = r.finding.location?.text ?? r.finding.sectionName ?? "-"
      let message = String(r.finding.message.text.map { $0 == "\t" ? " " : $0 })
      out += "\(r.fingerprint)\t\(r.finding.rule.code)\t\(r.file)\t\(place)\t\(message)\n"
    }
    return out
  }
}

public struct FilterFileError: Error, Sendable {
  public var message: String
}

/// What the filters did to one run's findings.
struct FilterCounts {
  var suppressed = 0
  var inBaseline = 0
  var used: [Int]

  init(entries: Int) { used = Array(repeating: 0, count: entries) }
}

/// Writes `text` to `path` (replacing it); nil on success, else why not.
func writeTextFile(_ path: String, _ text: String) -> String? {
  let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
  guard fd >= 0 else { return String(cString: strerror(errno)) }
  defer { close(fd) }
  var bytes = Array(text.utf8)
  var done = 0
  while done < bytes.count {
    let n = bytes.withUnsafeMutableBytes { write(fd, $0.baseAddress! + done, $0.count - done) }
    guard n > 0 else { return String(cString: strerror(errno)) }
    done += n
  }
  return nil
}

/// Reads a whole text file; nil when it cannot be read.
func readTextFile(_ path: String) -> String? {
  let fd = open(path, O_RDONLY | O_CLOEXEC)
  guard fd >= 0 else { return nil }
  defer { close(fd) }
  var out: [UInt8] = []
  var buffer = [UInt8](repeating: 0, count: 1 << 16)
  while true {
    let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
    if n == 0 { break }
    guard n > 0 else { return nil }
    out += buffer[0..<n]
  }
  return String(decoding: out, as: UTF8.self)
}

extension Suppressions {
  /// `--suppress FILE` as the command line hands it over.
  public static func load(_ path: String) -> Result<Suppressions, FilterFileError> {
    guard let text = readTextFile(path) else { return .failure(FilterFileError(message: "cannot read the suppression file \(path)")) }
    return parse(text, path: path)
  }
}

extension Baseline {
  public static func load(_ path: String) -> Result<Baseline, FilterFileError> {
    guard let text = readTextFile(path) else { return .failure(FilterFileError(message: "cannot read the baseline \(path)")) }
    return parse(text, path: path)
  }
}
