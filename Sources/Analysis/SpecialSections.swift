import ELFObject
import UnwindModel

/// Readers for the code-patching and annotation sections objtool consumes. Code
/// addresses always come from relocations (section symbol + addend, or symbol value
/// + addend), never from the PC-relative words, exactly as objtool reads them.
/// Entry sizes are fixed per section (`sh_entsize` is 0 in final modules).
struct SpecialSections {
  /// A resolved code address.
  struct Address: Hashable {
    var section: SectionIndex
    var offset: UInt64
  }

  /// `__jump_table` entry: code site, branch target, key flags (low bits of the key
  /// relocation's addend).
  struct JumpLabel { var code: Address; var target: Address; var keyFlags: UInt8; var entry: UInt64 = 0 }
  /// `__ex_table` entry: faulting instruction and its fixup.
  struct ExceptionEntry { var insn: Address; var fixup: Address; var entry: UInt64 = 0 }

  static let jumpLabelEntrySize = 16
  static let exceptionEntrySize = 12

  let file: ELFFile
  let relocations: RelocationIndexCache
  /// `check`: an entry's 4-byte address field must carry a 4-byte data relocation
  /// (PC-relative or absolute 32-bit; x86 PLT32 too). A wider or narrower one would
  /// write over the next field when the kernel is linked. objtool reads any type, as the
  /// objtool front end does.
  var strictRelocationTypes = false

  /// The address a relocation at `offset` of `section` points to.
  func address(in section: SectionIndex, at offset: UInt64) -> Address? {
    guard let r = relocations.first(in: section, from: offset, to: offset + 1) else { return nil }
    if strictRelocationTypes && !Self.fitsAddressField(r.type, machine: file.machine) { return nil }
    let sym = file.symbol(r.symbol)
    guard let target = sym.section.index else { return nil }
    return Address(section: target, offset: UInt64(bitPattern: Int64(bitPattern: sym.value) &+ r.addend))
  }

  /// Whether relocation `type` writes a 4-byte field (see `strictRelocationTypes`).
  static func fitsAddressField(_ type: UInt32, machine: Machine) -> Bool {
    RelocationType(rawValue: type).fillsAddressField(on: machine)
  }

  /// Why the address field at `offset` gives no address (for `check`'s bad-entry
  /// findings): objtool's wording for a missing relocation, else the relocation's fault.
  func addressProblem(in section: SectionIndex, at offset: UInt64, objtoolField: String) -> Message {
    guard let r = relocations.first(in: section, from: offset, to: offset + 1) else {
      return Message(.fieldRelocationMissing, .name(objtoolField))
    }
    let at = MessageArgument.place(file.section(section).name, offset)
    if strictRelocationTypes && !Self.fitsAddressField(r.type, machine: file.machine) {
      let width = relocationWidth(type: r.type, machine: file.machine)
      return width == 1 ? Message(.fieldRelocationOneByte, at, .integer(r.type))
        : Message(.fieldRelocationWidth, at, .integer(r.type), .integer(width))
    }
    return Message(.fieldRelocationUndefined, at)
  }

  /// Entries of `__jump_table` and `__ex_table` whose address fields give no address:
  /// the entry, the field's offset and why. objtool stops at the first ("__jump_table+0x10:
  /// can't find orig reloc"; the key field's too); `check` reports each.
  func unreadableEntries(_ name: String) -> [(entry: UInt64, field: UInt64, why: Message)] {
    let size = name == KernelSections.jumpTable ? Self.jumpLabelEntrySize : Self.exceptionEntrySize
    let fields: [(UInt64, String)] = name == KernelSections.jumpTable ? [(0, "orig"), (4, "new"), (8, "key")] : [(0, "orig"), (4, "new")]
    var out: [(entry: UInt64, field: UInt64, why: Message)] = []
    for (sec, off) in entries(name, size: size) {
      for (at, field) in fields {
        let missing = at == 8 ? relocations.first(in: sec, from: off + 8, to: off + 9) == nil : address(in: sec, at: off + at) == nil
        if missing {
          out.append((off, off + at, addressProblem(in: sec, at: off + at, objtoolField: field)))
          break
        }
      }
    }
    return out
  }

  func addend(in section: SectionIndex, at offset: UInt64) -> Int64? {
    relocations.first(in: section, from: offset, to: offset + 1)?.addend
  }

  /// objtool's check that a special section holds whole entries ("%s size not a
  /// multiple of %d"), which is fatal there.
  func sizeFindings(alternativeEntrySize: Int) -> [Finding] {
    [(KernelSections.alternatives, alternativeEntrySize), (KernelSections.jumpTable, Self.jumpLabelEntrySize),
     (KernelSections.exceptionTable, Self.exceptionEntrySize)].compactMap { name, size in
      guard let sec = file.section(named: name), sec.size % UInt64(size) != 0 else { return nil }
      return Finding(scope: Message(.tableSizeNotMultiple, .name(name), .integer(size)))
    }
  }

  /// Entries of a fixed-size table; entries without the needed relocations are skipped.
  private func entries(_ name: String, size: Int) -> [(SectionIndex, UInt64)] {
    guard let sec = file.section(named: name), sec.size > 0, sec.hasFileBytes else { return [] }
    return stride(from: 0, to: Int(sec.size) - size + 1, by: size).map { (sec.index, UInt64($0)) }
  }

  var jumpLabels: [JumpLabel] {
    entries(KernelSections.jumpTable, size: Self.jumpLabelEntrySize).compactMap { sec, off in
      guard let code = address(in: sec, at: off), let target = address(in: sec, at: off + 4) else { return nil }
      let flags = UInt8(truncatingIfNeeded: addend(in: sec, at: off + 8) ?? 0) & 3
      return JumpLabel(code: code, target: target, keyFlags: flags, entry: off)
    }
  }

  var exceptionTable: [ExceptionEntry] {
    entries(KernelSections.exceptionTable, size: Self.exceptionEntrySize).compactMap { sec, off in
      guard let insn = address(in: sec, at: off), var fixup = address(in: sec, at: off + 4) else { return nil }
      // Legacy _ASM_EXTABLE_EX entries carry a 0x7ffffff0 bias on the fixup.
      if fixup.offset >= 0x7FFF_FFF0 { fixup.offset -= 0x7FFF_FFF0 }
      return ExceptionEntry(insn: insn, fixup: fixup, entry: off)
    }
  }

  /// Targets of an annotation section whose relocations point at instructions
  /// (`.discard.intra_function_calls`, `.discard.ignore_alts`, ...).
  func annotationTargets(_ name: String) -> [Address] {
    guard let sec = file.section(named: name) else { return [] }
    return relocations.all(in: sec.index).compactMap { r in
      let sym = file.symbol(r.symbol)
      guard let target = sym.section.index else { return nil }
      return Address(section: target, offset: UInt64(bitPattern: Int64(bitPattern: sym.value) &+ r.addend))
    }
  }

  /// `.discard.annotate_insn` (6.14+): 8-byte entries, s32 PC-relative instruction
  /// address (through its relocation) and u32 ANNOTYPE.
  func instructionAnnotations() -> [(Address, UInt32)] {
    guard let sec = file.section(named: KernelSections.annotateInstructions), sec.size > 0, sec.hasFileBytes else { return [] }
    let bytes = file.reader(for: sec.index)
    return stride(from: 0, to: Int(sec.size) - 7, by: 8).compactMap { off in
      guard let a = address(in: sec.index, at: UInt64(off)), let type = bytes.u32(at: off + 4) else { return nil }
      return (a, type)
    }
  }

  /// ANNOTYPE values (include/linux/objtool_types.h, 6.14+) that affect the walk.
  enum AnnotationType {
    static let ignoreAlternatives: UInt32 = 6
    static let intraFunctionCall: UInt32 = 7
    static let reachable: UInt32 = 8
    static let noEndbr: UInt32 = 1
  }

  /// Functions named by `.discard.func_stack_frame_non_standard` (STACK_FRAME_NON_STANDARD).
  func nonStandardFrameFunctions() -> [SymbolIndex] {
    guard let sec = file.section(named: KernelSections.stackFrameNonStandard) else { return [] }
    return relocations.all(in: sec.index).compactMap { r in
      let sym = file.symbol(r.symbol)
      if sym.isFunction { return sym.index }
      // A section symbol + addend: the function starting there.
      guard sym.isSectionSymbol, let s = sym.section.index else { return nil }
      let off = UInt64(bitPattern: r.addend)
      return file.symbols.first { $0.isFunction && $0.section == .section(s) && $0.value == off }?.index
    }
  }
}
