/// Where a value lives, in objtool's `struct cfi_reg` terms: `base` is a register slot
/// of the architecture's model (`RegisterVocabulary`) or one of the pseudo-bases below,
/// plus an offset. For the CFA it reads "CFA = value(base) + offset"; for a saved
/// register "the caller's value is stored at base + offset".
public struct CFIRule: Hashable, Sendable {
  /// base (8 bits) and offset (32 bits) packed in one word: states compare and hash
  /// as plain integers, with no padding bytes involved.
  @usableFromInline var bits: UInt64

  @inlinable
  public init(base: Int8, offset: Int32 = 0) {
    bits = UInt64(UInt8(bitPattern: base)) << 32 | UInt64(UInt32(bitPattern: offset))
  }

  @inlinable
  public var base: Int8 {
    get { Int8(bitPattern: UInt8(truncatingIfNeeded: bits >> 32)) }
    set { bits = UInt64(UInt8(bitPattern: newValue)) << 32 | (bits & 0xFFFF_FFFF) }
  }

  @inlinable
  public var offset: Int32 {
    get { Int32(bitPattern: UInt32(truncatingIfNeeded: bits)) }
    set { bits = (bits & ~0xFFFF_FFFF) | UInt64(UInt32(bitPattern: newValue)) }
  }

  /// objtool's `CFI_UNDEFINED`, `CFI_CFA`, `CFI_SP_INDIRECT`, `CFI_BP_INDIRECT`.
  public static let undefinedBase: Int8 = -1
  public static let cfaBase: Int8 = -2
  public static let spIndirectBase: Int8 = -3
  public static let bpIndirectBase: Int8 = -4
  /// In `vals` only (arm64): the register was overwritten by something that is not a
  /// stack address (a call's return address in x30, a load, arithmetic), so it no longer
  /// holds the value it had at function entry or at its last restore.
  public static let overwrittenBase: Int8 = -5

  public static let undefined = CFIRule(base: undefinedBase)

  /// objtool's `%d%+d` rendering, e.g. `4+8`, `-2-16`, `-1+0`.
  public var objtoolText: String {
    "\(base)\(offset >= 0 ? "+" : "")\(offset)"
  }
}

/// Unwind frame types as objtool 6.12 numbers them (`UNWIND_HINT_TYPE_*`).
public enum CFIFrameType: UInt8, Sendable {
  case undefined = 0, endOfStack = 1, call = 2, regs = 3, regsPartial = 4
}

/// The call-frame state before one instruction: objtool's `struct cfi_state`, named in
/// DWARF vocabulary. Registers live in fixed-size inline storage, so copying and
/// mutating a state never allocates; instructions store only an interned
/// `CFIStateID`. Register slots are the architecture's (`RegisterVocabulary`: x86 17,
/// arm64 32); the storage holds `registerCapacity`, slots past an architecture's count
/// stay undefined.
public struct CFIState: Sendable {
  /// The most register slots an architecture may declare.
  public static let registerCapacity = 32

  public var cfa: CFIRule
  /// Where each register's caller value is saved.
  public var regs: InlineArray<32, CFIRule>
  /// What each register currently holds when it is a copy of a stack address
  /// (`mov %rsp,%reg`, `lea disp(%rsp),%reg`, swizzle setup).
  public var vals: InlineArray<32, CFIRule>
  /// Bytes between the CFA and the current stack pointer as tracked by push/pop/add.
  public var stackSize: Int32
  public var drapRegister: Int8
  public var drapOffset: Int32
  public var type: CFIFrameType
  public var bpScratch: Bool
  public var drap: Bool
  public var signal: Bool
  public var forceUndefined: Bool
  /// arm64: the return address (in x30 or its save slot) is signed (PACIASP executed,
  /// AUTIASP not yet). Always false on x86.
  public var returnAddressSigned: Bool = false

  /// The all-undefined state (objtool `init_cfi`).
  public static let allUndefined = CFIState(
    cfa: .undefined, regs: InlineArray(repeating: .undefined), vals: InlineArray(repeating: .undefined),
    stackSize: 0, drapRegister: CFIRule.undefinedBase, drapOffset: -1, type: .undefined,
    bpScratch: false, drap: false, signal: false, forceUndefined: false)

  public init(cfa: CFIRule, regs: InlineArray<32, CFIRule>, vals: InlineArray<32, CFIRule>,
              stackSize: Int32, drapRegister: Int8, drapOffset: Int32, type: CFIFrameType,
              bpScratch: Bool, drap: Bool, signal: Bool, forceUndefined: Bool) {
    self.cfa = cfa
    self.regs = regs
    self.vals = vals
    self.stackSize = stackSize
    self.drapRegister = drapRegister
    self.drapOffset = drapOffset
    self.type = type
    self.bpScratch = bpScratch
    self.drap = drap
    self.signal = signal
    self.forceUndefined = forceUndefined
  }
}

extension CFIState: Hashable {
  /// The whole record, as objtool's `cficmp` (a memcmp of everything).
  public static func == (a: CFIState, b: CFIState) -> Bool { a.equals(b, slots: registerCapacity) }

  /// Equality when both states leave every slot from `n` on undefined (an
  /// architecture's states: `n` is its register count), comparing only the first `n`.
  @inlinable
  public func equals(_ b: CFIState, slots n: Int) -> Bool {
    let a = self
    guard a.cfa == b.cfa, a.stackSize == b.stackSize, a.drapRegister == b.drapRegister,
          a.drapOffset == b.drapOffset, a.type == b.type, a.bpScratch == b.bpScratch,
          a.drap == b.drap, a.signal == b.signal, a.forceUndefined == b.forceUndefined,
          a.returnAddressSigned == b.returnAddressSigned else { return false }
    for i in 0..<n where a.regs[i] != b.regs[i] || a.vals[i] != b.vals[i] { return false }
    return true
  }

  public func hash(into h: inout Hasher) { h.combine(fingerprint) }

  /// Everything folded into one well-mixed word, without `Hasher` (SipHash): the
  /// interning table probes with it and compares it before whole states.
  @inlinable
  public var fingerprint: UInt64 { fingerprint(slots: Self.registerCapacity) }

  /// The fingerprint of the first `n` register slots and the rest of the state (the
  /// interning table's: `n` is the architecture's register count).
  @inlinable
  public func fingerprint(slots n: Int) -> UInt64 {
    var x = cfa.bits &* 0x9E37_79B9_7F4A_7C15
    x ^= UInt64(UInt32(bitPattern: stackSize)) << 8 | UInt64(type.rawValue) | (returnAddressSigned ? 1 << 7 : 0)
    x ^= UInt64(UInt8(bitPattern: drapRegister)) << 40 | UInt64(UInt32(bitPattern: drapOffset)) << 16
    x ^= (bpScratch ? 1 << 48 : 0) | (drap ? 1 << 49 : 0) | (signal ? 1 << 50 : 0) | (forceUndefined ? 1 << 51 : 0)
    for i in 0..<n {
      x = (x ^ regs[i].bits) &* 0xBF58_476D_1CE4_E5B9
      x ^= vals[i].bits &+ UInt64(i)
      x = x ^ (x >> 29)
    }
    x = (x ^ (x >> 31)) &* 0x94D0_49BB_1331_11EB
    return x ^ (x >> 32)
  }
}

/// Index of an interned `CFIState`.
public struct CFIStateID: RawRepresentable, Hashable, Sendable {
  public var rawValue: UInt32
  public init(rawValue: UInt32) { self.rawValue = rawValue }
}

/// Hash-consing table for CFI states (objtool `cfi_hash_find_or_add`): most
/// instructions share their predecessor's state, so the table stays small. Each state is
/// stored packed: its fields but the registers in one record, and only the
/// architecture's `registerCount` saved-register and value rules (x86: 17 of the 32 a
/// `CFIState` has room for), so a wider register model costs the other architectures
/// nothing.
public struct CFIStateTable: Sendable {
  /// A state without its register rules.
  @usableFromInline
  struct Head: Sendable, Equatable {
    @usableFromInline var cfa: CFIRule
    var stackSize: Int32
    var drapOffset: Int32
    var drapRegister: Int8
    var type: CFIFrameType
    /// bpScratch, drap, signal, forceUndefined, returnAddressSigned: bits 0-4.
    var flags: UInt8

    init(_ s: CFIState) {
      cfa = s.cfa
      stackSize = s.stackSize
      drapOffset = s.drapOffset
      drapRegister = s.drapRegister
      type = s.type
      flags = (s.bpScratch ? 1 : 0) | (s.drap ? 2 : 0) | (s.signal ? 4 : 0) | (s.forceUndefined ? 8 : 0)
        | (s.returnAddressSigned ? 16 : 0)
    }
  }

  @usableFromInline var heads: [Head] = []
  /// Per state, `registerCount` saved-register rules then as many value rules.
  @usableFromInline var rules: [CFIRule] = []
  /// Each state's `fingerprint`, by id.
  private var fingerprints: [UInt64] = []
  /// Open addressing, linear probing: a state id per slot, `UInt32.max` when empty;
  /// never more than half full. (A `Dictionary<CFIState, ID>` kept a second copy and
  /// hashed with SipHash: a tenth of the kernel walk's time.)
  private var slots = [UInt32](repeating: .max, count: 64)
  /// The architecture's register count: slots past it are undefined in every state, so
  /// storing, hashing and comparing stop there.
  public let registerCount: Int

  public init(registerCount: Int = CFIState.registerCapacity) {
    precondition(registerCount <= CFIState.registerCapacity)
    self.registerCount = registerCount
  }

  /// How many states the table holds (ids 0..<count).
  public var count: Int { heads.count }

  /// Room for `n` states in all (no regrowth while merging tables).
  public mutating func reserveCapacity(_ n: Int) {
    heads.reserveCapacity(n)
    rules.reserveCapacity(n * 2 * registerCount)
    fingerprints.reserveCapacity(n)
    if n * 2 > slots.count { rebuild(capacity: n * 2) }
  }

  public mutating func intern(_ s: CFIState) -> CFIStateID {
    let f = s.fingerprint(slots: registerCount)
    let head = Head(s)
    let mask = slots.count - 1
    var i = Int(truncatingIfNeeded: f) & mask
    while case let id = slots[i], id != .max {
      if fingerprints[Int(id)] == f && heads[Int(id)] == head && sameRegisters(Int(id), s) { return CFIStateID(rawValue: id) }
      i = (i + 1) & mask
    }
    let id = UInt32(heads.count)
    heads.append(head)
    for k in 0..<registerCount { rules.append(s.regs[k]) }
    for k in 0..<registerCount { rules.append(s.vals[k]) }
    fingerprints.append(f)
    slots[i] = id
    if heads.count * 2 > slots.count { rebuild(capacity: slots.count * 2) }
    return CFIStateID(rawValue: id)
  }

  private func sameRegisters(_ id: Int, _ s: CFIState) -> Bool {
    let base = id * 2 * registerCount
    for k in 0..<registerCount where rules[base + k] != s.regs[k] || rules[base + registerCount + k] != s.vals[k] {
      return false
    }
    return true
  }

  /// Re-inserts every id into a slot array of at least `capacity` (a power of two).
  private mutating func rebuild(capacity: Int) {
    var size = slots.count
    while size < capacity { size *= 2 }
    slots = [UInt32](repeating: .max, count: size)
    let mask = size - 1
    for (id, f) in fingerprints.enumerated() {
      var i = Int(truncatingIfNeeded: f) & mask
      while slots[i] != .max { i = (i + 1) & mask }
      slots[i] = UInt32(id)
    }
  }

  /// A state, unpacked.
  public subscript(id: CFIStateID) -> CFIState { self[Int(id.rawValue)] }

  public subscript(index: Int) -> CFIState {
    let h = heads[index]
    var s = CFIState.allUndefined
    s.cfa = h.cfa
    s.stackSize = h.stackSize
    s.drapOffset = h.drapOffset
    s.drapRegister = h.drapRegister
    s.type = h.type
    s.bpScratch = h.flags & 1 != 0
    s.drap = h.flags & 2 != 0
    s.signal = h.flags & 4 != 0
    s.forceUndefined = h.flags & 8 != 0
    s.returnAddressSigned = h.flags & 16 != 0
    let base = index * 2 * registerCount
    for k in 0..<registerCount {
      s.regs[k] = rules[base + k]
      s.vals[k] = rules[base + registerCount + k]
    }
    return s
  }

  /// A state's CFA rule, without unpacking the state.
  @inlinable
  public func cfa(_ id: CFIStateID) -> CFIRule { heads[Int(id.rawValue)].cfa }

  /// Every state, unpacked, by id (for a pass that reads states per instruction).
  public var unpacked: [CFIState] { (0..<count).map { self[$0] } }
}

/// A zero-based view of `count` elements of a shared array from `base`: per-section
/// views of the whole object's columns, with no copy (vmlinux: 4.9 M instructions).
public struct Column<Element: Sendable>: Sendable, RandomAccessCollection {
  public let storage: [Element]
  public let base: Int
  public let count: Int

  public init(_ storage: [Element], base: Int, count: Int) {
    precondition(base >= 0 && count >= 0 && base + count <= storage.count)
    self.storage = storage
    self.base = base
    self.count = count
  }

  public init(_ all: [Element]) { self.init(all, base: 0, count: all.count) }

  public var startIndex: Int { 0 }
  public var endIndex: Int { count }
  @inline(__always) public subscript(i: Int) -> Element { storage[base + i] }
}

/// A fixed-size array of state ids in memory of its own: the walk's threads write
/// disjoint entries of one buffer (a Swift array cannot be shared for writing), and the
/// result's columns view the same memory without a copy.
public final class IDBuffer: @unchecked Sendable {
  // @unchecked: writers touch disjoint entries (each thread its own functions); readers
  // come after the writers have joined.
  public let pointer: UnsafeMutablePointer<UInt32>
  public let count: Int

  public init(count: Int, repeating value: UInt32) {
    self.count = count
    pointer = .allocate(capacity: max(count, 1))
    pointer.initialize(repeating: value, count: count)
  }

  public convenience init(_ values: [UInt32]) {
    self.init(count: values.count, repeating: 0)
    values.withUnsafeBufferPointer { if let b = $0.baseAddress { pointer.update(from: b, count: values.count) } }
  }

  deinit { pointer.deallocate() }

  @inline(__always) public subscript(i: Int) -> UInt32 {
    get { pointer[i] }
    set { pointer[i] = newValue }
  }

  public func copy() -> IDBuffer {
    let c = IDBuffer(count: count, repeating: 0)
    c.pointer.update(from: pointer, count: count)
    return c
  }
}

/// Each instruction's CFI state before it executes, or none (never reached): one 4-byte
/// id per instruction, none stored as `UInt32.max` (an optional id would take 8). A
/// zero-based view of `count` ids of `storage` from `base`, so per-section columns
/// share the object's one buffer; writing through a column that shares it copies the
/// buffer first.
public struct CFIColumn: Sendable, RandomAccessCollection, MutableCollection {
  public private(set) var storage: IDBuffer
  public let base: Int
  public let count: Int
  public static let none = UInt32.max

  public init(_ storage: IDBuffer, base: Int, count: Int) {
    precondition(base >= 0 && count >= 0 && base + count <= storage.count)
    self.storage = storage
    self.base = base
    self.count = count
  }

  public init(raw: [UInt32]) { self.init(IDBuffer(raw), base: 0, count: raw.count) }
  public init(_ ids: [CFIStateID?]) { self.init(raw: ids.map { $0?.rawValue ?? Self.none }) }

  public var startIndex: Int { 0 }
  public var endIndex: Int { count }

  public subscript(i: Int) -> CFIStateID? {
    get { storage[base + i] == Self.none ? nil : CFIStateID(rawValue: storage[base + i]) }
    set {
      if !isKnownUniquelyReferenced(&storage) { storage = storage.copy() }
      storage[base + i] = newValue?.rawValue ?? Self.none
    }
  }
}
