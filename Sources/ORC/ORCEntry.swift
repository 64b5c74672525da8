import ELFObject
import UnwindModel

/// Which ORC ABI: 6.12+ (3-bit type incl. UNDEFINED/END_OF_STACK, signal bit) or 6.1
/// (2-bit type CALL/REGS/REGS_PARTIAL, end bit).
public enum ORCFormat: Sendable {
  case v6_1
  case v6_12

  /// The layout the kernel's objtool writes (`ObjtoolTraits.orcLayout61`).
  public init(kernel: KernelVersion) { self = kernel.objtool.orcLayout61 ? .v6_1 : .v6_12 }
}

/// `struct orc_entry` (arch/x86/include/asm/orc_types.h): 6 packed bytes, the same byte
/// layout on both endiannesses: s16 sp_offset, s16 bp_offset, u8 (sp_reg:4, bp_reg:4),
/// u8 (type:3, signal:1 in 6.12; type:2, end:1 in 6.1).
public struct ORCEntry: Hashable, Sendable {
  public var spOffset: Int16
  public var bpOffset: Int16
  public var spRegister: UInt8
  public var bpRegister: UInt8
  public var type: UInt8
  /// 6.12 `signal`, 6.1 `end`.
  public var flag: Bool

  public static let size = 6

  public init(spOffset: Int16, bpOffset: Int16, spRegister: UInt8, bpRegister: UInt8, type: UInt8, flag: Bool) {
    self.spOffset = spOffset
    self.bpOffset = bpOffset
    self.spRegister = spRegister
    self.bpRegister = bpRegister
    self.type = type
    self.flag = flag
  }

  /// Reads entry `index` of an `.orc_unwind` payload.
  public init?(_ reader: ByteReader, index: Int, format: ORCFormat) {
    let at = index * Self.size
    guard let sp = reader.u16(at: at), let bp = reader.u16(at: at + 2),
          let regs = reader.u8(at: at + 4), let bits = reader.u8(at: at + 5) else { return nil }
    spOffset = Int16(bitPattern: sp)
    bpOffset = Int16(bitPattern: bp)
    spRegister = regs & 0xF
    bpRegister = regs >> 4
    switch format {
    case .v6_12:
      type = bits & 0x7
      flag = bits & 0x8 != 0
    case .v6_1:
      type = bits & 0x3
      flag = bits & 0x4 != 0
    }
  }

  /// The 6 bytes in `order`.
  public func bytes(order: ByteOrder, format: ORCFormat) -> [UInt8] {
    var sink = ByteSink(order: order, capacity: Self.size)
    append(to: &sink, format: format)
    return sink.bytes
  }

  /// Appends the 6 bytes in the sink's byte order.
  public func append(to sink: inout ByteSink, format: ORCFormat) {
    sink.u16(UInt16(bitPattern: spOffset))
    sink.u16(UInt16(bitPattern: bpOffset))
    sink.u8((spRegister & 0xF) | (bpRegister << 4))
    sink.u8(format == .v6_12 ? (type & 0x7) | (flag ? 0x8 : 0) : (type & 0x3) | (flag ? 0x4 : 0))
  }
}

/// `ORC_REG_*` (identical in 6.1 and 6.12).
public enum ORCRegister {
  public static let undefined: UInt8 = 0, prevSP: UInt8 = 1, dx: UInt8 = 2, di: UInt8 = 3, bp: UInt8 = 4
  public static let sp: UInt8 = 5, r10: UInt8 = 6, r13: UInt8 = 7, bpIndirect: UInt8 = 8, spIndirect: UInt8 = 9
}

/// Which CFI register slots the ORC registers stand for, in the architecture's slot
/// numbering (the arch support supplies it: the ORC module knows the format, not the
/// machine's registers).
public struct ORCRegisterSlots: Sendable {
  /// CFA bases an entry can express: (CFI slot, `ORC_REG_*`).
  public var cfaBases: [(slot: Int8, orc: UInt8)]
  /// The frame pointer's slot (x86 rbp, arm64 x29).
  public var framePointer: Int8
  /// The return address's slot (x86: the pseudo-register for the stack slot, arm64 x30).
  public var returnAddress: Int8

  public init(cfaBases: [(slot: Int8, orc: UInt8)], framePointer: Int8, returnAddress: Int8) {
    self.cfaBases = cfaBases
    self.framePointer = framePointer
    self.returnAddress = returnAddress
  }

  func orc(cfaBase base: Int8) -> UInt8? { cfaBases.first { $0.slot == base }?.orc }
}
