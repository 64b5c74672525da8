import Analysis
import ELFObject
import ORC
import Glibc
import UnwindModel
import WorkPool

enum ORCWriteOutcome {
  /// Written; the lines are objtool's notes about what it skipped.
  case written([String])
  case skipped([String])
  /// Not written, as objtool would not write it (already has ORC; CFI not expressible).
  case refused(String)
  /// Could not write (I/O).
  case failed(String)
}

/// Which of objtool's Kbuild sections and rewrites to write besides ORC and `__pfx_`
/// (the `objtool` front end sets them from its options).
public struct KbuildWrites: Sendable {
  /// `--static-call`: `.static_call_sites`.
  public var staticCalls = false
  /// `--retpoline`: `.retpoline_sites`.
  public var retpolines = false
  /// `--cfi`: `.cfi_sites` (every kCFI preamble symbol).
  public var cfiSites = false
  /// `--rethunk`: `.return_sites`; with `--hacks=skylake` also `.call_sites`.
  public var returns = false
  public var calls = false
  /// `--mcount`: `__mcount_loc`; `--mnop` also NOPs the calls.
  public var mcount = false
  public var mnop = false
  /// `--ibt`: `.ibt_endbr_seal`.
  public var endbrSeal = false
  /// `--hacks=jump_label`: initially-off jump labels become NOPs in place.
  public var jumpLabelNops = false
  /// `--hacks=noinstr`: instrumentation calls in `noinstr` code become NOPs in place.
  public var noinstrRewrites = false

  public init() {}

  var any: Bool {
    staticCalls || retpolines || cfiSites || returns || calls || mcount || endbrSeal || jumpLabelNops || noinstrRewrites
  }
}

/// Why the static-call sites cannot be listed: objtool stops there (nothing after it
/// is created).
struct StaticCallProblem: Error {
  var finding: Finding
}

/// objtool `create_static_call_sections`' key lookup: each static call's key is the
/// symbol named like its trampoline with the key prefix (`__SCT__x` -> `__SCK__x`). A
/// module may call a key it cannot see (not exported): the trampoline stands for it,
/// fixed up by the kernel's static_call_add_module(). Elsewhere a missing key stops.
func staticCallKeys(_ file: ELFFile, _ lists: PatchLists, arch: ArchitectureSupport,
                    module: Bool) -> Result<[SymbolIndex], StaticCallProblem> {
  // The key symbols by name (objtool `find_symbol_by_name`: of equal names, the last).
  var byName: [String: SymbolIndex] = [:]
  if let keyPrefix = arch.staticCallKeyPrefix {
    for sym in file.symbols where sym.name.hasPrefix(keyPrefix) { byName[sym.name] = sym.index }
  }
  var keys: [SymbolIndex] = []
  for site in lists.staticCalls {
    let trampoline = file.symbol(site.trampoline)
    guard let prefix = arch.staticCallTrampolinePrefix, let keyPrefix = arch.staticCallKeyPrefix,
          trampoline.name.hasPrefix(prefix) else {
      return .failure(StaticCallProblem(finding: Finding(scope: Message(.staticCallTrampolineMalformed, .name(trampoline.name)))))
    }
    let keyName = keyPrefix + trampoline.name.dropFirst(prefix.count)
    if let key = byName[keyName] {
      keys.append(key)
    } else if module {
      keys.append(site.trampoline)
    } else {
      return .failure(StaticCallProblem(finding: Finding(scope: Message(.staticCallKeyMissing, .name(String(keyName))))))
    }
  }
  return .success(keys)
}

/// `check --orc` and the `objtool` front end: everything objtool writes into the
/// object, as one `ObjectEdits` list in objtool's order (`.static_call_sites`,
/// `.retpoline_sites`, `.return_sites`, `.call_sites`, `__mcount_loc`, the `__pfx_`
/// symbols, `.ibt_endbr_seal`, ORC), each site a PC-relative relocation against its code
/// section's section symbol (created where missing), written atomically. A section the
/// object already has is not written again (objtool's "file already has ..."), so a
/// rerun adds nothing: prefix symbols already there are not duplicated either.
func writeObject(_ file: ELFFile, result: ValidationResult, path: String, options: CheckOptions,
                 extraSections: [SectionEdit] = []) -> ORCWriteOutcome {
  var notes: [String] = []
  if !extraSections.isEmpty && file.section(named: ".sframe") != nil && !options.replace {
    return .refused("file already has .sframe section; use --replace to regenerate it")
  }
  var writeORC = options.orc
  if options.orc && file.section(named: KernelSections.orcUnwind) != nil && !options.replace {
    guard options.objtoolFrontEnd else {
      // objtool: "file already has .orc_unwind section, skipping"
      return .refused("file already has .orc_unwind section; use --replace to regenerate it")
    }
    notes.append("file already has .orc_unwind section, skipping")
    writeORC = false
  }
  // objtool writes nothing after a setup error (its "fatal" class), nor for an object
  // without a single instruction (`check()` stops when `nr_insns` is 0).
  if result.findings.contains(where: \.isError) { return .skipped(notes) }
  if options.output == nil && result.instructionCFI.allSatisfy({ $0.offsets.isEmpty }) { return .skipped(notes) }
  let format = ORCFormat(kernel: options.kernel)
  guard let arch = ArchitectureSupport.of(file.machine) else { return .skipped(notes) }
  var edits = ObjectEdits()
  let w = options.writes
  if w.any {
    let cfiPrefix = arch.description(options).kernel.cfiPreamblePrefix
    switch kbuildSiteSections(file, result.patchLists, writes: w, module: options.module, arch: arch, cfiPrefix: cfiPrefix,
                              into: &edits) {
    case .failure(let stop):
      // objtool stops at such an error: nothing after it is written.
      notes += stop.notes
      return edits.isEmpty ? .skipped(notes) : write(edits)
    case .success(let more):
      notes += more
    }
  }
  // Each entry's place as columns (its input section and offset), and the
  // `.orc_unwind` bytes: objtool's format on x86, unwindcheck's 8-byte ORC-like
  // entries on arm64 (same placement).
  var encoded = ArchitectureSupport.EncodedORC(bytes: [], input: [], offsets: [])
  var inputs: [ORCSectionInput] = []
  var prefixSymbols: [SymbolEdit] = []
  do throws(ORCGenerator.Problem) {
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
        for w in writes { for j in w.position..<(w.position + w.count) { all[j] = w.id.rawValue } }
        for k in inputs.indices { inputs[k].cfi = CFIColumn(all, base: inputs[k].cfi.base, count: inputs[k].cfi.count) }
      }
      PhaseTimes.mark("write: prefix")
    }
    if writeORC { encoded = try arch.encodeORC(inputs, result.cfiStates, format, file.byteOrder, options.threadsPerObject) }
  } catch {
    guard options.objtoolFrontEnd else { return .refused("cannot express the CFI as ORC, nothing written: \(error)") }
    // objtool's orc_create warns at the instruction (WARN_INSN: not when its function
    // already warned) and gives up on ORC, but what it made before is still written.
    if let line = objtoolWarning(for: error, file, result) { notes.append(line) }
    writeORC = false
  }
  PhaseTimes.mark("write: entries")
  // objtool creates its prefix symbols after the call-site sections (so the section
  // symbols those need come first), before `.ibt_endbr_seal` and ORC.
  edits.symbolsAfterSections = edits.sections.count
  for s in prefixSymbols { edits.addSymbol(s) }
  if w.endbrSeal {
    if file.section(named: KernelSections.endbrSeal) != nil {
      notes.append("file already has .ibt_endbr_seal, skipping")
    } else if !result.patchLists.endbrSeal.isEmpty {
      edits.sections.append(siteSection(KernelSections.endbrSeal, result.patchLists.endbrSeal, arch: arch))
    }
  }
  if writeORC {
    var relocations: [RelocationEdit] = []
    relocations.reserveCapacity(encoded.input.count)
    for i in encoded.input.indices {
      relocations.append(RelocationEdit(offset: UInt64(i * 4), type: arch.orcRelocation,
                                        symbol: .sectionSymbol(inputs[Int(encoded.input[i])].section),
                                        addend: Int64(bitPattern: encoded.offsets[i])))
    }
    edits.sections += [
      SectionEdit(name: KernelSections.orcUnwind, flags: .alloc, alignment: arch.orcAlignment,
                  entrySize: arch.orcEntrySize, contents: .bytes(encoded.bytes)),
      SectionEdit(name: KernelSections.orcUnwindIP, flags: .alloc, alignment: 1, entrySize: 4,
                  contents: .zeros(encoded.input.count * 4), relocations: relocations),
    ]
  }
  edits.sections += extraSections
  PhaseTimes.mark("write: relocations")
  if options.dryRun || (edits.isEmpty && options.output == nil) { return .skipped(notes) }
  func write(_ edits: ObjectEdits) -> ORCWriteOutcome {
    if options.imageInMemory {
      // What would be written must itself be a readable object.
      do {
        let image = try ObjectEditor(file: file).image(edits, replace: options.replace)
        _ = try ELFFile.parse(bytes: image, name: path)
      } catch {
        return .failed("\(error)")
      }
      return .written(notes)
    }
    if options.backup && options.output == nil {
      if let problem = copyFile(path, to: path + ".orig") { return .failed(problem) }
    }
    do {
      try ObjectEditor(file: file).write(edits, replace: options.replace, to: options.output ?? path, mode: file.mode)
    } catch {
      return .failed(error.message)
    }
    PhaseTimes.mark("write: file")
    return .written(notes)
  }
  return write(edits)
}

/// objtool's WARN_INSN line for CFI that ORC cannot express (`sym+0xoff: unknown CFA
/// base reg -1`), or nil when the instruction's function already has a finding (objtool
/// prints one warning per function).
private func objtoolWarning(for problem: ORCGenerator.Problem, _ file: ELFFile, _ result: ValidationResult) -> String? {
  let (section, offset, message): (String, UInt64, String)
  switch problem {
  case .unknownCFABase(let s, let o, let b): (section, offset, message) = (s, o, "unknown CFA base reg \(b)")
  case .unknownBPBase(let s, let o, let b): (section, offset, message) = (s, o, "unknown BP base reg \(b)")
  case .unknownType(let s, let o, let t): (section, offset, message) = (s, o, "unknown unwind hint type \(t)")
  }
  // objtool `offstr`: the function containing the place, else any symbol, else the section.
  let containing = file.section(named: section).map { file.symbols(in: $0.index) }?
    .filter { !$0.isSectionSymbol && $0.size > 0 && $0.value <= offset && offset < $0.value &+ $0.size }
    .sorted { ($0.isFunction ? 0 : 1, $0.value) < ($1.isFunction ? 0 : 1, $1.value) }.first
  if let sym = containing, sym.isFunction,
     result.findings.contains(where: { $0.location?.section == section && $0.location?.function == sym.name }) {
    return nil
  }
  let place = containing.map { placeText($0.name, offset - $0.value) } ?? placeText(section, offset)
  return "\(place): \(message)"
}

/// A section of 4-byte sites: one zero word per place, filled by a PC-relative
/// relocation against the place's section symbol (objtool `elf_init_reloc_text_sym`).
private func siteSection(_ name: String, _ places: [PatchLists.Place], arch: ArchitectureSupport,
                         flags: SectionFlags = .alloc) -> SectionEdit {
  SectionEdit(name: name, flags: flags, alignment: 1, entrySize: 4, contents: .zeros(places.count * 4),
              relocations: places.enumerated().map { k, p in
                RelocationEdit(offset: UInt64(k * 4), type: arch.orcRelocation, symbol: .sectionSymbol(p.section),
                               addend: Int64(bitPattern: p.offset))
              })
}

/// Why objtool stops writing (its section creation returned an error).
struct SiteSectionStop: Error { var notes: [String] }

/// objtool's site sections before the prefix symbols, in its order, and the
/// jump-label (and `--mnop`) rewrites. Returns objtool's notes about skipped sections.
private func kbuildSiteSections(_ file: ELFFile, _ lists: PatchLists, writes w: KbuildWrites, module: Bool,
                                arch: ArchitectureSupport, cfiPrefix: String,
                                into edits: inout ObjectEdits) -> Result<[String], SiteSectionStop> {
  var notes: [String] = []
  var entries = RelocationEntries(file)
  if w.jumpLabelNops, let nop = arch.nopBytes {
    for (place, length) in lists.jumpLabelNops {
      guard let bytes = nop(length) else { continue }
      edits.patches.append(BytePatch(section: place.section, offset: place.offset, bytes: bytes))
      if let r = entries.entry(in: place.section, from: place.offset, length: length) {
        edits.relocationTypes.append(RelocationTypeEdit(section: r.section, index: r.index, type: .none))
      }
    }
  }
  if w.noinstrRewrites, let nop = arch.nopBytes, let ret = arch.retBytes {
    for (place, length, tail) in lists.noinstrRewrites {
      guard let bytes = tail ? ret(length) : nop(length) else { continue }
      edits.patches.append(BytePatch(section: place.section, offset: place.offset, bytes: bytes))
      if let r = entries.entry(in: place.section, from: place.offset, length: length) {
        edits.relocationTypes.append(RelocationTypeEdit(section: r.section, index: r.index, type: .none))
      }
    }
  }
  if w.staticCalls {
    if file.section(named: KernelSections.staticCallSites) != nil {
      notes.append("file already has .static_call_sites section, skipping")
    } else if !lists.staticCalls.isEmpty {
      var relocations: [RelocationEdit] = []
      let keys: [SymbolIndex]
      switch staticCallKeys(file, lists, arch: arch, module: module) {
      case .success(let k): keys = k
      case .failure(let problem):
        notes.append(problem.finding.message.text)
        return .failure(SiteSectionStop(notes: notes))
      }
      for (k, site) in lists.staticCalls.enumerated() {
        relocations.append(RelocationEdit(offset: UInt64(k * 8), type: arch.orcRelocation,
                                          symbol: .sectionSymbol(site.place.section), addend: Int64(bitPattern: site.place.offset)))
        relocations.append(RelocationEdit(offset: UInt64(k * 8 + 4), type: arch.orcRelocation, symbol: .existing(keys[k]),
                                          addend: site.tail ? 1 : 0))
      }
      edits.sections.append(SectionEdit(name: KernelSections.staticCallSites, flags: [.alloc, .write], alignment: 1, entrySize: 8,
                                        contents: .zeros(lists.staticCalls.count * 8), relocations: relocations))
    }
  }
  func add(_ name: String, _ places: [PatchLists.Place], _ skipped: String) {
    if file.section(named: name) != nil {
      notes.append(skipped)
    } else if !places.isEmpty {
      edits.sections.append(siteSection(name, places, arch: arch))
    }
  }
  if w.retpolines { add(KernelSections.retpolineSites, lists.retpolines, "file already has .retpoline_sites, skipping") }
  var calls = lists.calls
  if w.cfiSites {
    // Every kCFI preamble (objtool `create_cfi_sections`), in symbol-table order; the
    // section is written even when there is none.
    if file.section(named: KernelSections.cfiSites) != nil {
      notes.append("file already has .cfi_sites section, skipping")
      calls = []  // (objtool then drops its call list too)
    } else {
      var places: [PatchLists.Place] = []
      for sym in file.symbols where sym.isFunction && sym.name.hasPrefix(cfiPrefix) {
        guard let s = sym.section.index, file.section(s).isExecutable else {
          notes.append("bad call to elf_init_reloc_text_sym() for data symbol \(sym.name)")
          return .failure(SiteSectionStop(notes: notes))
        }
        places.append(PatchLists.Place(section: s, offset: sym.value))
      }
      edits.sections.append(siteSection(KernelSections.cfiSites, places, arch: arch))
    }
  }
  if w.returns { add(KernelSections.returnSites, lists.returns, "file already has .return_sites, skipping") }
  if w.returns && w.calls { add(KernelSections.callSites, calls, "file already has .call_sites section, skipping") }
  if w.mcount {
    if file.section(named: KernelSections.mcountLocations) != nil {
      notes.append("file already has __mcount_loc section, skipping")
    } else if !lists.mcount.isEmpty {
      edits.sections.append(SectionEdit(name: KernelSections.mcountLocations, flags: .alloc, alignment: 8, entrySize: 8,
                                        contents: .zeros(lists.mcount.count * 8),
                                        relocations: lists.mcount.enumerated().map { k, p in
                                          RelocationEdit(offset: UInt64(k * 8), type: arch.absolute64Relocation,
                                                         symbol: .sectionSymbol(p.section), addend: Int64(bitPattern: p.offset))
                                        }))
      if w.mnop, let nop = arch.nopBytes {
        for p in lists.mcount {
          // (x86: `call __fentry__` is 5 bytes.)
          guard let bytes = nop(5) else { continue }
          edits.patches.append(BytePatch(section: p.section, offset: p.offset, bytes: bytes))
          if let r = entries.entry(in: p.section, from: p.offset, length: 5) {
            edits.relocationTypes.append(RelocationTypeEdit(section: r.section, index: r.index, type: .none))
          }
        }
      }
    }
  }
  return .success(notes)
}

/// objtool's `insn_reloc`: the relocation (its section and index in file order) inside
/// `length` bytes at `offset` of a section, by binary search over that section's
/// relocations sorted by offset (built once per section asked about).
private struct RelocationEntries {
  let file: ELFFile
  private var sorted: [SectionIndex: (section: SectionIndex, offsets: [UInt64], indices: [Int])] = [:]

  init(_ file: ELFFile) { self.file = file }

  mutating func entry(in section: SectionIndex, from offset: UInt64, length: Int) -> (section: SectionIndex, index: Int)? {
    if sorted[section] == nil {
      guard let rs = file.relocationSections.first(where: { $0.target == section }) else { return nil }
      let order = rs.relocations.indices.sorted { (rs.relocations[$0].offset, $0) < (rs.relocations[$1].offset, $1) }
      sorted[section] = (rs.section, order.map { rs.relocations[$0].offset }, order)
    }
    let s = sorted[section]!
    var lo = 0, hi = s.offsets.count
    while lo < hi {
      let mid = (lo + hi) / 2
      if s.offsets[mid] < offset { lo = mid + 1 } else { hi = mid }
    }
    return lo < s.offsets.count && s.offsets[lo] < offset + UInt64(length) ? (s.section, s.indices[lo]) : nil
  }
}

/// Copies `path` byte for byte to `to` (objtool `--backup`); nil on success, else why not.
private func copyFile(_ path: String, to: String) -> String? {
  let input = open(path, O_RDONLY | O_CLOEXEC)
  guard input >= 0 else { return "cannot read \(path) for its backup: \(String(cString: strerror(errno)))" }
  defer { close(input) }
  let output = open(to, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
  guard output >= 0 else { return "cannot create the backup \(to): \(String(cString: strerror(errno)))" }
  defer { close(output) }
  var buffer = [UInt8](repeating: 0, count: 1 << 16)
  while true {
    let n = buffer.withUnsafeMutableBytes { read(input, $0.baseAddress, $0.count) }
    if n == 0 { return nil }
    guard n > 0 else { return "cannot read \(path) for its backup: \(String(cString: strerror(errno)))" }
    var done = 0
    while done < n {
      let m = buffer.withUnsafeBytes { write(output, $0.baseAddress! + done, n - done) }
      guard m > 0 else { return "cannot write the backup \(to): \(String(cString: strerror(errno)))" }
      done += m
    }
  }
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
                symbolsByAddress: [[Int32]], size n: Int) -> ([SymbolEdit], [(position: Int, count: Int, id: CFIStateID)]) {
  // A prefix symbol is "already there" when one of that name sits at that place: local
  // functions of the same name from different units each get their own.
  struct Placed: Hashable { var name: String; var section: SymbolSection; var value: UInt64 }
  var existing = Set<Placed>()
  for sym in file.symbols where sym.name.hasPrefix("__pfx_") {
    existing.insert(Placed(name: sym.name, section: sym.section, value: sym.value))
  }
  PhaseTimes.mark("write: prefix existing")
  var out: [SymbolEdit] = []
  var writes: [(position: Int, count: Int, id: CFIStateID)] = []
  let symbols = file.symbols
  for k in inputs.indices {
    let sec = inputs[k].section
    let kind = kinds[k], offsets = inputs[k].offsets
    // objtool walks each section's symbols by address, aliases included, so the new
    // globals come out in that order.
    // Functions come by address: the instruction at each is found by moving forward.
    var next = 0
    // The names made at the current address: the same symbol twice (a duplicated
    // entry) gets one prefix. (Without `__pfx_` symbols in the object, this short list
    // is all the checking needed: no set of every name.)
    var runValue = UInt64.max
    var runNames: [String] = []
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
      if let cfi = inputs[k].cfi[first] { writes.append((inputs[k].cfi.base + s, first - s, cfi)) }
      let name = "__pfx_" + f.name
      if value != runValue { runValue = value; runNames.removeAll(keepingCapacity: true) }
      guard !runNames.contains(name) else { continue }
      runNames.append(name)
      if !existing.isEmpty && existing.contains(Placed(name: name, section: f.section, value: f.value - UInt64(n))) { continue }
      out.append(SymbolEdit(name: name, type: .function, binding: f.binding,
                            section: sec, value: f.value - UInt64(n), size: UInt64(n)))
    }
  }
  return (out, writes)
}

/// The whole pipeline on an object in memory: analysis, then everything `check --orc`
/// (with `options`' writes) would write, built as an image and parsed back; nothing
/// touches the file system. For the fuzz harness: true when an image was made.
public func checkAndWriteInMemory(_ file: ELFFile, options: CheckOptions) -> Bool {
  var o = options
  o.imageInMemory = true
  guard let result = analyse(file, options: o) else { return false }
  if case .written = writeObject(file, result: result, path: file.path, options: o) { return true }
  return false
}
