import Analysis
import ELFObject
import ORC
import UnwindModel

/// The ORC unwindcheck would write for `file`, from its own analysis.
public func generateORC(_ file: ELFFile, options: CheckOptions, format: ORCFormat) throws(ORCGenerator.Problem) -> [ORCPlacedEntry]? {
  guard let result = analyse(file, options: options) else { return nil }
  return try ORCGenerator.entries(orcInputs(file, result), states: result.cfiStates, format: format,
                                  registers: ArchitectureSupport.x86ORCRegisters)
}

/// `orc dump --generate` lines for any machine (arm64: unwindcheck's ORC-like format).
func generatedORCLines(_ file: ELFFile, options: CheckOptions, format: ORCFormat) throws(ORCGenerator.Problem) -> [String] {
  guard let arch = ArchitectureSupport.of(file.machine), let result = analyse(file, options: options) else { return [] }
  return try arch.generatedORCLines(file, result, format)
}

/// `unwindcheck orc dump FILE...`: objtool's `--dump=orc` text.
public func runORCDump(paths: [String], format: ORCFormat, generate: Bool = false, options: CheckOptions = CheckOptions(),
                       out: inout OutputBuffer, err: (String) -> Void) -> ExitStatus {
  dumpEach(paths, out: &out, err: err) { path, file in
    if generate {
      switch Result(catching: { () throws(ORCGenerator.Problem) in try generatedORCLines(file, options: options, format: format) }) {
      case .success(let lines): return (lines, .clean)
      case .failure(let problem):
        err(DiagnosticFormat.error(path: path, "cannot express the CFI as ORC: \(problem)"))
        return ([], .findings)
      }
    }
    guard let arch = ArchitectureSupport.of(file.machine) else {
      err(DiagnosticFormat.error(path: path, "orc dump: \(file.machine) is not supported"))
      return ([], .badInput)
    }
    switch Result(catching: { () throws(ORCDump.Problem) in try arch.dumpORC(file, format) }) {
    case .success(let lines):
      // (Nothing found is said, on stderr: stdout stays the dump.)
      if lines.isEmpty { err("\(path): no ORC (no .orc_unwind/.orc_unwind_ip section)") }
      return (lines, .clean)
    case .failure(.badSize(let section, let size)):
      err(DiagnosticFormat.error(path: path, "\(section) size 0x\(String(size, radix: 16)) is not a whole number of entries (section \(section), offset 0x0)"))
      return ([], .badInput)
    }
  }
}

/// The loop of the dump commands (`orc dump`, `sframe dump`): each file opened and
/// headed `==> PATH <==` when there are several, then the lines `body` gives for it; a
/// file that cannot be read is one located line. The exit status is the worst of all.
func dumpEach(_ paths: [String], out: inout OutputBuffer, err: (String) -> Void,
              _ body: (_ path: String, ELFFile) -> (lines: [String], status: ExitStatus)) -> ExitStatus {
  var status = ExitStatus.clean
  for path in paths {
    var result: (lines: [String], status: ExitStatus)
    do {
      let file = try ELFFile.open(path: path)
      if paths.count > 1 {
        out.append("==> \(path) <==")
        out.endLine()
      }
      result = body(path, file)
    } catch {
      err(DiagnosticFormat.line(for: error, path: path))
      result = ([], .badInput)
    }
    for line in result.lines {
      out.append(line)
      out.endLine()
    }
    if result.status.rawValue > status.rawValue { status = result.status }
  }
  out.flush()
  return status
}
