import ELFObject

/// The objtool-compatible line shape: `FILE: SEVERITY: unwindcheck: TEXT`.
public enum DiagnosticFormat {
  public static func error(path: String, _ text: String) -> String {
    "\(path): error: unwindcheck: \(text)"
  }

  /// One line for a malformed or unsupported input file.
  public static func line(for error: ELFError, path: String) -> String {
    Self.error(path: path, error.description)
  }
}

/// Exit codes, fixed and documented in the README.
public enum ExitStatus: Int32, Sendable {
  /// No findings at error severity.
  case clean = 0
  /// Findings under `--werror`.
  case findings = 1
  /// Usage error.
  case usage = 2
  /// Unreadable or malformed input.
  case badInput = 3
}
