import Analysis
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
  guard let arch = ArchitectureSupport.of(file.machine) else { return .skipped }
  // Each entry's place as columns (its input section and offset), and the
  // `.orc_unwind` bytes: objtool's format on x86, unwindcheck's 8-byte ORC-like
  // entries on arm64 (same placement).
  var encoded = ArchitectureSupport.EncodedORC(bytes: [], input: [], offsets: [])
  var inputs: [ORCSectionInput] = []
  var prefixSymbols: [SymbolEdit] = []
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
    if options.orc { encoded = try arch.encodeORC(inputs, result.cfiStates, format, file.byteOrder) }
  } catch {
    return .refused("cannot express the CFI as ORC, nothing written: \(error)")
  }
  PhaseTimes.mark("write: entries")
  // Everything the object gains, as one edit list: the prefix symbols, `.orc_unwind`,
  // and `.orc_unwind_ip` whose words are filled by PC-relative relocations against the
  // code sections' section symbols (created where missing, as objtool does).
  var edits = ObjectEdits()
  for s in prefixSymbols { edits.addSymbol(s) }
  if options.orc {
    var relocations: [RelocationEdit] = []
    relocations.reserveCapacity(encoded.input.count)
    for i in encoded.input.indices {
      relocations.append(RelocationEdit(offset: UInt64(i * 4), type: arch.orcRelocation,
                                        symbol: .sectionSymbol(inputs[Int(encoded.input[i])].section),
                                        addend: Int64(bitPattern: encoded.offsets[i])))
    }
    edits.sections = [
      SectionEdit(name: ".orc_unwind", flags: .alloc, alignment: arch.orcAlignment,
                  entrySize: arch.orcEntrySize, contents: .bytes(encoded.bytes)),
      SectionEdit(name: ".orc_unwind_ip", flags: .alloc, alignment: 1, entrySize: 4,
                  contents: .zeros(encoded.input.count * 4), relocations: relocations),
    ]
  }
  PhaseTimes.mark("write: relocations")
  if edits.isEmpty && options.output == nil { return .skipped }
  do {
    try ObjectEditor(file: file).write(edits, replace: options.replace, to: options.output ?? path, mode: mode_t(file.mode))
  } catch {
    return .failed(error.message)
  }
  PhaseTimes.mark("write: file")
  return .written
}

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
                symbolsByAddress: [[Int32]], size n: Int) -> ([SymbolEdit], [(position: Int, id: CFIStateID)]) {
  // A prefix symbol is "already there" when one of that name sits at that place: local
  // functions of the same name from different units each get their own.
  struct Placed: Hashable { var name: String; var section: SymbolSection; var value: UInt64 }
  var existing = Set<Placed>()
  existing.reserveCapacity(file.symbols.count / 2)
  for sym in file.symbols where sym.name.hasPrefix("__pfx_") {
    existing.insert(Placed(name: sym.name, section: sym.section, value: sym.value))
  }
  PhaseTimes.mark("write: prefix existing")
  var out: [SymbolEdit] = []
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
        out.append(SymbolEdit(name: name, type: .function, binding: f.binding,
                              section: sec, value: f.value - UInt64(n), size: UInt64(n)))
      }
    }
  }
  return (out, writes)
}
