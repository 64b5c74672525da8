import Analysis
import ArchX86
import ELFObject
import ORC
import Glibc
import UnwindModel
import WorkPool

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
/// With `--prefix` but no `--orc` (Kbuild on frame-pointer kernels: `--stackval
/// --prefix=16`), only the `__pfx_` symbols are written, as objtool does.
func writeORC(_ file: ELFFile, result: ValidationResult, path: String, options: CheckOptions) -> ORCWriteOutcome {
  if options.orc && file.section(named: ".orc_unwind") != nil && !options.replace {
    // objtool: "file already has .orc_unwind section, skipping"
    return .refused("file already has .orc_unwind section; use --replace to regenerate it")
  }
  // objtool writes nothing after a setup error (its "fatal" class).
  if result.findings.contains(where: \.isError) { return .skipped }
  let format: ORCFormat = options.kernel == .v6_1 ? .v6_1 : .v6_12
  let arm64 = file.machine == .aarch64
  let order = file.byteOrder
  // Each entry's place as columns (its input section and offset), and the
  // `.orc_unwind` bytes: objtool's format on x86, unwindcheck's 8-byte ORC-like
  // entries on arm64 (same placement).
  var entryInput: [Int32] = [], entryOffset: [UInt64] = []
  var inputs: [ORCSectionInput] = []
  var orc = ByteSink(order: order)
  var prefixSymbols: [NewSymbol] = []
  do {
    inputs = orcInputs(file, result)
    PhaseTimes.mark("write: inputs")
    if options.prefix > 0 {
      // (The inputs are the result's sections in order: kinds line up with them.)
      let (symbols, writes) = prefixPlan(file, inputs, kinds: result.instructionCFI.map(\.kinds),
                                         symbolsByAddress: result.symbolsByAddress, size: options.prefix)
      prefixSymbols = symbols
      PhaseTimes.mark("write: prefix plan")
      // The padding's CFI goes into the one array all the sections' columns view (one
      // copy of it, not one per section).
      if let first = inputs.first, !writes.isEmpty {
        let all = first.cfi.storage.copy()
        for w in writes { all[w.position] = w.id.rawValue }
        for k in inputs.indices { inputs[k].cfi = CFIColumn(all, base: inputs[k].cfi.base, count: inputs[k].cfi.count) }
      }
      PhaseTimes.mark("write: prefix")
    }
    if options.orc && arm64 {
      let placed = try ORCGenerator.arm64Placement(inputs, states: result.cfiStates)
      orc = ByteSink(order: order, capacity: placed.count * ARM64ORCEntry.size)
      for e in placed.entries { e.append(to: &orc) }
      (entryInput, entryOffset) = (placed.input, placed.offsets)
    } else if options.orc {
      let placed = try ORCGenerator.x86Placement(inputs, states: result.cfiStates, format: format)
      orc = ByteSink(order: order, capacity: placed.count * ORCEntry.size)
      for e in placed.entries { e.append(to: &orc, format: format) }
      (entryInput, entryOffset) = (placed.input, placed.offsets)
    }
  } catch {
    return .refused("cannot express the CFI as ORC, nothing written: \(error)")
  }
  PhaseTimes.mark("write: entries")
  guard let symtab = file.symbolTable else { return .failed("no symbol table: cannot write ORC relocations") }
  var sectionSymbol: [SectionIndex: SymbolIndex] = [:]
  for sym in file.symbols where sym.isSectionSymbol {
    if let s = sym.section.index, sectionSymbol[s] == nil { sectionSymbol[s] = sym.index }
  }
  // Code sections without a section symbol get one (as objtool creates them): a local
  // symbol inserted before the first global, so every later symbol index moves by the
  // number added and the relocation sections are rewritten accordingly.
  var extra: [ELFWriter.NewSection] = []
  let missing = Array(Set(entryInput.map { inputs[Int($0)].section }).filter { sectionSymbol[$0] == nil }).sorted()
  // Section symbols (local, STT_SECTION) and the --prefix symbols (as their function).
  let newSymbols = missing.map { NewSymbol(name: "", info: 3, section: $0, value: 0, size: 0) } + prefixSymbols
  if !newSymbols.isEmpty {
    switch addSymbols(file, symtab: symtab, newSymbols) {
    case .failure(let problem): return .failed(problem.text)
    case .success(let (rewritten, indices)):
      extra = rewritten
      for (s, idx) in zip(missing, indices) { sectionSymbol[s] = idx }
    }
  }
  PhaseTimes.mark("write: symbols")
  var rela = ByteSink(order: order, capacity: entryInput.count * 24)
  let relocationType: UInt64 = arm64 ? 261 : 2  // R_AARCH64_PREL32 / R_X86_64_PC32
  var lastInput: Int32 = -1, lastSymbol: SymbolIndex? = nil
  for i in entryInput.indices {
    if entryInput[i] != lastInput || lastSymbol == nil {
      lastInput = entryInput[i]
      lastSymbol = sectionSymbol[inputs[Int(lastInput)].section]
    }
    guard let sym = lastSymbol else {
      return .failed("no section symbol for \(inputs[Int(lastInput)].name): cannot write its ORC relocations")
    }
    rela.u64(UInt64(i * 4))
    rela.u64(UInt64(sym.rawValue) << 32 | relocationType)
    rela.u64(entryOffset[i])
  }
  if !options.orc && newSymbols.isEmpty && options.output == nil { return .skipped }
  let sections = !options.orc ? [] : [
    ELFWriter.NewSection(name: ".orc_unwind", type: .progbits, flags: .alloc, alignment: arm64 ? 2 : 1,
                         entrySize: arm64 ? UInt64(ARM64ORCEntry.size) : 6, bytes: orc.bytes),
    ELFWriter.NewSection(name: ".orc_unwind_ip", type: .progbits, flags: .alloc, alignment: 1, entrySize: 4,
                         contents: [.zeros(entryInput.count * 4)]),
    ELFWriter.NewSection(name: ".rela.orc_unwind_ip", type: .rela, flags: .infoLink, alignment: 8, entrySize: 24,
                         link: .existing(symtab), info: .added(extra.count + 1), bytes: rela.bytes),
  ]
  PhaseTimes.mark("write: relocations")
  do {
    try ELFWriter(file: file).write(adding: extra + sections, replace: options.replace,
                                    to: options.output ?? path, mode: mode_t(file.mode))
  } catch {
    return .failed("\(error)")
  }
  PhaseTimes.mark("write: file")
  return .written
}


/// A symbol to add: name, `st_info`, section, value, size.
struct NewSymbol {
  var name: String
  var info: UInt8
  var section: SectionIndex
  var value: UInt64
  var size: UInt64
  var isLocal: Bool { info >> 4 == 0 }
}

/// New contents for the symbol table (locals inserted after the existing locals,
/// globals appended), its string table, and every structure that holds symbol indices:
/// relocation sections (r_info), section groups (sh_info) and SHT_SYMTAB_SHNDX.
/// Returns the replacement sections and each new symbol's index.
func addSymbols(_ file: ELFFile, symtab: SectionIndex, _ newSymbols: [NewSymbol])
  -> Result<([ELFWriter.NewSection], [SymbolIndex]), WriteFailureMessage> {
  let tab = file.section(symtab)
  let firstGlobal = Int(tab.info)
  let locals = newSymbols.filter(\.isLocal), globals = newSymbols.filter { !$0.isLocal }
  let k = locals.count
  guard firstGlobal <= file.symbols.count,
        Int(tab.link) < file.sections.count else {
    return .failure(WriteFailureMessage("cannot add symbols to this symbol table"))
  }
  func moved(_ i: UInt64) -> UInt64 { i < UInt64(firstGlobal) ? i : i + UInt64(k) }
  func same(_ s: Section, _ contents: [ELFWriter.Piece], info: UInt32? = nil) -> ELFWriter.NewSection {
    ELFWriter.NewSection(name: s.name, type: s.type, flags: s.flags, alignment: s.alignment, entrySize: s.entrySize,
                         link: .value(s.link), info: .value(info ?? s.info), contents: contents, replacing: s.index)
  }
  func whole(_ s: Section) -> ELFWriter.Piece { .input(offset: Int(s.fileOffset), count: Int(s.size)) }
  var out: [ELFWriter.NewSection] = []
  // Names go to the end of the symbol string table.
  let strtab = file.section(SectionIndex(Int(tab.link)))
  var strings: [UInt8] = []
  // Entries through the one byte encoder (tens of thousands with --prefix).
  func entries(_ symbols: [NewSymbol]) -> [UInt8] {
    var sink = ByteSink(order: file.byteOrder, capacity: symbols.count * 24)
    for s in symbols {
      var nameOffset: UInt64 = 0
      if !s.name.isEmpty {
        nameOffset = strtab.size + UInt64(strings.count)
        strings.append(contentsOf: s.name.utf8)
        strings.append(0)
      }
      // Section indices from SHN_LORESERVE up live in SHT_SYMTAB_SHNDX; st_shndx says SHN_XINDEX.
      sink.u32(UInt32(nameOffset))
      sink.u8(s.info)
      sink.u8(0)
      sink.u16(s.section.rawValue < 0xFF00 ? UInt16(s.section.rawValue) : 0xFFFF)
      sink.u64(s.value)
      sink.u64(s.size)
    }
    return sink.bytes
  }
  func extendedIndices(_ symbols: [NewSymbol]) -> [UInt8] {
    var sink = ByteSink(order: file.byteOrder, capacity: symbols.count * 4)
    for s in symbols { sink.u32(s.section.rawValue < 0xFF00 ? 0 : s.section.rawValue) }
    return sink.bytes
  }
  // The symbol table: its entries up to the first global, the new locals, the rest,
  // the new globals (input ranges are copied straight from the file when writing).
  let split = firstGlobal * 24
  out.append(same(tab, [.input(offset: Int(tab.fileOffset), count: split), .bytes(entries(locals)),
                        .input(offset: Int(tab.fileOffset) + split, count: Int(tab.size) - split),
                        .bytes(entries(globals))],
                  info: UInt32(firstGlobal + k)))
  if !strings.isEmpty { out.append(same(strtab, [whole(strtab), .bytes(strings)])) }
  if k > 0 {
    for s in file.sections {
      switch s.type {
      case .rela where s.link == symtab.rawValue:
        out.append(same(s, [.shiftedRelocations(offset: Int(s.fileOffset), count: Int(s.size) / 24 * 24,
                                                from: UInt64(firstGlobal), by: UInt64(k))]))
      case .group where s.link == symtab.rawValue:
        out.append(same(s, [whole(s)], info: UInt32(moved(UInt64(s.info)))))
      default:
        break
      }
    }
  }
  // SHT_SYMTAB_SHNDX runs parallel to the symbol table: it gets the same insertions, and
  // is created when a new symbol needs it and the object has none.
  let count = file.symbols.count
  if let x = file.sections.first(where: { $0.type == .symtabShndx && $0.link == symtab.rawValue }) {
    var bytes = file.withBytes(of: x.index) { [UInt8]($0) }
    if bytes.count < count * 4 { bytes += [UInt8](repeating: 0, count: count * 4 - bytes.count) }
    bytes.removeSubrange((count * 4)...)
    bytes.insert(contentsOf: extendedIndices(locals), at: firstGlobal * 4)
    bytes += extendedIndices(globals)
    out.append(same(x, [.bytes(bytes)]))
  } else if newSymbols.contains(where: { $0.section.rawValue >= 0xFF00 }) {
    let bytes = [UInt8](repeating: 0, count: firstGlobal * 4) + extendedIndices(locals)
      + [UInt8](repeating: 0, count: (count - firstGlobal) * 4) + extendedIndices(globals)
    out.append(ELFWriter.NewSection(name: ".symtab_shndx", type: .symtabShndx, flags: SectionFlags(rawValue: 0),
                                    alignment: 4, entrySize: 4, link: .existing(symtab), bytes: bytes))
  }
  var indices: [SymbolIndex] = []
  var nextLocal = firstGlobal, nextGlobal = file.symbols.count + k
  for s in newSymbols {
    if s.isLocal { indices.append(SymbolIndex(nextLocal)); nextLocal += 1 } else { indices.append(SymbolIndex(nextGlobal)); nextGlobal += 1 }
  }
  return .success((out, indices))
}

struct WriteFailureMessage: Error { var text: String; init(_ t: String) { text = t } }

func orcInputs(_ file: ELFFile, _ result: ValidationResult) -> [ORCSectionInput] {
  // Sites grouped by section once (a kernel has thousands of sites and hundreds of
  // code sections).
  var sites: [SectionIndex: [(start: UInt64, end: UInt64, table: [CFIStateID?])]] = [:]
  for s in result.sites { sites[s.section, default: []].append((s.start, s.end, s.table)) }
  return result.instructionCFI.map { sec in
    ORCSectionInput(section: sec.section, name: file.section(sec.section).name, size: file.section(sec.section).size,
                    offsets: sec.offsets, cfi: sec.cfi,
                    sites: (sites[sec.section] ?? []).sorted { $0.0 < $1.0 })
  }
}

/// `--prefix=N` (objtool `add_prefix_symbols`): where exactly N bytes of NOPs precede a
/// function, they become `__pfx_<func>` (a symbol like the function's) and get the
/// CFI of the function's first instruction. Aliases get their own prefix symbol, as in objtool;
/// unlike objtool, a `__pfx_` symbol already there is kept rather than duplicated, so a
/// second run over the same object adds nothing.
/// Returns the new symbols and the CFI to write into the padding (position in the
/// columns' shared storage, state). `kinds[k]` and `symbolsByAddress[k]` belong to `inputs[k]`.
func prefixPlan(_ file: ELFFile, _ inputs: [ORCSectionInput], kinds: [Column<InstructionKind>],
                symbolsByAddress: [[Int32]], size n: Int) -> ([NewSymbol], [(position: Int, id: CFIStateID)]) {
  // A prefix symbol is "already there" when one of that name sits at that place: local
  // functions of the same name from different units each get their own.
  struct Placed: Hashable { var name: String; var section: SymbolSection; var value: UInt64 }
  var existing = Set<Placed>()
  existing.reserveCapacity(file.symbols.count / 2)
  for sym in file.symbols where sym.name.hasPrefix("__pfx_") {
    existing.insert(Placed(name: sym.name, section: sym.section, value: sym.value))
  }
  PhaseTimes.mark("write: prefix existing")
  var out: [NewSymbol] = []
  var writes: [(position: Int, id: CFIStateID)] = []
  for k in inputs.indices {
    let sec = inputs[k].section
    let kind = kinds[k], offsets = inputs[k].offsets
    // objtool walks each section's symbols by address, aliases included, so the new
    // globals come out in that order.
    let symbols = file.symbols
    // Functions come by address: the instruction at each is found by moving forward.
    var next = 0
    for index in symbolsByAddress[k] where symbols[Int(index)].isFunction {
      let value = symbols[Int(index)].value
      guard value <= UInt64(UInt32.max) else { continue }
      while next < offsets.count && offsets[next] < UInt32(value) { next += 1 }
      guard next < offsets.count && offsets[next] == UInt32(value) else { continue }
      let first = next
      var i = first - 1
      var start: Int?
      while i >= 0, kind[i] == .nop {
        let distance = Int(value) - Int(offsets[i])
        if distance > n { break }
        if distance == n { start = i; break }
        i -= 1
      }
      // (Only now the symbol itself: most functions have no padding to name.)
      guard let s = start, case let f = symbols[Int(index)], !f.name.hasPrefix("__pfx_") else { continue }
      if let cfi = inputs[k].cfi[first] {
        for j in s..<first { writes.append((inputs[k].cfi.base + j, cfi)) }
      }
      let name = "__pfx_" + f.name
      if existing.insert(Placed(name: name, section: f.section, value: f.value - UInt64(n))).inserted {
        out.append(NewSymbol(name: name, info: (f.binding.rawValue << 4) | SymbolType.function.rawValue,
                             section: sec, value: f.value - UInt64(n), size: UInt64(n)))
      }
    }
  }
  return (out, writes)
}
