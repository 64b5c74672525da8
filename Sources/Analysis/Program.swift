import ELFObject
import UnwindModel
import WorkPool

/// A global instruction number across all executable sections of one object. Columns
/// that may name no instruction hold `none` (4 bytes, where an optional takes 8).
public struct InsnRef: Hashable, Comparable, Sendable {
  public var raw: Int32
  public init(_ raw: Int) { self.raw = Int32(truncatingIfNeeded: raw) }
  init(raw: Int32) { self.raw = raw }
  public var int: Int { Int(raw) }
  public static func < (a: Self, b: Self) -> Bool { a.raw < b.raw }
  static let none = InsnRef(raw: -1)
  var isNone: Bool { raw < 0 }
  /// nil for `none`.
  var value: InsnRef? { raw < 0 ? nil : self }
}

/// A symbol of the object (its symbol-table index) as the analysis columns hold it;
/// `none` where there is no symbol.
struct SymbolID: Hashable, Comparable, Sendable {
  var raw: Int32
  init(_ index: Int) { raw = Int32(truncatingIfNeeded: index) }
  init(raw: Int32) { self.raw = raw }
  init(_ index: SymbolIndex) { raw = Int32(truncatingIfNeeded: index.rawValue) }
  var int: Int { Int(raw) }
  static func < (a: Self, b: Self) -> Bool { a.raw < b.raw }
  static let none = SymbolID(raw: -1)
  var isNone: Bool { raw < 0 }
  /// nil for `none`.
  var value: SymbolID? { raw < 0 ? nil : self }
}

/// An alternative group (one stream of a patch site), by index into `Program.groups`.
struct GroupID: Hashable, Sendable {
  var raw: Int32
  init(_ index: Int) { raw = Int32(truncatingIfNeeded: index) }
  init(raw: Int32) { self.raw = raw }
  var int: Int { Int(raw) }
  static let none = GroupID(raw: -1)
  var isNone: Bool { raw < 0 }
  var value: GroupID? { raw < 0 ? nil : self }
}

/// The object as the walk sees it: every executable section's decoded instructions
/// numbered globally, each instruction's owning symbol, and the symbol relations
/// objtool derives (`.cold` parents, aliases). Built once, read-only afterwards.
struct Program {
  /// `AnalysisOptions.tablePerEntry` (objtool 6.1's site tables).
  var tablePerEntry = false

  struct TextSection {
    var section: SectionIndex
    var name: String
    var size: UInt64
    /// Global number of this section's first instruction, and how many it has.
    var first: Int
    var count: Int
    /// Where this section's entries start in `blockStarts`, and how many it has
    /// (-1, 0: none; the section is searched whole).
    var blockBase = -1
    var blockCount = 0
  }

  /// Per big section, per 64-byte block of its bytes, the global number of the first
  /// instruction starting in the block or after it (one more entry: the section's end).
  /// An exact-offset lookup (every relocation, call and table entry asks one) reads two
  /// entries and searches the few instructions between them instead of bisecting a
  /// section of millions. Built for sections of 4,096 instructions and more with at most
  /// four blocks per instruction (4 bytes per 64 of code: 1.3 MB for vmlinux.o).
  private(set) var blockStarts: [Int32] = []
  static let blockShift: UInt64 = 6

  // The decoded instructions of every text section as one set of columns indexed by
  // global instruction number (virtual NOPs appended after the real ones): the walk
  // reads an instruction's offset, kind or ops with one array load.
  private(set) var offsets: [UInt32] = []
  private(set) var lengths: [UInt8] = []
  private(set) var kinds: [InstructionKind] = []
  private(set) var immediates: [Int32] = []
  /// Prefix sums into `stackOps` (one more entry than there are instructions).
  private(set) var opStarts: [UInt32] = [0]
  private(set) var stackOps: [StackOp] = []

  let file: ELFFile
  var sections: [TextSection] = []
  /// Per global instruction: index into `sections`.
  var sectionOf: [Int32] = []
  /// Per global instruction: owning symbol (objtool `insn->sym`).
  var symbolOf: [SymbolID] = []
  /// Per symbol: parent function (`pfunc`), itself unless a `.cold` child. Linked by
  /// name here; `Resolution` relinks a `.cold` part to the function that jumps into it.
  var parent: [SymbolID]
  /// Per symbol: an alias (objtool `sym->alias != sym`): a later symbol of the same
  /// type has the same place and size, and that last one stands for all of them.
  var isAlias: [Bool]
  /// Per symbol: the first symbol (in symbol-table order) of its alias set, or itself.
  var firstAlias: [SymbolID]
  /// Per section index: its slot in `sections` (nil: not a text section).
  var slotOfSection: [Int?]
  /// Instructions decoded from the sections; virtual ones (alternative NOP padding)
  /// are numbered after them.
  var realCount = 0
  var virtuals: [(offset: UInt64, length: Int)] = []
  /// Per instruction (real and virtual): its group, if it belongs to a patch site.
  var groupOf: [GroupID] = []
  var groups: [AlternativeGroup] = []
  /// One shared byte-offset CFI table per patch site, indexed by `AlternativeGroup.table`.
  var siteTableLengths: [Int] = []
  /// Sized symbols (not section/file symbols) by where they start: sorted by section,
  /// offset, then symbol-table order, as parallel columns (no allocation per symbol).
  private var placeSection: [UInt32] = []
  private var placeOffset: [UInt64] = []
  private var placeSymbol: [SymbolID] = []
  /// Per entry of the arrays above, the largest end (offset + size) among the entries of
  /// the same section up to it: which sized symbols contain an offset, in O(log n + k).
  private var placeMaxEnd: [UInt64] = []
  /// Per function symbol: its `.cold` child.
  var coldChild: [SymbolID]
  /// Per symbol: `STT_FUNC` (a flat copy: the walk asks for every instruction).
  let symbolIsFunction: [Bool]
  /// Per text section (slot): its symbols but section and file symbols, by address
  /// (sorted once: two passes ask).
  private var symbolsByAddress: [[SymbolID]] = []

  var count: Int { sectionOf.count }

  /// `ownsNoInstructions`: symbols that label an instruction hidden inside others (objtool
  /// `embedded_insn`), which never become an instruction's owner.
  /// `virtualRoom`: how many virtual NOPs may be added later (one per alternative entry
  /// at most); the columns are sized for them up front, so adding them never copies
  /// the whole program.
  init(file: ELFFile, texts: consuming [(SectionIndex, DecodedText)], virtualRoom: Int = 0, workers: Int = 1,
       ownsNoInstructions: (Symbol) -> Bool = { _ in false }) {
    self.file = file
    parent = file.symbols.indices.map { SymbolID($0) }
    coldChild = Array(repeating: .none, count: file.symbols.count)
    symbolIsFunction = file.symbols.map(\.isFunction)
    // objtool looks symbols up by place in a tree that leaves out zero-size ones.
    var placed: [(section: UInt32, offset: UInt64, symbol: SymbolID)] = []
    for sym in file.symbols where !sym.isSectionSymbol && sym.type != .file && sym.size > 0 {
      if let sec = sym.section.index { placed.append((sec.rawValue, sym.value, SymbolID(sym.index))) }
    }
    placed.sort { ($0.section, $0.offset, $0.symbol) < ($1.section, $1.offset, $1.symbol) }
    placeSection = placed.map(\.section)
    placeOffset = placed.map(\.offset)
    placeSymbol = placed.map(\.symbol)
    placeMaxEnd = []
    placeMaxEnd.reserveCapacity(placed.count)
    for (k, e) in placed.enumerated() {
      let size = file.symbols[e.symbol.int].size
      let end = e.offset.addingReportingOverflow(size).overflow ? UInt64.max : e.offset + size
      let sameSection = k > 0 && placed[k - 1].section == e.section
      placeMaxEnd.append(sameSection ? max(placeMaxEnd[k - 1], end) : end)
    }
    isAlias = Array(repeating: false, count: file.symbols.count)
    firstAlias = file.symbols.indices.map { SymbolID($0) }
    slotOfSection = Array(repeating: nil, count: file.sections.count)
    // Sections, and where each decoded chunk's instructions and stack ops go (the
    // chunks of one section, decoded in parallel, are consecutive).
    let parts = texts.map(\.1)
    var starts: [Int] = [], chunkSlot: [Int32] = [], opStarts0: [Int] = []
    var total = 0, totalOps = 0
    for (index, text) in texts {
      if let last = sections.last, last.section == index {
        sections[sections.count - 1].count += text.count
      } else {
        let s = file.section(index)
        slotOfSection[index.int] = sections.count
        sections.append(TextSection(section: index, name: s.name, size: s.size, first: total, count: text.count))
      }
      starts.append(total)
      chunkSlot.append(Int32(sections.count - 1))
      opStarts0.append(totalOps)
      total += text.count
      totalOps += text.stackOps.count
    }
    let slots = chunkSlot, opBases = opStarts0
    // (Threads only where there is enough to copy: a module's columns are copied faster
    // than threads start.)
    let workers = total >= 1 << 17 ? workers : 1
    // The whole-object columns, each joined from the chunks on every core (with room
    // for the virtual NOPs).
    func join<T: Sendable>(_ column: @escaping @Sendable (DecodedText) -> [T]) -> [T] {
      parallelJoined(count: total, extra: virtualRoom, starts: starts, workers: workers) { k, out in
        column(parts[k]).withUnsafeBufferPointer { out.baseAddress!.initialize(from: $0.baseAddress!, count: out.count) }
      }
    }
    offsets = join(\.offsets)
    lengths = join(\.lengths)
    kinds = join(\.kinds)
    immediates = join(\.immediates)
    sectionOf = parallelJoined(count: total, extra: virtualRoom, starts: starts, workers: workers) { k, out in
      out.initialize(repeating: slots[k])
    }
    // Stack-op starts: 0, then each chunk's own ends moved by the ops before it (part 0
    // writes the leading 0, part k + 1 chunk k).
    opStarts = parallelJoined(count: total + 1, extra: virtualRoom, starts: [0] + starts.map { $0 + 1 }, workers: workers) { k, out in
      guard k > 0 else { out.baseAddress!.initialize(to: 0); return }
      let base = UInt32(opBases[k - 1])
      parts[k - 1].stackOpStarts.withUnsafeBufferPointer { s in
        for j in 0..<out.count { (out.baseAddress! + j).initialize(to: s[j + 1] &+ base) }
      }
    }
    if total < Int(Int32.max) {
      for k in sections.indices {
        let sec = sections[k]
        let blocks = Int(min(sec.size, UInt64(UInt32.max)) >> Self.blockShift) + 2
        guard sec.count >= 4096, blocks <= 4 * sec.count else { continue }
        sections[k].blockBase = blockStarts.count
        sections[k].blockCount = blocks
        blockStarts.reserveCapacity(blockStarts.count + blocks)
        var b = 0
        for i in sec.first..<(sec.first + sec.count) {
          let block = Int(offsets[i] >> UInt32(Self.blockShift))
          while b <= block && b < blocks { blockStarts.append(Int32(i)); b += 1 }
        }
        while b < blocks { blockStarts.append(Int32(sec.first + sec.count)); b += 1 }
      }
    }
    stackOps = parallelJoined(count: totalOps, starts: opBases, workers: workers) { k, out in
      parts[k].stackOps.withUnsafeBufferPointer { out.baseAddress!.initialize(from: $0.baseAddress!, count: out.count) }
    }
    let symbols = file.symbols
    symbolsByAddress = sections.map { s in
      file.symbolIndicesByAddress(in: s.section).filter { symbols[Int($0)].type != .section && symbols[Int($0)].type != .file }
        .map { SymbolID(raw: $0) }
    }
    symbolOf = Array(repeating: .none, count: sectionOf.count)
    symbolOf.reserveCapacity(sectionOf.count + virtualRoom)
    realCount = sectionOf.count
    groupOf = Array(repeating: .none, count: sectionOf.count)
    groupOf.reserveCapacity(sectionOf.count + virtualRoom)
    linkSymbols(ownsNoInstructions: ownsNoInstructions)
  }

  /// Adds a virtual NOP (the padding after a shorter replacement) and returns it.
  mutating func addVirtualNOP(slot: Int, offset: UInt64, length: Int, symbol: SymbolID, group: GroupID) -> InsnRef {
    virtuals.append((offset, length))
    offsets.append(UInt32(truncatingIfNeeded: offset))
    lengths.append(UInt8(truncatingIfNeeded: length))
    kinds.append(.nop)
    immediates.append(0)
    opStarts.append(opStarts[opStarts.count - 1])
    sectionOf.append(Int32(slot))
    symbolOf.append(symbol)
    groupOf.append(group)
    return InsnRef(sectionOf.count - 1)
  }

  func isVirtual(_ i: InsnRef) -> Bool { i.int >= realCount }

  /// Symbols of each text section sorted by offset (stable in symbol-table order), as
  /// objtool's per-section symbol list.
  func sortedSymbols(inSlot slot: Int) -> [SymbolID] { symbolsByAddress[slot] }

  /// The order objtool visits a section's symbols in (`sec_for_each_sym`, its
  /// `symbol_list`): each symbol, in symbol-table order, is put right after the symbol
  /// before it in its interval tree (the last inserted of the greatest start not above
  /// its own; the list's head if none), and a symbol of size 0 is then taken out of the
  /// tree again. Symbols with a size end up by address (ties in symbol-table order); one
  /// without a size stays where it was put, behind everything later put after the same
  /// place (so `f() is missing an ELF size annotation` comes where objtool prints it).
  func objtoolSymbolOrder(inSlot slot: Int) -> [SymbolID] {
    let all = file.symbols
    let inTable = symbolsByAddress[slot].sorted { $0.raw < $1.raw }
    guard inTable.contains(where: { all[$0.int].size == 0 }) else { return symbolsByAddress[slot] }
    let starts = Array(Set(inTable.filter { all[$0.int].size > 0 }.map { all[$0.int].value })).sorted()
    // Prefix maximum of (start, position) over the tree's symbols, by start rank.
    var best = [Int](repeating: -1, count: starts.count + 1)
    func better(_ a: Int, _ b: Int) -> Bool {  // position a after position b in the tree
      guard b >= 0 else { return a >= 0 }
      guard a >= 0 else { return false }
      let (va, vb) = (all[inTable[a].int].value, all[inTable[b].int].value)
      return va != vb ? va > vb : a > b
    }
    var next = [Int](repeating: -1, count: inTable.count + 1)  // index 0: the head
    for (k, sym) in inTable.enumerated() {
      let value = all[sym.int].value
      // Rank: the number of tree starts not above `value`.
      var lo = 0, hi = starts.count
      while lo < hi { let mid = (lo + hi) / 2; if starts[mid] <= value { lo = mid + 1 } else { hi = mid } }
      var prev = -1
      var i = lo
      while i > 0 { if better(best[i], prev) { prev = best[i] }; i &= i - 1 }
      let after = prev + 1  // list node of `prev` (0: the head)
      next[k + 1] = next[after]
      next[after] = k + 1
      if all[sym.int].size > 0 {
        var j = lo
        while j <= starts.count { if better(k, best[j]) { best[j] = k }; j += j & -j }
      }
    }
    var out: [SymbolID] = []
    out.reserveCapacity(inTable.count)
    var node = next[0]
    while node > 0 { out.append(inTable[node - 1]); node = next[node] }
    return out
  }

  private mutating func linkSymbols(ownsNoInstructions: (Symbol) -> Bool) {
    // Aliases: objtool marks every symbol for which a later one (in symbol-table order)
    // has the same place, type and non-zero size; the last of a set is the real one.
    // (By address, the symbols of one place are adjacent, in symbol-table order: the
    // same-size, same-type ones among them are found by a scan of that short run.)
    let all = file.symbols
    for slot in sections.indices {
      let byAddress = sortedSymbols(inSlot: slot).filter { all[$0.int].size > 0 }
      var start = 0
      while start < byAddress.count {
        var end = start + 1
        let value = all[byAddress[start].int].value
        while end < byAddress.count && all[byAddress[end].int].value == value { end += 1 }
        if end - start > 1 {
          for k in (start + 1)..<end {
            let sym = all[byAddress[k].int]
            // The latest earlier symbol of the run with the same size and type.
            for j in stride(from: k - 1, through: start, by: -1) {
              let earlier = all[byAddress[j].int]
              if earlier.size == sym.size && earlier.type == sym.type {
                isAlias[byAddress[j].int] = true
                firstAlias[byAddress[k].int] = firstAlias[byAddress[j].int]
                break
              }
            }
          }
        }
        start = end
      }
    }
    // Owning symbol of each instruction (objtool `insn->sym`): functions and untyped
    // symbols, later ones (by offset) over earlier ones.
    for slot in sections.indices {
      let first = sections[slot].first, end = first + sections[slot].count
      for s in sortedSymbols(inSlot: slot) {
        let sym = file.symbols[s.int]
        guard sym.size > 0 && !isAlias[s.int] && (sym.type == .function || sym.type == .noType)
          && !ownsNoInstructions(sym) else { continue }
        var i = firstInstruction(from: first, to: end, atOrAfter: UInt32(truncatingIfNeeded: sym.value))
        let stop = sym.value &+ sym.size
        while i < end && UInt64(offsets[i]) < stop {
          symbolOf[i] = s
          i += 1
        }
      }
    }
    // `.cold` children: parent by name (objtool's name lookup finds the symbol of that
    // name added last; the jump into the `.cold` part corrects it later).
    // Only the names some `.cold` part asks for are indexed.
    var wanted: [(child: Int, parentName: String)] = []
    for sym in file.symbols where sym.isFunction {
      if let prefix = nameBeforeCold(sym.name) { wanted.append((sym.index.int, prefix)) }
    }
    guard !wanted.isEmpty else { return }
    var byName: [String: SymbolID] = [:]
    byName.reserveCapacity(wanted.count)
    for w in wanted { byName[w.parentName] = SymbolID.none }
    for sym in file.symbols where !sym.isSectionSymbol && byName[sym.name] != nil { byName[sym.name] = SymbolID(sym.index) }
    for w in wanted {
      if let p = byName[w.parentName]?.value {
        parent[w.child] = p
        coldChild[p.int] = SymbolID(w.child)
      }
    }
  }

  // MARK: - Queries

  @inline(__always) func slot(_ i: InsnRef) -> Int { Int(sectionOf[i.int]) }
  @inline(__always) func offset(_ i: InsnRef) -> UInt64 { UInt64(offsets[i.int]) }
  @inline(__always) func length(_ i: InsnRef) -> Int { Int(lengths[i.int]) }
  @inline(__always) func kind(_ i: InsnRef) -> InstructionKind { kinds[i.int] }
  @inline(__always) func immediate(_ i: InsnRef) -> Int64 { Int64(immediates[i.int]) }
  @inline(__always) func ops(_ i: InsnRef) -> ArraySlice<StackOp> {
    stackOps[Int(opStarts[i.int])..<Int(opStarts[i.int + 1])]
  }
  func sectionName(_ i: InsnRef) -> String { sections[slot(i)].name }

  /// The first instruction in `from..<to` at or after section offset `offset`.
  func firstInstruction(from: Int, to: Int, atOrAfter offset: UInt32) -> Int {
    var lo = from, hi = to
    while lo < hi {
      let mid = (lo + hi) / 2
      if offsets[mid] < offset { lo = mid + 1 } else { hi = mid }
    }
    return lo
  }

  /// The instruction starting exactly at `offset` of section `index`.
  func instruction(in index: SectionIndex, at offset: UInt64) -> InsnRef? {
    guard index.int < slotOfSection.count else { return nil }
    guard let slot = slotOfSection[index.int], offset <= UInt64(UInt32.max) else { return nil }
    let sec = sections[slot]
    let end = sec.first + sec.count
    var lo = sec.first, hi = end
    if sec.blockBase >= 0 {
      let block = Int(offset >> Self.blockShift)
      guard block + 1 < sec.blockCount else { return nil }  // past the section's bytes
      lo = Int(blockStarts[sec.blockBase + block])
      hi = Int(blockStarts[sec.blockBase + block + 1])
    }
    let i = firstInstruction(from: lo, to: hi, atOrAfter: UInt32(offset))
    return i < end && UInt64(offsets[i]) == offset ? InsnRef(i) : nil
  }

  /// The same, searched outward from `near` when it is in that section (a branch's
  /// target is usually close to the branch: a few probes instead of a search over the
  /// whole section).
  func instruction(in index: SectionIndex, at offset: UInt64, near: InsnRef) -> InsnRef? {
    guard index.int < slotOfSection.count, !isVirtual(near) else { return instruction(in: index, at: offset) }
    guard let slot = slotOfSection[index.int], slot == self.slot(near), offset <= UInt64(UInt32.max) else { return instruction(in: index, at: offset) }
    let first = sections[slot].first, end = first + sections[slot].count
    let target = UInt32(offset)
    // Gallop to a bracket [lo, hi) around the target, then search inside it.
    var lo = near.int, hi = near.int + 1, step = 1
    if offsets[near.int] < target {
      while hi < end && offsets[hi] < target { lo = hi; hi = min(hi + step, end); step *= 2 }
      hi = min(hi + 1, end)
    } else {
      while lo > first && offsets[lo] > target { hi = lo + 1; lo = max(lo - step, first); step *= 2 }
    }
    let i = firstInstruction(from: lo, to: hi, atOrAfter: target)
    return i < end && offsets[i] == target ? InsnRef(i) : nil
  }

  /// The whole-object offset and kind columns (shared, not copied).
  var columns: (offsets: [UInt32], kinds: [InstructionKind]) { (offsets, kinds) }

  /// The next instruction of the same section (none after a virtual NOP).
  @inline(__always)
  func next(_ i: InsnRef) -> InsnRef? {
    let n = i.int + 1
    return n < realCount && sectionOf[n] == sectionOf[i.int] ? InsnRef(n) : nil
  }

  @inline(__always)
  func previous(_ i: InsnRef) -> InsnRef? {
    guard !isVirtual(i), i.int > 0 else { return nil }
    return sectionOf[i.int - 1] == sectionOf[i.int] ? InsnRef(i.int - 1) : nil
  }

  /// objtool `next_insn_to_validate`: alternatives are patched in place, so the end of
  /// a replacement (after its padding NOP, if any) continues after the original site.
  func nextToValidate(_ i: InsnRef) -> InsnRef? {
    if let g = groupOf[i.int].value {
      let group = groups[g.int]
      if !group.nop.isNone {
        if i == group.last { return group.nop }
        if i == group.nop { return next(groups[group.original.int].last) }
      }
      if i == group.last && !group.original.isNone { return next(groups[group.original.int].last) }
    }
    return next(i)
  }

  /// objtool `insn_func`: the owning symbol if it is a function.
  @inline(__always)
  func function(_ i: InsnRef) -> SymbolID? {
    let s = symbolOf[i.int]
    return !s.isNone && symbolIsFunction[s.int] ? s : nil
  }

  func symbolName(_ s: SymbolID) -> String { file.symbols[s.int].name }

  /// A function's length as objtool sees it (`func->len`): without its `.cold` part
  /// when the compiler placed that part at the function's end.
  func functionLength(_ s: SymbolID) -> UInt64 {
    let f = file.symbols[s.int]
    let c = coldChild[s.int]
    if !c.isNone && c != s {
      let child = file.symbols[c.int]
      if child.section == f.section && child.value >= f.value && child.value &+ child.size == f.value &+ f.size {
        return f.size - child.size
      }
    }
    return f.size
  }

  /// `sym+0xoff` as objtool prints a location (`offstr`): the function containing it
  /// (the one starting first; of aliases, the first in the symbol table), else any
  /// containing symbol, else the section.
  func location(_ i: InsnRef) -> CodeLocation {
    let off = offset(i)
    let idx = sections[slot(i)].section
    let fn = function(i).map { symbolName(parent[$0.int]) }
    func at(_ sym: Symbol) -> CodeLocation {
      CodeLocation(section: sectionName(i), offset: off, symbol: sym.name, symbolOffset: off - sym.value, function: fn)
    }
    // Usually the owning function: the first of its aliases.
    if let own = symbolOf[i.int].value {
      let sym = file.symbols[firstAlias[own.int].int]
      if sym.isFunction && sym.section == .section(idx) && sym.value <= off && off < sym.value &+ sym.size {
        return at(sym)
      }
    }
    if let b = namingSymbol(containing: off, in: idx, preferFunctions: true) { return at(b) }
    return CodeLocation(section: sectionName(i), offset: off, symbol: nil, symbolOffset: off, function: fn)
  }

  /// objtool `offstr` for any place of the object, instruction or not: in code the
  /// function containing it, else any sized symbol containing it (the lowest start), else
  /// the section (`f+0x5: special: can't find new instruction`).
  func objtoolPlace(_ section: SectionIndex, _ offset: UInt64) -> CodeLocation {
    let best = namingSymbol(containing: offset, in: section, preferFunctions: file.section(section).isExecutable)
    return CodeLocation(section: file.section(section).name, offset: offset, symbol: best?.name,
                        symbolOffset: offset &- (best?.value ?? 0), function: best.flatMap { $0.isFunction ? $0.name : nil })
  }

  /// The sized symbol a place is named after (objtool `offstr`): among those containing
  /// it, a function first (with `preferFunctions`), then the lowest start, then the
  /// first in the symbol table.
  func namingSymbol(containing offset: UInt64, in section: SectionIndex, preferFunctions: Bool) -> Symbol? {
    let key = (section.rawValue, offset)
    var lo = 0, hi = placeSymbol.count
    while lo < hi {
      let mid = (lo + hi) / 2
      if (placeSection[mid], placeOffset[mid]) <= key { lo = mid + 1 } else { hi = mid }
    }
    var best: Symbol?
    var k = lo - 1
    while k >= 0 && placeSection[k] == section.rawValue && placeMaxEnd[k] > offset {
      let sym = file.symbols[placeSymbol[k].int]
      if offset < sym.value &+ sym.size {
        if let b = best {
          let better = preferFunctions && sym.isFunction != b.isFunction ? sym.isFunction
            : (sym.value, sym.index.rawValue) < (b.value, b.index.rawValue)
          if better { best = sym }
        } else {
          best = sym
        }
      }
      k -= 1
    }
    return best
  }

  /// Symbols starting at `offset` of `section`, in symbol-table order.
  func symbols(startingAt offset: UInt64, in section: SectionIndex) -> ArraySlice<SymbolID> {
    let key = (section.rawValue, offset)
    var lo = 0, hi = placeSymbol.count
    while lo < hi {
      let mid = (lo + hi) / 2
      if (placeSection[mid], placeOffset[mid]) < key { lo = mid + 1 } else { hi = mid }
    }
    var end = lo
    while end < placeSymbol.count && placeSection[end] == key.0 && placeOffset[end] == key.1 { end += 1 }
    return placeSymbol[lo..<end]
  }

  /// The relocation patching a byte of instruction `i` (objtool `insn_reloc`).
  func relocation(in i: InsnRef, relocations: RelocationIndexCache) -> Relocation? {
    relocations.first(in: sections[slot(i)].section, from: offset(i), to: offset(i) + UInt64(length(i)))
  }
}

/// Sorted relocation offsets per section, for "the relocation inside this
/// instruction" queries.
struct RelocationIndexCache {
  private var bySection: [SectionIndex: [Relocation]] = [:]

  init(file: ELFFile) {
    for rs in file.relocationSections {
      bySection[rs.target, default: []].append(contentsOf: rs.relocations)
    }
    for k in Array(bySection.keys) { bySection[k]!.sort { $0.offset < $1.offset } }
  }

  func first(in section: SectionIndex, from start: UInt64, to end: UInt64) -> Relocation? {
    guard let list = bySection[section] else { return nil }
    var lo = 0, hi = list.count
    while lo < hi {
      let mid = (lo + hi) / 2
      if list[mid].offset < start { lo = mid + 1 } else { hi = mid }
    }
    return lo < list.count && list[lo].offset < end ? list[lo] : nil
  }

  func all(in section: SectionIndex) -> [Relocation] { bySection[section] ?? [] }

  /// The same index for these sections only (shared storage: nothing is copied, the
  /// others are released with the original).
  func restricted(to sections: [SectionIndex]) -> RelocationIndexCache {
    var out = self
    out.bySection = [:]
    for s in sections { out.bySection[s] = bySection[s] }
    return out
  }
}

/// The relocation inside each instruction, for a pass that visits instructions in
/// program order: per section a cursor moves forward through its sorted relocations
/// (a kernel's .text has 440 k of them: no search per jump or call). A query that goes
/// backwards searches.
struct RelocationCursor {
  private let relocations: RelocationIndexCache
  private var slot = -1
  private var list: [Relocation] = []
  private var next = 0

  init(_ relocations: RelocationIndexCache) { self.relocations = relocations }

  mutating func relocation(in i: InsnRef, _ p: Program) -> Relocation? {
    let s = p.slot(i)
    let start = p.offset(i), end = start + UInt64(p.length(i))
    if s != slot {
      slot = s
      list = relocations.all(in: p.sections[s].section)
      // (A cursor may start anywhere in a section: the first relocation at or after.)
      var lo = 0, hi = list.count
      while lo < hi {
        let mid = (lo + hi) / 2
        if list[mid].offset < start { lo = mid + 1 } else { hi = mid }
      }
      next = lo
    } else if next > 0 && list[next - 1].offset >= start {
      return p.relocation(in: i, relocations: relocations)
    }
    while next < list.count && list[next].offset < start { next += 1 }
    return next < list.count && list[next].offset < end ? list[next] : nil
  }
}

/// The part of `name` before its first ".cold" (objtool: `strstr(name, ".cold")`).
func nameBeforeCold(_ name: String) -> String? {
  // Over the name's own UTF-8 (no copy: called for every function of a kernel).
  var name = name
  return name.withUTF8 { b -> String? in
    guard b.count >= 5 else { return nil }
    for i in 0...(b.count - 5) where b[i] == 0x2E && b[i + 1] == 0x63 && b[i + 2] == 0x6F && b[i + 3] == 0x6C && b[i + 4] == 0x64 {
      return String(decoding: UnsafeBufferPointer(rebasing: b[..<i]), as: UTF8.self)
    }
    return nil
  }
}

/// Where code is not covered by any sized symbol, per text section (objtool
/// `find_symbol_hole_containing`): linked objects keep the code of weak functions that
/// lost to a strong one, in such holes.
struct SymbolHoles {
  enum Hole: Equatable {
    /// Inside a symbol, or before the section's first symbol: not a hole.
    case none
    /// From here to the end of the section.
    case toEnd
    /// Up to the start of the next symbol (a section offset).
    case until(UInt64)
  }

  private var spans: [SectionSpans]

  init(_ p: Program) { spans = p.sections.map { SectionSpans(p.file, $0.section) } }

  func hole(containing i: InsnRef, _ p: Program) -> Hole {
    let s = spans[p.slot(i)], off = p.offset(i)
    if s.countStarting(atOrBefore: off) == 0 || s.covers(off) { return .none }
    return s.nextStart(after: off).map { .until($0) } ?? .toEnd
  }
}
