import ELFObject
import UnwindModel

/// What the walk checks at a call or sibling call: uaccess, the direction flag, noinstr
/// (objtool validate_call and its helpers).
extension Walker {
  // MARK: - uaccess and direction flag

  /// objtool `validate_call`'s uaccess and DF rules (noinstr comes first there): no call
  /// leaves with user access enabled unless to a uaccess-safe function, none with DF set.
  mutating func callViolation(_ insn: InsnRef, _ state: PathState) -> Violation? {
    if state.noinstr && state.instr <= 0 && !isNoinstrCallee(insn) {
      return Violation(insn, Message(.callLeavesNoinstr, .function(callDestName(insn))))
    }
    if state.uaccess && !isUaccessSafe(r.callDest[insn.int].value) {
      return Violation(insn, Message(.callWithUaccessEnabled, .function(callDestName(insn))))
    }
    if state.df {
      return Violation(insn, Message(.callWithDirectionFlag, .function(callDestName(insn))))
    }
    return nil
  }

  /// objtool `noinstr_call_dest`: the callee is noinstr code, a static-call trampoline
  /// (unknowable) or a UBSAN report; an indirect call only through a paravirt slot all
  /// of whose functions are noinstr (the others are named, each time).
  mutating func isNoinstrCallee(_ insn: InsnRef) -> Bool {
    guard let dest = r.callDest[insn.int].value else {
      guard let paravirt, let relocations else { return false }
      let section = p.sections[p.slot(insn)].section
      guard let reloc = relocations.first(in: section, from: p.offset(insn), to: p.offset(insn) + UInt64(p.length(insn))),
            p.file.symbol(reloc.symbol).name == arch.kernel.paravirtOpsTable else { return false }
      let slot = Int((reloc.addend &+ arch.branchAddendBias) / 8)
      guard slot >= 0, slot < paravirt.targets.count else { return false }
      var clean = true
      for t in paravirt.targets[slot] where !isNoinstrSymbol(t) {
        findings.append(Finding(scope: Message(.paravirtTargetInstrumented, .integer(slot), .function(p.symbolName(t)))))
        clean = false
      }
      return clean
    }
    if isNoinstrSymbol(dest) || r.symbolClass[dest.int].contains(.staticCallTrampoline) { return true }
    return arch.kernel.noinstrExemptCallPrefixes.contains(where: p.symbolName(dest).hasPrefix)
  }

  func isNoinstrSymbol(_ s: SymbolID) -> Bool {
    guard let sec = p.file.symbols[s.int].section.index else { return false }
    return arch.kernel.isNoinstrSection(p.file.section(sec).name)
  }

  /// objtool `func_uaccess_safe`: the symbol is on the uaccess-safe list.
  func isUaccessSafe(_ sym: SymbolID?) -> Bool {
    guard let sym, !uaccessSafe.isEmpty else { return false }
    return uaccessSafe[sym.int]
  }

  /// objtool `call_dest_name`: the callee's name, else `{dynamic}`. (6.12 means to name
  /// a paravirt call through the ops table `pv_ops[N]`, but it looks the relocation up
  /// without its file and never finds one: every indirect call is `{dynamic}`.)
  func callDestName(_ insn: InsnRef) -> String {
    r.callDest[insn.int].value.map(p.symbolName) ?? "{dynamic}"
  }

  /// Calls exempt from the frame-pointer rule (x86 `__fentry__`).
  func isSpecialCall(_ insn: InsnRef) -> Bool {
    guard r.kind[insn.int] == .call, !r.callDest[insn.int].isNone else { return false }
    return arch.frameExemptCallees.contains(p.symbolName(r.callDest[insn.int]))
  }

  /// objtool's `file->ignore_unreachables`: `--no-unreachable`, or a RIP-relative
  /// switch table (a GCC quirk that leaves dead code) was seen.
  var ignoresUnreachable: Bool { options.skipUnreachable || r.ignoreUnreachables }
}
