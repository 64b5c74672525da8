import ELFObject
import UnwindModel
import WorkPool

/// The walk of a big object's functions on every core (see `walkInParallel`).
extension Walker {
  /// What one thread of the parallel walk leaves: its state table and transition memo
  /// (its ids), the roots it walked with their findings, and their functions.
  struct ThreadWalk {
    var table: CFIStateTable
    var transitions: TransitionMemo
    var roots: [(item: Int, findings: [Finding], warnings: Int)] = []
    var functions: [SymbolID] = []
  }

  /// A value handed to worker threads as it is (they only read it, or own it).
  final class Handoff<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
  }

  /// Walks the roots that are independent of all others on `walkThreads` threads, and
  /// returns, per item, the findings and count of each root it walked (nil: left to the
  /// sequential pass, which walks it in order as before).
  ///
  /// A root is independent when its function has no other root (and no root is outside
  /// every function: the caller checks). A function's walk reads and writes only its
  /// own instructions, symbols and sites: entering another function's code is a finding
  /// or a sibling call. Code of no function can be reached from several: a thread's
  /// walk that would enter it (or read a SAVE mark outside its function) stops, its
  /// marks are undone, and the sequential pass walks that root in its turn. So every
  /// root sees exactly what it sees when all are walked in order.
  ///
  /// Each thread interns states in its own table; thread w takes chunks w, w+T, ... (a
  /// fixed split: the same ids every run). Afterwards the tables are merged into thread
  /// 0's and every id another thread wrote is renumbered.
  mutating func walkInParallel(_ items: [RootItem], entry: CFIStateID) -> [(findings: [Finding], warnings: Int)?] {
    var rootsOf: [SymbolID: Int] = [:]
    for item in items where item.missingSize == nil { if let f = item.function { rootsOf[f, default: 0] += 1 } }
    let independent = items.indices.filter { k in items[k].missingSize == nil && items[k].function.map { rootsOf[$0] == 1 } == true }
    let threads = min(options.walkThreads, 16)
    let chunk = max(32, independent.count / (threads * 32))
    let chunkCount = (independent.count + chunk - 1) / chunk
    var base = self
    base.speculative = true
    base.findings = []
    base.transitions = TransitionMemo()  // each thread grows its own memo
    let shared = Handoff((base: base, items: items, independent: independent))
    let outputs = OrderedSlots<Handoff<ThreadWalk>>(count: threads)
    parallelFor(count: threads, workers: threads) { w in
      var v = shared.value.base
      var out = ThreadWalk(table: v.table, transitions: TransitionMemo())
      for c in stride(from: w, to: chunkCount, by: threads) {
        let range = (c * chunk)..<min((c + 1) * chunk, shared.value.independent.count)
        let walkedBefore = out.roots.count
        defer { v.options.rootsWalked?(out.roots.count - walkedBefore, shared.value.items.count) }
        for k in shared.value.independent[range] {
          let item = shared.value.items[k]
          v.leftFunction = false
          v.marked.removeAll(keepingCapacity: true)
          v.markedSlots.removeAll(keepingCapacity: true)
          let before = v.findings.count
          let n = v.walk(from: item.start, function: item.function, initial: entry,
                         uaccess: v.options.uaccess && v.isUaccessSafe(item.function),
                         noinstr: v.isNoinstrSlot(v.p.slot(item.start)))
          if v.leftFunction {
            for i in v.marked {
              v.marks.visited[i.int] = false
              if v.options.uaccess { v.marks.uaccessVisits[i.int] = 0 }
              v.marks.cfi[i.int] = CFIStateID.none.rawValue
            }
            for slot in v.markedSlots {
              v.marks.siteSlots[slot] = CFIStateID.none.rawValue
              v.marks.siteWriters[slot] = -1
            }
            v.findings.removeSubrange(before...)
            continue
          }
          out.roots.append((k, Array(v.findings[before...]), n))
          out.functions.append(item.function!)
        }
      }
      out.table = v.table
      out.transitions = v.transitions
      outputs.put(w, Handoff(out))
    }
    var walks = (0..<threads).map { outputs.take($0).value }
    if PhaseTimes.enabled {
      PhaseTimes.mark("walk: parallel, \(independent.count) of \(items.count) roots independent, \(walks.reduce(0) { $0 + $1.roots.count }) walked")
    }
    // Thread 0's ids stay; the others' states are interned after them.
    table = walks[0].table
    transitions = walks[0].transitions
    walks[0].table = CFIStateTable(registerCount: arch.registers.count)
    walks[0].transitions = TransitionMemo()
    table.reserveCapacity(walks.reduce(0) { $0 + $1.table.count } + table.count)
    stateFacts = []
    var renumber: [[UInt32]] = [[]]
    var threadOf = [UInt8](repeating: 0, count: p.file.symbols.count)
    for w in 1..<threads {
      renumber.append((0..<walks[w].table.count).map { table.intern(walks[w].table[$0]).rawValue })
      walks[w].table = CFIStateTable(registerCount: arch.registers.count)  // released as soon as it is merged
      walks[w].transitions = TransitionMemo()
      for f in walks[w].functions { threadOf[f.int] = UInt8(w) }
    }
    let fix = Handoff((marks: marks, renumber: renumber, threadOf: threadOf, program: p))
    let n = p.count, step = 1 << 16
    parallelFor(count: (n + step - 1) / step, workers: threads) { c in
      let (marks, renumber, threadOf, p) = fix.value
      for i in (c * step)..<min((c + 1) * step, n) where marks.cfi[i] != CFIStateID.none.rawValue {
        guard let o = p.function(InsnRef(i)) else { continue }
        let w = Int(threadOf[p.parent[o.int].int])
        if w > 0 { marks.cfi[i] = renumber[w][Int(marks.cfi[i])] }
      }
    }
    // Site slots: by the function of the site's instructions (all its streams'
    // instructions belong to the function of the original).
    var renumbered = Set<Int32>()
    for g in p.groups where !g.first.isNone && !renumbered.contains(g.table) {
      guard let f = territory(g.first) else { continue }
      renumbered.insert(g.table)
      let w = Int(threadOf[f.int])
      guard w > 0 else { continue }
      let t = Int(g.table)
      for slot in marks.siteBase[t]..<marks.siteBase[t + 1] where marks.siteSlots[slot] != CFIStateID.none.rawValue {
        marks.siteSlots[slot] = renumber[w][Int(marks.siteSlots[slot])]
      }
    }
    PhaseTimes.mark("walk: merged")
    var done = [(findings: [Finding], warnings: Int)?](repeating: nil, count: items.count)
    for walk in walks { for root in walk.roots { done[root.item] = (root.findings, root.warnings) } }
    return done
  }
}
