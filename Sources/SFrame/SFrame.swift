import ELFObject

/// SFrame (the Simple Frame format: binutils' `libsframe/doc/sframe-spec.texi`): per
/// function, rows giving from which offset on the CFA is SP or FP plus an offset, and
/// where the frame pointer and the return address are saved relative to the CFA. This
/// is the one row model; the versions are encodings of it.
public enum SFrame {
  public static let magic: UInt16 = 0xdee2
  /// Header size up to the auxiliary header (every version so far).
  public static let headerSize = 28
  /// The versions unwindcheck reads and writes.
  public static let versions: ClosedRange<UInt8> = 1...3

  /// `sfp_flags`.
  public struct Flags: OptionSet, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    /// `SFRAME_F_FDE_SORTED`: the function descriptors are sorted by start.
    public static let sorted = Flags(rawValue: 1)
    /// `SFRAME_F_FRAME_POINTER` (versions 1 and 2): functions keep a frame pointer.
    public static let framePointer = Flags(rawValue: 2)
    /// `SFRAME_F_FDE_FUNC_START_PCREL` (version 2 errata 1, version 3): a function's
    /// start is stored relative to its own start field (else, as ld 2.40 links version
    /// 1, relative to the `.sframe` section).
    public static let startPCRelative = Flags(rawValue: 4)
  }

  /// `sfh_abi_arch`.
  public enum ABI: UInt8, Sendable {
    case aarch64BigEndian = 1, aarch64LittleEndian = 2, amd64LittleEndian = 3, s390BigEndian = 4

    /// The return address is tracked per row (AArch64: it may be in x30 or saved);
    /// AMD64 has it at a fixed CFA offset (the header's), so rows carry no RA offset.
    public var tracksReturnAddress: Bool { self != .amd64LittleEndian }

    public var name: String {
      switch self {
      case .aarch64BigEndian: "AARCH64 big-endian"
      case .aarch64LittleEndian: "AARCH64 little-endian"
      case .amd64LittleEndian: "AMD64 little-endian"
      case .s390BigEndian: "s390 big-endian"
      }
    }
  }

  /// One row: the rule from `offset` (bytes from the function's start) to the next row.
  public struct Row: Sendable, Equatable {
    public var offset: UInt32
    /// The CFA is SP + `cfaOffset` (else FP + `cfaOffset`).
    public var cfaOnStackPointer: Bool
    public var cfaOffset: Int32
    /// Where the caller's FP is saved, CFA-relative; nil: not saved.
    public var fpOffset: Int32?
    /// Where the return address is saved, CFA-relative; nil: in the link register
    /// (AArch64) or at the ABI's fixed offset (AMD64).
    public var raOffset: Int32?
    /// The return address is signed (AArch64 PAC: PACIASP done, AUTIASP not yet).
    public var raMangled: Bool
    /// The return address is undefined: the outermost frame, where unwinding ends
    /// (version 2 errata 1 and version 3: a row without data words; the other fields
    /// are then meaningless).
    public var raUndefined: Bool

    public init(offset: UInt32, cfaOnStackPointer: Bool, cfaOffset: Int32, fpOffset: Int32? = nil, raOffset: Int32? = nil,
                raMangled: Bool = false, raUndefined: Bool = false) {
      self.offset = offset
      self.cfaOnStackPointer = cfaOnStackPointer
      self.cfaOffset = cfaOffset
      self.fpOffset = fpOffset
      self.raOffset = raOffset
      self.raMangled = raMangled
      self.raUndefined = raUndefined
    }

    /// The same rule (the offset aside).
    public func sameRule(as r: Row) -> Bool {
      if raUndefined || r.raUndefined { return raUndefined == r.raUndefined }
      return cfaOnStackPointer == r.cfaOnStackPointer && cfaOffset == r.cfaOffset && fpOffset == r.fpOffset
        && raOffset == r.raOffset && raMangled == r.raMangled
    }
  }

  /// One function's rows.
  public struct Function: Sendable {
    /// Where the function starts: its section and offset there (an object's sections
    /// are not placed yet; the writer relocates the start field against the section).
    public var section: SectionIndex
    public var start: UInt64
    public var size: UInt32
    public var rows: [Row]
    /// AArch64: return addresses signed with the B key.
    public var pauthKeyB: Bool = false

    public init(section: SectionIndex, start: UInt64, size: UInt32, rows: [Row], pauthKeyB: Bool = false) {
      self.section = section
      self.start = start
      self.size = size
      self.rows = rows
      self.pauthKeyB = pauthKeyB
    }
  }

  /// A whole `.sframe`: the ABI, the fixed offsets of the header, the functions.
  public struct Table: Sendable {
    public var version: UInt8
    public var flags: Flags
    public var abi: ABI
    public var fixedFPOffset: Int8
    public var fixedRAOffset: Int8
    public var functions: [Function]

    public init(version: UInt8, flags: Flags = [], abi: ABI, fixedFPOffset: Int8 = 0, fixedRAOffset: Int8, functions: [Function]) {
      self.version = version
      self.flags = flags
      self.abi = abi
      self.fixedFPOffset = fixedFPOffset
      self.fixedRAOffset = fixedRAOffset
      self.functions = functions
    }
  }

  /// Why a `.sframe` cannot be read: located by its offset in the section.
  public struct ReadError: Error, Sendable, Equatable {
    public var offset: Int
    public var reason: String
    public init(_ offset: Int, _ reason: String) {
      self.offset = offset
      self.reason = reason
    }
  }
}
