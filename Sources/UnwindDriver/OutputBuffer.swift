#if canImport(Glibc)
import Glibc
#endif

/// A byte buffer for large line-oriented outputs (`decode` prints one line per
/// instruction: 22 M lines for the corpus), written to a file descriptor in 1 MiB chunks.
/// Formatting appends bytes directly; no String per line.
public struct OutputBuffer {
  public private(set) var bytes: [UInt8] = []
  let fd: Int32?
  static let flushThreshold = 1 << 20

  /// `fd` nil: collect everything in memory (tests).
  public init(fd: Int32?) {
    self.fd = fd
    bytes.reserveCapacity(Self.flushThreshold + 4096)
  }

  @inline(__always) public mutating func append(_ s: String) {
    var s = s
    s.withUTF8 { bytes.append(contentsOf: $0) }
  }

  @inline(__always) public mutating func append(byte: UInt8) { bytes.append(byte) }

  /// Lower-case hex without leading zeros, as objtool and objdump print offsets.
  @inline(__always) public mutating func appendHex(_ v: UInt64) {
    if v == 0 { bytes.append(UInt8(ascii: "0")); return }
    var digits = 0
    var t = v
    while t != 0 { digits += 1; t >>= 4 }
    for i in stride(from: digits - 1, through: 0, by: -1) {
      let d = UInt8((v >> UInt64(i * 4)) & 0xF)
      bytes.append(d < 10 ? 0x30 + d : 0x57 + d)
    }
  }

  @inline(__always) public mutating func appendDecimal(_ v: Int) {
    if v < 10 { bytes.append(0x30 + UInt8(v)); return }
    appendDecimal(v / 10)
    bytes.append(0x30 + UInt8(v % 10))
  }

  @inline(__always) public mutating func endLine() {
    bytes.append(0x0A)
    if bytes.count >= Self.flushThreshold { flush() }
  }

  public mutating func flush() {
    guard let fd else { return }
    bytes.withUnsafeBytes { buf in
      var rest = buf
      while !rest.isEmpty {
        let n = write(fd, rest.baseAddress, rest.count)
        if n <= 0 { return }
        rest = UnsafeRawBufferPointer(rebasing: rest[n...])
      }
    }
    bytes.removeAll(keepingCapacity: true)
  }

  /// Everything appended so far as text (for tests; `fd` must be nil).
  public var text: String { String(decoding: bytes, as: UTF8.self) }
}
