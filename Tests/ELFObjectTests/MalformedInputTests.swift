// Malformed input must give one clear error (ELFError -> one line naming file, section
// and offset), never a trap. Variants come from every TestObjects object.
import ELFObject
import Foundation
import Testing
import UnwindDriver
import UnwindTestSupport

struct MalformedInputTests {
  @Test(arguments: TestSupport.testObjects())
  func everyCorruptVariantGivesOneWellFormedError(_ relative: String) throws {
    let variants = try CorruptObjects.variants(of: TestSupport.absolute(relative))
    let dir = try TestSupport.temporaryDirectory("corrupt")
    defer { try? FileManager.default.removeItem(at: dir) }
    var failures: [String] = []
    for (n, v) in variants.enumerated() {
      let path = dir.appendingPathComponent("v\(n).o").path
      try Data(v.bytes).write(to: URL(fileURLWithPath: path))
      do {
        _ = try ELFFile.open(path: path)
        failures.append("\(v.name): opened without error")
      } catch {
        let line = DiagnosticFormat.line(for: error, path: path)
        if !CorruptObjects.lineIsWellFormed(line, path: path) { failures.append("\(v.name): malformed line: \(line)") }
        if let e = v.expected, !line.contains(e) { failures.append("\(v.name): expected '\(e)' in: \(line)") }
      }
    }
    #expect(failures.isEmpty, "\(failures.count) of \(variants.count) variants:\n\(failures.joined(separator: "\n"))")
    print("malformed-input: \(relative): \(variants.count) variants, \(variants.count - failures.count) rejected as expected")
  }

  /// Random byte mutations of the structural parts of each object (header, section
  /// table, symbol table, relocations, string tables): opening must either succeed or
  /// throw a located ELFError. A trap would end the test process.
  @Test(arguments: TestSupport.testObjects())
  func randomMutationsNeverTrap(_ relative: String) throws {
    let path = TestSupport.absolute(relative)
    let original = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
    let file = try ELFFile.open(path: path)
    var regions: [Range<Int>] = [0..<64]
    let shoff = Int(file.header.sectionTableOffset)
    regions.append(shoff..<shoff + 64 * file.sections.count)
    for s in file.sections where [.symtab, .rela, .strtab].contains(s.type) && s.size > 0 {
      regions.append(Int(s.fileOffset)..<Int(s.fileOffset + s.size))
    }
    var rng = SplitMix64(seed: UInt64(truncatingIfNeeded: relative.utf8.reduce(5381) { $0 &* 33 &+ Int($1) }))
    let dir = try TestSupport.temporaryDirectory("mutate")
    defer { try? FileManager.default.removeItem(at: dir) }
    let target = dir.appendingPathComponent("m.o")
    var opened = 0, rejected = 0
    for _ in 0..<1500 {
      var bytes = original
      for _ in 0...(rng.next() % 4) {
        let region = regions[Int(rng.next() % UInt64(regions.count))]
        let at = region.lowerBound + Int(rng.next() % UInt64(region.count))
        bytes[at] = rng.next() % 3 == 0 ? 0xFF : UInt8(truncatingIfNeeded: rng.next())
      }
      try Data(bytes).write(to: target)
      do {
        let f = try ELFFile.open(path: target.path)
        // Touch everything a later pass would: every section's bytes.
        for s in f.sections { _ = f.withBytes(of: s.index) { $0.reduce(0) { $0 &+ Int($1) } } }
        opened += 1
      } catch {
        #expect(CorruptObjects.lineIsWellFormed(DiagnosticFormat.line(for: error, path: target.path), path: target.path))
        rejected += 1
      }
    }
    #expect(opened + rejected == 1500)
    print("random-mutation: \(relative): 1500 mutants, \(rejected) rejected, \(opened) still valid, 0 traps")
  }
}
