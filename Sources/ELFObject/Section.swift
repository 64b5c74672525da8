/// One section header, validated: its name resolved, and (unless `SHT_NOBITS`) its file
/// range known to lie inside the file.
public struct Section: Sendable {
  public let index: SectionIndex
  public let name: String
  public let type: SectionType
  public let flags: SectionFlags
  /// `sh_addr` (0 in relocatable objects).
  public let address: UInt64
  /// `sh_offset`: where the bytes start in the file.
  public let fileOffset: UInt64
  /// `sh_size`.
  public let size: UInt64
  /// `sh_addralign`.
  public let alignment: UInt64
  /// `sh_entsize` as written. Not trusted for special sections: `ld -r` writes 0 in every
  /// final `.ko` (oracle report §2), so entry sizes are fixed per section and arch.
  public let entrySize: UInt64
  /// `sh_link`.
  public let link: UInt32
  /// `sh_info`.
  public let info: UInt32

  /// Whether the section has bytes in the file (everything but `SHT_NOBITS`/`SHT_NULL`).
  public var hasFileBytes: Bool { type != .nobits && type != .null }
  public var isExecutable: Bool { flags.contains(.execInstr) }
  /// The name for diagnostics: `[N]` when the name is empty (or was corrupted to empty).
  public var displayName: String { name.isEmpty ? "[\(index.rawValue)]" : name }
}
