// The encoding corpus (Data/encodings.txt): each line's assembly is assembled with the
// Swift toolchain's clang, its length taken from GNU objdump (the oracle) and compared
// with ours; its objtool kind and stack ops are compared with the hand-written
// expectation derived from objtool's documented decode rules.
import ArchX86
import DecodeX86
import ELFObject
import Foundation
import Testing
import UnwindModel
import UnwindTestSupport

struct EncodingCase: Sendable, CustomStringConvertible {
  var asm: String
  var kind: String
  var ops: String
  var description: String { asm }

  static let all: [EncodingCase] = {
    let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Data/encodings.txt")
    guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
    return text.split(separator: "\n").compactMap { line in
      guard !line.hasPrefix("#") else { return nil }
      let f = line.split(separator: "|", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
      return f.count == 3 ? EncodingCase(asm: f[0], kind: f[1], ops: f[2]) : nil
    }
  }()
}

@Suite(.enabled(if: Toolchain.clang != nil && TestSupport.hasTool("objdump"), "needs clang and GNU objdump"))
struct EncodingCorpusTests {
  @Test func corpusMatchesObjdumpLengthsAndObjtoolSemantics() throws {
    let cases = EncodingCase.all
    #expect(cases.count > 100)
    let dir = try TestSupport.temporaryDirectory("x86-corpus")
    defer { try? FileManager.default.removeItem(at: dir) }
    var asm = "\t.text\n"
    for (i, c) in cases.enumerated() { asm += "c\(i):\n\t\(c.asm)\n\t.byte 0xcc\n" }
    let src = dir.appendingPathComponent("c.s").path, obj = dir.appendingPathComponent("c.o").path
    try asm.write(toFile: src, atomically: true, encoding: .utf8)
    let cc = try TestSupport.run(Toolchain.clang!, ["--target=x86_64-linux-gnu", "-c", src, "-o", obj])
    try #require(cc.status == 0, "\(cc.stderr)")
    let reference = objdumpFirstInstructions(try TestSupport.run("objdump", ["-d", "-z", "--insn-width=16", obj]).stdout)

    let file = try ELFFile.open(path: obj)
    let text = try #require(file.section(named: ".text"))
    let offsets = Dictionary(uniqueKeysWithValues: file.symbols.filter { $0.name.hasPrefix("c") }.map { ($0.name, Int($0.value)) })
    let decoder = X86Decoder()
    file.withBytes(of: text.index) { code in
      for (i, c) in cases.enumerated() {
        guard let at = offsets["c\(i)"], let ref = reference["c\(i)"] else {
          Issue.record("no symbol for \(c.asm)"); continue
        }
        let insn = decoder.decode(code, at: at)
        var ops: [StackOp] = []
        let kind = X86Semantics.classify(insn, insideFunction: false, ops: &ops)
        let opsText = ops.isEmpty ? "-" : ops.map { $0.text(registerName: X86Register.name) }.joined(separator: ",")
        #expect(!ref.bad, "objdump cannot decode \(c.asm)")
        #expect(Int(insn.length) == ref.length, "length of \(c.asm)")
        #expect(kind.name == c.kind, "kind of \(c.asm)")
        #expect(opsText == c.ops, "stack ops of \(c.asm)")
      }
    }
    print("x86-encodings: \(cases.count) corpus cases checked against objdump lengths and objtool rules")
  }

  /// `iretq` inside an STT_FUNC is sync_core()'s iret-to-self: add $40 to rsp.
  @Test func iretInsideFunctionPopsTheFrame() {
    let bytes: [UInt8] = [0x48, 0xCF]
    let insn = bytes.withUnsafeBytes { X86Decoder().decode($0, at: 0) }
    var ops: [StackOp] = []
    #expect(X86Semantics.classify(insn, insideFunction: true, ops: &ops) == .other)
    #expect(ops.map { $0.text(registerName: X86Register.name) } == ["rsp<-rsp+0x28"])
  }

  /// Hot value types stay small (per-instruction columns and the decoder's result).
  @Test func hotTypesAreSmall() {
    #expect(MemoryLayout<StackOp>.size <= 12)
    #expect(MemoryLayout<InstructionKind>.size == 1)
    #expect(MemoryLayout<X86Instruction>.size <= 48)
  }
}
