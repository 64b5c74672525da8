import CLibDW
import ELFObject
import Glibc

/// The object's DWARF, read through libdw/libdwfl (elfutils): CFI rows from
/// `.eh_frame` and `.debug_frame`, and source lines from the line table. This file is
/// the only caller of libdw; unwindcheck parses no DWARF itself.
///
/// Addresses: libdwfl lays a relocatable object's allocated sections out at distinct
/// addresses (`dwfl_offline_section_address`) and relocates its non-allocated debug
/// sections (`.debug_info`, `.debug_line`, `.debug_frame`). It leaves `.eh_frame`
/// alone (it is allocated), so this reader applies `.rela.eh_frame` itself, in libdw's
/// in-memory copy, against that same layout; with the addresses fixed up, libdw's own
/// CFI reader evaluates the rows. Linked objects keep their own addresses.
public final class DwarfObject {
  private let dwfl: OpaquePointer
  private let module: OpaquePointer
  /// libdwfl's address of each section (index = ELF section index), nil when the
  /// section is not laid out (not allocated).
  private var sectionAddress: [UInt64?]
  private var ehCFI: (cfi: OpaquePointer, bias: UInt64)?
  private var debugCFI: (cfi: OpaquePointer, bias: UInt64)?
  private let moduleBias: UInt64
  private let dwarf: OpaquePointer?
  /// The Dwarf handle opened for `.debug_frame` without `.debug_info` (not libdwfl's:
  /// ended here, before the session whose ELF it reads).
  private var ownDwarf: OpaquePointer?
  /// Frame sections not given to libdw because evaluating them would be too big or too
  /// slow (`FrameSectionScan`): the section and why.
  public private(set) var refusedFrameSections: [(section: String, reason: String)] = []
  /// Line-table lookups for this module work (the object has `.debug_line`).
  public let hasLineTable: Bool

  /// Which CFI sections the object has that libdw could read.
  public var frameSections: [DwarfFrameSection] {
    (ehCFI == nil ? [] : [.ehFrame]) + (debugCFI == nil ? [] : [.debugFrame])
  }

  /// Opens `file`'s DWARF. Returns nil when libdwfl cannot open the file at all; an
  /// object without CFI or line tables opens with `frameSections` empty.
  public init?(file: ELFFile) {
    guard DwarfObject.libraryLoadError == nil, let dwfl = uc_dwfl_begin_offline() else { return nil }
    guard let module = dwfl_report_offline(dwfl, "object", file.path, -1) else {
      dwfl_end(dwfl)
      return nil
    }
    dwfl_report_end(dwfl, nil, nil)
    self.dwfl = dwfl
    self.module = module
    var bias: Dwarf_Addr = 0
    // Loading the DWARF relocates the debug sections (line table, .debug_frame).
    let dwarf = dwfl_module_getdwarf(module, &bias)
    self.dwarf = dwarf
    guard let elf = dwfl_module_getelf(module, &bias) else {
      sectionAddress = []
      moduleBias = 0
      hasLineTable = false
      return
    }
    moduleBias = bias
    sectionAddress = Self.readSectionAddresses(elf: elf, count: file.sections.count)
    hasLineTable = dwarf != nil && file.section(named: ".debug_line") != nil
    // `.eh_frame` (and `.debug_frame` when libdwfl had no DWARF to relocate it with).
    for name in [".eh_frame", ".debug_frame"] {
      if let s = file.section(named: name) { applyRelocations(to: s, in: elf, file: file) }
    }
    // Sections libdw would need unbounded time or memory for are not given to it
    // (FrameSectionScan: e.g. a register number no ABI has). The scan
    // reads libdw's own copy, after relocation: a relocation may write inside a CIE's
    // or FDE's instructions and so name a register the file's bytes do not.
    func sane(_ name: String) -> Bool {
      guard let s = file.section(named: name) else { return false }
      guard s.hasFileBytes else { return true }
      guard let scn = elf_getscn(elf, s.index.int), let data = elf_getdata(scn, nil),
            let buffer = data.pointee.d_buf else { return true }
      let bytes = UnsafeRawBufferPointer(start: buffer, count: Int(data.pointee.d_size))
      guard let why = FrameSectionScan.scan(bytes, ehFrame: name == ".eh_frame", order: file.byteOrder).refusal else { return true }
      refusedFrameSections.append((name, why))
      return false
    }
    var b: Dwarf_Addr = 0
    if sane(".eh_frame"), let c = dwfl_module_eh_cfi(module, &b) { ehCFI = (c, b) }
    b = 0
    if sane(".debug_frame") {
      if let c = dwfl_module_dwarf_cfi(module, &b) {
        debugCFI = (c, b)
      } else if let dw = dwarf_begin_elf(elf, DWARF_C_READ, nil) {
        // `.debug_frame` in an object without `.debug_info` (assembly with
        // `.cfi_sections .debug_frame` but no `-g`): libdwfl then has no Dwarf handle,
        // so open one on the (already relocated) ELF directly.
        ownDwarf = dw
        if let c = dwarf_getcfi(dw) { debugCFI = (c, bias) }
      }
    }
  }

  deinit {
    if let ownDwarf { _ = dwarf_end(ownDwarf) }
    dwfl_end(dwfl)
  }

  /// Why libdw.so.1 could not be loaded (it is loaded on first use), nil once it is.
  public static var libraryLoadError: String? { uc_libdw_load().map { String(cString: $0) } }

  /// A section's start address in libdwfl's layout (nil: not laid out).
  public func address(of section: SectionIndex) -> UInt64? {
    section.int < sectionAddress.count ? sectionAddress[section.int] : nil
  }

  /// The CFI row in effect before the instruction at each offset (ascending) of
  /// `section`, interned: `rows[i]` indexes `table`, -1 where no FDE covers the offset.
  /// `.eh_frame` is consulted first, then `.debug_frame`. One libdw evaluation per row,
  /// reused for every instruction inside the row's address range.
  public func rows(section: SectionIndex, offsets: [UInt32], framePointer: UInt16,
                   table: inout DwarfRowTable) -> [Int32] {
    var out = [Int32](repeating: -1, count: offsets.count)
    guard let base = address(of: section) else { return out }
    var cached: (start: UInt64, end: UInt64, row: Int32)?
    for (i, off) in offsets.enumerated() {
      let addr = base &+ UInt64(off)
      if let c = cached, addr >= c.start, addr < c.end {
        out[i] = c.row
        continue
      }
      if let (row, start, end) = evaluate(address: addr, framePointer: framePointer) {
        let id = table.intern(row)
        cached = (start, end, id)
        out[i] = id
      } else {
        cached = nil
      }
    }
    return out
  }

  /// The source line of the instruction at `offset` in `section`, if the line table
  /// covers it. Absolute paths under `directory` are shown relative to it.
  public func sourceLine(section: SectionIndex, offset: UInt64) -> SourceLine? {
    guard hasLineTable, let base = address(of: section) else { return nil }
    if let line = dwfl_module_getsrc(module, base &+ offset &+ moduleBias) {
      var lineNumber: Int32 = 0
      if let name = dwfl_lineinfo(line, nil, &lineNumber, nil, nil, nil), lineNumber > 0 {
        return SourceLine(file: String(cString: name), line: Int(lineNumber))
      }
    }
    // libdwfl finds a compile unit through .debug_aranges, which clang does not emit
    // (and elfutils < 0.189 does not fall back): ask each unit's address ranges.
    let address = base &+ offset
    for var cudie in compileUnits() where dwarf_haspc(&cudie, address) > 0 {
      guard let line = dwarf_getsrc_die(&cudie, address) else { continue }
      var lineNumber: Int32 = 0
      guard dwarf_lineno(line, &lineNumber) == 0, lineNumber > 0,
            let name = dwarf_linesrc(line, nil, nil) else { continue }
      return SourceLine(file: String(cString: name), line: Int(lineNumber))
    }
    return nil
  }

  private var unitDies: [Dwarf_Die]?

  /// The compile-unit DIEs, read once.
  private func compileUnits() -> [Dwarf_Die] {
    if let unitDies { return unitDies }
    var out: [Dwarf_Die] = []
    if let dwarf {
      var cu: OpaquePointer? = nil
      var next: OpaquePointer? = nil
      var version: Dwarf_Half = 0
      var unitType: UInt8 = 0
      var cudie = Dwarf_Die()
      while dwarf_get_units(dwarf, cu, &next, &version, &unitType, &cudie, nil) == 0 {
        cu = next
        out.append(cudie)
      }
    }
    unitDies = out
    return out
  }

  /// Functions the debug information declares `noreturn` (`DW_AT_noreturn` on a
  /// compile unit's subprogram DIEs, declarations of external functions included):
  /// the compiler's own knowledge of which calls end a path, e.g. `abort`, `exit`,
  /// `longjmp` and the program's own `_Noreturn` error handlers.
  public func noreturnFunctions() -> Set<String> {
    var out: Set<String> = []
    for var cudie in compileUnits() {
      var die = Dwarf_Die()
      guard dwarf_child(&cudie, &die) == 0 else { continue }
      repeat {
        if dwarf_tag(&die) == DW_TAG_subprogram && dwarf_hasattr(&die, UInt32(DW_AT_noreturn)) != 0,
           let name = dwarf_diename(&die) {
          out.insert(String(cString: name))
        }
        var sibling = Dwarf_Die()
        guard dwarf_siblingof(&die, &sibling) == 0 else { break }
        die = sibling
      } while true
    }
    return out
  }

  // MARK: libdw evaluation

  private func evaluate(address: UInt64, framePointer: UInt16) -> (DwarfRow, UInt64, UInt64)? {
    for (cfi, source) in [(ehCFI, DwarfFrameSection.ehFrame), (debugCFI, .debugFrame)] {
      guard let cfi else { continue }
      let a = address &- cfi.bias
      var frame: OpaquePointer?
      guard dwarf_cfi_addrframe(cfi.cfi, a, &frame) == 0, let frame else { continue }
      defer { free(UnsafeMutableRawPointer(frame)) }
      var start: Dwarf_Addr = 0, end: Dwarf_Addr = 0
      var signal = false
      let ra = dwarf_frame_info(frame, &start, &end, &signal)
      guard ra >= 0 else { continue }
      let row = DwarfRow(cfa: Self.cfa(frame), returnAddress: Self.rule(frame, Int32(ra)),
                         framePointer: Self.rule(frame, Int32(framePointer)),
                         returnAddressColumn: UInt16(truncatingIfNeeded: ra), isSignalFrame: signal,
                         source: source)
      return (row, start &+ cfi.bias, end &+ cfi.bias)
    }
    return nil
  }

  private static func cfa(_ frame: OpaquePointer) -> DwarfCFA {
    var ops: UnsafeMutablePointer<Dwarf_Op>?
    var n = 0
    guard dwarf_frame_cfa(frame, &ops, &n) == 0, let ops else { return .undefined }
    if n == 0 { return .undefined }
    let op = ops[0]
    if n == 1 && op.atom == UInt8(DW_OP_bregx) {
      return .register(UInt16(truncatingIfNeeded: op.number), offset: Int64(bitPattern: op.number2))
    }
    if n == 1 && op.atom >= UInt8(DW_OP_breg0) && op.atom <= UInt8(DW_OP_breg31) {
      return .register(UInt16(op.atom - UInt8(DW_OP_breg0)), offset: Int64(bitPattern: op.number))
    }
    return .expression
  }

  private static func rule(_ frame: OpaquePointer, _ reg: Int32) -> DwarfRegisterRule {
    withUnsafeTemporaryAllocation(of: Dwarf_Op.self, capacity: 3) { mem -> DwarfRegisterRule in
      guard let memBase = mem.baseAddress else { return .expression }
      var ops: UnsafeMutablePointer<Dwarf_Op>?
      var n = 0
      guard dwarf_frame_register(frame, reg, memBase, &ops, &n) == 0 else { return .expression }
      guard let ops else { return .sameValue }
      if n == 0 { return .undefined }
      let first = ops[0]
      if first.atom == UInt8(DW_OP_call_frame_cfa) {
        if n == 1 { return .savedAt(cfaOffset: 0) }
        if n == 2 && ops[1].atom == UInt8(DW_OP_plus_uconst) {
          return .savedAt(cfaOffset: Int64(bitPattern: ops[1].number))
        }
        if n == 2 && ops[1].atom == UInt8(DW_OP_consts) { return .expression }
      }
      if n == 1 && first.atom == UInt8(DW_OP_regx) { return .inRegister(UInt16(truncatingIfNeeded: first.number)) }
      if n == 1 && first.atom >= UInt8(DW_OP_reg0) && first.atom <= UInt8(DW_OP_reg31) {
        return .inRegister(UInt16(first.atom - UInt8(DW_OP_reg0)))
      }
      return .expression
    }
  }

  // MARK: setup

  private static func readSectionAddresses(elf: OpaquePointer, count: Int) -> [UInt64?] {
    var out = [UInt64?](repeating: nil, count: count)
    var scn: OpaquePointer? = nil
    while let s = elf_nextscn(elf, scn) {
      scn = s
      let index = Int(elf_ndxscn(s))
      var shdr = GElf_Shdr()
      guard index < count, gelf_getshdr(s, &shdr) != nil else { continue }
      if shdr.sh_flags & UInt64(SHF_ALLOC) != 0 { out[index] = shdr.sh_addr }
    }
    return out
  }

  /// Writes each relocation of `section` (a CFI section) into libdw's in-memory copy,
  /// resolved against libdwfl's section layout. Only the absolute and PC-relative data
  /// relocations CFI uses are applied; a relocation against an undefined symbol
  /// (personality routines, LSDA) is left alone, it never names a code address.
  private func applyRelocations(to section: Section, in elf: OpaquePointer, file: ELFFile) {
    guard let rela = file.relocations(for: section.index), let scn = elf_getscn(elf, section.index.int),
          let data = elf_getdata(scn, nil), let buffer = data.pointee.d_buf else { return }
    let size = UInt64(data.pointee.d_size)
    let place = address(of: section.index) ?? 0
    let little = file.byteOrder == .little
    for r in rela.relocations {
      guard r.symbol.int < file.symbols.count else { continue }
      let sym = file.symbol(r.symbol)
      guard let target = sym.section.index, let base = address(of: target) else { continue }
      let s = base &+ sym.value
      guard let (pcRelative, width) = RelocationType(rawValue: r.type).dataEffect(on: file.machine) else { continue }
      let value = s &+ UInt64(bitPattern: r.addend) &- (pcRelative ? place &+ r.offset : 0)
      guard r.offset <= size, UInt64(width) <= size - r.offset else { continue }
      let p = buffer.advanced(by: Int(r.offset))
      for k in 0..<width {
        let shift = UInt64(little ? k : width - 1 - k) * 8
        p.storeBytes(of: UInt8(truncatingIfNeeded: value >> shift), toByteOffset: k, as: UInt8.self)
      }
    }
  }
}

/// Hash-consing for DWARF rows: a function's rows repeat, instructions store indices.
public struct DwarfRowTable: Sendable {
  public private(set) var rows: [DwarfRow] = []
  private var index: [DwarfRow: Int32] = [:]
  public init() {}
  public mutating func intern(_ r: DwarfRow) -> Int32 {
    if let i = index[r] { return i }
    let i = Int32(rows.count)
    rows.append(r)
    index[r] = i
    return i
  }
  public subscript(i: Int32) -> DwarfRow { rows[Int(i)] }
}
