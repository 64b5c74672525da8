import Analysis
import ArchX86
import ELFObject
import ORC
import Glibc
import UnwindModel

enum ORCWriteOutcome {
  case written
  case skipped
  /// Not written, as objtool would not write it (already has ORC; CFI not expressible).
  case refused(String)
  /// Could not write (I/O).
  case failed(String)
}

/// `check --orc`: emit `.orc_unwind`, `.orc_unwind_ip` and `.rela.orc_unwind_ip` as
/// objtool does (entries from `ORCGenerator`; R_X86_64_PC32 relocations against the
/// code sections' section symbols, addend = offset) and write the object atomically.
func writeORC(_ file: ELFFile, result: ValidationResult, path: String, options: CheckOptions) -> ORCWriteOutcome {
  if file.section(named: ".orc_unwind") != nil && !options.replace {
    // objtool: "file already has .orc_unwind section, skipping"
    return .refused("file already has .orc_unwind section; use --replace to regenerate it")
  }
  // objtool writes nothing after a setup error (its "fatal" class).
  if result.findings.contains(where: { $0.rule.code.hasPrefix("UV01") }) { return .skipped }
  let format: ORCFormat = options.kernel == .v6_1 ? .v6_1 : .v6_12
  let entries: [ORCPlacedEntry]
  do {
    let inputs = result.instructionCFI.map { sec in
      ORCSectionInput(section: sec.section, name: file.section(sec.section).name, size: file.section(sec.section).size,
                      offsets: sec.offsets, cfi: sec.cfi,
                      sites: result.sites.filter { $0.section == sec.section }.map { ($0.start, $0.end, $0.table) }
                        .sorted { $0.0 < $1.0 })
    }
    entries = try ORCGenerator.entries(inputs, states: result.cfiStates, format: format)
  } catch {
    return .refused("cannot express the CFI as ORC, nothing written: \(error)")
  }
  guard let symtab = file.symbolTable else { return .failed("no symbol table: cannot write ORC relocations") }
  var sectionSymbol: [SectionIndex: SymbolIndex] = [:]
  for sym in file.symbols where sym.isSectionSymbol {
    if let s = sym.section.index, sectionSymbol[s] == nil { sectionSymbol[s] = sym.index }
  }
  let order = file.byteOrder
  func le(_ v: UInt64, _ width: Int) -> [UInt8] {
    (0..<width).map { k in UInt8(truncatingIfNeeded: v >> UInt64(order == .little ? k * 8 : (width - 1 - k) * 8)) }
  }
  // Code sections without a section symbol get one (as objtool creates them): a local
  // symbol inserted before the first global, so every later symbol index moves by the
  // number added and the relocation sections are rewritten accordingly.
  var extra: [ELFWriter.NewSection] = []
  let missing = Array(Set(entries.map(\.section)).filter { sectionSymbol[$0] == nil }).sorted()
  if !missing.isEmpty {
    switch addSectionSymbols(file, symtab: symtab, sections: missing, le: le) {
    case .failure(let problem): return .failed(problem.text)
    case .success(let (rewritten, added)):
      extra = rewritten
      for (s, idx) in added { sectionSymbol[s] = idx }
    }
  }
  var orc: [UInt8] = [], ip: [UInt8] = [], rela: [UInt8] = []
  orc.reserveCapacity(entries.count * 6)
  for (i, e) in entries.enumerated() {
    guard let sym = sectionSymbol[e.section] else {
      return .failed("no section symbol for \(e.sectionName): cannot write its ORC relocations")
    }
    orc.append(contentsOf: e.entry.bytes(order: order, format: format))
    ip.append(contentsOf: [0, 0, 0, 0])
    rela.append(contentsOf: le(UInt64(i * 4), 8) + le(UInt64(sym.rawValue) << 32 | 2, 8) + le(e.offset, 8))  // R_X86_64_PC32
  }
  let sections = [
    ELFWriter.NewSection(name: ".orc_unwind", type: .progbits, flags: .alloc, alignment: 1, entrySize: 6, bytes: orc),
    ELFWriter.NewSection(name: ".orc_unwind_ip", type: .progbits, flags: .alloc, alignment: 1, entrySize: 4, bytes: ip),
    ELFWriter.NewSection(name: ".rela.orc_unwind_ip", type: .rela, flags: .infoLink, alignment: 8, entrySize: 24,
                         link: .existing(symtab), info: .added(extra.count + 1), bytes: rela),
  ]
  let image = ELFWriter(file: file).image(adding: extra + sections, replace: options.replace)
  do {
    try ELFWriter.writeAtomically(image, to: options.output ?? path, mode: mode_t(file.mode))
  } catch {
    return .failed("\(error)")
  }
  return .written
}


/// New contents for the symbol table (section symbols inserted after the locals) and
/// for every structure that holds symbol indices: relocation sections (r_info),
/// section groups (sh_info) and SHT_SYMTAB_SHNDX.
private func addSectionSymbols(_ file: ELFFile, symtab: SectionIndex, sections: [SectionIndex],
                               le: (UInt64, Int) -> [UInt8]) -> Result<([ELFWriter.NewSection], [(SectionIndex, SymbolIndex)]), WriteFailureMessage> {
  let tab = file.section(symtab)
  let firstGlobal = Int(tab.info)
  let k = sections.count
  guard sections.allSatisfy({ $0.rawValue < 0xFF00 }), firstGlobal <= file.symbols.count else {
    return .failure(WriteFailureMessage("cannot add section symbols to this symbol table"))
  }
  func moved(_ i: UInt64) -> UInt64 { i < UInt64(firstGlobal) ? i : i + UInt64(k) }
  func same(_ s: Section, bytes: [UInt8], info: UInt32? = nil) -> ELFWriter.NewSection {
    ELFWriter.NewSection(name: s.name, type: s.type, flags: s.flags, alignment: s.alignment, entrySize: s.entrySize,
                         link: .value(s.link), info: .value(info ?? s.info), bytes: bytes, replacing: s.index)
  }
  var out: [ELFWriter.NewSection] = []
  // The symbol table.
  var symbols = file.withBytes(of: symtab) { [UInt8]($0) }
  var inserted: [UInt8] = []
  for s in sections {
    // st_name 0, st_info STB_LOCAL|STT_SECTION, st_other 0, st_shndx, st_value 0, st_size 0
    inserted += le(0, 4) + [3, 0] + le(UInt64(s.rawValue), 2) + le(0, 8) + le(0, 8)
  }
  symbols.insert(contentsOf: inserted, at: firstGlobal * 24)
  out.append(same(tab, bytes: symbols, info: UInt32(firstGlobal + k)))
  for s in file.sections {
    switch s.type {
    case .rela where s.link == symtab.rawValue:
      let r = file.reader(for: s.index)
      var bytes = file.withBytes(of: s.index) { [UInt8]($0) }
      for at in stride(from: 0, to: bytes.count - 23, by: 24) {
        guard let info = r.u64(at: at + 8) else { continue }
        let sym = info >> 32
        if sym >= UInt64(firstGlobal) {
          bytes.replaceSubrange((at + 8)..<(at + 16), with: le(moved(sym) << 32 | (info & 0xFFFF_FFFF), 8))
        }
      }
      out.append(same(s, bytes: bytes))
    case .group where s.link == symtab.rawValue:
      out.append(same(s, bytes: file.withBytes(of: s.index) { [UInt8]($0) }, info: UInt32(moved(UInt64(s.info)))))
    case .symtabShndx where s.link == symtab.rawValue:
      var bytes = file.withBytes(of: s.index) { [UInt8]($0) }
      bytes.insert(contentsOf: [UInt8](repeating: 0, count: 4 * k), at: min(firstGlobal * 4, bytes.count))
      out.append(same(s, bytes: bytes))
    default:
      break
    }
  }
  return .success((out, sections.enumerated().map { ($1, SymbolIndex(firstGlobal + $0)) }))
}

struct WriteFailureMessage: Error { var text: String; init(_ t: String) { text = t } }
