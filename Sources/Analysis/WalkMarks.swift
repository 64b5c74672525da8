import UnwindModel

/// What the walk records, per instruction (the CFI state before it, whether it was
/// reached), per symbol (already warned about) and per patch-site slot (the shared
/// byte-offset table's state and which instruction wrote it), in fixed buffers that
/// every copy of a `Walker` shares. The parallel walk's threads write disjoint
/// entries: each walks whole functions, and a function's walk touches only its own
/// instructions, symbols and sites (anything else stops it: see `Walker`).
final class WalkMarks: @unchecked Sendable {
  // @unchecked: disjoint writers while threads run; one thread otherwise.
  let cfi: IDBuffer
  let visited: UnsafeMutablePointer<Bool>
  /// `--uaccess`: bit 0 walked with user access disabled, bit 1 enabled (objtool's
  /// VISITED_BRANCH and VISITED_BRANCH_UACCESS).
  let uaccessVisits: UnsafeMutablePointer<UInt8>
  let warned: UnsafeMutablePointer<Bool>
  /// All site tables end to end: table `t` is `siteBase[t]..<siteBase[t + 1]`.
  let siteSlots: UnsafeMutablePointer<UInt32>
  let siteWriters: UnsafeMutablePointer<Int32>
  let siteBase: [Int]

  init(instructions: Int, symbols: Int, siteTables lengths: [Int], uaccess: Bool = true) {
    var base: [Int] = []
    var total = 0
    for n in lengths { base.append(total); total += n }
    siteBase = base + [total]
    cfi = IDBuffer(count: instructions, repeating: UInt32.max)
    visited = .allocate(capacity: max(instructions, 1))
    visited.initialize(repeating: false, count: instructions)
    // (Only `--uaccess` walks read or write it.)
    let visits = uaccess ? instructions : 0
    uaccessVisits = .allocate(capacity: max(visits, 1))
    uaccessVisits.initialize(repeating: 0, count: max(visits, 1))
    warned = .allocate(capacity: max(symbols, 1))
    warned.initialize(repeating: false, count: symbols)
    siteSlots = .allocate(capacity: max(total, 1))
    siteSlots.initialize(repeating: UInt32.max, count: total)
    siteWriters = .allocate(capacity: max(total, 1))
    siteWriters.initialize(repeating: -1, count: total)
  }

  deinit {
    visited.deallocate()
    uaccessVisits.deallocate()
    warned.deallocate()
    siteSlots.deallocate()
    siteWriters.deallocate()
  }

  /// Site table `t`'s slots.
  func siteTable(_ t: Int) -> UnsafeBufferPointer<UInt32> {
    UnsafeBufferPointer(start: siteSlots + siteBase[t], count: siteBase[t + 1] - siteBase[t])
  }
}
