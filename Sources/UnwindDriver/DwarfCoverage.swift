import Analysis
import DwarfCFI
import ELFObject
import UnwindModel

/// `check --against-dwarf --coverage`: the code that has no DWARF CFI at all (no row at
/// any of its boundaries): each function, and each block of code outside functions
/// (named after the symbol it starts at: SYM_CODE entries, vectors), with whether the
/// walk reached every instruction and the CFI it computed there, as the rows a
/// hand-written annotation would have to give (`+0xOFF cfa=REG+N fp=WHERE ra=WHERE` at
/// each change). This is the code an unwinder reading the compiler's CFI (or SFrame made
/// from it) cannot unwind through; the rows are what to annotate, or to check the
/// annotations against once written.
struct DwarfCoverage {
  /// One function or block without DWARF CFI.
  struct Uncovered {
    var name: String
    var isFunction: Bool
    var place: String
    var instructions: Int
    var walked: Int
    /// `+0xOFF cfa=...` at each change of the computed state ("not walked" where none).
    var rows: [String]
  }

  var uncovered: [Uncovered] = []
  /// Functions and blocks seen, and how many had no DWARF row at all.
  var functions = 0, blocks = 0

  /// The longest row list printed for one function (the rest is counted).
  static let rowLimit = 64

  /// The lines `check` prints: one per uncovered function or block, then the total.
  func lines(path: String) -> [String] {
    var out: [String] = []
    for u in uncovered {
      let what = u.isFunction ? "\(u.name)()" : "\(u.name) (code outside functions)"
      let shown = u.rows.prefix(Self.rowLimit).joined(separator: "; ")
      let more = u.rows.count > Self.rowLimit ? "; ... \(u.rows.count - Self.rowLimit) more" : ""
      out.append("\(path): no DWARF CFI: \(what) at \(u.place), \(u.instructions) instructions, walked \(u.walked): \(shown)\(more)")
    }
    let fn = uncovered.filter(\.isFunction)
    let blk = uncovered.filter { !$0.isFunction }
    func split(_ us: [Uncovered]) -> String {
      let all = us.filter { $0.walked == $0.instructions }.count, none = us.filter { $0.walked == 0 }.count
      return "walked completely \(all), partly \(us.count - all - none), not at all \(none)"
    }
    out.append("\(path): coverage: \(fn.count) of \(functions) functions without DWARF CFI (\(fn.reduce(0) { $0 + $1.instructions }) instructions; \(split(fn))); "
               + "\(blk.count) of \(blocks) blocks of code outside functions without DWARF CFI (\(blk.reduce(0) { $0 + $1.instructions }) instructions; \(split(blk)))")
    return out
  }

  /// Adds one section's runs. `rows[i] < 0`: no DWARF row at boundary i; `cfi[i]`: the
  /// walk's state there, if any.
  mutating func add(section: Section, offsets: [UInt32], kinds: Column<InstructionKind>, rows: [Int32], cfi: CFIColumn,
                    states: [CFIState], symbols: [Symbol], map: DwarfRegisterMap) {
    // Sized functions, and the other code symbols (SYM_CODE labels) that name blocks.
    let functions = symbols.filter { $0.isFunction && $0.size > 0 }
    // (Not mapping symbols, `$x`/`$d`, also when a tool prefixed them: `__kvm_nvhe_$x`.)
    let labels = symbols.filter { !$0.isFunction && !$0.isSectionSymbol && !$0.name.isEmpty && !$0.name.contains("$") }
    var f = 0, l = 0
    var run: (key: String, isFunction: Bool, start: Int, base: UInt64)?
    func close(_ end: Int) {
      guard let r = run else { return }
      let range = r.start..<end
      // (Alignment padding between functions, NOPs or zero words, is no code to describe.)
      if !r.isFunction && range.allSatisfy({ kinds[$0] == .nop || kinds[$0] == .trap }) { return }
      if r.isFunction { self.functions += 1 } else { blocks += 1 }
      guard range.allSatisfy({ rows[$0] < 0 }) else { return }
      var lines: [String] = []
      var last: String?
      for i in range {
        // (States that differ only in what an annotation does not say print alike: one row.)
        let text = cfi[i].map { Self.text(states[Int($0.rawValue)], map) } ?? "not walked"
        guard text != last else { continue }
        last = text
        lines.append("+0x" + String(UInt64(offsets[i]) &- r.base, radix: 16) + " " + text)
      }
      uncovered.append(Uncovered(name: r.key, isFunction: r.isFunction, place: placeText(section.displayName, UInt64(offsets[r.start])),
                                 instructions: range.count, walked: range.filter { cfi[$0] != nil }.count, rows: lines))
    }
    for i in offsets.indices {
      let o = UInt64(offsets[i])
      while f < functions.count && functions[f].value &+ functions[f].size <= o { f += 1 }
      while l + 1 < labels.count && labels[l + 1].value <= o { l += 1 }
      // A block outside functions starts at a label (a SYM_CODE entry) or right after
      // a function (then named by its place).
      let key: (String, Bool, UInt64)
      if f < functions.count && functions[f].value <= o {
        key = (functions[f].name, true, functions[f].value)
      } else if l < labels.count && labels[l].value == o {
        key = (labels[l].name, false, o)
      } else if let r = run, !r.isFunction {
        key = (r.key, false, r.base)
      } else {
        key = (placeText(section.displayName, o), false, o)
      }
      if run == nil || run!.key != key.0 || run!.isFunction != key.1 {
        close(i)
        run = (key.0, key.1, i, key.2)
      }
    }
    close(offsets.count)
  }

  /// A state as an annotation would give it: `cfa=sp+16 fp=cfa-16 ra=cfa-8` (a
  /// register not saved is left out; `ra=x30` when the return address is still in it).
  static func text(_ s: CFIState, _ map: DwarfRegisterMap) -> String {
    guard s.cfa.base >= 0 else { return s.cfa.base == CFIRule.undefinedBase ? "cfa=undefined" : "cfa=(unsupported)" }
    func offset(_ n: Int32) -> String { n >= 0 ? "+\(n)" : "\(n)" }
    var parts = ["cfa=" + map.registerName(UInt8(s.cfa.base)) + offset(s.cfa.offset)]
    let fp = s.regs[Int(map.framePointer)]
    if fp.base == CFIRule.cfaBase { parts.append("fp=cfa" + offset(fp.offset)) }
    let ra = s.regs[Int(map.returnAddress)]
    if ra.base == CFIRule.cfaBase {
      parts.append("ra=cfa" + offset(ra.offset))
    } else if map.returnAddressInRegister {
      parts.append("ra=" + map.registerName(map.returnAddress))
    }
    if s.type != .call { parts.append(s.type == .regs ? "regs" : s.type == .regsPartial ? "regs-partial" : "type \(s.type.rawValue)") }
    return parts.joined(separator: " ")
  }
}
