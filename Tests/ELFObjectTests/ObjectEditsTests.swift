// Edits as data: an ObjectEdits list applied by ObjectEditor, read back by GNU readelf
// (the oracle) on a little-endian x86-64 and a big-endian AArch64 object.
import ELFObject
import Foundation
import Testing
import UnwindTestSupport

@Suite(.enabled(if: TestSupport.hasTool("readelf"), "GNU readelf is the oracle"))
struct ObjectEditsTests {
  /// readelf -rW as (relocation section, offset, type, "symbol +/- addend") rows.
  static func relocationRows(_ path: String) throws -> [[String]] {
    var rows: [[String]] = []
    var current = ""
    for line in try TestSupport.run("readelf", ["-rW", path]).stdout.split(separator: "\n") {
      if line.hasPrefix("Relocation section '") {
        current = String(line.dropFirst("Relocation section '".count).prefix { $0 != "'" })
        continue
      }
      let t = line.split(separator: " ").map(String.init)
      guard t.count >= 4, t[0].count == 16, UInt64(t[0], radix: 16) != nil else { continue }
      rows.append([current, t[0], t[2], t[4...].joined(separator: " ")])
    }
    return rows
  }

  /// readelf -sW as (name, type, binding, ndx) by symbol index.
  static func symbolRows(_ path: String) throws -> [[String]] {
    try TestSupport.run("readelf", ["-sW", path]).stdout.split(separator: "\n").compactMap { line in
      let t = line.split(separator: " ").map(String.init)
      guard t.count >= 7, t[0].hasSuffix(":"), Int(t[0].dropLast()) != nil else { return nil }
      return [t.count > 7 ? t[7] : "", t[3], t[4], t[6]]
    }
  }

  @Test(arguments: ["TestObjects/x86_64/frames.o", "TestObjects/bigendian/frames.o"])
  func symbolsSectionsRelocationsAndPatchesReadBackByReadelf(_ relative: String) throws {
    let path = TestSupport.absolute(relative)
    let file = try ELFFile.open(path: path)
    let text = try #require(file.section(named: ".text"))
    let aarch64 = file.machine == .aarch64
    let firstGlobal = Int(file.section(try #require(file.symbolTable)).info)
    let someGlobal = try #require(file.symbols.first { $0.binding == .global })

    var edits = ObjectEdits()
    let local = edits.addSymbol(SymbolEdit(name: "uc_local", type: .function, binding: .local,
                                           section: text.index, value: 0, size: 1))
    let global = edits.addSymbol(SymbolEdit(name: "uc_global", type: .noType, binding: .global,
                                            section: text.index, value: 2, size: 0))
    let type: RelocationType = aarch64 ? .aarch64PREL32 : .x86_64PC32
    edits.sections = [SectionEdit(name: ".uc_table", flags: .alloc, alignment: 4, entrySize: 4, contents: .zeros(16),
                                  relocations: [
                                    RelocationEdit(offset: 0, type: type, symbol: .sectionSymbol(text.index), addend: 8),
                                    RelocationEdit(offset: 4, type: type, symbol: global, addend: -4),
                                    RelocationEdit(offset: 8, type: type, symbol: local, addend: 0),
                                    RelocationEdit(offset: 12, type: type, symbol: .existing(someGlobal.index), addend: 1),
                                  ])]
    edits.patches = [BytePatch(section: text.index, offset: 0, bytes: [0xde, 0xad]),
                     BytePatch(section: text.index, offset: 4, bytes: [0xbe, 0xef])]
    // The first relocation against .text becomes R_*_NONE (objtool's jump-label NOP).
    let relaText = try #require(file.relocationSections.first { $0.target == text.index })
    edits.relocationTypes = [RelocationTypeEdit(section: relaText.section, index: 0, type: .none)]
    let dir = try TestSupport.temporaryDirectory("object-edits")
    let out = dir.appendingPathComponent("edited.o").path
    try ObjectEditor(file: file).write(edits, replace: false, to: out)

    // Every relocation the object had still names the same symbol with the same addend
    // (the indices after the new local moved by one).
    let before = try Self.relocationRows(path), after = try Self.relocationRows(out)
    let relaName = file.section(relaText.section).name
    let firstText = try #require(before.firstIndex { $0[0] == relaName })
    #expect(after[firstText][2] == (aarch64 ? "R_AARCH64_NONE" : "R_X86_64_NONE"))
    var expected = before
    expected[firstText][2] = after[firstText][2]
    #expect(Array(after.prefix(before.count)) == expected)
    let table = after.filter { $0[0] == ".rela.uc_table" }
    #expect(table.map { $0[1].suffix(2) } == ["00", "04", "08", "0c"])
    #expect(table.map { $0[2] } == Array(repeating: aarch64 ? "R_AARCH64_PREL32" : "R_X86_64_PC32", count: 4))
    #expect(table[1][3] == "uc_global - 4")
    #expect(table[2][3] == "uc_local + 0")
    #expect(table[3][3] == "\(someGlobal.name) + 1")
    #expect(table[0][3] == ".text + 8")

    // objtool's order: each new local takes the first global's index and that global
    // moves to the end; a new global goes to the end. Here the section symbol for .text
    // (when the object had none: its first relocation needs it) and uc_local are
    // locals, uc_global is created between them.
    let created = file.symbols.contains { $0.isSectionSymbol && $0.section == .section(text.index) } ? 0 : 1
    let oldSymbols = try Self.symbolRows(path), newSymbols = try Self.symbolRows(out)
    #expect(newSymbols.count == oldSymbols.count + 2 + created)
    var order = oldSymbols
    var locals = 0
    func addLocal(_ row: [String]) { order.append(order[firstGlobal + locals]); order[firstGlobal + locals] = row; locals += 1 }
    addLocal(["uc_local", "FUNC", "LOCAL", "\(text.index.rawValue)"])
    order.append(["uc_global", "NOTYPE", "GLOBAL", "\(text.index.rawValue)"])
    if created == 1 { addLocal([".text", "SECTION", "LOCAL", "\(text.index.rawValue)"]) }
    #expect(newSymbols == order)

    // The patched bytes, the rest of .text as it was.
    let edited = try ELFFile.open(path: out)
    let old = file.withBytes(of: text.index) { [UInt8]($0) }
    let new = edited.withBytes(of: text.index) { [UInt8]($0) }
    #expect(new.count == old.count)
    #expect(Array(new[0..<2]) == [0xde, 0xad] && Array(new[4..<6]) == [0xbe, 0xef])
    #expect(new[2..<4] == old[2..<4] && new[6...] == old[6...])
  }

  @Test(arguments: ["TestObjects/x86_64/frames.o", "TestObjects/bigendian/frames.o"])
  func relocationTypeChangeWithoutSymbolInsertion(_ relative: String) throws {
    let path = TestSupport.absolute(relative)
    let file = try ELFFile.open(path: path)
    let rela = try #require(file.relocationSections.first)
    var edits = ObjectEdits()
    edits.relocationTypes = [RelocationTypeEdit(section: rela.section, index: rela.relocations.count - 1, type: .none)]
    let out = try TestSupport.temporaryDirectory("object-edits-type").appendingPathComponent("t.o").path
    try ObjectEditor(file: file).write(edits, replace: false, to: out)
    let before = try Self.relocationRows(path), after = try Self.relocationRows(out)
    #expect(before.count == after.count)
    let name = file.section(rela.section).name
    let last = try #require(before.lastIndex { $0[0] == name })
    for k in before.indices {
      if k == last {
        #expect(after[k][2].hasSuffix("_NONE") && after[k][1] == before[k][1])
      } else {
        #expect(after[k] == before[k])
      }
    }
  }

  @Test func badEditsAreErrorsAndLeaveTheObjectAlone() throws {
    let path = TestSupport.absolute("TestObjects/x86_64/frames.o")
    let file = try ELFFile.open(path: path)
    let text = try #require(file.section(named: ".text"))
    let dir = try TestSupport.temporaryDirectory("object-edits-bad")
    let out = dir.appendingPathComponent("copy.o").path
    try FileManager.default.copyItem(atPath: path, toPath: out)
    let original = try Data(contentsOf: URL(fileURLWithPath: out))
    let copy = try ELFFile.open(path: out)
    var cases: [ObjectEdits] = []
    var overlap = ObjectEdits()
    overlap.patches = [BytePatch(section: text.index, offset: 0, bytes: [1, 2, 3]), BytePatch(section: text.index, offset: 2, bytes: [4])]
    cases.append(overlap)
    var pastEnd = ObjectEdits()
    pastEnd.patches = [BytePatch(section: text.index, offset: text.size - 1, bytes: [1, 2])]
    cases.append(pastEnd)
    var noSection = ObjectEdits()
    noSection.patches = [BytePatch(section: SectionIndex(9999), offset: 0, bytes: [1])]
    cases.append(noSection)
    var badSymbol = ObjectEdits()
    badSymbol.sections = [SectionEdit(name: ".x", flags: .alloc, alignment: 1, entrySize: 4, contents: .zeros(4),
                                      relocations: [RelocationEdit(offset: 0, type: .x86_64PC32, symbol: .added(3), addend: 0)])]
    cases.append(badSymbol)
    for edits in cases {
      #expect(throws: ObjectEditError.self) { try ObjectEditor(file: copy).write(edits, replace: false, to: out) }
    }
    #expect(try Data(contentsOf: URL(fileURLWithPath: out)) == original)
    let leftovers = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0 != "copy.o" }
    #expect(leftovers.isEmpty)
  }
}
