import UnwindModel

/// Memo of state transitions: applying one stack op to an interned state is a pure
/// function of (state, op, context), so repeated push/pop/sub patterns cost one probe
/// of a small key instead of interpreting the op and interning a whole state.
///
/// The key is packed into two words and the table is open addressing with a
/// multiplicative hash: the kernel walk probes it ~5 M times, and `Dictionary`'s
/// SipHash over the key's eight fields was a tenth of the walk.
struct TransitionMemo {
  private var keys0: [UInt64]
  private var keys1: [UInt64]
  /// The resulting state id, `UInt32.max` for an empty slot.
  private var values: [UInt32]
  private(set) var count = 0

  init(capacity: Int = 0) {
    var size = 64
    while size < capacity * 2 { size *= 2 }
    keys0 = [UInt64](repeating: 0, count: size)
    keys1 = [UInt64](repeating: 0, count: size)
    values = [UInt32](repeating: .max, count: size)
  }

  @inline(__always)
  private static func key(_ from: UInt32, _ op: StackOp, _ context: UInt8) -> (UInt64, UInt64) {
    let k0 = UInt64(from) | UInt64(context & 3) << 32 | UInt64(op.dest.rawValue & 15) << 34
      | UInt64(op.source.rawValue & 15) << 38 | UInt64(op.destRegister) << 42 | UInt64(op.sourceRegister) << 50
    let k1 = UInt64(UInt32(bitPattern: op.destOffset)) << 32 | UInt64(UInt32(bitPattern: op.sourceOffset))
    return (k0, k1)
  }

  @inline(__always)
  private static func slot(_ k0: UInt64, _ k1: UInt64, mask: Int) -> Int {
    let h = (k0 &* 0x9E37_79B9_7F4A_7C15) ^ (k1 &* 0xC2B2_AE3D_27D4_EB4F)
    return Int(truncatingIfNeeded: h ^ (h >> 29)) & mask
  }

  /// The state `op` leads to from `from` in `context`, if memoized.
  func lookup(_ from: CFIStateID, _ op: StackOp, _ context: UInt8) -> CFIStateID? {
    let (k0, k1) = Self.key(from.rawValue, op, context)
    let mask = values.count - 1
    var i = Self.slot(k0, k1, mask: mask)
    while values[i] != .max {
      if keys0[i] == k0 && keys1[i] == k1 { return CFIStateID(rawValue: values[i]) }
      i = (i + 1) & mask
    }
    return nil
  }

  /// Records a transition (the key is known to be absent).
  mutating func insert(_ from: CFIStateID, _ op: StackOp, _ context: UInt8, to: CFIStateID) {
    if (count + 1) * 2 > values.count { grow() }
    let (k0, k1) = Self.key(from.rawValue, op, context)
    place(k0, k1, to.rawValue)
    count += 1
  }

  private mutating func place(_ k0: UInt64, _ k1: UInt64, _ value: UInt32) {
    let mask = values.count - 1
    var i = Self.slot(k0, k1, mask: mask)
    while values[i] != .max { i = (i + 1) & mask }
    keys0[i] = k0
    keys1[i] = k1
    values[i] = value
  }

  private mutating func grow() {
    let (old0, old1, oldValues) = (keys0, keys1, values)
    let size = values.count * 2
    keys0 = [UInt64](repeating: 0, count: size)
    keys1 = [UInt64](repeating: 0, count: size)
    values = [UInt32](repeating: .max, count: size)
    for i in oldValues.indices where oldValues[i] != .max { place(old0[i], old1[i], oldValues[i]) }
  }
}
