/// Where a symbol is defined.
public enum SymbolSection: Hashable, Sendable {
  /// `SHN_UNDEF`: an external reference.
  case undefined
  /// `SHN_ABS`
  case absolute
  /// `SHN_COMMON`
  case common
  /// A real section (resolved through `SHT_SYMTAB_SHNDX` where `SHN_XINDEX` is used).
  case section(SectionIndex)

  public var index: SectionIndex? {
    if case .section(let index) = self { return index }
    return nil
  }
}

/// One symbol-table entry, validated: its name and section index are in range.
public struct Symbol: Sendable {
  public let index: SymbolIndex
  public let name: String
  public let type: SymbolType
  public let binding: SymbolBinding
  /// `STV_*` from `st_other`.
  public let visibility: UInt8
  public let section: SymbolSection
  /// `st_value`: an offset into `section` in relocatable objects.
  public let value: UInt64
  public let size: UInt64

  public var isFunction: Bool { type == .function }
  public var isSectionSymbol: Bool { type == .section }
}
