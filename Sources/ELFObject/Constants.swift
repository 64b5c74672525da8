/// ELF constants as Swifty `RawRepresentable` values. Each static member names the C
/// constant it corresponds to, so the spec spelling stays searchable.

/// `e_machine`. Only the two architectures unwindcheck analyses are accepted.
public struct Machine: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
  public var rawValue: UInt16
  public init(rawValue: UInt16) { self.rawValue = rawValue }
  /// `EM_X86_64`
  public static let x86_64 = Machine(rawValue: 62)
  /// `EM_AARCH64`
  public static let aarch64 = Machine(rawValue: 183)
  public var description: String {
    switch self {
    case .x86_64: "x86-64"
    case .aarch64: "AArch64"
    default: "machine \(rawValue)"
    }
  }
}

/// `e_type`.
public struct ObjectType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
  public var rawValue: UInt16
  public init(rawValue: UInt16) { self.rawValue = rawValue }
  /// `ET_REL`: compiler `.o`, `ld -r` output, final `.ko`.
  public static let relocatable = ObjectType(rawValue: 1)
  /// `ET_EXEC`
  public static let executable = ObjectType(rawValue: 2)
  /// `ET_DYN`
  public static let shared = ObjectType(rawValue: 3)
  /// `ET_CORE`
  public static let core = ObjectType(rawValue: 4)
  public var description: String {
    switch rawValue {
    case 0: "ET_NONE"
    case 1: "ET_REL"
    case 2: "ET_EXEC"
    case 3: "ET_DYN"
    case 4: "ET_CORE"
    default: "type \(rawValue)"
    }
  }
}

/// `sh_type`.
public struct SectionType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
  public var rawValue: UInt32
  public init(rawValue: UInt32) { self.rawValue = rawValue }
  /// `SHT_NULL`
  public static let null = SectionType(rawValue: 0)
  /// `SHT_PROGBITS`
  public static let progbits = SectionType(rawValue: 1)
  /// `SHT_SYMTAB`
  public static let symtab = SectionType(rawValue: 2)
  /// `SHT_STRTAB`
  public static let strtab = SectionType(rawValue: 3)
  /// `SHT_RELA`
  public static let rela = SectionType(rawValue: 4)
  /// `SHT_NOBITS`
  public static let nobits = SectionType(rawValue: 8)
  /// `SHT_REL`
  public static let rel = SectionType(rawValue: 9)
  /// `SHT_GROUP`
  public static let group = SectionType(rawValue: 17)
  /// `SHT_SYMTAB_SHNDX`
  public static let symtabShndx = SectionType(rawValue: 18)
  public var description: String {
    switch rawValue {
    case 0: "SHT_NULL"
    case 1: "SHT_PROGBITS"
    case 2: "SHT_SYMTAB"
    case 3: "SHT_STRTAB"
    case 4: "SHT_RELA"
    case 8: "SHT_NOBITS"
    case 9: "SHT_REL"
    case 17: "SHT_GROUP"
    case 18: "SHT_SYMTAB_SHNDX"
    default: "type 0x\(String(rawValue, radix: 16))"
    }
  }
}

/// `sh_flags`.
public struct SectionFlags: OptionSet, Hashable, Sendable {
  public var rawValue: UInt64
  public init(rawValue: UInt64) { self.rawValue = rawValue }
  /// `SHF_WRITE`
  public static let write = SectionFlags(rawValue: 0x1)
  /// `SHF_ALLOC`
  public static let alloc = SectionFlags(rawValue: 0x2)
  /// `SHF_EXECINSTR`
  public static let execInstr = SectionFlags(rawValue: 0x4)
  /// `SHF_MERGE`
  public static let merge = SectionFlags(rawValue: 0x10)
  /// `SHF_STRINGS`
  public static let strings = SectionFlags(rawValue: 0x20)
  /// `SHF_INFO_LINK`
  public static let infoLink = SectionFlags(rawValue: 0x40)
  /// `SHF_GROUP`
  public static let group = SectionFlags(rawValue: 0x200)
  /// `SHF_COMPRESSED`
  public static let compressed = SectionFlags(rawValue: 0x800)
}

/// `STT_*` from `st_info`.
public struct SymbolType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
  public var rawValue: UInt8
  public init(rawValue: UInt8) { self.rawValue = rawValue }
  /// `STT_NOTYPE`
  public static let noType = SymbolType(rawValue: 0)
  /// `STT_OBJECT`
  public static let object = SymbolType(rawValue: 1)
  /// `STT_FUNC`
  public static let function = SymbolType(rawValue: 2)
  /// `STT_SECTION`
  public static let section = SymbolType(rawValue: 3)
  /// `STT_FILE`
  public static let file = SymbolType(rawValue: 4)
  public var description: String {
    switch rawValue {
    case 0: "NOTYPE"
    case 1: "OBJECT"
    case 2: "FUNC"
    case 3: "SECTION"
    case 4: "FILE"
    default: "STT_\(rawValue)"
    }
  }
}

/// `STB_*` from `st_info`.
public struct SymbolBinding: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
  public var rawValue: UInt8
  public init(rawValue: UInt8) { self.rawValue = rawValue }
  /// `STB_LOCAL`
  public static let local = SymbolBinding(rawValue: 0)
  /// `STB_GLOBAL`
  public static let global = SymbolBinding(rawValue: 1)
  /// `STB_WEAK`
  public static let weak = SymbolBinding(rawValue: 2)
  public var description: String {
    switch rawValue {
    case 0: "LOCAL"
    case 1: "GLOBAL"
    case 2: "WEAK"
    default: "STB_\(rawValue)"
    }
  }
}

/// Reserved values of `st_shndx`.
public enum SpecialSectionIndex {
  /// `SHN_UNDEF`
  public static let undefined: UInt32 = 0
  /// `SHN_LORESERVE`
  public static let loReserve: UInt32 = 0xff00
  /// `SHN_ABS`
  public static let absolute: UInt32 = 0xfff1
  /// `SHN_COMMON`
  public static let common: UInt32 = 0xfff2
  /// `SHN_XINDEX`
  public static let xindex: UInt32 = 0xffff
}

/// Sizes of the ELF64 records the writer encodes.
public enum ELF64 {
  /// `sizeof(Elf64_Sym)`
  public static let symbolSize = 24
  /// `sizeof(Elf64_Rela)`
  public static let relaSize = 24
  /// `ELF64_R_INFO(sym, type)`
  @inlinable public static func relocationInfo(symbol: UInt32, type: UInt32) -> UInt64 {
    UInt64(symbol) << 32 | UInt64(type)
  }
  /// `ELF64_ST_INFO(bind, type)`
  @inlinable public static func symbolInfo(binding: SymbolBinding, type: SymbolType) -> UInt8 {
    binding.rawValue << 4 | (type.rawValue & 0xf)
  }
}

/// A relocation type number (`ELF64_R_TYPE`); its meaning depends on the machine. The
/// types unwindcheck writes or must recognise, named as in the psABIs.
public struct RelocationType: RawRepresentable, Hashable, Sendable {
  public var rawValue: UInt32
  public init(rawValue: UInt32) { self.rawValue = rawValue }
  /// `R_X86_64_NONE`, `R_AARCH64_NONE` (and its old number 256)
  public static let none = RelocationType(rawValue: 0)
  public static let aarch64NoneOld = RelocationType(rawValue: 256)
  /// `R_X86_64_64`
  public static let x86_64Absolute64 = RelocationType(rawValue: 1)
  /// `R_X86_64_PC32`
  public static let x86_64PC32 = RelocationType(rawValue: 2)
  /// `R_X86_64_PLT32`
  public static let x86_64PLT32 = RelocationType(rawValue: 4)
  /// `R_X86_64_32`, `R_X86_64_32S`
  public static let x86_64Absolute32 = RelocationType(rawValue: 10)
  public static let x86_64Absolute32Signed = RelocationType(rawValue: 11)
  /// `R_X86_64_16`, `R_X86_64_PC16`, `R_X86_64_8`, `R_X86_64_PC8`
  public static let x86_64Absolute16 = RelocationType(rawValue: 12)
  public static let x86_64PC16 = RelocationType(rawValue: 13)
  public static let x86_64Absolute8 = RelocationType(rawValue: 14)
  public static let x86_64PC8 = RelocationType(rawValue: 15)
  /// `R_X86_64_PC64`, `R_X86_64_GOTOFF64`
  public static let x86_64PC64 = RelocationType(rawValue: 24)
  public static let x86_64GOTOFF64 = RelocationType(rawValue: 26)
  /// `R_X86_64_GOTPCRELX`, `R_X86_64_REX_GOTPCRELX`
  public static let x86_64GOTPCRELX = RelocationType(rawValue: 41)
  public static let x86_64RexGOTPCRELX = RelocationType(rawValue: 42)
  /// `R_AARCH64_ABS64`, `R_AARCH64_ABS32`
  public static let aarch64Absolute64 = RelocationType(rawValue: 257)
  public static let aarch64Absolute32 = RelocationType(rawValue: 258)
  /// `R_AARCH64_ABS16`
  public static let aarch64Absolute16 = RelocationType(rawValue: 259)
  /// `R_AARCH64_PREL64`, `R_AARCH64_PREL32`, `R_AARCH64_PREL16`
  public static let aarch64PREL64 = RelocationType(rawValue: 260)
  public static let aarch64PREL32 = RelocationType(rawValue: 261)
  public static let aarch64PREL16 = RelocationType(rawValue: 262)
  /// The instruction-field relocations (`R_AARCH64_LD_PREL_LO19` 273 ... `R_AARCH64_TLSDESC_CALL`
  /// 569 and the rest up to 1032) patch one 32-bit instruction word.
  public static let aarch64InstructionFields: ClosedRange<UInt32> = 263...1032
}

extension RelocationType {
  /// What a data relocation writes, per the machine's psABI: a `width`-byte field, the
  /// symbol plus addend, minus the field's own address when `pcRelative` (nil: not a
  /// plain data relocation). Used to apply debug-section relocations of `ET_REL` files.
  public func dataEffect(on machine: Machine) -> (pcRelative: Bool, width: Int)? {
    switch (machine, self) {
    case (.x86_64, .x86_64Absolute64), (.aarch64, .aarch64Absolute64): (false, 8)
    case (.x86_64, .x86_64Absolute32), (.x86_64, .x86_64Absolute32Signed), (.aarch64, .aarch64Absolute32): (false, 4)
    case (.x86_64, .x86_64PC32), (.aarch64, .aarch64PREL32): (true, 4)
    case (.x86_64, .x86_64PC64), (.aarch64, .aarch64PREL64): (true, 8)
    default: nil
    }
  }

  /// The PC-relative data relocation of a `width`-byte field (4 or 8) on `machine`.
  public static func pcRelative(width: Int, on machine: Machine) -> RelocationType? {
    switch (machine, width) {
    case (.x86_64, 4): .x86_64PC32
    case (.x86_64, 8): .x86_64PC64
    case (.aarch64, 4): .aarch64PREL32
    case (.aarch64, 8): .aarch64PREL64
    default: nil
    }
  }

  /// Whether the relocation fills a 4-byte address field (an entry of a kernel table):
  /// a 4-byte data relocation, or x86's PLT32 (which the assembler uses for `.long sym -
  /// .` to a function, and is PC32 in a kernel link).
  public func fillsAddressField(on machine: Machine) -> Bool {
    if machine == .x86_64 && self == .x86_64PLT32 { return true }
    return dataEffect(on: machine)?.width == 4
  }
}
