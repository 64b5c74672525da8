import DecodeX86
import UnwindModel

/// Maps a decoded x86-64 instruction to objtool's view of it (6.12): its control-flow
/// kind and its stack ops. Only 64-bit operand-size (REX.W) forms of mov/add/sub/lea/and
/// produce ops for rsp/rbp, VEX/EVEX/XOP instructions produce none, as in objtool's
/// `arch_decode_instruction`. Each case names the assembly it matches.
public enum X86Semantics {
  /// Classifies `insn` and appends its stack ops to `ops`. `insideFunction` says whether
  /// the instruction lies inside an `STT_FUNC` symbol (only `iretq` cares: `sync_core`
  /// irets to itself).
  @inline(__always)
  public static func classify(_ insn: X86Instruction, insideFunction: Bool,
                              ops: inout [StackOp]) -> InstructionKind {
    guard insn.isValid else { return .invalid }
    guard insn.encoding == .legacy else { return .other }
    let sp = X86Register.rsp, bp = X86Register.rbp
    let rexW = insn.rexW
    let modIsReg = insn.hasModRM && insn.mod == 3
    /// `%reg` as the r/m operand, register form.
    func rmIsReg(_ r: UInt8) -> Bool { modIsReg && insn.rm == r }
    /// `disp(%reg)` as the r/m operand: memory form, not rip-relative, no index
    /// register. A SIB base of 101 with mod 00 is no base at all (`disp32` absolute,
    /// e.g. `mov %gs:0x28,%rax`), not %rbp (objtool since 6.11).
    func rmIsMem(_ r: UInt8) -> Bool {
      guard insn.hasModRM, insn.mod != 3, !insn.isRIPRelative else { return false }
      guard insn.hasSIB else { return insn.rm == r }
      return insn.sibBase == r && insn.sibIndex == sp && (insn.sibBase != bp || insn.mod != 0)
    }
    let disp = Int32(truncatingIfNeeded: insn.displacement)

    switch insn.map {
    case .oneByte:
      switch insn.opcode {
      case 0x01, 0x29:
        // add %reg, %rsp / sub %reg, %rsp
        if rexW && rmIsReg(sp) {
          ops.append(StackOp(dest: .register, destRegister: sp, source: .add, sourceRegister: insn.reg))
        }
      case 0x50...0x57:
        // push %reg
        ops.append(StackOp(dest: .push, source: .register, sourceRegister: (insn.opcode & 7) | (insn.rexB << 3)))
      case 0x58...0x5F:
        // pop %reg
        ops.append(StackOp(dest: .register, destRegister: (insn.opcode & 7) | (insn.rexB << 3), source: .pop))
      case 0x68, 0x6A:
        // push $imm
        ops.append(StackOp(dest: .push, source: .constant))
      case 0x70...0x7F, 0xE0...0xE3:
        // jcc rel8, loopne/loope/loop, jrcxz
        return .jumpConditional
      case 0x80...0x83:
        // add/sub/and $imm, %rsp (64-bit only)
        guard rexW, rmIsReg(sp) else { break }
        let imm = Int32(truncatingIfNeeded: insn.immediate)
        switch (insn.modrm >> 3) & 7 {
        case 0: ops.append(StackOp(dest: .register, destRegister: sp, source: .add, sourceRegister: sp, sourceOffset: imm))
        case 5: ops.append(StackOp(dest: .register, destRegister: sp, source: .add, sourceRegister: sp, sourceOffset: 0 &- imm))
        case 4: ops.append(StackOp(dest: .register, destRegister: sp, source: .and, sourceRegister: sp, sourceOffset: imm))
        default: break
        }
      case 0x88, 0x89:
        guard rexW else { break }
        if insn.opcode == 0x89 {
          if insn.reg == sp {
            if modIsReg {
              // mov %rsp, %reg
              ops.append(StackOp(dest: .register, destRegister: insn.rm, source: .register, sourceRegister: sp))
            } else if !insn.isRIPRelative && (!insn.hasSIB || insn.sibIndex == sp) {
              // mov %rsp, disp(%reg)
              let base = insn.hasSIB ? insn.sibBase : insn.rm
              ops.append(StackOp(dest: .registerIndirect, destRegister: base, destOffset: disp, source: .register, sourceRegister: sp))
            }
            break
          }
          if rmIsReg(sp) {
            // mov %reg, %rsp
            ops.append(StackOp(dest: .register, destRegister: sp, source: .register, sourceRegister: insn.reg))
            break
          }
          if modIsReg {
            // mov %reg, %reg (objtool 6.12: one into the CFA's base makes it undefined)
            ops.append(StackOp(dest: .register, destRegister: insn.rm, source: .register, sourceRegister: insn.reg))
            break
          }
        }
        if rmIsMem(bp) {
          // mov %reg, disp(%rbp)
          ops.append(StackOp(dest: .registerIndirect, destRegister: bp, destOffset: disp, source: .register, sourceRegister: insn.reg))
        } else if rmIsMem(sp) {
          // mov %reg, disp(%rsp)
          ops.append(StackOp(dest: .registerIndirect, destRegister: sp, destOffset: disp, source: .register, sourceRegister: insn.reg))
        }
      case 0x8B:
        guard rexW else { break }
        if rmIsMem(bp) {
          // mov disp(%rbp), %reg
          ops.append(StackOp(dest: .register, destRegister: insn.reg, source: .registerIndirect, sourceRegister: bp, sourceOffset: disp))
        } else if rmIsMem(sp) {
          // mov disp(%rsp), %reg
          ops.append(StackOp(dest: .register, destRegister: insn.reg, source: .registerIndirect, sourceRegister: sp, sourceOffset: disp))
        }
      case 0x8D:
        // lea disp(%src), %dst; rip-relative and indexed forms carry no stack op
        guard !modIsReg, rexW, !insn.isRIPRelative else { break }
        if insn.hasSIB && insn.sibIndex != sp { break }
        let src = insn.hasSIB ? insn.sibBase : insn.rm
        ops.append(StackOp(dest: .register, destRegister: insn.reg,
                           source: disp == 0 ? .register : .add, sourceRegister: src, sourceOffset: disp))
      case 0x8F:
        // pop to memory
        ops.append(StackOp(dest: .memory, source: .pop))
      case 0x90:
        // nop; not xchg %r8,%rax (REX.B), not pause (F3 90)
        if insn.rexB == 0 && insn.firstPrefix != 0xF3 { return .nop }
      case 0x9C:
        // pushf
        ops.append(StackOp(dest: .pushf, source: .constant))
      case 0x9D:
        // popf
        ops.append(StackOp(dest: .memory, source: .popf))
      case 0xC2, 0xC3:
        return .ret
      case 0xC9:
        // leave = mov %rbp, %rsp; pop %rbp
        ops.append(StackOp(dest: .register, destRegister: sp, source: .register, sourceRegister: bp))
        ops.append(StackOp(dest: .register, destRegister: bp, source: .pop))
      case 0xCC:
        return .trap
      case 0xCF:
        // iretq: inside a function it is sync_core()'s iret-to-self: add $40, %rsp
        if insideFunction {
          ops.append(StackOp(dest: .register, destRegister: sp, source: .add, sourceRegister: sp, sourceOffset: 40))
          return .other
        }
        return .contextSwitch
      case 0xCA, 0xCB:
        // far ret
        return .contextSwitch
      case 0xE8:
        // call rel32: pushes the return address
        ops.append(StackOp(dest: .push, source: .constant))
        return .call
      case 0xE9, 0xEB:
        return .jumpUnconditional
      case 0xFC:
        return .cld
      case 0xFD:
        return .std
      case 0xFF:
        switch (insn.modrm >> 3) & 7 {
        case 2, 3: return .callDynamic
        case 4: return .jumpDynamic
        case 5: return .contextSwitch  // far jmp
        case 6: ops.append(StackOp(dest: .push, source: .constant))  // push r/m
        default: break
        }
      default:
        break
      }
    case .twoByte0F:
      switch insn.opcode {
      case 0x01:
        if insn.modrm == 0xCA { return .clac }
        if insn.modrm == 0xCB { return .stac }
      case 0x80...0x8F:
        return .jumpConditional
      case 0x05, 0x07, 0x34, 0x35:
        // syscall, sysret, sysenter, sysexit
        return .contextSwitch
      case 0x0B, 0xB9:
        // ud2, ud1
        return .bug
      case 0x1F:
        // nopl /0
        if (insn.modrm >> 3) & 7 == 0 { return .nop }
      case 0x1E:
        // endbr64 (f3 0f 1e fa), endbr32 (f3 0f 1e fb)
        if insn.firstPrefix == 0xF3 && (insn.modrm == 0xFA || insn.modrm == 0xFB) { return .endbr }
      case 0xA0, 0xA8:
        // push %fs / %gs
        ops.append(StackOp(dest: .push, source: .constant))
      case 0xA1, 0xA9:
        // pop %fs / %gs
        ops.append(StackOp(dest: .memory, source: .pop))
      default:
        break
      }
    default:
      break
    }
    return .other
  }

  /// The value objtool keeps in `insn->immediate`: the immediate if there is one, else
  /// the displacement. For direct branches that is the branch displacement.
  @inline(__always)
  public static func immediate(_ insn: X86Instruction) -> Int64 {
    insn.immediateSize > 0 ? insn.immediate : insn.displacement
  }
}
