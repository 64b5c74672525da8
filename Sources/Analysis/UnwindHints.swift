import ELFObject
import UnwindModel

/// `.discard.unwind_hints` (UNWIND_HINT_* in assembly): 12-byte entries, u32 ip
/// (through its relocation), s16 sp_offset, u8 sp_reg (an ORC register number), u8
/// type, u8 signal. A hint replaces the walked state at its instruction.
struct UnwindHints {
  enum Kind {
    /// The instruction's state is given (REGS, REGS_PARTIAL, CALL, END_OF_STACK...).
    case state(CFIState)
    /// UNDEFINED: state forced undefined; stack ops are ignored until the next hint.
    case forceUndefined
    /// SAVE marks the instruction (it is not itself a hint); RESTORE adopts the state
    /// recorded at the nearest earlier SAVE of the function.
    case save
    case restore
  }

  var hints: [InsnRef: Kind] = [:]
  var findings: [Finding] = []
  /// `--ibt`: UNWIND_HINT_IRET_REGS (REGS_PARTIAL) at the start of a global symbol whose
  /// first instruction is no ENDBR (and not ANNOTATE_NOENDBR): entry code reached by an
  /// indirect branch would fault. Warnings (not setup errors), in hint order.
  var iretWithoutEndbr: [InsnRef] = []
  /// With `badEntriesAreFindings` (`check`): bad entries reported at the entry, each
  /// skipped while the rest is read and analysed (objtool stops at the first).
  var entryFindings: [Finding] = []

  static let entrySize = 12

  init(_ p: Program, _ special: SpecialSections, arch: ArchitectureDescription, kernel61: Bool,
       ibt: Bool = false, badEntriesAreFindings: Bool = false, isEndbrOrNoEndbr: (InsnRef) -> Bool = { _ in true }) {
    guard let sec = p.file.section(named: KernelSections.unwindHints), sec.size > 0, sec.hasFileBytes else { return }
    guard p.file.relocations(for: sec.index) != nil else {
      findings.append(Finding(scope: Message(.hintSectionMissing)))
      return
    }
    guard sec.size % UInt64(Self.entrySize) == 0 else {
      findings.append(Finding(scope: Message(.hintSizeMismatch)))
      return
    }
    let bytes = p.file.reader(for: sec.index)
    func bad(_ off: Int, _ why: Message) {
      entryFindings.append(Finding(at: .inSection(KernelSections.unwindHints, at: UInt64(off)),
                                   Message(.badHintEntry, .detail(why)), severity: .warning))
    }
    for (i, off) in stride(from: 0, to: Int(sec.size), by: Self.entrySize).enumerated() {
      guard let at = special.address(in: sec.index, at: UInt64(off)) else {
        if badEntriesAreFindings { bad(off, Message(.noInstructionAddressRelocation)); continue }
        findings.append(Finding(scope: Message(.hintRelocationMissing, .integer(i))))
        return
      }
      guard let insn = p.instruction(in: at.section, at: at.offset) else {
        if badEntriesAreFindings { bad(off, Message(.notAnInstruction, .place(p.file.section(at.section).name, at.offset))); continue }
        findings.append(Finding(scope: Message(.hintInstructionMissing, .integer(i))))
        return
      }
      let spOffset = Int32(Int16(bitPattern: bytes.u16(at: off + 4) ?? 0))
      let spReg = bytes.u8(at: off + 6) ?? 0
      let rawType = bytes.u8(at: off + 7) ?? 0
      let signal = (bytes.u8(at: off + 8) ?? 0) != 0
      // 6.1 numbered the types CALL 0, REGS 1, REGS_PARTIAL 2, FUNC 3, ENTRY 4, SAVE 5,
      // RESTORE 6; 6.12 UNDEFINED 0, END_OF_STACK 1, CALL 2, REGS 3, REGS_PARTIAL 4,
      // FUNC 5, SAVE 6, RESTORE 7.
      if badEntriesAreFindings && rawType > (kernel61 ? 6 : 7) {
        bad(off, Message(.unknownHintType, .integer(rawType), .location(p.location(insn))))
        continue
      }
      let type: UInt8 = kernel61 ? [2, 3, 4, 5, 2, 6, 7][Int(min(rawType, 6))] : rawType
      if type == 4 && ibt && !isEndbrOrNoEndbr(insn),
         let sym = p.symbols(startingAt: p.offset(insn), in: at.section).lazy.map({ p.file.symbols[$0.int] })
           .first(where: { $0.size > 0 && !$0.isSectionSymbol }),
         sym.binding == .global {
        iretWithoutEndbr.append(insn)
      }
      switch type {
      case 0:
        hints[insn] = .forceUndefined
      case 6:
        hints[insn] = .save
      case 7:
        hints[insn] = .restore
      case 5:
        hints[insn] = .state(arch.functionEntryCFI)
      default:
        var cfi: CFIState
        if case .state(let existing) = hints[insn] { cfi = existing } else { cfi = .allUndefined }
        guard let base = arch.hintBase(spReg) else {
          if badEntriesAreFindings {
            bad(off, Message(.unsupportedHintBase, .integer(spReg), .location(p.location(insn))))
            continue
          }
          findings.append(Finding(at: p.location(insn), Message(.hintBaseRegister, .integer(spReg))))
          return
        }
        cfi.cfa = CFIRule(base: base, offset: spOffset)
        cfi.type = CFIFrameType(rawValue: type) ?? .call
        cfi.signal = kernel61 ? false : signal
        hints[insn] = .state(cfi)
      }
    }
  }

  /// The force-undefined record (objtool `force_undefined_cfi`).
  static var forceUndefinedState: CFIState {
    var s = CFIState.allUndefined
    s.forceUndefined = true
    return s
  }
}
