// The comparison rules of the DWARF cross-check, one by one: what agrees, each
// documented tolerance, and the near misses that must stay disagreements.
import ArchX86
import DwarfCFI
import Testing
import UnwindModel

struct ToleranceTests {
  let map = DwarfRegisterMap(X86Register.vocabulary)
  let rsp: UInt16 = 7, rbp: UInt16 = 6, r10: UInt16 = 10

  /// x86-64 function entry: CFA = rsp+8, return address at CFA-8.
  func entry() -> CFIState {
    var s = CFIState.allUndefined
    s.cfa = CFIRule(base: Int8(X86Register.rsp), offset: 8)
    s.regs[16] = CFIRule(base: CFIRule.cfaBase, offset: -8)
    s.type = .call
    return s
  }

  func row(_ cfaReg: UInt16, _ cfaOff: Int64, fp: DwarfRegisterRule = .sameValue,
           ra: DwarfRegisterRule = .savedAt(cfaOffset: -8)) -> DwarfRow {
    DwarfRow(cfa: .register(cfaReg, offset: cfaOff), returnAddress: ra, framePointer: fp,
             returnAddressColumn: 16, isSignalFrame: false, source: .ehFrame)
  }

  @Test func entryStateAgrees() {
    #expect(compareBoundary(ours: entry(), row: row(rsp, 8), map: map, framePointerSaves: []) == .agree)
  }

  @Test func cfaOffsetAndRegisterDifferencesDisagree() {
    #expect(compareBoundary(ours: entry(), row: row(rsp, 16), map: map, framePointerSaves: [])
            == .disagree(.cfa, ours: "rsp+8", dwarf: "rsp+16"))
    #expect(compareBoundary(ours: entry(), row: row(rbp, 8), map: map, framePointerSaves: [])
            == .disagree(.cfa, ours: "rsp+8", dwarf: "rbp+8"))
  }

  @Test func returnAddressElsewhereDisagrees() {
    #expect(compareBoundary(ours: entry(), row: row(rsp, 8, ra: .savedAt(cfaOffset: -16)), map: map,
                            framePointerSaves: []) == .disagree(.returnAddress, ours: "cfa-8", dwarf: "cfa-16"))
  }

  /// After `push %rbp`: saved at CFA-16. clang describes the save after the whole
  /// prologue: tolerated only when the function's DWARF does name that slot.
  @Test func lateSaveDescriptionNeedsTheSameSlotInTheFunction() {
    var s = entry()
    s.cfa.offset = 16
    s.regs[Int(X86Register.rbp)] = CFIRule(base: CFIRule.cfaBase, offset: -16)
    #expect(compareBoundary(ours: s, row: row(rsp, 16), map: map, framePointerSaves: [-16]) == .tolerated(.saveDescribedLate))
    #expect(compareBoundary(ours: s, row: row(rsp, 16), map: map, framePointerSaves: [-24])
            == .disagree(.framePointer, ours: "cfa-16", dwarf: "not saved"))
    #expect(compareBoundary(ours: s, row: row(rsp, 16, fp: .savedAt(cfaOffset: -24)), map: map, framePointerSaves: [-24])
            == .disagree(.framePointer, ours: "cfa-16", dwarf: "cfa-24"))
  }

  /// After `pop %rbp` the slot at CFA-16 is below rsp (CFA-8): DWARF without
  /// .cfi_restore still names it, tolerated. A slot still above rsp is not.
  @Test func poppedSlotStillNamedOnlyWhenReleased() {
    let s = entry()  // rsp+8 after the pop
    #expect(compareBoundary(ours: s, row: row(rsp, 8, fp: .savedAt(cfaOffset: -16)), map: map, framePointerSaves: [-16])
            == .tolerated(.restoredSlotReleased))
    var deeper = entry()
    deeper.cfa.offset = 24  // the slot at CFA-16 is still on the stack
    #expect(compareBoundary(ours: deeper, row: row(rsp, 24, fp: .savedAt(cfaOffset: -16)), map: map, framePointerSaves: [-16])
            == .disagree(.framePointer, ours: "not saved", dwarf: "cfa-16"))
  }

  /// GCC's DRAP prologue: after `lea 8(%rsp),%r10` DWARF says CFA = r10+0; we track
  /// r10 = CFA+0, so that is the same CFA. r10+8 would not be.
  @Test func cfaThroughARegisterCopy() {
    var s = entry()
    s.vals[10] = CFIRule(base: CFIRule.cfaBase, offset: 0)
    #expect(compareBoundary(ours: s, row: row(r10, 0), map: map, framePointerSaves: []) == .tolerated(.cfaThroughCopy))
    #expect(compareBoundary(ours: s, row: row(r10, 8), map: map, framePointerSaves: [])
            == .disagree(.cfa, ours: "rsp+8", dwarf: "r10+8"))
  }

  @Test func whatCannotBeCompared() {
    var hint = entry()
    hint.type = .regs
    #expect(compareBoundary(ours: hint, row: row(rsp, 8), map: map, framePointerSaves: []) == .notComparable(.nonCallFrame))
    var unknown = entry()
    unknown.cfa = .undefined
    #expect(compareBoundary(ours: unknown, row: row(rsp, 8), map: map, framePointerSaves: []) == .notComparable(.unknownState))
    let expr = DwarfRow(cfa: .expression, returnAddress: .savedAt(cfaOffset: -8), framePointer: .sameValue,
                        returnAddressColumn: 16, isSignalFrame: false, source: .debugFrame)
    #expect(compareBoundary(ours: entry(), row: expr, map: map, framePointerSaves: []) == .notComparable(.dwarfExpression))
  }

  @Test func registerNumberingFollowsThePsABI() {
    // rax rdx rcx rbx rsi rdi rbp rsp: DWARF 0-7.
    let names = (0..<8).map { map.dwarfRegisterName(UInt16($0)) }
    #expect(names == ["rax", "rdx", "rcx", "rbx", "rsi", "rdi", "rbp", "rsp"])
    // 16 is the return address column (the psABI's RA); past it, numbers we have no slot for.
    #expect(map.dwarfRegisterName(16) == "ra")
    #expect(map.dwarfRegisterName(17) == "dwarf-r17")
  }
}
