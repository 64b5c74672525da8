/// One `Elf64_Rela` entry, validated: its symbol exists and the field it patches lies
/// inside the target section.
public struct Relocation: Sendable {
  /// `r_offset`: where in the target section the field is.
  public let offset: UInt64
  public let symbol: SymbolIndex
  /// `ELF64_R_TYPE(r_info)`; meaning depends on the machine.
  public let type: UInt32
  public let addend: Int64
}

/// An `SHT_RELA` section and the section its entries patch (`sh_info`).
public struct RelocationSection: Sendable {
  /// The `.rela*` section itself.
  public let section: SectionIndex
  /// The section patched (`sh_info`).
  public let target: SectionIndex
  /// Entries in file order (not sorted by offset).
  public let relocations: [Relocation]
}

/// Width in bytes of the field a relocation type writes, for bounds checking. Unknown
/// types count as one byte, so at least the start of the field must be in range.
public func relocationWidth(type: UInt32, machine: Machine) -> Int {
  switch machine {
  case .x86_64:
    switch type {
    case 0: return 0  // R_X86_64_NONE
    case 1, 24, 26: return 8  // R_X86_64_64, PC64, GOTOFF64
    case 12, 13: return 2  // R_X86_64_16, PC16
    case 14, 15: return 1  // R_X86_64_8, PC8
    case 2...11, 41, 42: return 4  // PC32, GOT32, PLT32, ..., 32, 32S, GOTPCRELX, REX_GOTPCRELX
    default: return 1
    }
  case .aarch64:
    switch type {
    case 0, 256: return 0  // R_AARCH64_NONE (both numberings)
    case 257, 260: return 8  // ABS64, PREL64
    case 258, 261: return 4  // ABS32, PREL32
    case 259, 262: return 2  // ABS16, PREL16
    case 263...1032: return 4  // instruction-field relocations patch one 32-bit word
    default: return 1
    }
  default:
    return 1
  }
}
