import ELFObject
import UnwindModel

/// What `unwindcheck alternatives` prints for one patch site: its streams and the
/// merged byte-offset CFI table, as the walk left them.
public struct PatchSiteReport: Sendable {
  public struct Instruction: Sendable {
    /// Offset from the start of its stream.
    public var offset: Int
    public var length: Int
    public var kind: InstructionKind
    /// Where it is; nil for the virtual NOP padding a shorter stream.
    public var location: CodeLocation?
    /// The CFI recorded before it, if the walk reached it.
    public var cfi: String?
  }

  public struct Stream: Sendable {
    /// "original" or "replacement N (feature F)".
    public var label: String
    public var instructions: [Instruction]
  }

  public var function: String?
  public var location: CodeLocation
  public var length: Int
  public var streams: [Stream]
  /// The shared table: offset -> CFI text (nil = no stream recorded a state there).
  public var table: [(offset: Int, cfi: String?)]
}

extension Walker {
  /// One report per patch site, in section order (optionally only sites in `function`).
  func patchSites(function: String? = nil) -> [PatchSiteReport] {
    var reports: [PatchSiteReport] = []
    // Each original's replacement groups, in order (one pass: a kernel has tens of
    // thousands of sites).
    var replacements: [Int: [Int]] = [:]
    for (ri, r) in p.groups.enumerated() where !r.original.isNone { replacements[r.original.int, default: []].append(ri) }
    for (gi, g) in p.groups.enumerated() where g.original.isNone {
      let first = g.first
      let owner = p.function(first).map(p.symbolName)
      if let function, owner != function { continue }
      var streams = [PatchSiteReport.Stream(label: "original", instructions: instructions(of: g))]
      var n = 0
      for ri in replacements[gi] ?? [] {
        let r = p.groups[ri]
        n += 1
        streams.append(.init(label: "replacement \(n) (feature \(arch.featureText(r.feature)))",
                             instructions: instructions(of: r)))
      }
      let table = marks.siteTable(Int(g.table)).enumerated().map { off, id in
        (off, id == CFIStateID.none.rawValue ? nil : cfiText(CFIStateID(rawValue: id)))
      }
      reports.append(PatchSiteReport(function: owner, location: p.location(first),
                                     length: p.siteTableLengths[Int(g.table)], streams: streams, table: table))
    }
    return reports
  }

  private func instructions(of g: AlternativeGroup) -> [PatchSiteReport.Instruction] {
    var out: [PatchSiteReport.Instruction] = []
    guard !g.first.isNone else { return out }
    let start = p.offset(g.first)
    var i: InsnRef? = g.first
    while let cur = i {
      let virtual = p.isVirtual(cur)
      let id = marks.cfi[cur.int]
      out.append(.init(offset: Int(p.offset(cur)) - Int(start), length: p.length(cur), kind: r.kind[cur.int],
                       location: virtual ? nil : p.location(cur),
                       cfi: id == CFIStateID.none.rawValue ? nil : cfiText(CFIStateID(rawValue: id))))
      if cur == g.nop || (cur == g.last && g.nop.isNone) { break }
      i = cur == g.last ? g.nop : p.next(cur)
    }
    return out
  }

  /// `CFA=rsp+16 rbx=[CFA-16] ra=[CFA-8]` (plus frame type and DRAP when set).
  func cfiText(_ id: CFIStateID) -> String {
    let s = table[id]
    func base(_ b: Int8) -> String {
      switch b {
      case CFIRule.undefinedBase: return "undef"
      case CFIRule.cfaBase: return "CFA"
      case CFIRule.spIndirectBase: return "[\(arch.registerName(arch.stackPointer))]"
      case CFIRule.bpIndirectBase: return "[\(arch.registerName(arch.framePointer))]"
      default: return arch.registers.reportName(Int(b))
      }
    }
    func offset(_ o: Int32) -> String { o < 0 ? "-\(-Int(o))" : "+\(o)" }
    var parts = [s.cfa.base == CFIRule.undefinedBase ? "CFA=undefined" : "CFA=\(base(s.cfa.base))\(offset(s.cfa.offset))"]
    for i in arch.registers.slots where s.regs[i].base != CFIRule.undefinedBase {
      let name = arch.registers.reportName(i)
      parts.append("\(name)=[\(base(s.regs[i].base))\(offset(s.regs[i].offset))]")
    }
    // The stack depth, which the CFA shows only when it is on the stack pointer (in a
    // frame-pointer function two states may differ in nothing else).
    if s.cfa.base != Int8(arch.stackPointer) && s.cfa.base != CFIRule.undefinedBase { parts.append("depth=\(s.stackSize)") }
    if s.type != .call { parts.append("type=\(s.type)") }
    if s.drap { parts.append("drap=\(base(s.drapRegister))") }
    return parts.joined(separator: " ")
  }
}
