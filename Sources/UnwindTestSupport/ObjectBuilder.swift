import ELFObject

/// A minimal relocatable ELF64 object built in memory, for analysis tests that supply
/// their decoded text directly (no compiler, no file): one executable `.text` of
/// `textSize` zero bytes, its section symbol, and the given symbols in it.
public struct ObjectBuilder {
  public struct SymbolSpec {
    public var name: String
    public var value: UInt64
    public var size: UInt64
    public var type: SymbolType
    public var binding: SymbolBinding

    public init(_ name: String, at value: UInt64, size: UInt64, type: SymbolType = .function,
                binding: SymbolBinding = .global) {
      self.name = name
      self.value = value
      self.size = size
      self.type = type
      self.binding = binding
    }
  }

  public var machine: Machine
  public var textSize: Int
  public var symbols: [SymbolSpec]

  public init(machine: Machine = .x86_64, textSize: Int, symbols: [SymbolSpec]) {
    self.machine = machine
    self.textSize = textSize
    self.symbols = symbols
  }

  /// `.text` is section 1.
  public static let textSection = SectionIndex(1)

  /// The object's bytes: header, `.text`, `.symtab`, `.strtab`, `.shstrtab`, section headers.
  public func image() -> [UInt8] {
    var out = ByteSink(order: .little)
    func pad(to alignment: Int) { while out.count % alignment != 0 { out.u8(0) } }
    // Names.
    var shstr: [UInt8] = [0]
    func shName(_ s: String) -> UInt32 { let o = UInt32(shstr.count); shstr += Array(s.utf8) + [0]; return o }
    let nText = shName(".text"), nSymtab = shName(".symtab"), nStrtab = shName(".strtab"), nShstr = shName(".shstrtab")
    var str: [UInt8] = [0]
    func name(_ s: String) -> UInt32 { let o = UInt32(str.count); str += Array(s.utf8) + [0]; return o }
    // Symbols: null, the section symbol, locals, then globals.
    let locals = symbols.filter { $0.binding == .local }, globals = symbols.filter { $0.binding != .local }
    var symtab = ByteSink(order: .little)
    func symbol(_ n: UInt32, info: UInt8, section: UInt16, value: UInt64, size: UInt64) {
      symtab.u32(n); symtab.u8(info); symtab.u8(0); symtab.u16(section); symtab.u64(value); symtab.u64(size)
    }
    symbol(0, info: 0, section: 0, value: 0, size: 0)
    symbol(0, info: ELF64.symbolInfo(binding: .local, type: .section), section: 1, value: 0, size: 0)
    for s in locals + globals {
      symbol(name(s.name), info: ELF64.symbolInfo(binding: s.binding, type: s.type), section: 1, value: s.value, size: s.size)
    }
    let firstGlobal = 2 + locals.count
    // Layout.
    out.append(0, width: 64)  // the header, written last
    let textOff = out.count
    for _ in 0..<textSize { out.u8(0) }
    pad(to: 8)
    let symOff = out.count
    let symBytes = symtab.bytes
    for b in symBytes { out.u8(b) }
    let strOff = out.count
    for b in str { out.u8(b) }
    let shstrOff = out.count
    for b in shstr { out.u8(b) }
    pad(to: 8)
    let shOff = out.count
    func header(_ n: UInt32, _ type: SectionType, _ flags: SectionFlags, _ off: Int, _ size: Int,
                link: UInt32 = 0, info: UInt32 = 0, align: UInt64 = 1, entsize: UInt64 = 0) {
      out.u32(n); out.u32(type.rawValue); out.u64(flags.rawValue); out.u64(0); out.u64(UInt64(off)); out.u64(UInt64(size))
      out.u32(link); out.u32(info); out.u64(align); out.u64(entsize)
    }
    header(0, .null, [], 0, 0)
    header(nText, .progbits, [.alloc, .execInstr], textOff, textSize, align: 16)
    header(nSymtab, .symtab, [], symOff, symBytes.count, link: 3, info: UInt32(firstGlobal), align: 8, entsize: 24)
    header(nStrtab, .strtab, [], strOff, str.count)
    header(nShstr, .strtab, [], shstrOff, shstr.count)
    var bytes = out.bytes
    // Elf64_Ehdr.
    var h = ByteSink(order: .little)
    for b: UInt8 in [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0] { h.u8(b) }
    h.append(0, width: 8)
    h.u16(1)  // ET_REL
    h.u16(UInt16(machine.rawValue))
    h.u32(1)  // EV_CURRENT
    h.u64(0)  // e_entry
    h.u64(0)  // e_phoff
    h.u64(UInt64(shOff))
    h.u32(0)  // e_flags
    h.u16(64); h.u16(0); h.u16(0)  // e_ehsize, e_phentsize, e_phnum
    h.u16(64); h.u16(5); h.u16(4)  // e_shentsize, e_shnum, e_shstrndx
    bytes.replaceSubrange(0..<64, with: h.bytes)
    return bytes
  }

  public func file() throws -> ELFFile { try ELFFile.parse(bytes: image(), name: "built.o") }
}
