import ELFObject
import UnwindModel
import WorkPool

/// The resolution's destination passes (objtool `add_jump_destinations`,
/// `add_call_destinations` and what they decide): where every direct jump and call
/// goes, which jumps are sibling calls, retpolines or returns, which callees do not
/// return.
extension Resolution {
  /// objtool `add_jump_destinations`: every direct jump gets its target instruction, or
  /// becomes a sibling call, a retpoline (an indirect jump in disguise) or a return
  /// (a jump to the return thunk).
  mutating func addJumpDestinations(_ p: inout Program, relocations: RelocationIndexCache, arch: ArchitectureDescription) {
    let lookups = Self.lookUpJumps(p, kind: kind, jumpDest: jumpDest, symbolClass: symbolClass, relocations: relocations,
                                   bias: arch.branchAddendBias, workers: workers)
    for chunk in lookups {
      for (index, lookup) in chunk {
        let i = Int(index)
        let insn = InsnRef(i)
        let dest: InsnRef
        switch lookup {
        case .retpoline(let sym):
          makeRetpoline(insn)
          _ = annotateCallSite(p, insn, SymbolID(raw: sym))
          continue
        case .returnThunk:
          kind[i] = .ret  // a return in disguise
          retpolineSafe.insert(insn)
          callSiteLists.returns.append(insn)
          continue
        case .sibling(let sym):
          callDest[i] = SymbolID(raw: sym)  // sibling call (external, or via a function symbol)
          _ = annotateCallSite(p, insn, SymbolID(raw: sym), sibling: true)
          continue
        case .skip:
          continue  // non-function code jumping to another object
        case .missing(let destSection, let destOffset):
          // A jump into the middle of an instruction is fine only into a symbol that
          // labels an instruction embedded in others (retbleed_untrain_ret jumps to the
          // `ret` inside retbleed_return_thunk's longer instruction): a return.
          if p.symbols(startingAt: destOffset, in: destSection).contains(where: { symbolClass[$0.int].contains(.embeddedInstruction) }) {
            kind[i] = .ret
            retpolineSafe.insert(insn)
            continue
          }
          if noUnreachable, let fn = p.function(insn), destSection == p.sections[p.slot(insn)].section,
             case let f = p.file.symbols[fn.int], destOffset == f.value &+ p.functionLength(fn) {
            continue  // GCOV/KCOV dead code may jump to the end of its function
          }
          fatal.append(Finding(at: p.location(insn), Message(.jumpDestinationNotFound, .place(p.file.section(destSection).name, destOffset))))
          continue
        case .dest(let d):
          dest = d
        }
        let symbols = p.file.symbols
        let fn = p.function(insn)
      // A jump without relocation (same file) to the start of a thunk.
      if let owner = p.symbolOf[dest.int].value, p.offset(dest) == symbols[owner.int].value {
        if symbolClass[owner.int].contains(.retpolineThunk) {
          makeRetpoline(insn)
          _ = annotateCallSite(p, insn, owner)
          continue
        }
        if symbolClass[owner.int].contains(.returnThunk) {
          kind[i] = .ret
          retpolineSafe.insert(insn)
          callSiteLists.returns.append(insn)
          continue
        }
      }
      if let fn, let to = p.function(dest), fn != to {
        // GCC 8+ `.cold` parts: the jump into one tells whose it is (a name can be
        // shared by local functions of several files).
        if nameBeforeCold(p.symbolName(fn)) == nil && nameBeforeCold(p.symbolName(to)) != nil {
          p.coldChild[fn.int] = to
          p.parent[to.int] = fn
        }
      }
      if isSiblingCallJump(p, from: insn, to: dest) {
        callDest[i] = p.symbolOf[dest.int]
        _ = annotateCallSite(p, insn, callDest[i], sibling: true)
        continue
      }
      jumpDest[i] = dest
      }
    }
  }

  /// What a static jump's relocation or displacement leads to, before anything is
  /// decided from it (objtool `add_jump_destinations`' lookups).
  enum JumpLookup {
    case retpoline(Int32)
    case returnThunk
    case sibling(Int32)
    case skip
    case dest(InsnRef)
    case missing(SectionIndex, UInt64)
  }

  /// A value handed to worker threads, which only read it.
  private final class Shared<T>: @unchecked Sendable {
    let value: T
    init(_ value: T) { self.value = value }
  }

  /// The lookups of every static jump still without a destination, per chunk of the
  /// program in order: pure reads of the program, its relocations and symbol classes,
  /// so big objects spread them over `workers` threads; the decisions that build on
  /// each other (`.cold` links, sibling calls, the site lists) stay in order.
  static func lookUpJumps(_ p: Program, kind: [InstructionKind], jumpDest: [InsnRef], symbolClass: [SymbolClass],
                                  relocations: RelocationIndexCache, bias: Int64, workers: Int) -> [[(Int32, JumpLookup)]] {
    let step = 1 << 16
    let chunks = (p.count + step - 1) / step
    let shared = Shared((p, kind, jumpDest, symbolClass, relocations))
    let out = OrderedSlots<[(Int32, JumpLookup)]>(count: chunks)
    parallelFor(count: chunks, workers: workers) { c in
      let (p, kind, jumpDest, symbolClass, relocations) = shared.value
      let symbols = p.file.symbols
      var cursor = RelocationCursor(relocations)
      var found: [(Int32, JumpLookup)] = []
      for i in (c * step)..<min((c + 1) * step, p.count) {
        guard kind[i] == .jumpConditional || kind[i] == .jumpUnconditional, jumpDest[i].isNone else { continue }
        let insn = InsnRef(i)
        var destSection: SectionIndex
        var destOffset: UInt64
        if let r = cursor.relocation(in: insn, p) {
          let sym = r.symbol.int
          let cls = symbolClass[sym]
          if symbols[sym].isSectionSymbol, let s = symbols[sym].section.index {
            destSection = s
            destOffset = UInt64(bitPattern: r.addend &+ bias)
          } else if cls.contains(.retpolineThunk) {
            found.append((Int32(i), .retpoline(Int32(sym))))
            continue
          } else if cls.contains(.returnThunk) {
            found.append((Int32(i), .returnThunk))
            continue
          } else if p.function(insn) != nil {
            found.append((Int32(i), .sibling(Int32(sym))))
            continue
          } else if let s = symbols[sym].section.index {
            destSection = s
            destOffset = UInt64(bitPattern: Int64(bitPattern: symbols[sym].value) &+ r.addend &+ bias)
          } else {
            found.append((Int32(i), .skip))
            continue
          }
        } else {
          destSection = p.sections[p.slot(insn)].section
          destOffset = UInt64(bitPattern: Int64(bitPattern: p.offset(insn)) &+ Int64(p.length(insn)) &+ p.immediate(insn))
        }
        if let dest = p.instruction(in: destSection, at: destOffset, near: insn) {
          found.append((Int32(i), .dest(dest)))
        } else {
          found.append((Int32(i), .missing(destSection, destOffset)))
        }
      }
      out.put(c, found)
    }
    return (0..<chunks).map { out.take($0) }
  }

  /// objtool `annotate_call_site`: the list a call or tail call (`insn`, to `sym`) goes
  /// on. False where objtool returns before its dead-end check: replacement code (a
  /// template), static calls, retpolines, `--mcount` calls.
  mutating func annotateCallSite(_ p: Program, _ insn: InsnRef, _ sym: SymbolID, sibling: Bool = false) -> Bool {
    if replacementSlot[p.slot(insn)] || sym.isNone { return false }
    let cls = symbolClass[sym.int]
    if cls.contains(.staticCallTrampoline) {
      callSiteLists.staticCalls.append(insn)
      return false
    }
    if cls.contains(.retpolineThunk) {
      callSiteLists.retpolines.append(insn)
      return false
    }
    if !noinstrSlot.isEmpty && noinstrSlot[p.slot(insn)] && p.file.symbols[sym.int].binding == .global
      && kernel.isProfilingCall(p.symbolName(sym)) {
      noinstrRewrites.append((insn, sibling))
      kind[insn.int] = sibling ? .ret : .nop
      if sibling { retpolineSafe.insert(insn) }
      return false
    }
    if mcount, let callee = mcountCallee, p.file.symbols[sym.int].binding == .global, p.symbolName(sym) == callee {
      callSiteLists.mcount.append(insn)
      return false
    }
    if kind[insn.int] == .call && !initSlot[p.slot(insn)] { callSiteLists.calls.append(insn) }
    return true
  }

  /// objtool `jump_is_sibling_call`: a jump from inside a symbol to the first
  /// instruction (with IBT: or the one after its ENDBR) of another function.
  func isSiblingCallJump(_ p: Program, from: InsnRef, to: InsnRef) -> Bool {
    let fs = p.symbolOf[from.int], ts = p.symbolOf[to.int]
    guard !fs.isNone, !ts.isNone, p.symbolIsFunction[ts.int] else { return false }
    let start = p.file.symbols[ts.int].value
    var first = p.offset(to) == start
    if !first && ibt, let prev = p.previous(to), p.function(prev) == p.function(to), p.kind(prev) == .endbr,
       p.offset(to) == start + UInt64(p.length(prev)) {
      first = true  // a direct jump past the ENDBR
    }
    guard first else { return false }
    // An untyped symbol has no parent function in objtool (NULL), so it never equals one.
    let fromParent: SymbolID = p.symbolIsFunction[fs.int] ? p.parent[fs.int] : .none
    return fromParent != p.parent[ts.int]
  }

  /// objtool `add_retpoline_call`: a call or jump to a retpoline thunk is an indirect
  /// one; its push (for a call) is undone by the callee like any call's.
  mutating func makeRetpoline(_ insn: InsnRef) {
    switch kind[insn.int] {
    case .call: kind[insn.int] = .callDynamic
    case .jumpUnconditional: kind[insn.int] = .jumpDynamic
    case .jumpConditional: kind[insn.int] = .jumpDynamicConditional
    default: return
    }
    dropOps[insn.int] = true
    retpolineSafe.insert(insn)
  }

  /// objtool `add_call_destinations` (with `add_call_dest` and `annotate_call_site`).
  mutating func addCallDestinations(_ p: Program, relocations: RelocationIndexCache, arch: ArchitectureDescription) {
    let lookups = Self.lookUpCalls(p, kind: kind, symbolClass: symbolClass, relocations: relocations,
                                   bias: arch.branchAddendBias, workers: workers)
    for chunk in lookups {
      for (index, lookup) in chunk {
      let i = Int(index)
      let insn = InsnRef(i)
      var dest = SymbolID.none
      switch lookup {
      case .retpoline(let sym):
        makeRetpoline(insn)
        _ = annotateCallSite(p, insn, SymbolID(raw: sym))
        continue
      case .callee(let d):
        dest = d
      case .notFound(let s, let off):
        fatal.append(Finding(at: p.location(insn), Message(.callDestinationNotFound, .place(p.file.section(s).name, off))))
        continue
      case .local(let found, let sec, let off):
        guard let d = found else {
          if ignore[i] { continue }  // STACK_FRAME_NON_STANDARD code is not checked
          if recoverFinalModule || arch.registers.returnAddressInRegister, let target = p.instruction(in: sec, at: off) {
            // A call to a local label: a jump that keeps its op, as x86's
            // ANNOTATE_INTRA_FUNCTION_CALL makes it (RSB stuffing `call 1f`). x86: the
            // annotation was lost in a final module (the push stays). arm64: the kernel
            // has no such annotation and needs none, since `bl` pushes nothing (x30 is
            // overwritten: the KPTI trampoline's `bl 2f; b .; 2:` return-stack stuffing).
            kind[i] = .jumpUnconditional
            jumpDest[i] = target
            continue
          }
          fatal.append(Finding(at: p.location(insn), Message(.intraFunctionCall)))
          continue
        }
        if !ignore[i] && p.function(insn) != nil && !p.symbolIsFunction[d.int] {
          fatal.append(Finding(at: p.location(insn), Message(.callToNonFunction)))
          continue
        }
        dest = d
      }
      callDest[i] = dest
      // A resolved call's push of the return address (x86) is undone by the callee's
      // return: objtool drops it. Where the return address goes to a register (arm64
      // x30) the op records that x30 is overwritten, which stays true after the return.
      dropOps[i] = !arch.registers.returnAddressInRegister
      // Replacement code is a template, static-call trampolines may be patched to
      // anything: neither makes the call a dead end (nor do retpolines and mcount calls).
      guard annotateCallSite(p, insn, dest) else { continue }
      if noreturnCache.isEmpty { noreturnCache = [UInt8](repeating: 0, count: p.file.symbols.count) }
      if noreturnCache[dest.int] == 0 {
        noreturnCache[dest.int] = isDeadEndFunction(p, dest, arch: arch, depth: 0) ? 2 : 1
      }
      if noreturnCache[dest.int] == 2 { deadEnd[i] = true }
      }
    }
  }

  /// What a call's relocation or displacement names (objtool `add_call_destinations`'
  /// lookups), per chunk in order; see `lookUpJumps`.
  enum CallLookup {
    case retpoline(Int32)
    case callee(SymbolID)
    case notFound(SectionIndex, UInt64)
    /// No relocation: the symbol at the target (nil: none), and the target.
    case local(SymbolID?, SectionIndex, UInt64)
  }

  static func lookUpCalls(_ p: Program, kind: [InstructionKind], symbolClass: [SymbolClass],
                                  relocations: RelocationIndexCache, bias: Int64, workers: Int) -> [[(Int32, CallLookup)]] {
    let step = 1 << 16
    let chunks = (p.count + step - 1) / step
    let shared = Shared((p, kind, symbolClass, relocations))
    let out = OrderedSlots<[(Int32, CallLookup)]>(count: chunks)
    parallelFor(count: chunks, workers: workers) { c in
      let (p, kind, symbolClass, relocations) = shared.value
      let symbols = p.file.symbols
      var cursor = RelocationCursor(relocations)
      var found: [(Int32, CallLookup)] = []
      for i in (c * step)..<min((c + 1) * step, p.count) where kind[i] == .call {
        let insn = InsnRef(i)
        if let r = cursor.relocation(in: insn, p) {
          let sym = r.symbol.int
          if symbols[sym].isSectionSymbol, let s = symbols[sym].section.index {
            let off = UInt64(bitPattern: r.addend &+ bias)
            if let d = callDestination(p, in: s, at: off) {
              found.append((Int32(i), .callee(d)))
            } else {
              found.append((Int32(i), .notFound(s, off)))
            }
          } else if symbolClass[sym].contains(.retpolineThunk) {
            found.append((Int32(i), .retpoline(Int32(sym))))
          } else {
            found.append((Int32(i), .callee(SymbolID(sym))))
          }
        } else {
          let sec = p.sections[p.slot(insn)].section
          let off = UInt64(bitPattern: Int64(bitPattern: p.offset(insn)) &+ Int64(p.length(insn)) &+ p.immediate(insn))
          found.append((Int32(i), .local(callDestination(p, in: sec, at: off), sec, off)))
        }
      }
      out.put(c, found)
    }
    return (0..<chunks).map { out.take($0) }
  }

  /// The function (else any symbol) starting at `offset` of `section`.
  static func callDestination(_ p: Program, in section: SectionIndex, at offset: UInt64) -> SymbolID? {
    let candidates = p.symbols(startingAt: offset, in: section)
    return candidates.first { p.symbolIsFunction[$0.int] } ?? candidates.first
  }

  /// objtool `__dead_end_function`: a known noreturn global (or weak), or a local
  /// function with instructions, no return and no sibling call (a sibling call's answer
  /// is its target's, which for another object means "returns").
  func isDeadEndFunction(_ p: Program, _ f: SymbolID, arch: ArchitectureDescription, depth: Int) -> Bool {
    let sym = p.file.symbols[f.int]
    if (sym.binding == .global || sym.binding == .weak) && arch.noreturnFunctions.contains(sym.name) { return true }
    if sym.binding == .weak { return false }
    guard sym.size > 0, let sec = sym.section.index, let start = p.instruction(in: sec, at: sym.value),
          p.function(start) != nil else { return false }
    var members: [InsnRef] = []
    var i: InsnRef? = start
    let owner = p.symbolOf[start.int]
    while let cur = i, p.symbolOf[cur.int] == owner {
      members.append(cur)
      i = p.next(cur)
    }
    // The .cold child, if any.
    if let childIndex = p.coldChild[owner.int].value, childIndex != owner, case let child = p.file.symbols[childIndex.int],
       let cs = child.section.index, var c = p.instruction(in: cs, at: child.value) {
      while p.symbolOf[c.int] == childIndex {
        members.append(c)
        guard let n = p.next(c) else { break }
        c = n
      }
    }
    if members.isEmpty { return false }
    if members.contains(where: { kind[$0.int] == .ret }) { return false }
    for m in members where isSiblingCall(p, m) {
      return false  // a sibling call out of this object: it returns
    }
    return true
  }
}
