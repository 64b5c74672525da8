import ELFObject
import UnwindModel

/// `objtool --dump=orc` for any object (compiler .o after objtool, linked .o, final .ko).
public enum ORCDump {
  public enum Problem: Error, Sendable {
    case badSize(section: String, size: UInt64)
  }

  /// The dump lines, one per entry, in table order (empty when there is no ORC).
  public static func lines(_ file: ELFFile, format: ORCFormat) throws(Problem) -> [String] {
    guard let unwind = file.section(named: KernelSections.orcUnwind), let ip = file.section(named: KernelSections.orcUnwindIP) else { return [] }
    guard unwind.size % UInt64(ORCEntry.size) == 0 else { throw .badSize(section: KernelSections.orcUnwind, size: unwind.size) }
    guard ip.size % 4 == 0 else { throw .badSize(section: KernelSections.orcUnwindIP, size: ip.size) }
    let count = Int(min(unwind.size / UInt64(ORCEntry.size), ip.size / 4))
    let orc = file.reader(for: unwind.index)
    let ips = file.reader(for: ip.index)
    let relocs = file.relocations(for: ip.index)?.relocations
    var out: [String] = []
    out.reserveCapacity(count)
    for i in 0..<count {
      var line: String
      if let relocs {
        guard i < relocs.count else { break }
        let r = relocs[i]
        let sym = file.symbol(r.symbol)
        let name = sym.isSectionSymbol ? (sym.section.index.map { file.section($0).name } ?? "") : sym.name
        line = "\(name)+\(String(UInt64(bitPattern: r.addend), radix: 16)):"
      } else {
        let address = Int64(bitPattern: ip.address) &+ Int64(i * 4) &+ Int64(ips.i32(at: i * 4) ?? 0)
        line = "\(String(UInt64(bitPattern: address), radix: 16)):"
      }
      guard let e = ORCEntry(orc, index: i, format: format) else { break }
      switch format {
      case .v6_12:
        line += "type:\(typeName(e.type, format)) sp:\(register(e.spRegister, e.spOffset)) bp:\(register(e.bpRegister, e.bpOffset)) signal:\(e.flag ? 1 : 0)"
      case .v6_1:
        line += " sp:\(register(e.spRegister, e.spOffset)) bp:\(register(e.bpRegister, e.bpOffset)) type:\(typeName(e.type, format)) end:\(e.flag ? 1 : 0)"
      }
      out.append(line)
    }
    return out
  }

  static func typeName(_ t: UInt8, _ format: ORCFormat) -> String {
    switch format {
    case .v6_12:
      switch t {
      case 0: return "(und)"
      case 1: return "end"
      case 2: return "call"
      case 3: return "regs"
      case 4: return "regs (partial)"
      default: return "?"
      }
    case .v6_1:
      switch t {
      case 0: return "call"
      case 1: return "regs"
      case 2: return "regs (partial)"
      default: return "?"
      }
    }
  }

  static func register(_ r: UInt8, _ offset: Int16) -> String {
    let off = offset >= 0 ? "+\(offset)" : "\(offset)"
    switch r {
    case ORCRegister.bpIndirect: return "(bp\(off))"
    case ORCRegister.spIndirect: return "(sp)\(off)"
    case ORCRegister.undefined: return "(und)"
    default:
      let names: [UInt8: String] = [1: "prevsp", 2: "dx", 3: "di", 4: "bp", 5: "sp", 6: "r10", 7: "r13"]
      return "\(names[r] ?? "?")\(off)"
    }
  }
}
