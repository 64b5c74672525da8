/// Reads and validates section headers, the symbol table and relocation sections.
/// Split from `ELFFile` so each check sits next to the error it raises.
struct SectionLoader {
  let handle: MappedFile
  let header: ELFHeader

  struct RawSectionHeader {
    var name: UInt32, type: UInt32, flags: UInt64, address: UInt64, offset: UInt64
    var size: UInt64, link: UInt32, info: UInt32, alignment: UInt64, entrySize: UInt64
  }

  private var fileSize: UInt64 { UInt64(handle.size) }

  private func headerOffset(_ index: Int) -> UInt64 {
    header.sectionTableOffset &+ UInt64(index) &* UInt64(ELFHeader.sectionHeaderSize)
  }

  func loadSections() throws(ELFError) -> [Section] {
    let count = header.sectionCount
    // The whole table lies inside the file (checked with the header).
    let table = ByteReader(handle.image, order: header.byteOrder)
    var raw: [RawSectionHeader] = []
    raw.reserveCapacity(count)
    for i in 0..<count {
      let at = Int(headerOffset(i))
      raw.append(RawSectionHeader(
        name: table.u32(at: at)!, type: table.u32(at: at + 4)!, flags: table.u64(at: at + 8)!,
        address: table.u64(at: at + 16)!, offset: table.u64(at: at + 24)!, size: table.u64(at: at + 32)!,
        link: table.u32(at: at + 40)!, info: table.u32(at: at + 44)!, alignment: table.u64(at: at + 48)!,
        entrySize: table.u64(at: at + 56)!))
    }

    // Every section's bytes must lie inside the file.
    // (Section 0 included: a corrupted type there would otherwise expose its range.)
    for (i, h) in raw.enumerated() where h.type != SectionType.nobits.rawValue && h.type != 0 {
      let (end, overflow) = h.offset.addingReportingOverflow(h.size)
      if overflow || end > fileSize {
        let name = (try? sectionName(raw, i)) ?? "[\(i)]"
        throw ELFError(.sectionBeyondEOF(name: name, end: overflow ? .max : end, fileSize: fileSize),
                       at: .sectionHeader(index: UInt32(i), offset: headerOffset(i) + 24))
      }
    }
    let strtab = raw[header.sectionNameTable.int]
    guard strtab.type == SectionType.strtab.rawValue else {
      throw ELFError(.badHeaderField(field: "type of the section name table", value: UInt64(strtab.type), expected: "SHT_STRTAB"),
                     at: .sectionHeader(index: header.sectionNameTable.rawValue, offset: headerOffset(header.sectionNameTable.int) + 4))
    }
    var sections: [Section] = []
    sections.reserveCapacity(count)
    for (i, h) in raw.enumerated() {
      sections.append(Section(
        index: SectionIndex(i), name: try sectionName(raw, i), type: SectionType(rawValue: h.type),
        flags: SectionFlags(rawValue: h.flags), address: h.address, fileOffset: h.offset,
        size: h.size, alignment: h.alignment, entrySize: h.entrySize, link: h.link, info: h.info))
    }
    return sections
  }

  private func sectionName(_ raw: [RawSectionHeader], _ i: Int) throws(ELFError) -> String {
    let table = raw[header.sectionNameTable.int]
    guard let name = cString(inFileRange: table.offset, size: table.size, at: UInt64(raw[i].name)) else {
      throw ELFError(.sectionNameOutOfRange(nameOffset: raw[i].name, tableSize: table.size),
                     at: .sectionHeader(index: UInt32(i), offset: headerOffset(i)))
    }
    return name
  }

  /// A NUL-terminated string at `offset` inside the string table at file range
  /// `[tableOffset, tableOffset + size)`, or nil if it starts or runs outside it.
  private func cString(inFileRange tableOffset: UInt64, size: UInt64, at offset: UInt64) -> String? {
    let image = handle.image
    // The table itself may be the corrupt part (this is also used to name a section
    // whose bounds are being reported as bad), so check its range against the file.
    let (tableEnd, overflow) = tableOffset.addingReportingOverflow(size)
    guard offset < size, !overflow, tableEnd <= UInt64(image.count) else { return nil }
    let start = Int(tableOffset + offset), end = Int(tableEnd)
    let slice = UnsafeRawBufferPointer(rebasing: image[start..<end])
    guard let nul = slice.firstIndex(of: 0) else { return nil }
    return String(decoding: UnsafeRawBufferPointer(rebasing: slice[..<nul]), as: UTF8.self)
  }

  func loadSymbols(_ sections: [Section]) throws(ELFError) -> (SectionIndex?, [Symbol]) {
    let tables = sections.filter { $0.type == .symtab }
    guard let symtab = tables.first else { return (nil, []) }
    guard tables.count == 1 else {
      throw ELFError(.multipleSymbolTables, at: .sectionHeader(index: tables[1].index.rawValue, offset: headerOffset(tables[1].index.int)))
    }
    guard symtab.size % UInt64(EntryLayout.symbolSize) == 0 else {
      throw ELFError(.badEntrySize(name: symtab.displayName, size: symtab.size, entrySize: UInt64(EntryLayout.symbolSize)),
                     at: .sectionHeader(index: symtab.index.rawValue, offset: headerOffset(symtab.index.int) + 32))
    }
    guard Int(symtab.link) < sections.count, symtab.link != 0, sections[Int(symtab.link)].type == .strtab else {
      throw ELFError(.sectionIndexOutOfRange(field: "sh_link (string table) of \(symtab.displayName)", value: UInt64(symtab.link), count: sections.count),
                     at: .sectionHeader(index: symtab.index.rawValue, offset: headerOffset(symtab.index.int) + 40))
    }
    let strtab = sections[Int(symtab.link)]
    let data = bytes(of: symtab)
    let count = data.count / EntryLayout.symbolSize

    // SHN_XINDEX targets: an SHT_SYMTAB_SHNDX section linked to this symbol table.
    var extended: ByteReader? = nil
    if let x = sections.first(where: { $0.type == .symtabShndx && $0.link == symtab.index.rawValue }) {
      extended = bytes(of: x)
    }

    var symbols: [Symbol] = []
    symbols.reserveCapacity(count)
    for i in 0..<count {
      let at = i * EntryLayout.symbolSize
      // In range: count whole entries.
      let nameOffset = data.u32(at: at)!
      let info = data.u8(at: at + 4)!
      let other = data.u8(at: at + 5)!
      let shndx = UInt32(data.u16(at: at + 6)!)
      let value = data.u64(at: at + 8)!
      let size = data.u64(at: at + 16)!
      let location = ELFError.Location.section(name: symtab.displayName, offset: UInt64(at))
      guard let name = cString(inFileRange: strtab.fileOffset, size: strtab.size, at: UInt64(nameOffset)) else {
        throw ELFError(.stringOutOfRange(what: "symbol \(i) name", offset: UInt64(nameOffset), tableSize: strtab.size), at: location)
      }
      let section: SymbolSection
      switch shndx {
      case SpecialSectionIndex.undefined: section = .undefined
      case SpecialSectionIndex.absolute: section = .absolute
      case SpecialSectionIndex.common: section = .common
      case SpecialSectionIndex.xindex:
        guard let real = extended?.u32(at: i * 4) else {
          throw ELFError(.symbolSectionOutOfRange(symbol: UInt32(i), value: shndx, count: sections.count), at: location)
        }
        guard Int(real) < sections.count else {
          throw ELFError(.symbolSectionOutOfRange(symbol: UInt32(i), value: real, count: sections.count), at: location)
        }
        section = .section(SectionIndex(rawValue: real))
      case SpecialSectionIndex.loReserve...:
        section = .absolute  // other processor/OS-specific reserved indices
      default:
        guard Int(shndx) < sections.count else {
          throw ELFError(.symbolSectionOutOfRange(symbol: UInt32(i), value: shndx, count: sections.count), at: location)
        }
        section = .section(SectionIndex(rawValue: shndx))
      }
      symbols.append(Symbol(
        index: SymbolIndex(i), name: name, type: SymbolType(rawValue: EntryLayout.symbolType(info)),
        binding: SymbolBinding(rawValue: EntryLayout.symbolBinding(info)),
        visibility: EntryLayout.symbolVisibility(other), section: section, value: value, size: size))
    }
    return (symtab.index, symbols)
  }

  /// Every `SHT_RELA` section, validated entry by entry. Those patching debug sections
  /// (`.debug*`: nothing but the DWARF cross-check reads them, and with debug info they
  /// are most of a kernel object's relocations) are validated as a stream and kept
  /// undecoded (`deferred`), the file pages they occupied given back as the scan passes
  /// (so memory follows the code, not the debug info); the others are decoded.
  func loadRelocations(_ sections: [Section], symbolTable: SectionIndex?, symbolCount: Int)
    throws(ELFError) -> (decoded: [RelocationSection], deferred: [DeferredRelocationSection])
  {
    var result: [RelocationSection] = []
    var deferred: [DeferredRelocationSection] = []
    for rela in sections where rela.type == .rela {
      let hdr = headerOffset(rela.index.int)
      guard rela.size % UInt64(EntryLayout.relaSize) == 0 else {
        throw ELFError(.badEntrySize(name: rela.displayName, size: rela.size, entrySize: UInt64(EntryLayout.relaSize)),
                       at: .sectionHeader(index: rela.index.rawValue, offset: hdr + 32))
      }
      guard rela.info != 0, Int(rela.info) < sections.count else {
        throw ELFError(.sectionIndexOutOfRange(field: "sh_info (target section) of \(rela.displayName)", value: UInt64(rela.info), count: sections.count),
                       at: .sectionHeader(index: rela.index.rawValue, offset: hdr + 44))
      }
      guard let symbolTable, rela.link == symbolTable.rawValue else {
        throw ELFError(.sectionIndexOutOfRange(field: "sh_link (symbol table) of \(rela.displayName)", value: UInt64(rela.link), count: sections.count),
                       at: .sectionHeader(index: rela.index.rawValue, offset: hdr + 40))
      }
      let target = sections[Int(rela.info)]
      let data = bytes(of: rela)
      let count = data.count / EntryLayout.relaSize
      if count > 0 && !target.hasFileBytes {
        throw ELFError(.relocationAgainstNoBits(target: target.displayName), at: .section(name: rela.displayName, offset: 0))
      }
      if target.name.hasPrefix(".debug") {
        // Validated in chunks, each chunk's pages dropped once read.
        let chunk = 1 << 16  // entries (1.5 MB)
        var start = 0
        while start < count {
          let end = min(start + chunk, count)
          for i in start..<end { _ = try decodeRelocation(data, i, rela, target, symbolCount) }
          handle.dropPages(Int(rela.fileOffset) + start * EntryLayout.relaSize, (end - start) * EntryLayout.relaSize)
          start = end
        }
        deferred.append(DeferredRelocationSection(section: rela.index, target: target.index, count: count))
        continue
      }
      var relocations: [Relocation] = []
      relocations.reserveCapacity(count)
      for i in 0..<count { relocations.append(try decodeRelocation(data, i, rela, target, symbolCount)) }
      result.append(RelocationSection(section: rela.index, target: target.index, relocations: relocations))
    }
    return (result, deferred)
  }

  /// Entry `i` of relocation section `rela`, checked: its symbol exists and the field it
  /// patches lies inside `target`.
  @inline(__always)
  func decodeRelocation(_ data: ByteReader, _ i: Int, _ rela: Section, _ target: Section, _ symbolCount: Int)
    throws(ELFError) -> Relocation
  {
    let at = i * EntryLayout.relaSize
    let offset = data.u64(at: at)!
    let info = data.u64(at: at + 8)!
    let addend = data.i64(at: at + 16)!
    let symbol = EntryLayout.relocationSymbol(info)
    let type = EntryLayout.relocationType(info)
    guard symbol < UInt64(symbolCount) else {
      throw ELFError(.relocationSymbolOutOfRange(symbol: symbol, count: symbolCount),
                     at: .section(name: rela.displayName, offset: UInt64(at + 8)))
    }
    let width = relocationWidth(type: type, machine: header.machine)
    let (end, overflow) = offset.addingReportingOverflow(UInt64(width))
    guard !overflow, end <= target.size else {
      throw ELFError(.relocationBeyondSection(offset: offset, width: width, target: target.displayName, size: target.size),
                     at: .section(name: rela.displayName, offset: UInt64(at)))
    }
    return Relocation(offset: offset, symbol: SymbolIndex(Int(symbol)), type: type, addend: addend)
  }

  /// A section's bytes in the file's byte order (its range was checked in `loadSections`).
  func bytes(of section: Section) -> ByteReader {
    guard section.hasFileBytes, section.size > 0 else { return ByteReader(UnsafeRawBufferPointer(start: nil, count: 0), order: header.byteOrder) }
    return ByteReader(UnsafeRawBufferPointer(rebasing: handle.image[Int(section.fileOffset)..<Int(section.fileOffset + section.size)]),
                      order: header.byteOrder)
  }
}
