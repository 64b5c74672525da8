/// Index of an instruction in a `DecodedText`.
public struct InstructionIndex: RawRepresentable, Hashable, Comparable, Sendable {
  public var rawValue: UInt32
  public init(rawValue: UInt32) { self.rawValue = rawValue }
  public init(_ value: Int) { self.rawValue = UInt32(truncatingIfNeeded: value) }
  public var int: Int { Int(rawValue) }
  public static func < (a: Self, b: Self) -> Bool { a.rawValue < b.rawValue }
}

/// The decoded instructions of one executable section, as columns (struct of arrays):
/// the arch-neutral input of the CFI analysis. Row `i` is the instruction at
/// `offsets[i]`; its stack ops are `stackOps[stackOpStarts[i]..<stackOpStarts[i+1]]`.
public struct DecodedText: Sendable {
  public var offsets: [UInt32] = []
  public var lengths: [UInt8] = []
  public var kinds: [InstructionKind] = []
  /// Branch displacement for direct jumps/calls (target = offset + length + immediate),
  /// otherwise the immediate or displacement objtool keeps (`insn->immediate`), cut to
  /// 32 bits (branch displacements are at most 32 bits on x86-64 and arm64; nothing
  /// reads the others).
  public var immediates: [Int32] = []
  /// Prefix sums into `stackOps`; one more entry than there are instructions.
  public var stackOpStarts: [UInt32] = [0]
  public var stackOps: [StackOp] = []

  public init() {}

  public init(offsets: [UInt32], lengths: [UInt8], kinds: [InstructionKind], immediates: [Int32],
              stackOpStarts: [UInt32], stackOps: [StackOp]) {
    precondition(lengths.count == offsets.count && kinds.count == offsets.count
                 && immediates.count == offsets.count && stackOpStarts.count == offsets.count + 1)
    self.offsets = offsets
    self.lengths = lengths
    self.kinds = kinds
    self.immediates = immediates
    self.stackOpStarts = stackOpStarts
    self.stackOps = stackOps
  }

  public init(reservingCapacity n: Int) {
    offsets.reserveCapacity(n)
    lengths.reserveCapacity(n)
    kinds.reserveCapacity(n)
    immediates.reserveCapacity(n)
    stackOpStarts.reserveCapacity(n + 1)
  }

  public var count: Int { offsets.count }

  public func ops(_ i: InstructionIndex) -> ArraySlice<StackOp> {
    stackOps[Int(stackOpStarts[i.int])..<Int(stackOpStarts[i.int + 1])]
  }

  /// The branch target (section offset) of a direct jump or call.
  public func target(_ i: InstructionIndex) -> Int64? {
    guard kinds[i.int].hasDirectTarget else { return nil }
    return Int64(offsets[i.int]) + Int64(lengths[i.int]) + Int64(immediates[i.int])
  }

  /// Appends one instruction; its stack ops must already be appended to `stackOps`.
  @inline(__always)
  public mutating func append(offset: UInt32, length: UInt8, kind: InstructionKind, immediate: Int64) {
    offsets.append(offset)
    lengths.append(length)
    kinds.append(kind)
    immediates.append(Int32(truncatingIfNeeded: immediate))
    stackOpStarts.append(UInt32(truncatingIfNeeded: stackOps.count))
  }
}
