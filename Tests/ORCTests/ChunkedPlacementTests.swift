// The ORC placement of a big section scanned in chunks on several threads equals the
// placement of one scan (the chunks never start inside a patch site, and the join drops
// each entry that repeats the one before it).
import ELFObject
import ORC
import Testing
import UnwindModel
import UnwindTestSupport

struct ChunkedPlacementTests {
  @Test(arguments: [1, 7, 42])
  func chunksGiveTheSinglePassPlacement(_ seed: UInt64) throws {
    var rng = SplitMix64(seed: seed)
    var table = CFIStateTable()
    var ids: [UInt32] = []
    for k in 0..<12 {
      var s = CFIState.allUndefined
      s.cfa = CFIRule(base: 4, offset: Int32(8 * (k + 1)))
      s.type = .call
      ids.append(table.intern(s).rawValue)
    }
    // 300 k instructions of 1-7 bytes; runs of equal state, some never reached.
    var offsets: [UInt32] = [], cfi: [UInt32] = []
    var off: UInt32 = 0
    var current = ids[0]
    for _ in 0..<300_000 {
      if rng.next() % 5 == 0 { current = rng.next() % 9 == 0 ? UInt32.max : ids[Int(rng.next() % 12)] }
      offsets.append(off)
      cfi.append(current)
      off += UInt32(1 + rng.next() % 7)
    }
    // Patch sites at some instruction starts, over a few instructions each.
    var sites: [(start: UInt64, end: UInt64, table: [CFIStateID?])] = []
    var i = 1_000
    while i < offsets.count - 20 {
      let start = UInt64(offsets[i]), end = UInt64(offsets[i + 1 + Int(rng.next() % 5)])
      let slots: [CFIStateID?] = (0..<Int(end - start)).map { _ in rng.next() % 3 == 0 ? nil : CFIStateID(rawValue: ids[Int(rng.next() % 12)]) }
      sites.append((start, end, slots))
      i += 500 + Int(rng.next() % 3_000)
    }
    let input = ORCSectionInput(section: SectionIndex(1), name: ".text", size: UInt64(off),
                                offsets: Column(offsets), cfi: CFIColumn(raw: cfi), sites: sites)
    let registers = ORCRegisterSlots(cfaBases: [(4, 5), (5, 4)], framePointer: 5, returnAddress: 16)
    let one = try ORCGenerator.x86Placement([input], states: table, format: .v6_12, registers: registers, workers: 1)
    let many = try ORCGenerator.x86Placement([input], states: table, format: .v6_12, registers: registers, workers: 4)
    #expect(ORCGenerator.chunkStarts(input, workers: 4).count > 2)
    #expect(one.count > 10_000)
    #expect(one.offsets == many.offsets)
    #expect(one.entries == many.entries)
    #expect(one.input == many.input)
  }
}
