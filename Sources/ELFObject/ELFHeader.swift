/// The parts of `Elf64_Ehdr` unwindcheck uses, validated.
public struct ELFHeader: Sendable {
  public let machine: Machine
  public let byteOrder: ByteOrder
  public let objectType: ObjectType
  /// `e_flags` (unused on x86-64; ABI flags elsewhere).
  public let flags: UInt32
  /// Number of section headers, after extended numbering (`e_shnum == 0`).
  public let sectionCount: Int
  /// Index of the section-name string table, after `SHN_XINDEX`.
  public let sectionNameTable: SectionIndex
  /// `e_shoff`.
  public let sectionTableOffset: UInt64
}

/// Magic numbers of compressed files, so `foo.ko.xz` gets a useful message.
enum CompressionMagic {
  static let known: [(magic: [UInt8], format: String, tool: String)] = [
    ([0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00], "xz", "xz -dk"),
    ([0x28, 0xB5, 0x2F, 0xFD], "zstd", "zstd -d"),
    ([0x1F, 0x8B], "gzip", "gzip -dk"),
  ]
}

extension ELFHeader {
  static let identSize = 16
  static let size = 64
  static let sectionHeaderSize = 64

  /// Validates `Elf64_Ehdr` and the position of the section header table from raw file
  /// bytes, before anything else is read. Offsets in the errors are file offsets of the
  /// offending field.
  static func parse(_ image: UnsafeRawBufferPointer, path: String) throws(ELFError) -> ELFHeader {
    let fileSize = UInt64(image.count)
    for (magic, format, tool) in CompressionMagic.known where image.count >= magic.count {
      if image.prefix(magic.count).elementsEqual(magic) {
        throw ELFError(.compressed(format: format, tool: "\(tool) \(path)"), at: .file(offset: 0))
      }
    }
    guard image.count >= 4, image[0] == 0x7F, image[1] == 0x45, image[2] == 0x4C, image[3] == 0x46 else {
      throw ELFError(image.count < 4 ? .tooSmall(size: fileSize) : .notELF, at: .file(offset: 0))
    }
    guard image.count >= size else {
      // Still report the class first: an ELF32 header is only 52 bytes.
      if image.count > 4, image[4] == 1 { throw ELFError(.unsupportedClass(1), at: .header(offset: 4)) }
      throw ELFError(.tooSmall(size: fileSize), at: .header(offset: fileSize))
    }
    guard image[4] == 2 else { throw ELFError(.unsupportedClass(image[4]), at: .header(offset: 4)) }
    guard let order = ByteOrder(eiData: image[5]) else {
      throw ELFError(.unsupportedByteOrder(image[5]), at: .header(offset: 5))
    }
    guard image[6] == 1 else { throw ELFError(.unsupportedVersion(UInt32(image[6])), at: .header(offset: 6)) }
    let r = ByteReader(image, order: order)
    // All reads below are within the 64 bytes checked above.
    let type = ObjectType(rawValue: r.u16(at: 16)!)
    let machine = Machine(rawValue: r.u16(at: 18)!)
    let version = r.u32(at: 20)!
    let shoff = r.u64(at: 40)!
    let flags = r.u32(at: 48)!
    let ehsize = r.u16(at: 52)!
    let shentsize = r.u16(at: 58)!
    let shnum = r.u16(at: 60)!
    let shstrndx = r.u16(at: 62)!
    guard machine == .x86_64 || machine == .aarch64 else {
      throw ELFError(.unsupportedMachine(machine.rawValue), at: .header(offset: 18))
    }
    guard type == .relocatable else {
      throw ELFError(.unsupportedObjectType(type.description), at: .header(offset: 16))
    }
    guard version == 1 else { throw ELFError(.unsupportedVersion(version), at: .header(offset: 20)) }
    guard ehsize == UInt16(size) else {
      throw ELFError(.badHeaderField(field: "e_ehsize", value: UInt64(ehsize), expected: "64"),
                     at: .header(offset: 52))
    }
    guard shoff != 0 else {
      throw ELFError(.badHeaderField(field: "e_shoff", value: 0, expected: "a section header table"),
                     at: .header(offset: 40))
    }
    guard shentsize == UInt16(sectionHeaderSize) else {
      throw ELFError(.badHeaderField(field: "e_shentsize", value: UInt64(shentsize), expected: "64"),
                     at: .header(offset: 58))
    }
    // Section 0 must be readable: extended numbering keeps the real counts there.
    let (firstEnd, o1) = shoff.addingReportingOverflow(UInt64(sectionHeaderSize))
    guard !o1, firstEnd <= fileSize else {
      throw ELFError(.sectionTableBeyondEOF(end: o1 ? .max : firstEnd, fileSize: fileSize),
                     at: .header(offset: 40))
    }
    let first = Int(shoff)
    var count = UInt64(shnum)
    if shnum == 0 { count = r.u64(at: first + 32)! }  // sh_size of section 0
    guard count > 0 else {
      throw ELFError(.badHeaderField(field: "e_shnum", value: 0, expected: "at least one section"),
                     at: .header(offset: 60))
    }
    let (tableSize, o2) = count.multipliedReportingOverflow(by: UInt64(sectionHeaderSize))
    let (tableEnd, o3) = shoff.addingReportingOverflow(tableSize)
    guard !o2, !o3, tableEnd <= fileSize else {
      throw ELFError(.sectionTableBeyondEOF(end: (o2 || o3) ? .max : tableEnd, fileSize: fileSize),
                     at: .header(offset: shnum == 0 ? shoff + 32 : 60))
    }
    var nameTable = UInt64(shstrndx)
    if UInt32(shstrndx) == SpecialSectionIndex.xindex { nameTable = UInt64(r.u32(at: first + 40)!) }  // SHN_XINDEX: sh_link of section 0
    guard nameTable < count else {
      throw ELFError(.sectionIndexOutOfRange(field: "e_shstrndx", value: nameTable, count: Int(count)),
                     at: .header(offset: UInt32(shstrndx) == SpecialSectionIndex.xindex ? shoff + 40 : 62))
    }
    return ELFHeader(
      machine: machine, byteOrder: order, objectType: type, flags: flags,
      sectionCount: Int(count), sectionNameTable: SectionIndex(Int(nameTable)),
      sectionTableOffset: shoff)
  }
}
