// The analysis on decoded text built by hand: no compiler, no decoder, no file. Each
// case is one of objtool's rules (objtool-facts.md §3-4) on the smallest program that
// shows it; the same rules are checked end to end against the real objtool by the
// golden tests.
import Analysis
import ArchX86
import ELFObject
import Testing
import UnwindModel
import UnwindTestSupport

/// Builds `.text` instruction by instruction (x86 register numbers).
struct TextBuilder {
  var text = DecodedText()
  var offset: UInt32 = 0

  @discardableResult
  mutating func add(_ length: UInt8, _ kind: InstructionKind, ops: [StackOp] = [], target: UInt32? = nil) -> UInt32 {
    let at = offset
    text.stackOps += ops
    let immediate = target.map { Int64($0) - Int64(at) - Int64(length) } ?? 0
    text.append(offset: at, length: length, kind: kind, immediate: immediate)
    offset += UInt32(length)
    return at
  }

  static let rsp = X86Register.rsp, rbp = X86Register.rbp
  static let pushRBP = StackOp(dest: .push, source: .register, sourceRegister: rbp)
  static let pushRAX = StackOp(dest: .push, source: .register, sourceRegister: X86Register.rax)
  static let movRSPtoRBP = StackOp(dest: .register, destRegister: rbp, source: .register, sourceRegister: rsp)
  static let popRBP = StackOp(dest: .register, destRegister: rbp, source: .pop)
}

struct DecodedTextAnalysisTests {
  /// Validates `text` in an object whose `.text` holds `symbols`.
  func validate(_ b: TextBuilder, _ symbols: [ObjectBuilder.SymbolSpec]) throws -> ValidationResult {
    let file = try ObjectBuilder(textSize: Int(b.offset), symbols: symbols).file()
    var pipeline = AnalysisPipeline(file: file, texts: [(ObjectBuilder.textSection, b.text)],
                              arch: X86Architecture.description(kernel: .v6_12), options: AnalysisOptions())
    return pipeline.run()
  }

  func cfa(_ r: ValidationResult, _ i: Int) -> String? {
    r.instructionCFI[0].cfi[i].map { r.registers.messageText(r.cfiStates[$0].cfa) }
  }

  @Test func framePointerFunctionHasNoFindingAndItsCFA() throws {
    var b = TextBuilder()
    b.add(1, .other, ops: [TextBuilder.pushRBP])
    b.add(3, .other, ops: [TextBuilder.movRSPtoRBP])
    b.add(1, .other, ops: [TextBuilder.popRBP])
    b.add(1, .ret)
    let r = try validate(b, [.init("f", at: 0, size: 6)])
    #expect(r.findings.isEmpty)
    // CFA before each instruction: rsp+8 at entry, rsp+16 after the push, rbp+16 once
    // rbp is the frame pointer, rsp+8 again after the pop.
    #expect((0..<4).map { cfa(r, $0) } == ["4+8", "4+16", "5+16", "4+8"])
    let saved = r.cfiStates[try #require(r.instructionCFI[0].cfi[2])].regs[Int(X86Register.rbp)]
    #expect(saved == CFIRule(base: CFIRule.cfaBase, offset: -16))
  }

  @Test func returnWithAPushOutstanding() throws {
    var b = TextBuilder()
    b.add(1, .other, ops: [TextBuilder.pushRBP])
    b.add(1, .ret)
    let r = try validate(b, [.init("f", at: 0, size: 2)])
    #expect(r.findings.map(\.rule) == [.returnWithModifiedFrame])
    let f = try #require(r.findings.first)
    #expect(f.location == CodeLocation(section: ".text", offset: 1, symbol: "f", symbolOffset: 1, function: "f"))
    #expect(DiagnosticText.line(f, file: "t.o") == "t.o: warning: unwindcheck: f+0x1: return with modified stack frame [UV1011]")
  }

  @Test func branchesJoiningWithDifferentStacks() throws {
    // je L; push %rax; L: ret -- the taken branch is walked first, then the
    // fall-through arrives at L with 8 more bytes on the stack.
    var b = TextBuilder()
    b.add(2, .jumpConditional, target: 3)
    b.add(1, .other, ops: [TextBuilder.pushRAX])
    b.add(1, .ret)
    let r = try validate(b, [.init("f", at: 0, size: 4)])
    #expect(r.findings.count == 1)
    #expect(r.findings.first?.rule == .stackStateMismatch)
    #expect(r.findings.first?.message.text == "stack state mismatch: cfa1=4+8 cfa2=4+16")
    #expect(r.findings.first?.location?.text == "f+0x3")
  }

  @Test func fallingIntoTheNextFunction() throws {
    var b = TextBuilder()
    b.add(1, .other)
    b.add(1, .ret)
    let r = try validate(b, [.init("f", at: 0, size: 1), .init("g", at: 1, size: 1)])
    #expect(r.findings.map(\.message.text) == ["f() falls through to next function g()"])
    #expect(r.findings.first?.names == ["f", "g"])
    let f = try #require(r.findings.first)
    #expect(!f.showsLocation && f.location?.text == "g+0x0")
  }

  @Test func codeAfterAReturnIsUnreachable() throws {
    var b = TextBuilder()
    b.add(1, .ret)
    b.add(1, .other)
    let r = try validate(b, [.init("f", at: 0, size: 2)])
    #expect(r.findings.map(\.rule) == [.unreachableInstruction])
    #expect(r.findings.first?.location?.text == "f+0x1")
    // A NOP there is padding, not a finding (objtool `ignore_unreachable_insn`).
    var n = TextBuilder()
    n.add(1, .ret)
    n.add(1, .nop)
    #expect(try validate(n, [.init("f", at: 0, size: 2)]).findings.isEmpty)
  }

  @Test func callsAndDirectJumpsResolveWithinTheText() throws {
    // f: call g; ret / g: ret -- the call's push is undone by the callee, so f returns
    // with its entry frame; nothing to report.
    var b = TextBuilder()
    b.add(5, .call, target: 6)
    b.add(1, .ret)
    b.add(1, .ret)
    let r = try validate(b, [.init("f", at: 0, size: 6), .init("g", at: 6, size: 1)])
    #expect(r.findings.isEmpty)
    #expect((0..<3).map { cfa(r, $0) } == ["4+8", "4+8", "4+8"])
  }
}
