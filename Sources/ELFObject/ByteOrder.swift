/// An object's byte order. Everything read from the file (headers, symbols,
/// relocations, special sections, ORC) goes through `ByteReader` in this order.
public enum ByteOrder: Sendable, Hashable {
  case little
  case big

  /// From `e_ident[EI_DATA]`: 1 = ELFDATA2LSB, 2 = ELFDATA2MSB.
  init?(eiData: UInt8) {
    switch eiData {
    case 1: self = .little
    case 2: self = .big
    default: return nil
    }
  }
}

/// A bounds-checked reader over borrowed bytes. Every accessor returns `nil` when the
/// read would leave the buffer, so callers turn a short read into an `ELFError` with
/// the section and offset instead of trapping.
public struct ByteReader {
  public let bytes: UnsafeRawBufferPointer
  public let order: ByteOrder

  public init(_ bytes: UnsafeRawBufferPointer, order: ByteOrder) {
    self.bytes = bytes
    self.order = order
  }

  public var count: Int { bytes.count }

  @inline(__always)
  func fits(_ offset: Int, _ width: Int) -> Bool {
    offset >= 0 && width <= bytes.count && offset <= bytes.count - width
  }

  @inline(__always)
  public func u8(at offset: Int) -> UInt8? {
    fits(offset, 1) ? bytes[offset] : nil
  }

  @inline(__always)
  public func u16(at offset: Int) -> UInt16? {
    guard fits(offset, 2) else { return nil }
    let v = bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self)
    return order == .little ? UInt16(littleEndian: v) : UInt16(bigEndian: v)
  }

  @inline(__always)
  public func u32(at offset: Int) -> UInt32? {
    guard fits(offset, 4) else { return nil }
    let v = bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)
    return order == .little ? UInt32(littleEndian: v) : UInt32(bigEndian: v)
  }

  @inline(__always)
  public func u64(at offset: Int) -> UInt64? {
    guard fits(offset, 8) else { return nil }
    let v = bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self)
    return order == .little ? UInt64(littleEndian: v) : UInt64(bigEndian: v)
  }

  @inline(__always)
  public func i32(at offset: Int) -> Int32? { u32(at: offset).map { Int32(bitPattern: $0) } }

  @inline(__always)
  public func i64(at offset: Int) -> Int64? { u64(at: offset).map { Int64(bitPattern: $0) } }
}
