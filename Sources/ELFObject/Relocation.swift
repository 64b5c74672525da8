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

/// A relocation section of debug information (`.rela.debug*`), validated at open and
/// decoded only when asked (`ELFFile.relocations(for:)`, `allRelocationSections()`).
public struct DeferredRelocationSection: Sendable {
  public let section: SectionIndex
  public let target: SectionIndex
  public let count: Int
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
  let t = RelocationType(rawValue: type)
  switch machine {
  case .x86_64:
    switch t {
    case .none: return 0
    case .x86_64Absolute64, .x86_64PC64, .x86_64GOTOFF64: return 8
    case .x86_64Absolute16, .x86_64PC16: return 2
    case .x86_64Absolute8, .x86_64PC8: return 1
    case .x86_64GOTPCRELX, .x86_64RexGOTPCRELX: return 4
    // PC32, GOT32, PLT32, GOTPCREL, ..., 32, 32S: 4-byte fields.
    case _ where (RelocationType.x86_64PC32.rawValue...RelocationType.x86_64Absolute32Signed.rawValue).contains(type): return 4
    default: return 1
    }
  case .aarch64:
    switch t {
    case .none, .aarch64NoneOld: return 0
    case .aarch64Absolute64, .aarch64PREL64: return 8
    case .aarch64Absolute32, .aarch64PREL32: return 4
    case .aarch64Absolute16, .aarch64PREL16: return 2
    case _ where RelocationType.aarch64InstructionFields.contains(type): return 4
    default: return 1
    }
  default:
    return 1
  }
}
