
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
  /// When the added symbols are created: after the relocations of this many of
  /// `sections` (objtool creates its `__pfx_` symbols between its call-site sections
  /// and `.ibt_endbr_seal`). Missing section symbols are created as relocations first
  /// need them, so this decides the symbol order.
  public var symbolsAfterSections = 0

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

  /// A symbol's identity while the new symbol order is worked out.
  private enum Slot { case old(Int), new(Int) }

  /// The writer's sections for `edits`: rewritten symbol-table structures first, then
  /// patched sections, then each new section followed by its relocation section.
  ///
  /// Symbols are created as objtool 6.12 creates them (`__elf_create_symbol`), so an
  /// object edited here has objtool's symbol order: a new global goes to the end; a new
  /// local takes the index of the first global, which moves to the end. Missing section
  /// symbols are created when a relocation first needs one, the added symbols after the
  /// relocations of the first `symbolsAfterSections` sections. Every relocation, group
  /// and `SHT_SYMTAB_SHNDX` entry follows its symbol.
  func lower(_ edits: ObjectEdits) throws(ObjectEditError) -> [ELFWriter.NewSection] {
    var out: [ELFWriter.NewSection] = []
    // Each section's own section symbol: the last one in the table (objtool `sec->sym`).
    var sectionSymbol: [SectionIndex: Slot] = [:]
    for sym in file.symbols where sym.isSectionSymbol {
      if let s = sym.section.index { sectionSymbol[s] = .old(sym.index.int) }
    }
    let symtab = file.symbolTable
    var order: [Slot] = (0..<file.symbols.count).map { .old($0) }
    var firstNonLocal = symtab.map { Int(file.section($0).info) } ?? 0
    guard firstNonLocal <= file.symbols.count else { throw ObjectEditError("cannot add symbols to this symbol table") }
    var created: [SymbolEdit] = []
    func create(_ s: SymbolEdit) -> Slot {
      let slot = Slot.new(created.count)
      created.append(s)
      if s.isLocal {
        if firstNonLocal < order.count {
          order.append(order[firstNonLocal])
          order[firstNonLocal] = slot
        } else {
          order.append(slot)
        }
        firstNonLocal += 1
      } else {
        order.append(slot)
      }
      return slot
    }
    func needSectionSymbols(_ sections: ArraySlice<SectionEdit>) throws(ObjectEditError) {
      for e in sections {
        for r in e.relocations ?? [] {
          guard case .sectionSymbol(let x) = r.symbol, sectionSymbol[x] == nil else { continue }
          guard x.int > 0 && x.int < file.sections.count else {
            throw ObjectEditError("relocation against section \(x), which the object does not have")
          }
          sectionSymbol[x] = create(SymbolEdit(name: "", type: .section, binding: .local, section: x, value: 0, size: 0))
        }
      }
    }
    let split = min(max(edits.symbolsAfterSections, 0), edits.sections.count)
    try needSectionSymbols(edits.sections[..<split])
    let added = edits.symbols.map { create($0) }
    try needSectionSymbols(edits.sections[split...])
    // Final indices.
    var oldIndex = [UInt32](repeating: 0, count: file.symbols.count)
    var newIndex = [UInt32](repeating: 0, count: created.count)
    for (k, slot) in order.enumerated() {
      switch slot {
      case .old(let i): oldIndex[i] = UInt32(k)
      case .new(let n): newIndex[n] = UInt32(k)
      }
    }
    func index(_ slot: Slot) -> UInt32 {
      switch slot {
      case .old(let i): oldIndex[i]
      case .new(let n): newIndex[n]
      }
    }
    let moved = order.count > file.symbols.count && (0..<file.symbols.count).contains { oldIndex[$0] != UInt32($0) }
    // Relocation types to change, by relocation section.
    var types: [SectionIndex: [Int: UInt32]] = [:]
    for t in edits.relocationTypes {
      guard t.section.int < file.sections.count, file.section(t.section).type == .rela,
            t.index >= 0, t.index < Int(file.section(t.section).size) / ELF64.relaSize else {
        throw ObjectEditError("relocation \(t.index) of section \(t.section) does not exist")
      }
      types[t.section, default: [:]][t.index] = t.type.rawValue
    }
    if !created.isEmpty {
      guard let symtab else { throw ObjectEditError("no symbol table: cannot add symbols") }
      out += try rewriteSymbolTable(symtab, order: order, created: created, firstNonLocal: firstNonLocal,
                                    oldIndex: moved ? oldIndex : nil, types: &types)
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
      guard let symtab else { throw ObjectEditError("no symbol table: cannot write relocations for \(s.name)") }
      let target = out.count - 1
      var rela = ByteSink(order: file.byteOrder, capacity: relocations.count * ELF64.relaSize)
      // Consecutive entries usually name the same symbol: resolved once per run.
      var last: (SymbolReference, UInt32)?
      for r in relocations {
        let symbol: UInt32
        if let l = last, l.0 == r.symbol {
          symbol = l.1
        } else {
          symbol = try resolve(r.symbol)
          last = (r.symbol, symbol)
        }
        rela.u64(r.offset)
        rela.u64(ELF64.relocationInfo(symbol: symbol, type: r.type.rawValue))
        rela.u64(UInt64(bitPattern: r.addend))
      }
      func resolve(_ reference: SymbolReference) throws(ObjectEditError) -> UInt32 {
        let symbol: UInt32
        switch reference {
        case .existing(let i):
          guard i.int < file.symbols.count else { throw ObjectEditError("relocation against symbol \(i), which the object does not have") }
          symbol = oldIndex[i.int]
        case .added(let n):
          guard n >= 0 && n < added.count else { throw ObjectEditError("relocation against added symbol \(n) of \(added.count)") }
          symbol = index(added[n])
        case .sectionSymbol(let x):
          symbol = index(sectionSymbol[x]!)
        }
        return symbol
      }
      out.append(ELFWriter.NewSection(name: ".rela" + s.name, type: .rela, flags: .infoLink, alignment: 8,
                                      entrySize: UInt64(ELF64.relaSize), link: .existing(symtab),
                                      info: .added(target), bytes: rela.bytes))
    }
    return out
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

  /// The symbol table in its new order (runs of unmoved entries copied from the input),
  /// its string table with the new names appended in creation order, and every
  /// structure holding symbol indices renumbered (`oldIndex`: nil when no old symbol
  /// moved): relocation sections, section groups, `SHT_SYMTAB_SHNDX`.
  private func rewriteSymbolTable(_ symtab: SectionIndex, order: [Slot], created: [SymbolEdit], firstNonLocal: Int,
                                  oldIndex: [UInt32]?, types: inout [SectionIndex: [Int: UInt32]])
    throws(ObjectEditError) -> [ELFWriter.NewSection] {
    let tab = file.section(symtab)
    guard Int(tab.link) < file.sections.count, Int(tab.size) >= file.symbols.count * ELF64.symbolSize else {
      throw ObjectEditError("cannot add symbols to this symbol table")
    }
    func same(_ s: Section, _ contents: [ELFWriter.Piece], info: UInt32? = nil) -> ELFWriter.NewSection {
      ELFWriter.NewSection(name: s.name, type: s.type, flags: s.flags, alignment: s.alignment, entrySize: s.entrySize,
                           link: .value(s.link), info: .value(info ?? s.info), contents: contents, replacing: s.index)
    }
    func whole(_ s: Section) -> ELFWriter.Piece { .input(offset: Int(s.fileOffset), count: Int(s.size)) }
    var out: [ELFWriter.NewSection] = []
    // Names go to the end of the symbol string table, in creation order.
    let strtab = file.section(SectionIndex(Int(tab.link)))
    var strings: [UInt8] = []
    var nameOffset = [UInt64](repeating: 0, count: created.count)
    for (n, s) in created.enumerated() where !s.name.isEmpty {
      nameOffset[n] = strtab.size + UInt64(strings.count)
      strings.append(contentsOf: s.name.utf8)
      strings.append(0)
    }
    let extended = { (s: SymbolEdit) in s.section.rawValue >= SpecialSectionIndex.loReserve }
    // The table: runs of consecutive old entries from the input, new entries encoded.
    var pieces: [ELFWriter.Piece] = []
    var run: (start: Int, count: Int)?
    var sink = ByteSink(order: file.byteOrder)
    func flushRun() {
      if let r = run {
        pieces.append(.input(offset: Int(tab.fileOffset) + r.start * ELF64.symbolSize, count: r.count * ELF64.symbolSize))
        run = nil
      }
    }
    func flushBytes() {
      if sink.count > 0 {
        pieces.append(.bytes(sink.bytes))
        sink = ByteSink(order: file.byteOrder)
      }
    }
    for slot in order {
      switch slot {
      case .old(let i):
        flushBytes()
        if let r = run, r.start + r.count == i { run = (r.start, r.count + 1) } else { flushRun(); run = (i, 1) }
      case .new(let n):
        flushRun()
        let s = created[n]
        // Section indices from SHN_LORESERVE up live in SHT_SYMTAB_SHNDX; st_shndx says SHN_XINDEX.
        sink.u32(UInt32(truncatingIfNeeded: nameOffset[n]))
        sink.u8(ELF64.symbolInfo(binding: s.binding, type: s.type))
        sink.u8(0)  // st_other: default visibility
        sink.u16(UInt16(truncatingIfNeeded: extended(s) ? SpecialSectionIndex.xindex : s.section.rawValue))
        sink.u64(s.value)
        sink.u64(s.size)
      }
    }
    flushRun()
    flushBytes()
    out.append(same(tab, pieces, info: UInt32(firstNonLocal)))
    if !strings.isEmpty { out.append(same(strtab, [whole(strtab), .bytes(strings)])) }
    if let oldIndex {
      for s in file.sections where s.link == symtab.rawValue {
        switch s.type {
        case .rela:
          out.append(same(s, [.renumberedRelocations(offset: Int(s.fileOffset), count: Int(s.size) / ELF64.relaSize * ELF64.relaSize,
                                                     map: oldIndex, types: types[s.index] ?? [:])]))
          types[s.index] = nil
        case .group:
          let signature = Int(s.info)
          out.append(same(s, [whole(s)], info: signature < oldIndex.count ? oldIndex[signature] : s.info))
        default:
          break
        }
      }
    }
    // SHT_SYMTAB_SHNDX runs parallel to the symbol table: it follows the new order, and
    // is created when a new symbol needs it and the object has none.
    let shndx = file.sections.first(where: { $0.type == .symtabShndx && $0.link == symtab.rawValue })
    if shndx != nil || created.contains(where: extended) {
      let reader = shndx.map { file.reader(for: $0.index) }
      var table = ByteSink(order: file.byteOrder, capacity: order.count * 4)
      for slot in order {
        switch slot {
        case .old(let i): table.u32(reader?.u32(at: i * 4) ?? 0)
        case .new(let n): table.u32(extended(created[n]) ? created[n].section.rawValue : 0)
        }
      }
      if let x = shndx {
        out.append(same(x, [.bytes(table.bytes)]))
      } else {
        out.append(ELFWriter.NewSection(name: ".symtab_shndx", type: .symtabShndx, flags: SectionFlags(rawValue: 0),
                                        alignment: 4, entrySize: 4, link: .existing(symtab), bytes: table.bytes))
      }
    }
    return out
  }
}
