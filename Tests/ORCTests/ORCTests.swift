// ORC formats and `orc dump` against objects whose ORC the real objtool wrote
// (TestObjects/orc, recorded by Scripts/record-orc-goldens.sh).
import ELFObject
import Foundation
import ORC
import Testing
import UnwindTestSupport

struct ORCTests {
  static var goldens: [String] {
    ((try? FileManager.default.contentsOfDirectory(atPath: TestSupport.testObjectsDirectory.appendingPathComponent("orc").path)) ?? [])
      .filter { $0.hasSuffix(".o") }.map { String($0.dropLast(2)) }.sorted()
  }

  @Test(arguments: goldens)
  func dumpMatchesObjtool(_ name: String) throws {
    let base = TestSupport.absolute("TestObjects/orc/\(name)")
    let expected = try String(contentsOfFile: base + ".dump.txt", encoding: .utf8).split(separator: "\n").map(String.init)
    let file = try ELFFile.open(path: base + ".o")
    let ours = try ORCDump.lines(file, format: name.hasSuffix("objtool61") ? .v6_1 : .v6_12)
    #expect(!expected.isEmpty)
    #expect(ours == expected)
  }

  /// Byte layouts from the fact sheet's observed entries: `08 00 00 00 05 02` is SP+8,
  /// BP undefined, CALL (6.12); `10 00 f0 ff 15 02` SP+16 with BP at PREV_SP-16; 6.1
  /// encodes CALL as type 0.
  @Test func entryBytes() {
    let call = ORCEntry(spOffset: 8, bpOffset: 0, spRegister: ORCRegister.sp, bpRegister: ORCRegister.undefined, type: 2, flag: false)
    #expect(call.bytes(order: .little, format: .v6_12) == [0x08, 0x00, 0x00, 0x00, 0x05, 0x02])
    let saved = ORCEntry(spOffset: 16, bpOffset: -16, spRegister: ORCRegister.sp, bpRegister: ORCRegister.prevSP, type: 2, flag: false)
    #expect(saved.bytes(order: .little, format: .v6_12) == [0x10, 0x00, 0xF0, 0xFF, 0x15, 0x02])
    let old = ORCEntry(spOffset: 8, bpOffset: 0, spRegister: ORCRegister.sp, bpRegister: 0, type: 0, flag: false)
    #expect(old.bytes(order: .little, format: .v6_1) == [0x08, 0x00, 0x00, 0x00, 0x05, 0x00])
    #expect(MemoryLayout<ORCEntry>.size <= 8)
    // Round trip through the reader.
    let bytes = saved.bytes(order: .little, format: .v6_12)
    let back = bytes.withUnsafeBytes { ORCEntry(ByteReader($0, order: .little), index: 0, format: .v6_12) }
    #expect(back == saved)
  }
}
