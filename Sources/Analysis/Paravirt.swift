import ELFObject
import UnwindModel

/// `--noinstr`: what the paravirt operations tables can call (objtool `init_pv_ops`,
/// `add_pv_ops`, the `.init.text` stores of `decode_instructions`). An indirect call
/// through `pv_ops[i]` from noinstr code is accepted when every function the table's
/// slot can hold is noinstr itself; the others are named in a warning each time such a
/// call is checked (objtool's `pv_call_dest`).
struct Paravirt {
  /// Per slot of `pv_ops`, the functions it can hold, most recently added first.
  private(set) var targets: [[SymbolID]]
  /// Per slot: found clean by the last check (objtool `pv_state.clean`).
  var clean: [Bool]

  /// nil when the object has no `pv_ops` (then indirect calls are never accepted).
  init?(_ p: Program, relocations: RelocationIndexCache, kinds: [InstructionKind], conventions k: KernelConventions) {
    let file = p.file
    // objtool `find_symbol_by_name`: of equal names, the last.
    func named(_ name: String) -> Symbol? { file.symbols.last { $0.name == name } }
    guard let table = named(k.paravirtOpsTable) else { return nil }
    let slots = Int(table.size / 8)
    targets = Array(repeating: [], count: slots)
    clean = Array(repeating: false, count: slots)
    var added = Set<SymbolID>()
    func add(_ slot: Int, _ sym: Symbol) {
      // Patched into native code by paravirt_patch(): never called.
      guard !k.paravirtPatchedAway.contains(sym.name) else { return }
      let id = SymbolID(sym.index)
      guard slot >= 0, slot < slots, added.insert(id).inserted else { return }
      targets[slot].insert(id, at: 0)
      clean[slot] = false
    }
    /// The function a relocation names: its symbol, or for a section symbol the
    /// symbol starting at the addend.
    func function(_ r: Relocation, addend: Int64) -> Symbol? {
      let sym = file.symbol(r.symbol)
      guard sym.isSectionSymbol else { return sym }
      guard let s = sym.section.index, addend >= 0 else { return nil }
      return p.symbols(startingAt: UInt64(addend), in: s).lazy.map { file.symbols[$0.int] }
        .first { $0.size > 0 && !$0.isSectionSymbol }
    }
    // The statically initialised tables.
    for name in k.paravirtTables {
      guard let t = named(name), let sec = t.section.index else { continue }
      let end = t.value &+ t.size
      for r in relocations.all(in: sec) where r.offset >= t.value && r.offset < end {
        guard let f = function(r, addend: r.addend) else { continue }
        add(Int((r.offset - t.value) / 8), f)
      }
    }
    // Boot-time stores in init code: `movq $func, pv_ops+8*i(%rip)` (48 c7 05 disp32
    // imm32, 11 bytes), the table's slot in the displacement's relocation and the
    // function in the immediate's.
    for slot in p.sections.indices where p.sections[slot].name.hasPrefix(k.initSection) {
      let text = p.sections[slot]
      let bytes = file.reader(for: text.section)
      for i in text.first..<(text.first + text.count) {
        let insn = InsnRef(i)
        guard p.length(insn) == 11, kinds[i] == .other else { continue }
        let off = p.offset(insn)
        guard bytes.u8(at: Int(off)) == 0x48, bytes.u8(at: Int(off) + 1) == 0xC7,
              let slotReloc = relocations.first(in: text.section, from: off + 3, to: off + 4), slotReloc.offset == off + 3,
              file.symbol(slotReloc.symbol).name == k.paravirtOpsTable,
              let funcReloc = relocations.first(in: text.section, from: off + 7, to: off + 8), funcReloc.offset == off + 7,
              let f = function(funcReloc, addend: funcReloc.addend) else { continue }
        add(Int((slotReloc.addend + 8) / 8), f)
      }
    }
  }
}
