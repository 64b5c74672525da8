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

func buildSFrame(_ file: ELFFile, result: ValidationResult, version: UInt8) -> SFrameBuild? {
  guard let abi = SFrame.ABI(file.machine, file.byteOrder) else { return nil }
  let regs = result.registers
  // AMD64 keeps the return address at CFA-8 (the header's fixed offset).
  var build = SFrameBuild(table: SFrame.Table(version: version, abi: abi, fixedRAOffset: abi.tracksReturnAddress ? 0 : -8,
                                              functions: []))
  let states = result.cfiStates
  for entry in result.instructionCFI {
    let section = file.section(entry.section)
    guard section.name != KernelSections.alternativeReplacements else { continue }
    let functions = file.symbolsByAddress(in: entry.section).filter { $0.isFunction && $0.size > 0 }
    var seen: Set<UInt64> = []
    for f in functions where seen.insert(f.value).inserted {  // (aliases: one FDE per start)
      // The function's instructions: a binary search for its first.
      var lo = 0, hi = entry.offsets.count
      while lo < hi { let mid = (lo + hi) / 2; if UInt64(entry.offsets[mid]) < f.value { lo = mid + 1 } else { hi = mid } }
      var rows: [SFrame.Row] = []
      var problem: (offset: UInt64, why: String)?
      var anyReached = false
      var i = lo
      while i < entry.offsets.count, UInt64(entry.offsets[i]) < f.value &+ f.size {
        defer { i += 1 }
        guard let id = entry.cfi[i] else { continue }
        anyReached = true
        let off = UInt64(entry.offsets[i]) - f.value
        switch sframeRow(states[id], offset: UInt32(truncatingIfNeeded: off), abi: abi, registers: regs) {
        case .success(let row):
          if let last = rows.last, last.sameRule(as: row) { continue }
          rows.append(row)
        case .failure(let why):
          problem = (off, why.text)
        }
        if problem != nil { break }
      }
      guard anyReached else { continue }
      build.reached += 1
      if let problem {
        let place = CodeLocation(section: section.displayName, offset: f.value + problem.offset, symbol: f.name,
                                 symbolOffset: problem.offset, function: f.name)
        build.findings.append(Finding(at: place, Message(.sframeCannotExpress, .function(f.name), .name(problem.why))))
        continue
      }
      // The first row starts at the function's start (an unreached entry keeps the
      // first reached row's rule).
      if !rows.isEmpty { rows[0].offset = 0 }
      build.covered += 1
      build.table.functions.append(SFrame.Function(section: entry.section, start: f.value,
                                                   size: UInt32(truncatingIfNeeded: f.size), rows: rows))
    }
  }
  return build
}

/// Why a state has no SFrame row.
enum SFrameGap: Error {
  case notACallFrame, cfaUndefined, cfaOnOtherRegister, realigned, returnAddressElsewhere, framePointerElsewhere
  case framePointerWithoutReturnAddress

  var text: String {
    switch self {
    case .notACallFrame: "an exception or interrupt frame"
    case .cfaUndefined: "the CFA is not known: the stack was switched"
    case .cfaOnOtherRegister: "the CFA is based on a register other than SP and FP"
    case .realigned: "the stack is realigned (DRAP)"
    case .returnAddressElsewhere: "the return address is not where SFrame puts it"
    case .framePointerElsewhere: "the frame pointer is saved other than CFA-relative"
    case .framePointerWithoutReturnAddress: "the frame pointer is saved and the return address is not"
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

/// The `.sframe` section edit for `build` (version 1), its start fields relocated
/// PC-relative against each function's section as GNU as does.
func sframeSection(_ build: SFrameBuild, order: ByteOrder, relocation: RelocationType) throws(SFrameV1.EncodeError) -> SectionEdit {
  let encoded = try SFrameV1.encode(build.table, order: order)
  let relocations = encoded.startFields.map { f in
    RelocationEdit(offset: f.offset, type: relocation, symbol: .sectionSymbol(f.section), addend: f.addend)
  }
  return SectionEdit(name: ".sframe", flags: .alloc, alignment: 8, entrySize: 0, contents: .bytes(encoded.bytes),
                     relocations: relocations)
}
