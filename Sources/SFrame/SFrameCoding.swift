import ELFObject

/// The encodings of the row model: SFrame versions 1, 2 and 3. All three share the
/// 28-byte header and the rows (FREs); they differ in the function descriptors (FDEs).
///
///     header: u16 magic 0xdee2, u8 version, u8 flags, u8 ABI, s8 fixed FP offset,
///             s8 fixed RA offset, u8 auxiliary header length, u32 FDE count, u32 row
///             count, u32 row sub-section length, u32 FDE offset, u32 row offset (both
///             from the end of the header)
///     v1 FDE (17 bytes, packed): s32 start, u32 size, u32 offset of its rows in the row
///             sub-section, u32 row count, u8 info (bits 0-3 row type: the width of the
///             rows' start offsets, 1/2/4 bytes; bit 4 PC-mask; bit 5 AArch64 B key)
///     v2 FDE (20 bytes): the same, then u8 repeat-block size and 2 bytes of padding
///     v3 FDE index entry (16 bytes): s64 start relative to the entry itself, u32 size,
///             u32 offset in the row sub-section of the function's attributes: u16 row
///             count, u8 info (as v1, bit 7 signal frame), u8 info2 (bits 0-4 FDE
///             type: 0 default, 1 flexible), u8 repeat-block size; its rows follow
///     row:    start offset (1/2/4 bytes), u8 info (bit 0 CFA on SP; bits 1-4 how many
///             data words; bits 5-6 their width, 1/2/4 bytes; bit 7 RA mangled), the
///             words: CFA, then AArch64 RA and FP, AMD64 FP (its RA is at the header's
///             fixed offset); no words (v2 errata 1, v3): the return address undefined
///
/// In a relocatable object each start field is a PC-relative relocation against the
/// function's section, addend its offset (`R_X86_64_PC32`/`R_AARCH64_PREL32`, version 3
/// `R_X86_64_PC64`/`R_AARCH64_PREL64`), as GNU as writes it.
public enum SFrameCoding {
  /// The size of one function descriptor (version 3: one index entry).
  public static func descriptorSize(version: UInt8) -> Int {
    switch version {
    case 1: 17
    case 2: 20
    default: 16
    }
  }

  /// The attribute block in front of a version-3 function's rows.
  static let attributeSize = 5

  /// A function's start field: where it is in the section, what it must point at, and
  /// how wide it is (the relocation to write).
  public struct StartField: Sendable, Equatable {
    public var offset: UInt64
    public var section: SectionIndex
    public var addend: Int64
    public var width: Int
  }

  public struct Encoded: Sendable {
    public var bytes: [UInt8]
    public var startFields: [StartField]
  }

  public enum EncodeError: Error, Sendable, Equatable {
    /// AArch64 rows carry FP only after RA: FP saved with RA not saved has no encoding.
    case framePointerWithoutReturnAddress(function: Int, row: Int)
    /// Version 3 counts a function's rows in 16 bits.
    case tooManyRows(function: Int, rows: Int)
    /// Version 1 has no row for an undefined return address.
    case undefinedReturnAddress(function: Int, row: Int)
    case unsupportedVersion(UInt8)
  }

  /// Version 3 counts a function's rows in 16 bits.
  public static func maximumRows(version: UInt8) -> Int { version >= 3 ? Int(UInt16.max) : Int(UInt32.max) }

  /// Encodes `table` in its version. Start fields are left 0, for the relocations.
  public static func encode(_ table: SFrame.Table, order: ByteOrder) throws(EncodeError) -> Encoded {
    let version = table.version
    guard SFrame.versions.contains(version) else { throw .unsupportedVersion(version) }
    let descriptorSize = descriptorSize(version: version)
    var fres = ByteSink(order: order)
    var fdes = ByteSink(order: order, capacity: table.functions.count * descriptorSize)
    var startFields: [StartField] = []
    startFields.reserveCapacity(table.functions.count)
    var rowCount = 0
    for (k, f) in table.functions.enumerated() {
      guard f.rows.count <= maximumRows(version: version) else { throw .tooManyRows(function: k, rows: f.rows.count) }
      let rowType: UInt8 = f.size < 0x100 ? 0 : f.size < 0x1_0000 ? 1 : 2
      let info = rowType | (f.pauthKeyB ? 0x20 : 0)
      let first = fres.count
      if version >= 3 {
        fres.u16(UInt16(f.rows.count))
        fres.u8(info)
        fres.u8(0)  // the default FDE type
        fres.u8(0)  // no repeat block
      }
      for (r, row) in f.rows.enumerated() {
        fres.append(UInt64(row.offset), width: 1 << Int(rowType))
        if row.raUndefined {
          guard version >= 2 else { throw .undefinedReturnAddress(function: k, row: r) }
          fres.u8(0)
          continue
        }
        var words = [row.cfaOffset]
        if table.abi.tracksReturnAddress {
          if let ra = row.raOffset {
            words.append(ra)
            if let fp = row.fpOffset { words.append(fp) }
          } else if row.fpOffset != nil {
            throw .framePointerWithoutReturnAddress(function: k, row: r)
          }
        } else if let fp = row.fpOffset {
          words.append(fp)
        }
        let width: UInt8 = words.allSatisfy { Int8(exactly: $0) != nil } ? 0
          : words.allSatisfy { Int16(exactly: $0) != nil } ? 1 : 2
        fres.u8((row.cfaOnStackPointer ? 1 : 0) | UInt8(words.count) << 1 | width << 5 | (row.raMangled ? 0x80 : 0))
        for w in words { fres.append(UInt64(UInt32(bitPattern: w)), width: 1 << Int(width)) }
      }
      rowCount += f.rows.count
      let field = UInt64(SFrame.headerSize + fdes.count)
      if version >= 3 {
        startFields.append(StartField(offset: field, section: f.section, addend: Int64(bitPattern: f.start), width: 8))
        fdes.u64(0)
        fdes.u32(f.size)
        fdes.u32(UInt32(first))
      } else {
        startFields.append(StartField(offset: field, section: f.section, addend: Int64(bitPattern: f.start), width: 4))
        fdes.u32(0)
        fdes.u32(f.size)
        fdes.u32(UInt32(first))
        fdes.u32(UInt32(f.rows.count))
        fdes.u8(info)
        if version == 2 {
          fdes.u8(0)  // no repeat block
          fdes.u16(0)
        }
      }
    }
    var out = ByteSink(order: order, capacity: SFrame.headerSize + fdes.count + fres.count)
    out.u16(SFrame.magic)
    out.u8(version)
    out.u8(table.flags.rawValue)
    out.u8(table.abi.rawValue)
    out.u8(UInt8(bitPattern: table.fixedFPOffset))
    out.u8(UInt8(bitPattern: table.fixedRAOffset))
    out.u8(0)  // no auxiliary header
    out.u32(UInt32(table.functions.count))
    out.u32(UInt32(rowCount))
    out.u32(UInt32(fres.count))
    out.u32(0)  // FDEs right after the header
    out.u32(UInt32(fdes.count))
    return Encoded(bytes: out.bytes + fdes.bytes + fres.bytes, startFields: startFields)
  }

  /// A decoded function: the raw start field (and where it is, to relocate), the
  /// descriptor's info bytes and the rows.
  public struct DecodedFunction: Sendable {
    public var startField: Int64
    public var startFieldOffset: Int
    public var size: UInt32
    public var info: UInt8
    /// Version 3: the FDE type (bits 0-4); 0 before.
    public var info2: UInt8
    public var rows: [SFrame.Row]

    /// The row starts are masks over a repeated block (PLT stubs), not offsets.
    public var pcMask: Bool { info & 0x10 != 0 }
    public var pauthKeyB: Bool { info & 0x20 != 0 }
    /// Version 3 flexible FDE: rows with control words, which this row model does not
    /// hold (their rows are not decoded).
    public var flexible: Bool { info2 & 0x1F == 1 }
  }

  public struct Decoded: Sendable {
    public var version: UInt8
    public var flags: SFrame.Flags
    public var abi: SFrame.ABI
    public var fixedFPOffset: Int8
    public var fixedRAOffset: Int8
    public var functions: [DecodedFunction]
    public var rowCount: Int

    /// Version 3 signal frames are flagged in the function's info (bit 7).
    public func isSignalFrame(_ f: DecodedFunction) -> Bool { version >= 3 && f.info & 0x80 != 0 }
  }

  /// Reads a section of version 1, 2 or 3 (either byte order: the magic tells). Every
  /// count and offset is checked against the section: a bad one is a `ReadError` at its
  /// place.
  public static func decode(_ bytes: UnsafeRawBufferPointer) -> Result<Decoded, SFrame.ReadError> {
    guard bytes.count >= SFrame.headerSize else { return .failure(.init(0, "shorter than the 28-byte header")) }
    let order: ByteOrder
    switch ByteReader(bytes, order: .little).u16(at: 0) {
    case SFrame.magic: order = .little
    case SFrame.magic.byteSwapped: order = .big
    default: return .failure(.init(0, "no SFrame magic (0xdee2)"))
    }
    let r = ByteReader(bytes, order: order)
    let version = r.u8(at: 2) ?? 0
    guard SFrame.versions.contains(version) else { return .failure(.init(2, "version \(version), not 1, 2 or 3")) }
    guard let abi = SFrame.ABI(rawValue: r.u8(at: 4) ?? 0) else { return .failure(.init(4, "unknown ABI \(r.u8(at: 4) ?? 0)")) }
    let descriptorSize = descriptorSize(version: version)
    let aux = Int(r.u8(at: 7) ?? 0)
    let fdeCount = Int(r.u32(at: 8) ?? 0), freCount = Int(r.u32(at: 12) ?? 0)
    let freLength = Int(r.u32(at: 16) ?? 0), fdeOffset = Int(r.u32(at: 20) ?? 0), freOffset = Int(r.u32(at: 24) ?? 0)
    let base = SFrame.headerSize + aux
    guard base <= bytes.count, fdeCount <= (bytes.count - base) / descriptorSize,
          base + fdeOffset + fdeCount * descriptorSize <= bytes.count else {
      return .failure(.init(8, "\(fdeCount) function descriptors do not fit the section"))
    }
    guard base + freOffset <= bytes.count, freLength <= bytes.count - base - freOffset else {
      return .failure(.init(16, "the row sub-section (\(freLength) bytes at \(freOffset)) does not fit the section"))
    }
    let freBase = base + freOffset, freEnd = freBase + freLength
    var functions: [DecodedFunction] = []
    functions.reserveCapacity(fdeCount)
    var rows = 0
    for k in 0..<fdeCount {
      let at = base + fdeOffset + k * descriptorSize
      let start: Int64, size = r.u32(at: at + (version >= 3 ? 8 : 4)) ?? 0
      var p: Int, count: Int, info: UInt8, info2: UInt8 = 0
      if version >= 3 {
        start = r.i64(at: at) ?? 0
        let attributes = freBase + Int(r.u32(at: at + 12) ?? 0)
        guard attributes + attributeSize <= freEnd else {
          return .failure(.init(at + 12, "function \(k): its attributes lie outside the row sub-section"))
        }
        count = Int(r.u16(at: attributes) ?? 0)
        info = r.u8(at: attributes + 2) ?? 0
        info2 = r.u8(at: attributes + 3) ?? 0
        guard info2 & 0x1F <= 1 else { return .failure(.init(attributes + 3, "function \(k): FDE type \(info2 & 0x1F)")) }
        p = attributes + attributeSize
      } else {
        start = Int64(r.i32(at: at) ?? 0)
        p = freBase + Int(r.u32(at: at + 8) ?? 0)
        count = Int(r.u32(at: at + 12) ?? 0)
        info = r.u8(at: at + 16) ?? 0
      }
      let rowType = Int(info & 0xF)
      guard rowType <= 2 else { return .failure(.init(at, "function \(k): row type \(rowType)")) }
      guard count <= freLength else { return .failure(.init(at, "function \(k): \(count) rows")) }
      var out: [SFrame.Row] = []
      let flexible = info2 & 0x1F == 1
      if !flexible { out.reserveCapacity(count) }
      for _ in 0..<(flexible ? 0 : count) {
        let w = 1 << rowType
        guard p >= freBase, p + w + 1 <= freEnd, let off = r.unsigned(at: p, width: w), let finfo = r.u8(at: p + w) else {
          return .failure(.init(p, "function \(k): a row runs past the row sub-section"))
        }
        let n = Int(finfo >> 1 & 0xF), ow = 1 << Int(finfo >> 5 & 3)
        guard ow <= 4, p + w + 1 + n * ow <= freEnd, n <= 3, n >= 1 || version >= 2 else {
          return .failure(.init(p + w, "function \(k): a row with \(n) data words of \(ow) bytes"))
        }
        var row = SFrame.Row(offset: UInt32(truncatingIfNeeded: off), cfaOnStackPointer: finfo & 1 != 0, cfaOffset: 0,
                             raMangled: finfo & 0x80 != 0, raUndefined: n == 0)
        let word = { (j: Int) in r.signed(at: p + w + 1 + j * ow, width: ow) ?? 0 }
        if n > 0 { row.cfaOffset = word(0) }
        if abi.tracksReturnAddress {
          if n > 1 { row.raOffset = word(1) }
          if n > 2 { row.fpOffset = word(2) }
        } else if n > 1 {
          row.fpOffset = word(1)
        }
        out.append(row)
        p += w + 1 + n * ow
      }
      rows += count
      functions.append(DecodedFunction(startField: start, startFieldOffset: at, size: size, info: info, info2: info2, rows: out))
    }
    guard rows == freCount else { return .failure(.init(12, "the header counts \(freCount) rows, the functions \(rows)")) }
    return .success(Decoded(version: version, flags: SFrame.Flags(rawValue: r.u8(at: 3) ?? 0), abi: abi,
                            fixedFPOffset: Int8(bitPattern: r.u8(at: 5) ?? 0), fixedRAOffset: Int8(bitPattern: r.u8(at: 6) ?? 0),
                            functions: functions, rowCount: rows))
  }
}

extension ByteReader {
  /// An unsigned integer of `width` bytes (1, 2, 4 or 8).
  func unsigned(at offset: Int, width: Int) -> UInt64? {
    switch width {
    case 1: u8(at: offset).map(UInt64.init)
    case 2: u16(at: offset).map(UInt64.init)
    case 4: u32(at: offset).map(UInt64.init)
    default: nil
    }
  }

  /// A signed integer of `width` bytes (1, 2 or 4), sign-extended.
  func signed(at offset: Int, width: Int) -> Int32? {
    switch width {
    case 1: u8(at: offset).map { Int32(Int8(bitPattern: $0)) }
    case 2: u16(at: offset).map { Int32(Int16(bitPattern: $0)) }
    case 4: u32(at: offset).map { Int32(bitPattern: $0) }
    default: nil
    }
  }
}
