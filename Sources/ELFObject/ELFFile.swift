/// A validated, read-only ELF64 relocatable object (compiler `.o`, `ld -r` output, or a
/// final `.ko`) for x86-64 or AArch64, either byte order.
///
/// Opening checks everything later passes rely on, so they can index without traps:
/// the header, the section table against the file size, every section's file range,
/// every name offset, every symbol's section index, and every relocation's symbol and
/// patched field. Section bytes are not copied: `withBytes(of:_:)` lends a view into
/// the file mapping, valid while the `ELFFile` is alive.
public final class ELFFile: @unchecked Sendable {
  // @unchecked: immutable after `open`; the mapping is read-only and owned by `handle`.
  public let path: String
  public let header: ELFHeader
  public let sections: [Section]
  public let symbols: [Symbol]
  /// The `SHT_SYMTAB` section, if any.
  public let symbolTable: SectionIndex?
  /// Every `SHT_RELA` section but those of debug information, in section order,
  /// decoded: what the analysis reads.
  public let relocationSections: [RelocationSection]
  /// The relocation sections of debug information (`.rela.debug*`), validated but not
  /// decoded: `relocations(for:)` and `allRelocationSections()` decode them when asked.
  public let deferredRelocationSections: [DeferredRelocationSection]
  private let relocationSectionByTarget: [SectionIndex: Int]
  /// Symbol positions (into `symbols`) grouped by defining section, in symbol-table order:
  /// `symbolStarts[s]..<symbolStarts[s + 1]` of `symbolsBySection` belong to section `s`.
  private let symbolStarts: [Int32]
  private let symbolsBySection: [Int32]
  private let handle: MappedFile

  public var machine: Machine { header.machine }
  public var byteOrder: ByteOrder { header.byteOrder }
  public var fileSize: Int { handle.size }
  /// The input's open descriptor (for `ELFWriter`'s in-kernel copies).
  var fileDescriptor: Int32 { handle.fd }

  /// Opens and validates `path`. Throws `ELFError` for anything malformed or unsupported.
  public static func open(path: String) throws(ELFError) -> ELFFile {
    let handle = try MappedFile(path: path)
    let header = try ELFHeader.parse(handle.image, path: path)
    return try ELFFile(path: path, handle: handle, header: header)
  }

  /// Parses and validates an image held in memory (tests, fuzzing, objects built on
  /// the fly); `name` stands for the path in messages. Written out, its sections are
  /// copied from memory.
  public static func parse(bytes: [UInt8], name: String = "<memory>") throws(ELFError) -> ELFFile {
    let handle = MappedFile(bytes: bytes)
    let header = try ELFHeader.parse(handle.image, path: name)
    return try ELFFile(path: name, handle: handle, header: header)
  }

  private init(path: String, handle: MappedFile, header: ELFHeader) throws(ELFError) {
    self.path = path
    self.handle = handle
    self.header = header
    let loader = SectionLoader(handle: handle, header: header)
    let sections = try loader.loadSections()
    self.sections = sections
    let (symtab, symbols) = try loader.loadSymbols(sections)
    self.symbolTable = symtab
    self.symbols = symbols
    let (relocs, deferred) = try loader.loadRelocations(sections, symbolTable: symtab, symbolCount: symbols.count)
    self.relocationSections = relocs
    self.deferredRelocationSections = deferred
    var byTarget: [SectionIndex: Int] = [:]
    for (i, r) in relocs.enumerated() where byTarget[r.target] == nil { byTarget[r.target] = i }
    self.relocationSectionByTarget = byTarget
    // Counting sort by section: objects with tens of thousands of sections
    // (-ffunction-sections) must not pay sections x symbols in per-section passes.
    var starts = [Int32](repeating: 0, count: sections.count + 1)
    for sym in symbols { if let s = sym.section.index, s.int < sections.count { starts[s.int + 1] += 1 } }
    for k in 0..<sections.count { starts[k + 1] += starts[k] }
    var fill = starts
    var grouped = [Int32](repeating: 0, count: Int(starts[sections.count]))
    for (i, sym) in symbols.enumerated() {
      if let s = sym.section.index, s.int < sections.count { grouped[Int(fill[s.int])] = Int32(i); fill[s.int] += 1 }
    }
    self.symbolStarts = starts
    self.symbolsBySection = grouped
  }

  /// The symbols defined in `section` by address, ties in symbol-table order (objtool's
  /// per-section symbol list).
  public func symbolsByAddress(in section: SectionIndex) -> [Symbol] {
    symbolIndicesByAddress(in: section).map { symbols[Int($0)] }
  }

  /// The same order as symbol-table positions (sorting positions, not symbols: a
  /// Symbol holds a String, and moving 150 k of them costs more than the comparisons).
  public func symbolIndicesByAddress(in section: SectionIndex) -> [Int32] {
    guard section.int >= 0, section.int < sections.count else { return [] }
    // Sorted as (address, position) pairs: no lookup per comparison.
    var keyed = symbolsBySection[Int(symbolStarts[section.int])..<Int(symbolStarts[section.int + 1])].map { (symbols[Int($0)].value, $0) }
    keyed.sort { $0 < $1 }
    return keyed.map(\.1)
  }

  /// The symbols defined in `section`, in symbol-table order (O(result) per call).
  public func symbols(in section: SectionIndex) -> [Symbol] {
    guard section.int >= 0, section.int < sections.count else { return [] }
    return symbolsBySection[Int(symbolStarts[section.int])..<Int(symbolStarts[section.int + 1])].map { symbols[Int($0)] }
  }

  /// Lends the bytes of a section (empty for `SHT_NOBITS`). The buffer must not escape
  /// `body`. The bytes are in the file's byte order: read them with `ByteReader`.
  public func withBytes<R, E: Error>(
    of index: SectionIndex, _ body: (UnsafeRawBufferPointer) throws(E) -> R
  ) throws(E) -> R {
    try body(bytes(of: index))
  }

  /// A bounds-checked reader over a section's bytes in the file's byte order. Only valid
  /// while this `ELFFile` is alive.
  public func reader(for index: SectionIndex) -> ByteReader {
    ByteReader(bytes(of: index), order: header.byteOrder)
  }

  private func bytes(of index: SectionIndex) -> UnsafeRawBufferPointer {
    let s = sections[index.int]
    guard s.hasFileBytes, s.size > 0 else { return UnsafeRawBufferPointer(start: nil, count: 0) }
    // Validated at open: fileOffset + size <= file size.
    return UnsafeRawBufferPointer(rebasing: handle.image[Int(s.fileOffset)..<Int(s.fileOffset + s.size)])
  }

  public func section(_ index: SectionIndex) -> Section { sections[index.int] }

  /// Lends the whole file image (for writers that copy it).
  public func withImage<R>(_ body: (UnsafeRawBufferPointer) -> R) -> R { body(handle.image) }

  /// Gives back the mapped pages of a file range read once (`MappedFile.dropPages`).
  func dropPages(_ offset: Int, _ count: Int) { handle.dropPages(offset, count) }

  /// The file's permission bits.
  public var mode: UInt32 { handle.mode }

  /// The first section with this name (object files may have several of the same name).
  public func section(named name: String) -> Section? { sections.first { $0.name == name } }

  public func symbol(_ index: SymbolIndex) -> Symbol { symbols[index.int] }

  /// The relocation section patching `target`, if there is one (a debug section's
  /// decoded now).
  public func relocations(for target: SectionIndex) -> RelocationSection? {
    if let k = relocationSectionByTarget[target] { return relocationSections[k] }
    return deferredRelocationSections.first { $0.target == target }.map(decode)
  }

  /// Every relocation section in section order, debug ones decoded now (readers that
  /// want them all: tests, tools).
  public func allRelocationSections() -> [RelocationSection] {
    (relocationSections + deferredRelocationSections.map(decode)).sorted { $0.section.rawValue < $1.section.rawValue }
  }

  /// Relocations across every relocation section, debug ones included, without
  /// decoding them.
  public var relocationCount: Int {
    relocationSections.reduce(0) { $0 + $1.relocations.count } + deferredRelocationSections.reduce(0) { $0 + $1.count }
  }

  /// Decodes a deferred section (validated at open, so it cannot fail).
  private func decode(_ d: DeferredRelocationSection) -> RelocationSection {
    let loader = SectionLoader(handle: handle, header: header)
    let rela = sections[d.section.int], target = sections[d.target.int]
    let data = loader.bytes(of: rela)
    var relocations: [Relocation] = []
    relocations.reserveCapacity(d.count)
    for i in 0..<d.count {
      guard let r = try? loader.decodeRelocation(data, i, rela, target, symbols.count) else { continue }
      relocations.append(r)
    }
    return RelocationSection(section: d.section, target: d.target, relocations: relocations)
  }

  /// Whether this looks like a final module: `.modinfo` and `.gnu.linkonce.this_module`
  /// exist only after modpost and the final `ld -r -T module.lds`.
  public var isFinalModule: Bool {
    section(named: ".gnu.linkonce.this_module") != nil
  }
}
