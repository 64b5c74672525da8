import ELFObject

/// SFrame version 1, the version Debian 12's binutils 2.40 emits and reads: a 28-byte
/// header, 17-byte packed function descriptors (FDEs), then the rows (FREs).
///
///     FDE: s32 function start, u32 size, u32 offset of its first row in the row
///          sub-section, u32 row count, u8 info (bits 0-3 row type: the width of the
///          row start offsets, 1/2/4 bytes; bit 4 PC-mask type; bit 5 AArch64 B key)
///     FRE: start offset (1/2/4 bytes), u8 info (bit 0 CFA on SP; bits 1-4 how many
///          offsets; bits 5-6 their width, 1/2/4 bytes; bit 7 RA mangled), the
///          offsets: CFA, then AArch64 RA and FP, AMD64 FP (its RA is at the header's
///          fixed offset).
///
/// In a relocatable object the function start is a PC-relative relocation at the field
/// (`R_X86_64_PC32` / `R_AARCH64_PREL32` against the function's section, addend its
/// offset), as GNU as writes it.
public enum SFrameV1 {
  public static let version: UInt8 = 1
  static let fdeSize = 17

  /// The encoded section and, per function, the offset of its start field (to relocate).
  public struct Encoded: Sendable {
    public var bytes: [UInt8]
    public var startFields: [(offset: UInt64, section: SectionIndex, addend: Int64)]
  }

  public enum EncodeError: Error, Sendable, Equatable {
    /// AArch64 rows carry FP only after RA: FP saved with RA not saved has no encoding.
    case framePointerWithoutReturnAddress(function: Int, row: Int)
  }

  public static func encode(_ table: SFrame.Table, order: ByteOrder) throws(EncodeError) -> Encoded {
    var fres = ByteSink(order: order)
    var fdes = ByteSink(order: order)
    var startFields: [(offset: UInt64, section: SectionIndex, addend: Int64)] = []
    var rowCount = 0
    for (k, f) in table.functions.enumerated() {
      let rowType: UInt8 = f.size < 0x100 ? 0 : f.size < 0x1_0000 ? 1 : 2
      let first = fres.count
      for (r, row) in f.rows.enumerated() {
        var offsets = [row.cfaOffset]
        if table.abi.tracksReturnAddress {
          if let ra = row.raOffset {
            offsets.append(ra)
            if let fp = row.fpOffset { offsets.append(fp) }
          } else if row.fpOffset != nil {
            throw .framePointerWithoutReturnAddress(function: k, row: r)
          }
        } else if let fp = row.fpOffset {
          offsets.append(fp)
        }
        let width: UInt8 = offsets.allSatisfy { Int8(exactly: $0) != nil } ? 0
          : offsets.allSatisfy { Int16(exactly: $0) != nil } ? 1 : 2
        fres.append(UInt64(row.offset), width: 1 << Int(rowType))
        fres.u8((row.cfaOnStackPointer ? 1 : 0) | UInt8(offsets.count) << 1 | width << 5 | (row.raMangled ? 0x80 : 0))
        for o in offsets { fres.append(UInt64(UInt32(bitPattern: o)), width: 1 << Int(width)) }
      }
      rowCount += f.rows.count
      startFields.append((UInt64(SFrame.headerSize + fdes.count), f.section, Int64(bitPattern: f.start)))
      fdes.u32(0)  // the function's start: relocated
      fdes.u32(f.size)
      fdes.u32(UInt32(first))
      fdes.u32(UInt32(f.rows.count))
      fdes.u8(rowType | (f.pauthKeyB ? 0x20 : 0))
    }
    var out = ByteSink(order: order, capacity: SFrame.headerSize + fdes.count + fres.count)
    out.u16(SFrame.magic)
    out.u8(version)
    out.u8(table.flags)
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

  /// A decoded function: the raw start field (and where it is, to relocate) and rows.
  public struct DecodedFunction: Sendable {
    public var startField: Int32
    public var startFieldOffset: Int
    public var size: UInt32
    public var info: UInt8
    public var rows: [SFrame.Row]
  }

  public struct Decoded: Sendable {
    public var flags: UInt8
    public var abi: SFrame.ABI
    public var fixedFPOffset: Int8
    public var fixedRAOffset: Int8
    public var functions: [DecodedFunction]
    public var rowCount: Int
  }

  /// Reads a version-1 section (any byte order: the magic tells). Every count and
  /// offset is checked against the section: a bad one is a `ReadError` at its place.
  public static func decode(_ bytes: UnsafeRawBufferPointer) -> Result<Decoded, SFrame.ReadError> {
    guard bytes.count >= SFrame.headerSize else { return .failure(.init(0, "shorter than the 28-byte header")) }
    let little = ByteReader(bytes, order: .little)
    let order: ByteOrder
    switch little.u16(at: 0) {
    case SFrame.magic: order = .little
    case SFrame.magic.byteSwapped: order = .big
    default: return .failure(.init(0, "no SFrame magic (0xdee2)"))
    }
    let r = ByteReader(bytes, order: order)
    guard r.u8(at: 2) == version else { return .failure(.init(2, "version \(r.u8(at: 2) ?? 0), not 1")) }
    guard let abi = SFrame.ABI(rawValue: r.u8(at: 4) ?? 0) else { return .failure(.init(4, "unknown ABI \(r.u8(at: 4) ?? 0)")) }
    let aux = Int(r.u8(at: 7) ?? 0)
    let fdeCount = Int(r.u32(at: 8) ?? 0), freCount = Int(r.u32(at: 12) ?? 0)
    let freLength = Int(r.u32(at: 16) ?? 0), fdeOffset = Int(r.u32(at: 20) ?? 0), freOffset = Int(r.u32(at: 24) ?? 0)
    let base = SFrame.headerSize + aux
    guard fdeCount <= (bytes.count - base) / fdeSize, base + fdeOffset + fdeCount * fdeSize <= bytes.count else {
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
      let at = base + fdeOffset + k * fdeSize
      let start = r.i32(at: at) ?? 0, size = r.u32(at: at + 4) ?? 0
      let first = Int(r.u32(at: at + 8) ?? 0), count = Int(r.u32(at: at + 12) ?? 0), info = r.u8(at: at + 16) ?? 0
      let rowType = Int(info & 0xF)
      guard rowType <= 2 else { return .failure(.init(at + 16, "function \(k): row type \(rowType)")) }
      var p = freBase + first
      var out: [SFrame.Row] = []
      guard count <= freLength else { return .failure(.init(at + 12, "function \(k): \(count) rows")) }
      out.reserveCapacity(count)
      for _ in 0..<count {
        let w = 1 << rowType
        guard p >= freBase, p + w + 1 <= freEnd, let off = r.unsigned(at: p, width: w), let finfo = r.u8(at: p + w) else {
          return .failure(.init(p, "function \(k): a row runs past the row sub-section"))
        }
        let n = Int(finfo >> 1 & 0xF), ow = 1 << Int(finfo >> 5 & 3)
        guard ow <= 4, p + w + 1 + n * ow <= freEnd, n >= 1, n <= 3 else {
          return .failure(.init(p + w, "function \(k): a row with \(n) offsets of \(ow) bytes"))
        }
        var values: [Int32] = []
        for j in 0..<n { values.append(r.signed(at: p + w + 1 + j * ow, width: ow) ?? 0) }
        var row = SFrame.Row(offset: UInt32(truncatingIfNeeded: off), cfaOnStackPointer: finfo & 1 != 0, cfaOffset: values[0],
                             raMangled: finfo & 0x80 != 0)
        if abi.tracksReturnAddress {
          if n > 1 { row.raOffset = values[1] }
          if n > 2 { row.fpOffset = values[2] }
        } else if n > 1 {
          row.fpOffset = values[1]
        }
        out.append(row)
        p += w + 1 + n * ow
      }
      rows += count
      functions.append(DecodedFunction(startField: start, startFieldOffset: at, size: size, info: info, rows: out))
    }
    guard rows == freCount else { return .failure(.init(12, "the header counts \(freCount) rows, the functions \(rows)")) }
    return .success(Decoded(flags: r.u8(at: 3) ?? 0, abi: abi, fixedFPOffset: Int8(bitPattern: r.u8(at: 5) ?? 0),
                            fixedRAOffset: Int8(bitPattern: r.u8(at: 6) ?? 0), functions: functions, rowCount: rows))
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
