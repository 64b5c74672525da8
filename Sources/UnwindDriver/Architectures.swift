import Analysis
import ArchARM64
import ArchX86
import DecodeX86
import ELFObject
import ORC
import UnwindModel

/// Everything the driver does differently per machine, as data: the one place that
/// looks at `ELFFile.machine` (`ArchitectureSupport.of`). The analysis gets the
/// `ArchitectureDescription`; decoding, ORC encoding and dumping, relocation types and
/// register names come from here.
struct ArchitectureSupport: Sendable {
  let machine: Machine
  /// The description the analysis runs with (`--kernel`, `--callee-saved`).
  let description: @Sendable (CheckOptions) -> ArchitectureDescription
  /// Linear sweep of the executable sections (optionally only the one named).
  let decodeSections: @Sendable (ELFFile, _ named: String?, _ calleeSaved: Bool) -> [DecodedSection]
  /// A decoder for one byte range of a section, for big objects cut into chunks decoded
  /// on several threads (nil: decoded whole, on one thread).
  let chunkDecoder: (@Sendable (UnsafeRawBufferPointer, _ from: Int, _ to: Int, _ functionRanges: [Range<UInt64>]) -> (DecodedText, Int))?
  /// `.orc_unwind` as written: the entries for the placed CFI, encoded, with each
  /// entry's input section and offset.
  let encodeORC: @Sendable ([ORCSectionInput], CFIStateTable, ORCFormat, ByteOrder, Int) throws(ORCGenerator.Problem) -> EncodedORC
  let orcAlignment: UInt64
  let orcEntrySize: UInt64
  /// The PC-relative 32-bit relocation `.orc_unwind_ip` entries use.
  let orcRelocation: RelocationType
  /// The 64-bit absolute relocation (`__mcount_loc` entries).
  let absolute64Relocation: RelocationType
  /// The NOP of each length the kernel writes (objtool `arch_nop_insn`), if known.
  let nopBytes: (@Sendable (Int) -> [UInt8]?)?
  /// A return padded to `length` bytes (objtool `arch_ret_insn`), if known.
  let retBytes: (@Sendable (Int) -> [UInt8]?)?
  /// Static-call trampoline and key symbol prefixes (`__SCT__`, `__SCK__`).
  let staticCallTrampolinePrefix: String?
  let staticCallKeyPrefix: String?
  /// `orc dump`: the object's own ORC as text.
  let dumpORC: @Sendable (ELFFile, ORCFormat) throws(ORCDump.Problem) -> [String]
  /// `orc dump --generate`: the ORC unwindcheck would write, as text.
  let generatedORCLines: @Sendable (ELFFile, ValidationResult, ORCFormat) throws(ORCGenerator.Problem) -> [String]
  /// `alternatives`: lines about the raw `.altinstructions` entries printed before the
  /// sites (arm64: how each entry resolved; the first is the count line), or nil.
  let alternativeEntryLines: (@Sendable (ELFFile) -> [String])?
  /// One instruction as assembly text (`decode`, `trace`): its bytes, at this address.
  let syntax: @Sendable (UnsafeRawBufferPointer, UInt64) -> String

  /// Encoded ORC entries and their places, as columns.
  struct EncodedORC {
    var bytes: [UInt8]
    var input: [Int32]
    var offsets: [UInt64]
  }

  /// Register names for `decode`'s output.
  var registerName: @Sendable (UInt8) -> String {
    let v = description(CheckOptions()).registers
    return { v.name($0) }
  }

  /// The support for `machine`, or nil when unwindcheck does not analyse it.
  static func of(_ machine: Machine) -> ArchitectureSupport? {
    switch machine {
    case .x86_64: x86_64
    case .aarch64: aarch64
    default: nil
    }
  }

  /// `ORC_REG_*` for the x86 slots objtool's `init_orc_entry` accepts as CFA bases.
  static let x86ORCRegisters = ORCRegisterSlots(
    cfaBases: [(Int8(X86Register.rsp), ORCRegister.sp), (Int8(X86Register.rbp), ORCRegister.bp),
               (Int8(X86Register.r10), ORCRegister.r10), (Int8(X86Register.r13), ORCRegister.r13),
               (Int8(X86Register.rdi), ORCRegister.di), (Int8(X86Register.rdx), ORCRegister.dx)],
    framePointer: Int8(X86Register.rbp), returnAddress: Int8(X86Register.returnAddress))

  /// unwindcheck's arm64 ORC-like entries: CFA register 1 is SP, 2 is x29.
  static let arm64ORCRegisters = ORCRegisterSlots(
    cfaBases: [(Int8(ARM64Register.sp), 1), (Int8(ARM64Register.fp), 2)], framePointer: Int8(ARM64Register.fp),
    returnAddress: Int8(ARM64Register.lr))

  static let x86_64 = ArchitectureSupport(
    machine: .x86_64,
    description: {
      var d = X86Architecture.description(kernel: $0.kernel)
      d.pcRelative32Relocation = RelocationType.x86_64PC32.rawValue
      d.pcRelativeRelocations = [RelocationType.x86_64PC32.rawValue, RelocationType.x86_64PLT32.rawValue]
      return d
    },
    decodeSections: { file, name, _ in
      let decoder = X86TextDecoder()
      return ObjectDecoder.executableSections(of: file, named: name).map { section in
        let ranges = ObjectDecoder.functionRanges(in: section.index, of: file)
        return DecodedSection(section: section, text: file.withBytes(of: section.index) { decoder.decode($0, functionRanges: ranges) })
      }
    },
    chunkDecoder: { bytes, from, to, ranges in X86TextDecoder().decode(bytes, from: from, to: to, functionRanges: ranges) },
    encodeORC: { (inputs, states, format, order, workers) throws(ORCGenerator.Problem) in
      let placed = try ORCGenerator.x86Placement(inputs, states: states, format: format, registers: x86ORCRegisters,
                                                 workers: workers)
      var sink = ByteSink(order: order, capacity: placed.count * ORCEntry.size)
      for e in placed.entries { e.append(to: &sink, format: format) }
      return EncodedORC(bytes: sink.bytes, input: placed.input, offsets: placed.offsets)
    },
    orcAlignment: 1, orcEntrySize: UInt64(ORCEntry.size), orcRelocation: .x86_64PC32,
    absolute64Relocation: .x86_64Absolute64, nopBytes: X86Architecture.nop, retBytes: X86Architecture.ret,
    staticCallTrampolinePrefix: "__SCT__", staticCallKeyPrefix: "__SCK__",
    dumpORC: { (file, format) throws(ORCDump.Problem) in try ORCDump.lines(file, format: format) },
    generatedORCLines: { (file, result, format) throws(ORCGenerator.Problem) in
      ORCGenerator.dumpLines(try ORCGenerator.entries(orcInputs(file, result), states: result.cfiStates, format: format, registers: x86ORCRegisters),
                             format: format)
    },
    alternativeEntryLines: nil,
    syntax: { bytes, address in
      guard !bytes.isEmpty else { return "(bad)" }
      // A forced-emulation prefix is spelled as the kernel's macros write it, before the
      // instruction it belongs to.
      let marker = X86Decoder.emulatePrefix(bytes, at: 0)
      let skip = marker == nil ? 0 : X86Decoder.emulatePrefixLength
      let rest = UnsafeRawBufferPointer(rebasing: bytes[skip...])
      let insn = X86Decoder().decode(rest, at: 0)
      let text = X86Syntax.format(insn, bytes: UnsafeRawBufferPointer(rebasing: rest[0..<min(rest.count, Int(insn.length))]),
                                  address: address + UInt64(skip))
      return marker.map { "ud2; .ascii \"\($0)\"; " + text } ?? text
    })

  static let aarch64 = ArchitectureSupport(
    machine: .aarch64,
    description: { ARM64Architecture.description(kernel: $0.kernel, calleeSaved: $0.calleeSaved) },
    decodeSections: { file, name, calleeSaved in
      // Every word of the code regions; the mapping symbols say what is data, but for
      // the bytes the patch-site table names as instructions.
      let decoder = ARM64TextDecoder(calleeSaved: calleeSaved)
      let sections = ObjectDecoder.executableSections(of: file, named: name)
      var patched: [SectionIndex: [Range<UInt64>]]?
      return sections.map { section in
        var data = ObjectDecoder.mappingDataRanges(in: section, of: file, renamedWith: [ARM64Architecture.kvmNVHEPrefix])
        if !data.isEmpty {
          if patched == nil { patched = AlternativeEntries.codeRanges(file, layout: ARM64Architecture.alternativeLayout) }
          data = ObjectDecoder.subtracting(patched?[section.index] ?? [], from: data)
        }
        return DecodedSection(section: section, text: file.withBytes(of: section.index) { decoder.decode($0, dataRanges: data) })
      }
    },
    chunkDecoder: nil,
    encodeORC: { (inputs, states, _, order, workers) throws(ORCGenerator.Problem) in
      let placed = try ORCGenerator.arm64Placement(inputs, states: states, registers: arm64ORCRegisters, workers: workers)
      var sink = ByteSink(order: order, capacity: placed.count * ARM64ORCEntry.size)
      for e in placed.entries { e.append(to: &sink) }
      return EncodedORC(bytes: sink.bytes, input: placed.input, offsets: placed.offsets)
    },
    orcAlignment: 2, orcEntrySize: UInt64(ARM64ORCEntry.size), orcRelocation: .aarch64PREL32,
    absolute64Relocation: .aarch64Absolute64, nopBytes: nil, retBytes: nil,
    staticCallTrampolinePrefix: nil, staticCallKeyPrefix: nil,
    dumpORC: { (file, _) throws(ORCDump.Problem) in try ORCDump.arm64Lines(file) },
    generatedORCLines: { (file, result, _) throws(ORCGenerator.Problem) in
      let inputs = orcInputs(file, result)
      let p = try ORCGenerator.arm64Placement(inputs, states: result.cfiStates, registers: arm64ORCRegisters)
      return p.entries.indices.map { k in "\(inputs[Int(p.input[k])].name)+\(String(p.offsets[k], radix: 16)):\(p.entries[k].text)" }
    },
    alternativeEntryLines: { file in
      // Every entry resolved to code (callbacks name their function; their sites are
      // validated with the original stream only).
      let entries = AlternativeEntries.check(file, layout: ARM64Architecture.alternativeLayout,
                                             callbackBit: ARM64Architecture.callbackBit,
                                             instructionSize: ARM64Architecture.instructionSize)
      return ["\(entries.count) alternative entr\(entries.count == 1 ? "y" : "ies")"] + entries.map { e in
        "  \(e.original) (\(e.originalLength) bytes) <- \(e.replacement) (\(e.replacementLength) bytes), cpucap 0x\(String(e.feature, radix: 16))"
          + (e.problem.map { "  UNRESOLVED: \($0)" } ?? "")
      } + [AlternativeEntryReport.summary(entries)]
    },
    syntax: { bytes, address in
      guard bytes.count >= 4 else { return "(bad)" }
      return ARM64Syntax.format(bytes.loadUnaligned(as: UInt32.self).littleEndian, address: address)
    })
}
