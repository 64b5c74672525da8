import ELFObject
import SFrame

/// `unwindcheck sframe dump FILE...`: each object's `.sframe` in the layout of
/// `readelf --sframe`, with function starts made real (`readSFrame`).
public func runSFrameDump(paths: [String], out: inout OutputBuffer, err: (String) -> Void) -> ExitStatus {
  dumpEach(paths, out: &out, err: err) { path, file in
    switch readSFrame(file) {
    case .failure(.noSection):
      err("\(path): no .sframe section")
      return ([], .clean)
    case .failure(.unreadable(let why)):
      err(DiagnosticFormat.error(path: path, why))
      return ([], .badInput)
    case .success(let x):
      return (SFrameDump.lines(section: x.section.displayName, x.decoded, starts: x.starts.map(\.offset)), .clean)
    }
  }
}

/// An object's `.sframe` (version 1, 2 or 3) read, with each function's start: the
/// start field's relocation gives the symbol's section and value plus the addend (a
/// `.o`); without one the field is taken relative to itself when the section says
/// "PC-relative starts" (version 3, version 2 errata 1), else, as ld 2.40 links version
/// 1, relative to the section's address (section nil: an address).
struct ReadSFrame {
  var section: Section
  var decoded: SFrameCoding.Decoded
  var starts: [(section: SectionIndex?, offset: UInt64)]
}

enum SFrameReadError: Error {
  case noSection
  case unreadable(String)
}

func readSFrame(_ file: ELFFile) -> Result<ReadSFrame, SFrameReadError> {
  guard let section = file.section(named: ".sframe"), section.hasFileBytes else { return .failure(.noSection) }
  let decoded: SFrameCoding.Decoded
  switch file.withBytes(of: section.index, { SFrameCoding.decode($0) }) {
  case .success(let d): decoded = d
  case .failure(let e): return .failure(.unreadable("\(section.displayName)+0x\(String(e.offset, radix: 16)): \(e.reason)"))
  }
  var byField: [UInt64: Relocation] = [:]
  for r in file.relocations(for: section.index)?.relocations ?? [] where byField[r.offset] == nil { byField[r.offset] = r }
  let starts = decoded.functions.map { f -> (section: SectionIndex?, offset: UInt64) in
    if let r = byField[UInt64(f.startFieldOffset)] {
      let sym = file.symbol(r.symbol)
      return (sym.section.index, sym.value &+ UInt64(bitPattern: r.addend))
    }
    let base = decoded.flags.contains(.startPCRelative) ? section.address &+ UInt64(f.startFieldOffset) : section.address
    return (nil, base &+ UInt64(bitPattern: f.startField))
  }
  return .success(ReadSFrame(section: section, decoded: decoded, starts: starts))
}
