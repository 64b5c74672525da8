// Generates malformed variants of a valid object: truncations at every section and
// section-header boundary, and targeted corruptions of header, section-header, symbol
// and relocation fields (written in the object's own byte order). Each variant names
// the message fragment the error line must contain.
import ELFObject
import Foundation

public struct CorruptVariant: Sendable {
  /// Short description, e.g. `truncate@0x40` or `rela[2].r_offset=size`.
  public var name: String
  public var bytes: [UInt8]
  /// A fragment the error text must contain; nil = any well-formed error line.
  public var expected: String?
}

public enum CorruptObjects {
  /// The shape of every malformed-input line: `FILE: error: unwindcheck: WHAT (WHERE, offset 0xN)`.
  public static func lineIsWellFormed(_ line: String, path: String) -> Bool {
    guard line.hasPrefix("\(path): error: unwindcheck: "), !line.contains("\n") else { return false }
    let pattern = #"\((file|ELF header|section header \d+|section .+), offset 0x[0-9a-f]+\)$"#
    return line.range(of: pattern, options: .regularExpression) != nil
  }

  public static func variants(of path: String) throws -> [CorruptVariant] {
    let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    let file = try ELFFile.open(path: path)
    let big = file.byteOrder == .big
    let size = original.count
    var out: [CorruptVariant] = []

    func patched(_ edits: [(Int, Int, UInt64)]) -> [UInt8] {
      var b = original
      for (offset, width, value) in edits {
        for k in 0..<width {
          let shift = big ? (width - 1 - k) * 8 : k * 8
          b[offset + k] = UInt8(truncatingIfNeeded: value >> UInt64(shift))
        }
      }
      return b
    }
    func add(_ name: String, _ edits: [(Int, Int, UInt64)], _ expected: String?) {
      out.append(CorruptVariant(name: name, bytes: patched(edits), expected: expected))
    }

    // 1. Truncations.
    let shoff = Int(file.header.sectionTableOffset)
    var cuts: Set<Int> = [0, 1, 3, 4, 15, 16, 52, 63, 64, size - 1, shoff, shoff + 1]
    for s in file.sections where s.hasFileBytes && s.size > 0 {
      let o = Int(s.fileOffset), n = Int(s.size)
      cuts.formUnion([o, o + n / 2, o + n - 1])
    }
    for i in 0..<file.sections.count { cuts.formUnion([shoff + 64 * i + 32, shoff + 64 * i + 63]) }
    for cut in cuts.sorted() where cut >= 0 && cut < size {
      out.append(CorruptVariant(name: "truncate@0x\(String(cut, radix: 16))", bytes: Array(original[..<cut]), expected: nil))
    }

    // 2. ELF header fields.
    add("e_ident[EI_CLASS]=ELFCLASS32", [(4, 1, 1)], "ELF32 objects are not supported")
    add("e_ident[EI_CLASS]=3", [(4, 1, 3)], "invalid ELF class 3")
    add("e_ident[EI_DATA]=0", [(5, 1, 0)], "invalid ELF data encoding 0")
    add("e_ident[EI_DATA]=swapped", [(5, 1, big ? 1 : 2)], "unsupported machine")
    add("e_ident[EI_VERSION]=0", [(6, 1, 0)], "unsupported ELF version 0")
    add("e_machine=EM_386", [(18, 2, 3)], "unsupported machine 3")
    add("e_machine=EM_ARM", [(18, 2, 40)], "unsupported machine 40")
    add("e_type=ET_EXEC", [(16, 2, 2)], "unsupported object type ET_EXEC")
    add("e_type=ET_DYN", [(16, 2, 3)], "unsupported object type ET_DYN")
    add("e_version=0", [(20, 4, 0)], "unsupported ELF version 0")
    add("e_ehsize=52", [(52, 2, 52)], "invalid e_ehsize")
    add("e_shoff=0", [(40, 8, 0)], "invalid e_shoff")
    add("e_shoff=filesize", [(40, 8, UInt64(size))], "section header table ends at")
    add("e_shoff=huge", [(40, 8, 0xFFFF_FFFF_FFFF_FF00)], "section header table ends at")
    add("e_shentsize=40", [(58, 2, 40)], "invalid e_shentsize")
    add("e_shnum=0xfff0", [(60, 2, 0xFFF0)], "section header table ends at")
    add("e_shnum=0", [(60, 2, 0)], "invalid e_shnum")
    add("e_shstrndx=shnum", [(62, 2, UInt64(file.sections.count))], "e_shstrndx")
    add("e_shstrndx=SHN_XINDEX", [(62, 2, 0xFFFF)], "section name table")
    if let text = file.sections.first(where: { $0.name == ".text" }) {
      add("e_shstrndx=.text", [(62, 2, UInt64(text.index.rawValue))], "SHT_STRTAB")
    }

    // 3. Section headers.
    func sh(_ i: Int, _ field: Int) -> Int { shoff + 64 * i + field }
    // Section 0 given a type and an out-of-file range (found by the mutation sweep).
    add("[0].sh_type=PROGBITS+sh_size=huge", [(sh(0, 4), 4, 1), (sh(0, 32), 8, 0xFFFF_FFFF)], "beyond end of file")
    for s in file.sections where s.index.rawValue > 0 {
      let i = s.index.int
      add("[\(i)] \(s.name).sh_name=huge", [(sh(i, 0), 4, 0x7FFF_FFFF)], "section name offset")
      if s.hasFileBytes && s.size > 0 {
        add("[\(i)] \(s.name).sh_offset=filesize", [(sh(i, 24), 8, UInt64(size))], "beyond end of file")
        add("[\(i)] \(s.name).sh_size=huge", [(sh(i, 32), 8, 0xFFFF_FFFF_FFFF)], "beyond end of file")
      }
      switch s.type {
      case .symtab:
        add("[\(i)] \(s.name).sh_link=0", [(sh(i, 40), 4, 0)], "sh_link (string table)")
        add("[\(i)] \(s.name).sh_size-1", [(sh(i, 32), 8, s.size - 1)], "not a multiple of its entry size")
      case .rela:
        add("[\(i)] \(s.name).sh_info=0xffff", [(sh(i, 44), 4, 0xFFFF)], "sh_info (target section)")
        add("[\(i)] \(s.name).sh_link=0", [(sh(i, 40), 4, 0)], "sh_link (symbol table)")
        add("[\(i)] \(s.name).sh_size-1", [(sh(i, 32), 8, s.size - 1)], "not a multiple of its entry size")
      case .progbits where s.name == ".data":
        add("[\(i)] .data.sh_type=SHT_SYMTAB", [(sh(i, 4), 4, 2)], nil)
      default: break
      }
    }

    // 4. Symbols.
    if let symtab = file.symbolTable.map({ file.section($0) }) {
      let base = Int(symtab.fileOffset)
      for sym in file.symbols where sym.index.rawValue > 0 {
        let at = base + 24 * sym.index.int
        add("sym[\(sym.index.rawValue)].st_name=huge", [(at, 4, 0x7FFF_FFFF)], "name offset")
        add("sym[\(sym.index.rawValue)].st_shndx=0x7000", [(at + 6, 2, 0x7000)], "section index 28672, out of range")
      }
    }

    // 5. Relocations.
    for rs in file.allRelocationSections() {
      let rela = file.section(rs.section), target = file.section(rs.target)
      for (k, r) in rs.relocations.enumerated() {
        let at = Int(rela.fileOffset) + 24 * k
        // (A relocation that patches nothing, R_*_NONE, may sit at the very end.)
        if relocationWidth(type: r.type, machine: file.machine) > 0 {
          add("\(rela.name)[\(k)].r_offset=size", [(at, 8, target.size)], "beyond end of \(target.name)")
        }
        add("\(rela.name)[\(k)].r_offset=-1", [(at, 8, UInt64.max)], "beyond end of \(target.name)")
        let type = UInt64(rs.relocations[k].type)
        add("\(rela.name)[\(k)].r_sym=0xffffff", [(at + 8, 8, (0xFF_FFFF << 32) | type)], "relocation symbol index")
      }
    }

    // 6. Compressed modules.
    out.append(CorruptVariant(name: "xz-magic", bytes: [0xFD, 0x37, 0x7A, 0x58, 0x5A, 0x00] + original, expected: "compressed module (xz)"))
    out.append(CorruptVariant(name: "zstd-magic", bytes: [0x28, 0xB5, 0x2F, 0xFD] + original, expected: "compressed module (zstd)"))
    out.append(CorruptVariant(name: "not-elf", bytes: Array("#!/bin/sh\necho not an object\n".utf8), expected: "not an ELF file"))
    return out
  }
}
