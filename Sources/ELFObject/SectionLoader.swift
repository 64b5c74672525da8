/// Reads and validates section headers, the symbol table and relocation sections.
/// Split from `ELFFile` so each check sits next to the error it raises.
struct SectionLoader {
  let handle: LibElfHandle
  let header: ELFHeader

  private var fileSize: UInt64 { UInt64(handle.size) }

  private func headerOffset(_ index: Int) -> UInt64 {
    header.sectionTableOffset &+ UInt64(index) &* UInt64(ELFHeader.sectionHeaderSize)
  }

  func loadSections() throws(ELFError) -> [Section] {
    let count = header.sectionCount
    var raw: [LibElfHandle.RawSectionHeader] = []
    raw.reserveCapacity(count)
    for i in 0..<count { raw.append(try handle.sectionHeader(i)) }

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

  private func sectionName(_ raw: [LibElfHandle.RawSectionHeader], _ i: Int) throws(ELFError) -> String {
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
    guard symtab.size % UInt64(HostLayout.symbolSize) == 0 else {
      throw ELFError(.badEntrySize(name: symtab.displayName, size: symtab.size, entrySize: UInt64(HostLayout.symbolSize)),
                     at: .sectionHeader(index: symtab.index.rawValue, offset: headerOffset(symtab.index.int) + 32))
    }
    guard Int(symtab.link) < sections.count, symtab.link != 0, sections[Int(symtab.link)].type == .strtab else {
      throw ELFError(.sectionIndexOutOfRange(field: "sh_link (string table) of \(symtab.displayName)", value: UInt64(symtab.link), count: sections.count),
                     at: .sectionHeader(index: symtab.index.rawValue, offset: headerOffset(symtab.index.int) + 40))
    }
    let strtab = sections[Int(symtab.link)]
    let data = try handle.convertedData(symtab.index.int)
    let count = min(data.count, Int(symtab.size)) / HostLayout.symbolSize

    // SHN_XINDEX targets: an SHT_SYMTAB_SHNDX section linked to this symbol table.
    var extended: UnsafeRawBufferPointer? = nil
    if let x = sections.first(where: { $0.type == .symtabShndx && $0.link == symtab.index.rawValue }) {
      extended = try handle.convertedData(x.index.int)
    }

    var symbols: [Symbol] = []
    symbols.reserveCapacity(count)
    for i in 0..<count {
      let at = i * HostLayout.symbolSize
      let nameOffset = data.loadUnaligned(fromByteOffset: at, as: UInt32.self)
      let info = data.loadUnaligned(fromByteOffset: at + 4, as: UInt8.self)
      let other = data.loadUnaligned(fromByteOffset: at + 5, as: UInt8.self)
      let shndx = UInt32(data.loadUnaligned(fromByteOffset: at + 6, as: UInt16.self))
      let value = data.loadUnaligned(fromByteOffset: at + 8, as: UInt64.self)
      let size = data.loadUnaligned(fromByteOffset: at + 16, as: UInt64.self)
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
        guard let extended, (i + 1) * 4 <= extended.count else {
          throw ELFError(.symbolSectionOutOfRange(symbol: UInt32(i), value: shndx, count: sections.count), at: location)
        }
        let real = extended.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)
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
        index: SymbolIndex(i), name: name, type: SymbolType(rawValue: HostLayout.symbolType(info)),
        binding: SymbolBinding(rawValue: HostLayout.symbolBinding(info)),
        visibility: HostLayout.symbolVisibility(other), section: section, value: value, size: size))
    }
    return (symtab.index, symbols)
  }

  func loadRelocations(_ sections: [Section], symbolTable: SectionIndex?, symbolCount: Int) throws(ELFError) -> [RelocationSection] {
    var result: [RelocationSection] = []
    for rela in sections where rela.type == .rela {
      let hdr = headerOffset(rela.index.int)
      guard rela.size % UInt64(HostLayout.relaSize) == 0 else {
        throw ELFError(.badEntrySize(name: rela.displayName, size: rela.size, entrySize: UInt64(HostLayout.relaSize)),
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
      let data = try handle.convertedData(rela.index.int)
      let count = min(data.count, Int(rela.size)) / HostLayout.relaSize
      if count > 0 && !target.hasFileBytes {
        throw ELFError(.relocationAgainstNoBits(target: target.displayName), at: .section(name: rela.displayName, offset: 0))
      }
      var relocations: [Relocation] = []
      relocations.reserveCapacity(count)
      for i in 0..<count {
        let at = i * HostLayout.relaSize
        let offset = data.loadUnaligned(fromByteOffset: at, as: UInt64.self)
        let info = data.loadUnaligned(fromByteOffset: at + 8, as: UInt64.self)
        let addend = data.loadUnaligned(fromByteOffset: at + 16, as: Int64.self)
        let symbol = HostLayout.relocationSymbol(info)
        let type = HostLayout.relocationType(info)
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
        relocations.append(Relocation(offset: offset, symbol: SymbolIndex(Int(symbol)), type: type, addend: addend))
      }
      result.append(RelocationSection(section: rela.index, target: target.index, relocations: relocations))
    }
    return result
  }
}
