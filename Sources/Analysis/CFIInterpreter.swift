import UnwindModel

/// Applies one stack op to a CFI state: objtool 6.12's `update_cfi_state`, rule by
/// rule. Returns the finding that stops the walk, if any. Register numbers are the
/// arch's CFI numbers; `sp`/`bp` come from the architecture description.
struct CFIInterpreter {
  let arch: ArchitectureDescription
  let framePointerRules: Bool

  enum Outcome {
    case ok
    case stop(MessageKind)
  }

  private var sp: Int8 { Int8(arch.stackPointer) }
  private var bp: Int8 { Int8(arch.framePointer) }

  /// `save_reg`: record where a callee-saved register was stored, once.
  @inline(__always)
  private func save(_ cfi: inout CFIState, _ reg: UInt8, base: Int8, offset: Int32) {
    guard arch.isCalleeSaved(reg), Int(reg) < CFIState.registerCapacity, cfi.regs[Int(reg)].base == CFIRule.undefinedBase else { return }
    cfi.regs[Int(reg)] = CFIRule(base: base, offset: offset)
  }

  /// `restore_reg`: back to the function-entry rule.
  @inline(__always)
  private func restore(_ cfi: inout CFIState, _ reg: UInt8) {
    guard Int(reg) < CFIState.registerCapacity else { return }
    cfi.regs[Int(reg)] = arch.functionEntryCFI.regs[Int(reg)]
  }

  @inline(__always)
  private func savedAt(_ cfi: CFIState, _ reg: Int8, _ offset: Int32) -> Bool {
    cfi.regs[Int(reg)].base == CFIRule.cfaBase && cfi.regs[Int(reg)].offset == offset
  }

  /// `insideFunction`: the instruction belongs to an STT_FUNC. `nextIsHint`: the next
  /// instruction carries an unwind hint (which excuses unsupported modifications).
  func apply(_ op: StackOp, to cfi: inout CFIState, insideFunction: Bool, nextIsHint: Bool) -> Outcome {
    if op.dest == .returnAddressSigning {
      cfi.returnAddressSigned = op.destOffset != 0
      return .ok
    }
    if op.dest == .overwrite {
      if Int(op.destRegister) < CFIState.registerCapacity { cfi.vals[Int(op.destRegister)] = CFIRule(base: CFIRule.overwrittenBase) }
      return .ok
    }
    if cfi.forceUndefined { return .ok }
    // Stack operations make no sense with an undefined CFA.
    if cfi.cfa.base == CFIRule.undefinedBase {
      return insideFunction ? .stop(.undefinedStackState) : .ok
    }
    if cfi.type == .regs || cfi.type == .regsPartial { return applyInRegsFrame(op, &cfi) }

    switch op.dest {
    case .register:
      let outcome = applyToRegister(op, &cfi, nextIsHint: nextIsHint)
      if arch.frameRecords && op.destRegister == arch.stackPointer { releaseFreedLinkRegister(&cfi) }
      return outcome
    case .push, .pushf:
      // push %reg / pushf / push $imm / call (unresolved)
      cfi.stackSize &+= 8
      if cfi.cfa.base == sp { cfi.cfa.offset &+= 8 }
      guard op.source == .register else { break }
      let src = Int8(op.sourceRegister)
      if cfi.drap {
        if src == cfi.cfa.base && src == cfi.drapRegister {
          // drap: push %drap
          cfi.cfa = CFIRule(base: CFIRule.bpIndirectBase, offset: 0 &- cfi.stackSize)
          cfi.drapOffset = 0 &- cfi.stackSize
        } else if src == bp && cfi.cfa.base == cfi.drapRegister {
          // drap: push %rbp
          cfi.stackSize = 0
        } else {
          // drap: push %reg
          save(&cfi, op.sourceRegister, base: bp, offset: 0 &- cfi.stackSize)
        }
      } else {
        // push %reg
        save(&cfi, op.sourceRegister, base: CFIRule.cfaBase, offset: 0 &- cfi.stackSize)
      }
      // asm code using rbp as a scratch register
      if framePointerRules && insideFunction && src == bp && cfi.cfa.base != bp { cfi.bpScratch = true }
    case .registerIndirect:
      let src = Int8(op.sourceRegister), dst = Int8(op.destRegister)
      if cfi.drap {
        if src == cfi.cfa.base && src == cfi.drapRegister {
          // drap: mov %drap, disp(%rbp)
          cfi.cfa = CFIRule(base: CFIRule.bpIndirectBase, offset: op.destOffset)
          cfi.drapOffset = op.destOffset
        } else {
          // drap: mov %reg, disp(%rbp)
          save(&cfi, op.sourceRegister, base: bp, offset: op.destOffset)
        }
      } else if dst == cfi.cfa.base {
        // mov %reg, disp(%rbp) / mov %reg, disp(%rsp) with that register the CFA base
        save(&cfi, op.sourceRegister, base: CFIRule.cfaBase, offset: op.destOffset &- cfi.cfa.offset)
      } else if dst == sp {
        // mov %reg, disp(%rsp)
        save(&cfi, op.sourceRegister, base: CFIRule.cfaBase, offset: op.destOffset &- cfi.stackSize)
      } else if src == sp && op.destOffset == 0 {
        // mov %rsp, (%reg): set up a stack swizzle
        cfi.vals[Int(op.destRegister)] = CFIRule(base: CFIRule.spIndirectBase, offset: cfi.cfa.offset)
      }
    case .returnAddressSigning, .overwrite:
      break  // handled above
    case .memory:
      guard op.source == .pop || op.source == .popf else {
        return .stop(.unknownStackMemoryOperation)
      }
      // pop to memory / popf
      cfi.stackSize &-= 8
      if cfi.cfa.base == sp { cfi.cfa.offset &-= 8 }
    }
    return .ok
  }

  /// Register destinations: moves, adds/leas, and, pops, reloads.
  private func applyToRegister(_ op: StackOp, _ cfi: inout CFIState, nextIsHint: Bool) -> Outcome {
    let src = Int8(op.sourceRegister), dst = Int8(op.destRegister)
    switch op.source {
    case .register:
      // (A move that touches no stack pointer is no op to an objtool that does not
      // track register moves.)
      if !arch.tracksRegisterMoves && src != sp && dst != sp { return .ok }
      if src == sp && dst == bp && cfi.cfa.base == sp && savedAt(cfi, bp, 0 &- cfi.cfa.offset) {
        // mov %rsp, %rbp: the frame pointer becomes the CFA base
        cfi.cfa.base = bp
        cfi.bpScratch = false
      } else if src == sp && dst == bp && cfi.drap {
        // drap: mov %rsp, %rbp
        cfi.regs[Int(bp)] = CFIRule(base: bp, offset: 0 &- cfi.stackSize)
        cfi.bpScratch = false
      } else if src == sp && cfi.cfa.base == sp {
        // mov %rsp, %reg: remember the value (`mov %reg, %rsp` may restore it)
        cfi.vals[Int(dst)] = CFIRule(base: CFIRule.cfaBase, offset: 0 &- cfi.stackSize)
      } else if src == bp && dst == sp && (cfi.cfa.base == bp || cfi.cfa.base == cfi.drapRegister) {
        // mov %rbp, %rsp: the stack size follows from rbp's save slot
        cfi.stackSize = 0 &- cfi.regs[Int(bp)].offset
      } else if dst == cfi.cfa.base {
        // mov %reg, %rsp
        if cfi.cfa.base == sp && cfi.vals[Int(src)].base == CFIRule.cfaBase {
          // lea disp(%rsp), %rcx ... mov %rcx, %rsp
          cfi.cfa.offset = 0 &- cfi.vals[Int(src)].offset
          cfi.stackSize = cfi.cfa.offset
        } else if cfi.cfa.base == sp && cfi.vals[Int(src)].base == CFIRule.spIndirectBase
                    && cfi.vals[Int(src)].offset == cfi.cfa.offset {
          // stack swizzle: mov %rsp,(%tos); mov %tos,%rsp; ...; pop %rsp
          cfi.cfa.base = CFIRule.spIndirectBase
        } else {
          cfi.cfa = CFIRule(base: CFIRule.undefinedBase, offset: 0)
        }
      } else if dst == sp && cfi.vals[Int(src)].base == CFIRule.spIndirectBase
                  && cfi.vals[Int(src)].offset == cfi.cfa.offset {
        // the same swizzle when rsp is not the CFA base: the later pop %rsp balances it
        cfi.stackSize &+= 8
      }
    case .add:
      if dst == sp && src == sp {
        // add/sub $imm, %rsp
        cfi.stackSize &-= op.sourceOffset
        if cfi.cfa.base == sp { cfi.cfa.offset &-= op.sourceOffset }
      } else if dst == sp && src == bp {
        // lea disp(%rbp), %rsp
        cfi.stackSize = 0 &- (op.sourceOffset &+ cfi.regs[Int(bp)].offset)
      } else if src == sp && cfi.cfa.base == sp {
        // drap: lea disp(%rsp), %drap (the candidate DRAP register)
        cfi.drapRegister = dst
        cfi.vals[Int(dst)] = CFIRule(base: CFIRule.cfaBase, offset: (0 &- cfi.stackSize) &+ op.sourceOffset)
      } else if cfi.drap && dst == sp && src == cfi.drapRegister {
        // drap: lea disp(%drap), %rsp
        cfi.cfa = CFIRule(base: sp, offset: 0 &- op.sourceOffset)
        cfi.stackSize = 0 &- op.sourceOffset
        cfi.drapRegister = CFIRule.undefinedBase
        cfi.drap = false
      } else if dst == cfi.cfa.base && !nextIsHint {
        return .stop(.unsupportedStackRegisterModification)
      }
    case .and:
      if dst != sp || (cfi.drapRegister != CFIRule.undefinedBase && cfi.cfa.base != sp)
        || (cfi.drapRegister == CFIRule.undefinedBase && cfi.cfa.base != bp) {
        return .stop(.unsupportedStackRealignment)
      }
      if cfi.drapRegister != CFIRule.undefinedBase {
        // drap: and $imm, %rsp
        cfi.cfa = CFIRule(base: cfi.drapRegister, offset: 0)
        cfi.stackSize = 0
        cfi.drap = true
      }
      // (old GCC realigns with a frame pointer and no DRAP: nothing to track)
    case .pop, .popf:
      if dst == sp && cfi.cfa.base == CFIRule.spIndirectBase {
        // pop %rsp: back from a stack swizzle
        cfi.cfa.base = sp
        break
      }
      if !cfi.drap && dst == cfi.cfa.base {
        // pop %rbp
        cfi.cfa.base = sp
      }
      if cfi.drap && cfi.cfa.base == CFIRule.bpIndirectBase && dst == cfi.drapRegister
        && cfi.drapOffset == 0 &- cfi.stackSize {
        // drap: pop %drap
        cfi.cfa = CFIRule(base: cfi.drapRegister, offset: 0)
        cfi.drapOffset = -1
      } else if Int(dst) < CFIState.registerCapacity && cfi.stackSize == 0 &- cfi.regs[Int(dst)].offset {
        // pop %reg
        restore(&cfi, op.destRegister)
      }
      cfi.stackSize &-= 8
      if cfi.cfa.base == sp { cfi.cfa.offset &-= 8 }
    case .registerIndirect:
      // The CFA before this load: `ldr x29, [x29]` reads x29's save slot through the
      // frame pointer that was the CFA base until this very load (arm64 frame records).
      let addressCFA = cfi.cfa
      let restoredBefore = cfi.regs[Int(dst)]
      defer {
        if arch.frameRecords && Int(dst) < CFIState.registerCapacity {
          // A loaded register no longer holds a stack address; x30 holds the return
          // address again only when this load restored it from its save slot.
          let restored = restoredBefore != cfi.regs[Int(dst)]
          cfi.vals[Int(dst)] = restored || dst != Int8(arch.registers.returnAddress) ? .undefined : CFIRule(base: CFIRule.overwrittenBase)
        }
      }
      if !cfi.drap && dst == cfi.cfa.base && dst == bp {
        // mov disp(%rsp), %rbp
        cfi.cfa = CFIRule(base: sp, offset: cfi.stackSize)
      }
      if cfi.drap && src == bp && op.sourceOffset == cfi.drapOffset {
        // drap: mov disp(%rbp), %drap
        cfi.cfa = CFIRule(base: cfi.drapRegister, offset: 0)
        cfi.drapOffset = -1
      }
      let slot = cfi.regs[Int(dst)].offset
      if cfi.drap && src == bp && op.sourceOffset == slot {
        // drap: mov disp(%rbp), %reg
        restore(&cfi, op.destRegister)
      } else if src == cfi.cfa.base && op.sourceOffset == slot &+ cfi.cfa.offset {
        // mov disp(%rbp), %reg / mov disp(%rsp), %reg
        restore(&cfi, op.destRegister)
      } else if arch.frameRecords && src == addressCFA.base && op.sourceOffset == slot &+ addressCFA.offset {
        // ldr x29, [x29]: x29 reloaded from the frame record it pointed at
        restore(&cfi, op.destRegister)
      } else if src == sp && op.sourceOffset == slot &+ cfi.stackSize {
        // mov disp(%rsp), %reg
        restore(&cfi, op.destRegister)
      }
    case .constant:
      return .stop(.unknownStackInstruction)
    }
    return .ok
  }

  /// arm64: once the stack pointer moves above x30's save slot, the slot is free memory
  /// (an interrupt may overwrite it), so no unwinder can use it. If x30 was not
  /// overwritten since it was saved (no call, load or move into it), it still holds the
  /// return address: its rule goes back to the entry rule, as a restore would. (perlasm
  /// epilogues: `ldr x29, [x29]; add sp, sp, #N; ret` with x30 never reloaded.) Whether
  /// x30 was overwritten is known on the path that first reached an instruction, as
  /// objtool's other value tracking (`vals` take no part in join comparisons).
  private func releaseFreedLinkRegister(_ cfi: inout CFIState) {
    let lr = Int(arch.registers.returnAddress)
    guard cfi.regs[lr].base == CFIRule.cfaBase, cfi.regs[lr].offset < 0 &- cfi.stackSize,
          cfi.vals[lr].base == CFIRule.undefinedBase else { return }
    restore(&cfi, UInt8(lr))
  }

  /// The reduced model inside REGS/REGS_PARTIAL frames: only SP-based CFA offsets move.
  private func applyInRegsFrame(_ op: StackOp, _ cfi: inout CFIState) -> Outcome {
    guard cfi.cfa.base == sp || cfi.cfa.base == CFIRule.spIndirectBase else { return .ok }
    if op.dest == .push || op.dest == .pushf { cfi.cfa.offset &+= 8 }
    if op.source == .pop || op.source == .popf { cfi.cfa.offset &-= 8 }
    if op.dest == .register && op.source == .add && op.destRegister == arch.stackPointer
      && op.sourceRegister == arch.stackPointer {
      cfi.cfa.offset &-= op.sourceOffset
    }
    return .ok
  }
}
