// unwindcheck's SFrame encoder against binutils' own bytes.
import ELFObject
import Foundation
import SFrame
import Testing
import UnwindTestSupport

struct SFrameCodingTests {
  /// The `.sframe` GNU as 2.47 writes (version 3, relocatable: starts 0, flag
  /// PC-relative starts) for a two-byte leaf and a seven-byte frame-pointer function, as
  /// recorded in the public repository JoNil-Botta/typelisp
  /// (tests/fixtures/sframe-v3/binutils-2.47-amd64-le-v1-basic.expected, binutils tag
  /// binutils-2_47). Tool output: facts, not code.
  static let binutils247: [UInt8] = [
    0xe2, 0xde, 0x03, 0x04, 0x03, 0x00, 0xf8, 0x00, 0x02, 0x00, 0x00, 0x00, 0x05, 0x00, 0x00, 0x00,
    0x1c, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x00, 0x00, 0x07, 0x00, 0x00, 0x00, 0x08, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00,
    0x00, 0x00, 0x03, 0x08, 0x04, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03, 0x08, 0x01, 0x05, 0x10, 0xf0,
    0x04, 0x04, 0x10, 0xf0, 0x06, 0x05, 0x08, 0xf0,
  ]

  /// Scripts/sframe-read.py, the reader written from the specification, reads binutils
  /// 2.47's version 3 as the rows GNU as 2.40 wrote for the same functions.
  @Test(.enabled(if: TestSupport.hasTool("python3")))
  func theSpecificationReaderReadsBinutils247() throws {
    let dir = try TestSupport.temporaryDirectory("sframe247")
    defer { try? FileManager.default.removeItem(at: dir) }
    let bin = dir.appendingPathComponent("v3.bin")
    try Data(Self.binutils247).write(to: bin)
    let r = try TestSupport.run("python3", [TestSupport.absolute("Scripts/sframe-read.py"), "--raw-rows", bin.path])
    #expect(r.status == 0, "\(r.stderr)")
    #expect(r.stdout == """
      F +0x1c 2 1
      R +0x1c cfa=sp+8 fp=u ra=f s=0
      F +0x2c 7 4
      R +0x2c cfa=sp+8 fp=u ra=f s=0
      R +0x2d cfa=sp+16 fp=c-16 ra=f s=0
      R +0x30 cfa=fp+16 fp=c-16 ra=f s=0
      R +0x32 cfa=sp+8 fp=c-16 ra=f s=0

      """)
  }

  /// The same two functions (TestObjects/sframe/pcrel.S) assembled by Debian's GNU as
  /// 2.40 give version 1; its rows, read by unwindcheck's decoder and written by its
  /// encoder as version 3, are binutils 2.47's bytes exactly, and decode back to the
  /// same rows.
  @Test func version3IsWhatBinutils247Writes() throws {
    let file = try ELFFile.open(path: TestSupport.absolute("TestObjects/sframe/pcrel.o"))
    let section = try #require(file.section(named: ".sframe"))
    let v1 = try file.withBytes(of: section.index) { SFrameCoding.decode($0) }.get()
    #expect(v1.version == 1 && v1.functions.count == 2)
    let table = SFrame.Table(version: 3, flags: .startPCRelative, abi: v1.abi, fixedFPOffset: v1.fixedFPOffset,
                             fixedRAOffset: v1.fixedRAOffset,
                             functions: v1.functions.map { SFrame.Function(section: SectionIndex(1), start: 0, size: $0.size, rows: $0.rows) })
    let encoded = try SFrameCoding.encode(table, order: .little)
    #expect(encoded.bytes == Self.binutils247)
    // Both start fields are 64-bit, at the index entries (as 2.47's R_X86_64_PC64).
    #expect(encoded.startFields.map(\.offset) == [28, 44] && encoded.startFields.allSatisfy { $0.width == 8 })
    let back = try Self.binutils247.withUnsafeBytes { SFrameCoding.decode($0) }.get()
    #expect(back.version == 3 && back.flags == .startPCRelative && back.rowCount == 5)
    for (a, b) in zip(back.functions, v1.functions) {
      #expect(a.size == b.size && a.rows.count == b.rows.count)
      #expect(zip(a.rows, b.rows).allSatisfy { $0.offset == $1.offset && $0.sameRule(as: $1) })
    }
  }
}
