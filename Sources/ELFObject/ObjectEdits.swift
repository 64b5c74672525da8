
/// A symbol an edit refers to: one already in the object, one the same edit list adds,
/// or the section symbol (`STT_SECTION`) of a section, created when the object has none
/// (objtool's relocations against code are section-relative, as are ours).
public enum SymbolReference: Hashable, Sendable {
  case existing(SymbolIndex)
  /// The n-th entry of `ObjectEdits.symbols`.
  case added(Int)
  case sectionSymbol(SectionIndex)
}

/// A symbol to add. Locals go after the object's locals, globals after everything:
/// `ObjectEditor` renumbers whatever holds symbol indices.
public struct SymbolEdit: Sendable, Equatable {
  public var name: String
  public var type: SymbolType
  public var binding: SymbolBinding
  public var section: SectionIndex
  public var value: UInt64
  public var size: UInt64

  public init(name: String, type: SymbolType, binding: SymbolBinding, section: SectionIndex, value: UInt64, size: UInt64) {
    self.name = name
    self.type = type
    self.binding = binding
    self.section = section
    self.value = value
    self.size = size
  }

  var isLocal: Bool { binding == .local }
}

/// One `Elf64_Rela` entry to write.
public struct RelocationEdit: Sendable, Equatable {
  public var offset: UInt64
  public var type: RelocationType
  public var symbol: SymbolReference
  public var addend: Int64

  public init(offset: UInt64, type: RelocationType, symbol: SymbolReference, addend: Int64) {
    self.offset = offset
    self.type = type
    self.symbol = symbol
    self.addend = addend
  }
}

/// A section to add (or, with `replace`, to give new contents under an existing name),
/// with the relocations against it (written as `.rela<name>`, right after it; an empty
/// list still writes the relocation section, nil writes none).
public struct SectionEdit: Sendable {
  public enum Contents: Sendable {
    case bytes([UInt8])
    case zeros(Int)
  }

  public var name: String
  public var type: SectionType
  public var flags: SectionFlags
  public var alignment: UInt64
  public var entrySize: UInt64
  public var contents: Contents
  public var relocations: [RelocationEdit]?

  public init(name: String, type: SectionType = .progbits, flags: SectionFlags, alignment: UInt64, entrySize: UInt64,
              contents: Contents, relocations: [RelocationEdit]? = nil) {
    self.name = name
    self.type = type
    self.flags = flags
    self.alignment = alignment
    self.entrySize = entrySize
    self.contents = contents
    self.relocations = relocations
  }
}

/// Bytes to write over part of an existing section (objtool's in-place rewrites: NOPs
/// over a jump label's jump, over a sealed ENDBR).
public struct BytePatch: Sendable, Equatable {
  public var section: SectionIndex
  public var offset: UInt64
  public var bytes: [UInt8]

  public init(section: SectionIndex, offset: UInt64, bytes: [UInt8]) {
    self.section = section
    self.offset = offset
    self.bytes = bytes
  }
}

/// A new type for one relocation of the object (objtool's `R_NONE` over a jump it
/// turned into a NOP): entry `index` of relocation section `section`.
public struct RelocationTypeEdit: Sendable, Equatable {
  public var section: SectionIndex
  public var index: Int
  public var type: RelocationType

  public init(section: SectionIndex, index: Int, type: RelocationType) {
    self.section = section
    self.index = index
    self.type = type
  }
}

/// Every change to one object, as data: sections (with their relocations), symbols,
/// in-place byte rewrites and relocation types. `ObjectEditor` is the one place that
/// turns it into ELF.
public struct ObjectEdits: Sendable {
  public var symbols: [SymbolEdit] = []
  public var sections: [SectionEdit] = []
  public var patches: [BytePatch] = []
  public var relocationTypes: [RelocationTypeEdit] = []

  public init() {}

  /// Adds a symbol and returns how relocations refer to it.
  @discardableResult
  public mutating func addSymbol(_ s: SymbolEdit) -> SymbolReference {
    symbols.append(s)
    return .added(symbols.count - 1)
  }

  public var isEmpty: Bool { symbols.isEmpty && sections.isEmpty && patches.isEmpty && relocationTypes.isEmpty }
}

/// Why an edit list cannot be applied to an object (the object is left as it was).
public struct ObjectEditError: Error, Sendable, Equatable {
  public var message: String
  public init(_ message: String) { self.message = message }
}

/// Applies an `ObjectEdits` to an object: creates the section symbols relocations
/// need, inserts the new symbols (and renumbers every relocation, group and
/// `SHT_SYMTAB_SHNDX` entry that follows them), encodes symbols and relocations in the
/// object's byte order through `ByteSink`, splices byte patches into their sections,
/// and hands the result to `ELFWriter` (streaming, atomic replacement).
public struct ObjectEditor {
  let file: ELFFile

  public init(file: ELFFile) { self.file = file }

  /// Writes the edited object to `path` (temporary file, then rename; on any error
  /// `path` is untouched).
  public func write(_ edits: ObjectEdits, replace: Bool, to path: String, mode: UInt32 = 0o644) throws(ObjectEditError) {
    let sections = try lower(edits)
    do {
      try ELFWriter(file: file).write(adding: sections, replace: replace, to: path, mode: mode)
    } catch {
      switch error {
      case .io(let p, let what): throw ObjectEditError("\(p): \(what)")
      }
    }
  }

  /// The edited object's bytes, in memory.
  public func image(_ edits: ObjectEdits, replace: Bool) throws(ObjectEditError) -> [UInt8] {
    ELFWriter(file: file).image(adding: try lower(edits), replace: replace)
  }

  /// The writer's sections for `edits`: rewritten symbol-table structures first, then
  /// patched sections, then each new section followed by its relocation section.
  func lower(_ edits: ObjectEdits) throws(ObjectEditError) -> [ELFWriter.NewSection] {
    var out: [ELFWriter.NewSection] = []
    // Section symbols: the object's first for each section; the missing ones are new
    // locals, in section order, ahead of the edit's own symbols.
    var referenced = Set<SectionIndex>()
    for s in edits.sections { for r in s.relocations ?? [] { if case .sectionSymbol(let x) = r.symbol { referenced.insert(x) } } }
    var sectionSymbol: [SectionIndex: SymbolIndex] = [:]
    if !referenced.isEmpty {
      for sym in file.symbols where sym.isSectionSymbol {
        if let s = sym.section.index, referenced.contains(s), sectionSymbol[s] == nil { sectionSymbol[s] = sym.index }
      }
    }
    let missing = referenced.filter { sectionSymbol[$0] == nil }.sorted()
    for s in missing where s.int >= file.sections.count {
      throw ObjectEditError("relocation against section \(s), which the object does not have")
    }
    let newSymbols = missing.map { SymbolEdit(name: "", type: .section, binding: .local, section: $0, value: 0, size: 0) }
      + edits.symbols
    let newLocals = newSymbols.reduce(0) { $0 + ($1.isLocal ? 1 : 0) }
    let created = Set(missing)
    // Relocation types to change, by relocation section.
    var types: [SectionIndex: [Int: UInt32]] = [:]
    for t in edits.relocationTypes {
      guard t.section.int < file.sections.count, file.section(t.section).type == .rela,
            t.index >= 0, t.index < Int(file.section(t.section).size) / ELF64.relaSize else {
        throw ObjectEditError("relocation \(t.index) of section \(t.section) does not exist")
      }
      types[t.section, default: [:]][t.index] = t.type.rawValue
    }
    var addedIndex: [SymbolIndex] = []
    if !newSymbols.isEmpty {
      guard let symtab = file.symbolTable else { throw ObjectEditError("no symbol table: cannot add symbols") }
      let (rewritten, indices) = try insertSymbols(symtab: symtab, newSymbols, types: &types)
      out += rewritten
      for (s, idx) in zip(missing, indices) { sectionSymbol[s] = idx }
      addedIndex = Array(indices[missing.count...])
    }
    // Type changes in relocation sections not otherwise rewritten: their r_info words.
    var patches = edits.patches
    for (section, entries) in types {
      let s = file.section(section)
      let entriesBytes = file.reader(for: section)
      for (index, type) in entries {
        guard let info = entriesBytes.u64(at: index * ELF64.relaSize + 8) else { continue }
        var sink = ByteSink(order: file.byteOrder)
        sink.u64(info & ~0xFFFF_FFFF | UInt64(type))
        patches.append(BytePatch(section: s.index, offset: UInt64(index * ELF64.relaSize + 8), bytes: sink.bytes))
      }
    }
    out += try patchedSections(patches, rewritten: Set(out.compactMap(\.replacing)))
    // New sections and their relocations.
    for s in edits.sections {
      let contents: ELFWriter.Piece = switch s.contents {
      case .bytes(let b): .bytes(b)
      case .zeros(let n): .zeros(n)
      }
      out.append(ELFWriter.NewSection(name: s.name, type: s.type, flags: s.flags, alignment: s.alignment,
                                      entrySize: s.entrySize, contents: [contents]))
      guard let relocations = s.relocations else { continue }
      guard let symtab = file.symbolTable else { throw ObjectEditError("no symbol table: cannot write relocations for \(s.name)") }
      let target = out.count - 1
      var rela = ByteSink(order: file.byteOrder, capacity: relocations.count * ELF64.relaSize)
      // Consecutive entries usually name the same symbol: resolve once per run.
      var last: (SymbolReference, UInt32)?
      for r in relocations {
        let index: UInt32
        if let l = last, l.0 == r.symbol {
          index = l.1
        } else {
          switch r.symbol {
          case .existing(let i):
            guard i.int < file.symbols.count else { throw ObjectEditError("relocation against symbol \(i), which the object does not have") }
            index = UInt32(moved(i.int, newLocals: newLocals))
          case .added(let n):
            guard n >= 0 && n < addedIndex.count else { throw ObjectEditError("relocation against added symbol \(n) of \(addedIndex.count)") }
            index = addedIndex[n].rawValue
          case .sectionSymbol(let x):
            let i = sectionSymbol[x]!
            index = created.contains(x) ? i.rawValue : UInt32(moved(i.int, newLocals: newLocals))
          }
          last = (r.symbol, index)
        }
        rela.u64(r.offset)
        rela.u64(ELF64.relocationInfo(symbol: index, type: r.type.rawValue))
        rela.u64(UInt64(bitPattern: r.addend))
      }
      out.append(ELFWriter.NewSection(name: ".rela" + s.name, type: .rela, flags: .infoLink, alignment: 8,
                                      entrySize: UInt64(ELF64.relaSize), link: .existing(symtab),
                                      info: .added(target), bytes: rela.bytes))
    }
    return out
  }

  /// An existing symbol's index once `newLocals` local symbols are inserted after the
  /// object's locals (every global moves by that many).
  private func moved(_ i: Int, newLocals: Int) -> Int {
    guard let symtab = file.symbolTable else { return i }
    return i < Int(file.section(symtab).info) ? i : i + newLocals
  }

  /// Each patched section as input ranges with the patches spliced in.
  private func patchedSections(_ patches: [BytePatch], rewritten: Set<SectionIndex>) throws(ObjectEditError) -> [ELFWriter.NewSection] {
    guard !patches.isEmpty else { return [] }
    var bySection: [SectionIndex: [BytePatch]] = [:]
    for p in patches { bySection[p.section, default: []].append(p) }
    var out: [ELFWriter.NewSection] = []
    for index in bySection.keys.sorted() {
      guard index.int > 0 && index.int < file.sections.count else { throw ObjectEditError("patch of section \(index), which the object does not have") }
      let s = file.section(index)
      guard s.hasFileBytes, !rewritten.contains(index) else { throw ObjectEditError("cannot patch section \(s.displayName)") }
      let list = bySection[index]!.sorted { $0.offset < $1.offset }
      var pieces: [ELFWriter.Piece] = []
      var at: UInt64 = 0
      for p in list {
        guard p.offset >= at, p.offset <= s.size, UInt64(p.bytes.count) <= s.size - p.offset else {
          throw ObjectEditError("patch at \(s.displayName)+0x\(String(p.offset, radix: 16)) overlaps another or ends past the section")
        }
        if p.offset > at { pieces.append(.input(offset: Int(s.fileOffset + at), count: Int(p.offset - at))) }
        pieces.append(.bytes(p.bytes))
        at = p.offset + UInt64(p.bytes.count)
      }
      if at < s.size { pieces.append(.input(offset: Int(s.fileOffset + at), count: Int(s.size - at))) }
      out.append(ELFWriter.NewSection(name: s.name, type: s.type, flags: s.flags, alignment: s.alignment,
                                      entrySize: s.entrySize, link: .value(s.link), info: .value(s.info),
                                      contents: pieces, replacing: index))
    }
    return out
  }

  /// New contents for the symbol table (locals inserted after the existing locals,
  /// globals appended), its string table, and every structure that holds symbol indices:
  /// relocation sections (r_info), section groups (sh_info) and SHT_SYMTAB_SHNDX.
  /// Returns the replacement sections and each new symbol's index.
  private func insertSymbols(symtab: SectionIndex, _ newSymbols: [SymbolEdit], types: inout [SectionIndex: [Int: UInt32]])
    throws(ObjectEditError) -> ([ELFWriter.NewSection], [SymbolIndex]) {
    let tab = file.section(symtab)
    let firstGlobal = Int(tab.info)
    let locals = newSymbols.filter(\.isLocal), globals = newSymbols.filter { !$0.isLocal }
    let k = locals.count
    guard firstGlobal <= file.symbols.count, Int(tab.link) < file.sections.count else {
      throw ObjectEditError("cannot add symbols to this symbol table")
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
    let extended = { (s: SymbolEdit) in s.section.rawValue >= SpecialSectionIndex.loReserve }
    func entries(_ symbols: [SymbolEdit]) -> [UInt8] {
      var sink = ByteSink(order: file.byteOrder, capacity: symbols.count * ELF64.symbolSize)
      for s in symbols {
        var nameOffset: UInt64 = 0
        if !s.name.isEmpty {
          nameOffset = strtab.size + UInt64(strings.count)
          strings.append(contentsOf: s.name.utf8)
          strings.append(0)
        }
        // Section indices from SHN_LORESERVE up live in SHT_SYMTAB_SHNDX; st_shndx says SHN_XINDEX.
        sink.u32(UInt32(truncatingIfNeeded: nameOffset))
        sink.u8(ELF64.symbolInfo(binding: s.binding, type: s.type))
        sink.u8(0)  // st_other: default visibility
        sink.u16(UInt16(truncatingIfNeeded: extended(s) ? SpecialSectionIndex.xindex : s.section.rawValue))
        sink.u64(s.value)
        sink.u64(s.size)
      }
      return sink.bytes
    }
    func extendedIndices(_ symbols: [SymbolEdit]) -> [UInt8] {
      var sink = ByteSink(order: file.byteOrder, capacity: symbols.count * 4)
      for s in symbols { sink.u32(extended(s) ? s.section.rawValue : 0) }
      return sink.bytes
    }
    // The symbol table: its entries up to the first global, the new locals, the rest,
    // the new globals (input ranges are copied straight from the file when writing).
    let split = firstGlobal * ELF64.symbolSize
    out.append(same(tab, [.input(offset: Int(tab.fileOffset), count: split), .bytes(entries(locals)),
                          .input(offset: Int(tab.fileOffset) + split, count: Int(tab.size) - split),
                          .bytes(entries(globals))],
                    info: UInt32(firstGlobal + k)))
    if !strings.isEmpty { out.append(same(strtab, [whole(strtab), .bytes(strings)])) }
    if k > 0 {
      for s in file.sections {
        switch s.type {
        case .rela where s.link == symtab.rawValue:
          out.append(same(s, [.shiftedRelocations(offset: Int(s.fileOffset), count: Int(s.size) / ELF64.relaSize * ELF64.relaSize,
                                                  from: UInt64(firstGlobal), by: UInt64(k), types: types[s.index] ?? [:])]))
          types[s.index] = nil
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
    } else if newSymbols.contains(where: extended) {
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
    return (out, indices)
  }
}
