/// Malformed or unsupported input. Every case knows where in the file it is, so the
/// command line can print one line naming the file, the section and the offset:
///
///     foo.o: error: unwindcheck: relocation offset 0x120 beyond end of .text (size 0x100) (section .rela.text, offset 0x48)
///
/// Offsets in a `.section` location are relative to that section's start; header and
/// section-table locations carry file offsets.
public struct ELFError: Error, Sendable, CustomStringConvertible {
  public enum Location: Sendable, Equatable {
    /// The file as a whole, at a file offset (identification, compression magic).
    case file(offset: UInt64)
    /// The ELF header (`Elf64_Ehdr`), at a file offset.
    case header(offset: UInt64)
    /// The section header of section `index`, at a file offset.
    case sectionHeader(index: UInt32, offset: UInt64)
    /// Inside a section's contents, at an offset from the section start.
    case section(name: String, offset: UInt64)
  }

  public enum Kind: Sendable, Equatable {
    case cannotOpen(reason: String)
    case tooSmall(size: UInt64)
    case notELF
    case compressed(format: String, tool: String)
    case unsupportedClass(UInt8)
    case unsupportedByteOrder(UInt8)
    case unsupportedVersion(UInt32)
    case unsupportedMachine(UInt16)
    case unsupportedObjectType(String)
    case badHeaderField(field: String, value: UInt64, expected: String)
    case sectionTableBeyondEOF(end: UInt64, fileSize: UInt64)
    case sectionBeyondEOF(name: String, end: UInt64, fileSize: UInt64)
    case sectionNameOutOfRange(nameOffset: UInt32, tableSize: UInt64)
    case sectionIndexOutOfRange(field: String, value: UInt64, count: Int)
    case badEntrySize(name: String, size: UInt64, entrySize: UInt64)
    case stringOutOfRange(what: String, offset: UInt64, tableSize: UInt64)
    case symbolSectionOutOfRange(symbol: UInt32, value: UInt32, count: Int)
    case relocationSymbolOutOfRange(symbol: UInt64, count: Int)
    case relocationBeyondSection(offset: UInt64, width: Int, target: String, size: UInt64)
    case relocationAgainstNoBits(target: String)
    case multipleSymbolTables
  }

  public var kind: Kind
  public var location: Location

  public init(_ kind: Kind, at location: Location) {
    self.kind = kind
    self.location = location
  }

  /// What went wrong, without the location.
  public var what: String {
    switch kind {
    case .cannotOpen(let reason): "cannot open: \(reason)"
    case .tooSmall(let size): "file too small for an ELF header (\(size) bytes)"
    case .notELF: "not an ELF file (no \\x7fELF magic)"
    case .compressed(let format, let tool):
      "compressed module (\(format)); decompress it first, e.g. `\(tool)`"
    case .unsupportedClass(let c):
      c == 1 ? "ELF32 objects are not supported (only ELF64)" : "invalid ELF class \(c)"
    case .unsupportedByteOrder(let d): "invalid ELF data encoding \(d)"
    case .unsupportedVersion(let v): "unsupported ELF version \(v)"
    case .unsupportedMachine(let m):
      "unsupported machine \(m) (only EM_X86_64 (62) and EM_AARCH64 (183))"
    case .unsupportedObjectType(let t):
      "unsupported object type \(t) (only relocatable objects: .o, linked .o, .ko)"
    case .badHeaderField(let field, let value, let expected):
      "invalid \(field) 0x\(hex(value)) (expected \(expected))"
    case .sectionTableBeyondEOF(let end, let size):
      "section header table ends at 0x\(hex(end)), beyond end of file (0x\(hex(size)))"
    case .sectionBeyondEOF(let name, let end, let size):
      "section \(name) ends at 0x\(hex(end)), beyond end of file (0x\(hex(size))); truncated file?"
    case .sectionNameOutOfRange(let off, let size):
      "section name offset 0x\(hex(UInt64(off))) out of range of the section name table (size 0x\(hex(size)))"
    case .sectionIndexOutOfRange(let field, let value, let count):
      "\(field) \(value) out of range (\(count) sections)"
    case .badEntrySize(let name, let size, let entrySize):
      "size 0x\(hex(size)) of \(name) is not a multiple of its entry size \(entrySize)"
    case .stringOutOfRange(let what, let offset, let size):
      "\(what) offset 0x\(hex(offset)) out of range of its string table (size 0x\(hex(size)))"
    case .symbolSectionOutOfRange(let symbol, let value, let count):
      "symbol \(symbol) has section index \(value), out of range (\(count) sections)"
    case .relocationSymbolOutOfRange(let symbol, let count):
      "relocation symbol index \(symbol) out of range (\(count) symbols)"
    case .relocationBeyondSection(let offset, let width, let target, let size):
      "relocation offset 0x\(hex(offset)) (\(width) bytes) beyond end of \(target) (size 0x\(hex(size)))"
    case .relocationAgainstNoBits(let target):
      "relocations against \(target), which has no file contents (SHT_NOBITS)"
    case .multipleSymbolTables: "more than one SHT_SYMTAB section"
    }
  }

  /// `(section NAME, offset 0xN)` and its header/file variants.
  public var whereText: String {
    switch location {
    case .file(let offset): "(file, offset 0x\(hex(offset)))"
    case .header(let offset): "(ELF header, offset 0x\(hex(offset)))"
    case .sectionHeader(let index, let offset): "(section header \(index), offset 0x\(hex(offset)))"
    case .section(let name, let offset): "(section \(name), offset 0x\(hex(offset)))"
    }
  }

  /// One line: names taken from a corrupt string table may hold control characters,
  /// which are shown as `\xNN` so the diagnostic stays on one line.
  public var description: String { escapingControlCharacters("\(what) \(whereText)") }
}

func escapingControlCharacters(_ text: String) -> String {
  guard text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7F }) else { return text }
  var out = ""
  for u in text.unicodeScalars {
    if u.value < 0x20 || u.value == 0x7F {
      out += "\\x" + (u.value < 0x10 ? "0" : "") + String(u.value, radix: 16)
    } else {
      out.unicodeScalars.append(u)
    }
  }
  return out
}

@inline(__always)
func hex(_ value: UInt64) -> String { String(value, radix: 16) }
