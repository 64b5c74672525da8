import ELFObject
import SFrame

/// `unwindcheck sframe dump FILE...`: each object's `.sframe` in the layout of
/// `readelf --sframe`, with function starts made real: in a relocatable object the
/// start field's relocation (symbol value + addend, the function's offset in its
/// section); in a linked one the field taken, as ld 2.40 writes it, relative to the
/// `.sframe` section's address.
public func runSFrameDump(paths: [String], out: inout OutputBuffer, err: (String) -> Void) -> ExitStatus {
  var status = ExitStatus.clean
  for path in paths {
    do {
      let file = try ELFFile.open(path: path)
      if paths.count > 1 {
        out.append("==> \(path) <==")
        out.endLine()
      }
      guard let section = file.section(named: ".sframe"), section.hasFileBytes else {
        err("\(path): no .sframe section")
        continue
      }
      let decoded = file.withBytes(of: section.index) { SFrameV1.decode($0) }
      switch decoded {
      case .failure(let e):
        err(DiagnosticFormat.error(path: path, "\(section.displayName)+0x\(String(e.offset, radix: 16)): \(e.reason)"))
        status = .badInput
      case .success(let d):
        let relocations = file.relocations(for: section.index)?.relocations ?? []
        var byField: [UInt64: Relocation] = [:]
        for r in relocations where byField[r.offset] == nil { byField[r.offset] = r }
        let starts = d.functions.map { f -> UInt64 in
          if let r = byField[UInt64(f.startFieldOffset)] {
            return file.symbol(r.symbol).value &+ UInt64(bitPattern: r.addend)
          }
          return section.address &+ UInt64(bitPattern: Int64(f.startField))
        }
        for line in SFrameDump.lines(section: section.displayName, d, starts: starts) {
          out.append(line)
          out.endLine()
        }
      }
    } catch {
      err(DiagnosticFormat.line(for: error, path: path))
      status = .badInput
    }
  }
  out.flush()
  return status
}
