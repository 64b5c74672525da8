/// Typed indices into an `ELFFile`'s flat tables. Each wraps the raw ELF number so a
/// section index can never be passed where a symbol index is expected.

/// Index of a section header (`e_shnum` space; 0 is the null section).
public struct SectionIndex: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
  public var rawValue: UInt32
  public init(rawValue: UInt32) { self.rawValue = rawValue }
  public init(_ value: Int) { self.rawValue = UInt32(truncatingIfNeeded: value) }
  public var int: Int { Int(rawValue) }
  public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
  public var description: String { "[\(rawValue)]" }
}

/// Index of a symbol in the object's `SHT_SYMTAB` (0 is the null symbol).
public struct SymbolIndex: RawRepresentable, Hashable, Comparable, Sendable, CustomStringConvertible {
  public var rawValue: UInt32
  public init(rawValue: UInt32) { self.rawValue = rawValue }
  public init(_ value: Int) { self.rawValue = UInt32(truncatingIfNeeded: value) }
  public var int: Int { Int(rawValue) }
  public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
  public var description: String { "#\(rawValue)" }
}

/// Index of a relocation within one relocation section.
public struct RelocationIndex: RawRepresentable, Hashable, Comparable, Sendable {
  public var rawValue: UInt32
  public init(rawValue: UInt32) { self.rawValue = rawValue }
  public init(_ value: Int) { self.rawValue = UInt32(truncatingIfNeeded: value) }
  public var int: Int { Int(rawValue) }
  public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}
