/// The one encoder for bytes written into an object: fixed-width integers in an explicit
/// byte order, appended to a growing buffer or stored at an offset of one. Integers go
/// in with shifts on a preallocated buffer, so writing millions of table entries (ORC,
/// relocations) allocates nothing per entry.
public struct ByteSink {
  public private(set) var bytes: [UInt8] = []
  public let order: ByteOrder

  public init(order: ByteOrder, capacity: Int = 0) {
    self.order = order
    bytes.reserveCapacity(capacity)
  }

  public var count: Int { bytes.count }

  /// Appends the low `width` bytes of `value` (1, 2, 4 or 8).
  @inline(__always)
  public mutating func append(_ value: UInt64, width: Int) {
    for k in 0..<width {
      let shift = order == .little ? k * 8 : (width - 1 - k) * 8
      bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift)))
    }
  }

  public mutating func u8(_ v: UInt8) { bytes.append(v) }
  // Whole words in the sink's order (the tables' hot path: one copy per field).
  public mutating func u16(_ v: UInt16) {
    withUnsafeBytes(of: order == .little ? v.littleEndian : v.bigEndian) { bytes.append(contentsOf: $0) }
  }
  public mutating func u32(_ v: UInt32) {
    withUnsafeBytes(of: order == .little ? v.littleEndian : v.bigEndian) { bytes.append(contentsOf: $0) }
  }
  public mutating func u64(_ v: UInt64) {
    withUnsafeBytes(of: order == .little ? v.littleEndian : v.bigEndian) { bytes.append(contentsOf: $0) }
  }

  /// Writes the low `width` bytes of `value` at `offset` of a buffer (the range must exist).
  @inline(__always)
  public static func store(_ value: UInt64, width: Int, order: ByteOrder, into b: UnsafeMutableRawBufferPointer, at offset: Int) {
    precondition(offset >= 0 && offset + width <= b.count)
    for k in 0..<width {
      let shift = order == .little ? k * 8 : (width - 1 - k) * 8
      b[offset + k] = UInt8(truncatingIfNeeded: value >> UInt64(shift))
    }
  }
}
