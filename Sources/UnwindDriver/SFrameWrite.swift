import Analysis
import ELFObject
import SFrame
import UnwindModel

/// SFrame from the machine code (`check --sframe`): for every function the walk
/// reached, one row wherever the CFI it computed changes, in the SFrame row model; a
/// function whose CFI SFrame cannot express at some instruction gets no rows and one
/// finding saying where and why (never a wrong row).
struct SFrameBuild {
  var table: SFrame.Table
  var findings: [Finding] = []
  /// Functions with rows / functions the walk reached.
  var covered = 0, reached = 0
  var rowCount: Int { table.functions.reduce(0) { $0 + $1.rows.count } }
}

extension SFrame.ABI {
  /// The ABI of an object's machine and byte order, if SFrame has one.
  init?(_ machine: Machine, _ order: ByteOrder) {
    switch (machine, order) {
    case (.x86_64, .little): self = .amd64LittleEndian
    case (.aarch64, .little): self = .aarch64LittleEndian
    case (.aarch64, .big): self = .aarch64BigEndian
    default: return nil
    }
  }
}

/// A function the walk reached: its symbol, its section's columns and the range of
/// them that is its instructions.
struct ReachedFunction {
  var symbol: Symbol
  var section: Section
  var columns: ValidationResult.SectionCFI
  var instructions: Range<Int>

  /// AArch64: the function signs its return address with the B key (PACIBSP), which
  /// SFrame records per function. (Instructions are little-endian on either data order.)
  func signsWithKeyB(_ file: ELFFile) -> Bool {
    guard file.machine == .aarch64 else { return false }
    return file.withBytes(of: section.index) { b in
      instructions.contains { i in
        let at = Int(columns.offsets[i])
        return at + 4 <= b.count && b.loadUnaligned(fromByteOffset: at, as: UInt32.self).littleEndian == 0xD503_237F
      }
    }
  }

  /// The function's place at instruction `i` (an index into the columns).
  func place(_ i: Int) -> CodeLocation {
    let off = UInt64(columns.offsets[i])
    return CodeLocation(section: section.displayName, offset: off, symbol: symbol.name, symbolOffset: off - symbol.value,
                        function: symbol.name)
  }
}

/// Every sized function (one per start: aliases share it) outside the replacement
/// section with at least one reached instruction, in section and address order: what
/// SFrame describes, written or checked.
func forEachReachedFunction(_ file: ELFFile, _ result: ValidationResult, _ body: (ReachedFunction) -> Void) {
  for entry in result.instructionCFI {
    let section = file.section(entry.section)
    guard section.name != KernelSections.alternativeReplacements else { continue }
    var seen: Set<UInt64> = []
    var lo = 0
    for f in file.symbolsByAddress(in: entry.section) where f.isFunction && f.size > 0 && seen.insert(f.value).inserted {
      // (Symbols come by address: the first instruction is found from the previous one.)
      while lo > 0 && UInt64(entry.offsets[lo - 1]) >= f.value { lo -= 1 }
      while lo < entry.offsets.count && UInt64(entry.offsets[lo]) < f.value { lo += 1 }
      var end = lo
      while end < entry.offsets.count && UInt64(entry.offsets[end]) < f.value &+ f.size { end += 1 }
      guard (lo..<end).contains(where: { entry.cfi[$0] != nil }) else { continue }
      body(ReachedFunction(symbol: f, section: section, columns: entry, instructions: lo..<end))
    }
  }
}

func buildSFrame(_ file: ELFFile, result: ValidationResult, version: UInt8) -> SFrameBuild? {
  guard let abi = SFrame.ABI(file.machine, file.byteOrder) else { return nil }
  let regs = result.registers
  // AMD64 keeps the return address at CFA-8 (the header's fixed offset).
  // Versions 2 and 3 say that starts are relative to their field (what a relocatable
  // object's PC-relative relocations make them; version 1 has no such flag).
  var build = SFrameBuild(table: SFrame.Table(version: version, flags: version >= 2 ? .startPCRelative : [], abi: abi,
                                              fixedRAOffset: abi.tracksReturnAddress ? 0 : -8, functions: []))
  let states = result.cfiStates
  forEachReachedFunction(file, result) { fn in
    let f = fn.symbol, cols = fn.columns
    build.reached += 1
    var rows: [SFrame.Row] = []
    for i in fn.instructions {
      guard let id = cols.cfi[i] else { continue }
      let off = UInt64(cols.offsets[i]) - f.value
      switch sframeRow(states[id], offset: UInt32(truncatingIfNeeded: off), abi: abi, registers: regs) {
      case .success(let row):
        if let last = rows.last, last.sameRule(as: row) { continue }
        rows.append(row)
      case .failure(let why):
        build.findings.append(Finding(at: fn.place(i), Message(.sframeCannotExpress, .function(f.name), .name(why.text))))
        return
      }
    }
    // The first row starts at the function's start (an unreached entry keeps the
    // first reached row's rule).
    rows[0].offset = 0
    guard rows.count <= SFrameCoding.maximumRows(version: version) else {
      build.findings.append(Finding(at: fn.place(fn.instructions.lowerBound),
                                    Message(.sframeCannotExpress, .function(f.name), .name(SFrameGap.tooManyRows.text))))
      return
    }
    build.covered += 1
    build.table.functions.append(SFrame.Function(section: fn.columns.section, start: f.value,
                                                 size: UInt32(truncatingIfNeeded: f.size), rows: rows,
                                                 pauthKeyB: rows.contains(where: \.raMangled) && fn.signsWithKeyB(file)))
  }
  return build
}

/// Why a state has no SFrame row.
enum SFrameGap: Error {
  case notACallFrame, cfaUndefined, cfaOnOtherRegister, realigned, returnAddressElsewhere, framePointerElsewhere
  case framePointerWithoutReturnAddress, tooManyRows

  var text: String {
    switch self {
    case .notACallFrame: "an exception or interrupt frame"
    case .cfaUndefined: "the CFA is not known: the stack was switched"
    case .cfaOnOtherRegister: "the CFA is based on a register other than SP and FP"
    case .realigned: "the stack is realigned (DRAP)"
    case .returnAddressElsewhere: "the return address is not where SFrame puts it"
    case .framePointerElsewhere: "the frame pointer is saved other than CFA-relative"
    case .framePointerWithoutReturnAddress: "the frame pointer is saved and the return address is not"
    case .tooManyRows: "more than 65535 rows (SFrame version 3 counts them in 16 bits)"
    }
  }
}

/// The SFrame row of a CFI state, or why there is none.
func sframeRow(_ s: CFIState, offset: UInt32, abi: SFrame.ABI, registers: RegisterVocabulary) -> Result<SFrame.Row, SFrameGap> {
  guard s.type == .call else { return .failure(.notACallFrame) }
  if s.drap { return .failure(.realigned) }
  let sp = Int8(registers.stackPointer), fp = Int8(registers.framePointer)
  guard s.cfa.base != CFIRule.undefinedBase else { return .failure(.cfaUndefined) }
  guard s.cfa.base == sp || s.cfa.base == fp else { return .failure(.cfaOnOtherRegister) }
  var row = SFrame.Row(offset: offset, cfaOnStackPointer: s.cfa.base == sp, cfaOffset: s.cfa.offset,
                       raMangled: s.returnAddressSigned)
  let f = s.regs[Int(registers.framePointer)]
  switch f.base {
  case CFIRule.undefinedBase: break
  case CFIRule.cfaBase: row.fpOffset = f.offset
  default: return .failure(.framePointerElsewhere)
  }
  let ra = s.regs[Int(registers.returnAddress)]
  if abi.tracksReturnAddress {
    switch ra.base {
    case CFIRule.undefinedBase: if row.fpOffset != nil { return .failure(.framePointerWithoutReturnAddress) }
    case CFIRule.cfaBase: row.raOffset = ra.offset
    default: return .failure(.returnAddressElsewhere)
    }
  } else if !(ra.base == CFIRule.cfaBase && ra.offset == -8) {
    return .failure(.returnAddressElsewhere)
  }
  return .success(row)
}

/// The `.sframe` section edit for `build`, its start fields relocated PC-relative
/// against each function's section as GNU as does (32 or 64 bits as the version's
/// field).
func sframeSection(_ build: SFrameBuild, machine: Machine, order: ByteOrder) throws(SFrameCoding.EncodeError) -> SectionEdit {
  let encoded = try SFrameCoding.encode(build.table, order: order)
  var relocations: [RelocationEdit] = []
  relocations.reserveCapacity(encoded.startFields.count)
  for f in encoded.startFields {
    guard let type = RelocationType.pcRelative(width: f.width, on: machine) else { throw .unsupportedVersion(build.table.version) }
    relocations.append(RelocationEdit(offset: f.offset, type: type, symbol: .sectionSymbol(f.section), addend: f.addend))
  }
  return SectionEdit(name: ".sframe", flags: .alloc, alignment: 8, entrySize: 0, contents: .bytes(encoded.bytes),
                     relocations: relocations)
}
