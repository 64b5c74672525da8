import ELFObject
import ORC

/// `unwindcheck orc dump FILE...`: objtool's `--dump=orc` text.
public func runORCDump(paths: [String], format: ORCFormat, out: inout OutputBuffer, err: (String) -> Void) -> ExitStatus {
  var status = ExitStatus.clean
  for path in paths {
    do {
      let file = try ELFFile.open(path: path)
      if paths.count > 1 {
        out.append("==> \(path) <==")
        out.endLine()
      }
      switch Result(catching: { () throws(ORCDump.Problem) in try ORCDump.lines(file, format: format) }) {
      case .success(let lines):
        for line in lines {
          out.append(line)
          out.endLine()
        }
      case .failure(.badSize(let section, let size)):
        err(DiagnosticFormat.error(path: path, "\(section) size 0x\(String(size, radix: 16)) is not a whole number of entries (section \(section), offset 0x0)"))
        status = .badInput
      }
    } catch {
      err(DiagnosticFormat.line(for: error, path: path))
      status = .badInput
    }
  }
  out.flush()
  return status
}
