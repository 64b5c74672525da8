import UnwindModel

/// Switch statements compiled to jump tables, recognised from the code (no compiler
/// plugin, no annotation). GCC:
///
///     cmp   w3, #N-1 ; b.ls 1f  (or b.hi default)
///  1: adrp  x7, .rodata+T ; add x7, x7, :lo12:.rodata+T
///     ldrh  w7, [x7, w3, uxtw #1]     (ldrb / ldrh / ldrsw)
///     adr   x4, base
///     add   x7, x4, w7, sxth #2        (extended register: sxtb/sxth/uxtb/uxth)
///     br    x7
///
/// clang: the same with `add x10, x10, x11, lsl #2` (shifted register, unsigned
/// entries). The entries are assembler-computed differences without relocations; the
/// analysis reads them from the table bytes.
public enum ARM64SwitchTables {
  public static func pattern(words: [UInt32], offsets: [UInt32]) -> SwitchTablePattern? {
    guard let last = words.last, words.count == offsets.count else { return nil }
    // br xN (also braaz etc. are not used for tables)
    guard last & 0xFFFF_FC1F == 0xD61F_0000 else { return nil }
    let target = (last >> 5) & 0x1F
    var i = words.count - 2
    // 1. add xT, xB, wE, <ext> #s  |  add xT, xB, xE, lsl #s
    var baseReg: UInt32 = 99, entryReg: UInt32 = 99, shift = 0
    var signExtend: Bool? = nil
    var entryBits = 64
    while i >= 0 && words.count - 1 - i <= 8 {
      let w = words[i]
      if w & 0xFFE0_0000 == 0x8B20_0000, w & 0x1F == target {  // ADD (extended register), 64-bit
        baseReg = (w >> 5) & 0x1F
        entryReg = (w >> 16) & 0x1F
        let option = (w >> 13) & 7
        shift = Int((w >> 10) & 7)
        signExtend = option >= 4
        entryBits = 8 << Int(option & 3)
        break
      }
      if w & 0xFF20_0000 == 0x8B00_0000, w & 0x1F == target, (w >> 22) & 3 == 0 {  // ADD (shifted), LSL
        baseReg = (w >> 5) & 0x1F
        entryReg = (w >> 16) & 0x1F
        shift = Int((w >> 10) & 0x3F)
        signExtend = nil
        break
      }
      i -= 1
    }
    guard i >= 0, baseReg != 99 else { return nil }
    let addIndex = i
    // 2. the entry load: ldrb/ldrh/ldr/ldrsw (register offset) into entryReg
    var tableReg: UInt32 = 99, indexReg: UInt32 = 99
    var entrySize = 0
    var loadSigned = false
    var j = addIndex - 1
    while j >= 0 && addIndex - j <= 8 {
      let w = words[j]
      if w & 0x3B20_0C00 == 0x3820_0800, w & 0x1F == entryReg, (w >> 26) & 1 == 0 {
        let opc = (w >> 22) & 3
        guard opc != 0 else { return nil }  // a store
        entrySize = 1 << Int(w >> 30)
        loadSigned = opc >= 2
        tableReg = (w >> 5) & 0x1F
        indexReg = (w >> 16) & 0x1F
        break
      }
      j -= 1
    }
    guard j >= 0, entrySize > 0 else { return nil }
    let loadIndex = j
    // 3. the base: the nearest `adr baseReg` before the add (GCC may reuse the table
    // register for it after the load); without one, the base is the table itself.
    var base: UInt32? = nil
    var k = addIndex - 1
    while k >= 0 && addIndex - k <= 10 {
      let w = words[k]
      if w & 0x9F00_0000 == 0x1000_0000, w & 0x1F == baseReg {  // ADR
        let imm = Int64(Int32(bitPattern: (((w >> 5) & 0x7FFFF) << 2 | (w >> 29) & 3) << 11) >> 11)
        base = UInt32(truncatingIfNeeded: Int64(offsets[k]) + imm)
        break
      }
      k -= 1
    }
    if base == nil && baseReg != tableReg { return nil }
    // 4. the table address: add xT, xT, #imm (the :lo12: half, which carries the relocation)
    guard let anchor = tableAnchor(words: words, offsets: offsets, register: tableReg, before: loadIndex) else {
      return nil
    }
    // 5. the bound: cmp wI/xI, #imm (SUBS imm with Rd = zr) on the index register.
    // The index may be a copy (`mov w1, w0`) of the register that was compared.
    var count = 0
    var indexRegs: Set<UInt32> = [indexReg]
    for n in stride(from: loadIndex - 1, through: max(0, loadIndex - 24), by: -1) {
      let w = words[n]
      if w & 0x7FE0_FFE0 == 0x2A00_03E0 {  // MOV (ORR Rd, ZR, Rm), either direction
        let d = w & 0x1F, src = (w >> 16) & 0x1F
        if indexRegs.contains(d) { indexRegs.insert(src) } else if indexRegs.contains(src) { indexRegs.insert(d) }
      }
    }
    var m = loadIndex - 1
    while m >= 0 && loadIndex - m <= 24 {
      let w = words[m]
      // adds wI, wI, #n + b.hs (the carry is set exactly for the n values -n..-1, now
      // 0..n-1): a bounds check of a negative index (errno-style switches).
      if w & 0xFF80_0000 == 0x3100_0000, indexRegs.contains(w & 0x1F), (w >> 5) & 0x1F == w & 0x1F {
        count = Int((w >> 10) & 0xFFF) << ((w >> 22) & 1 == 1 ? 12 : 0)
        break
      }
      if w & 0x7F80_001F == 0x7100_001F, indexRegs.contains((w >> 5) & 0x1F) {
        let imm = Int((w >> 10) & 0xFFF) << ((w >> 22) & 1 == 1 ? 12 : 0)
        count = imm + 1
        break
      }
      m -= 1
    }
    // No bounds check found (the index comes from another table, or the check is far
    // away): count 0 lets the analysis size the table from the next data it knows of.
    guard count <= 4096 else { return nil }
    // Every other upper-bound compare of the index in the window: the nearest one may
    // bound only one of the paths into the table code.
    var widest = count
    for n in stride(from: loadIndex - 1, through: 0, by: -1) {
      let w = words[n]
      if w & 0x7F80_001F == 0x7100_001F, indexRegs.contains((w >> 5) & 0x1F) {
        let imm = Int((w >> 10) & 0xFFF) << ((w >> 22) & 1 == 1 ? 12 : 0)
        if imm + 1 <= 4096 { widest = max(widest, imm + 1) }
      }
    }
    // The entry as loaded (zero- or sign-extended by the load), then re-extended by an
    // extended-register add (sxtb/sxth narrow it back to the entry's width).
    let width = entrySize * 8
    let signedEntries: Bool
    if let sx = signExtend, entryBits <= width {
      signedEntries = sx
    } else {
      signedEntries = loadSigned
    }
    // An index defined as a byte (ldrb, uxtb, and #0xff) needs no check to stay below
    // 256: a table for a whole u8 (an element ID) may rely on that alone.
    if count > 0 && byteIndex(words: words, before: loadIndex, registers: indexRegs) { widest = max(widest, 256) }
    var found = SwitchTablePattern(anchor: anchor, entrySize: entrySize, signedEntries: signedEntries, shift: shift,
                                   base: base, count: count)
    if count > 0 && widest > count { found.widerCount = widest }
    return found
  }

  /// Whether the nearest write of an index register before instruction `before` makes it
  /// a byte: LDRB (any addressing form), UXTB, or AND with #0xff, all 32-bit.
  static func byteIndex(words: [UInt32], before: Int, registers: Set<UInt32>) -> Bool {
    var n = before - 1
    while n >= 0 {
      let w = words[n]
      let rd = w & 0x1F
      if registers.contains(rd) {
        if w & 0xFFC0_0000 == 0x3940_0000 || w & 0xFFE0_0000 == 0x3840_0000 { return true }  // LDRB imm forms
        if w & 0xFFE0_0C00 == 0x3860_0800 { return true }  // LDRB (register)
        if w & 0xFFFF_FC00 == 0x5300_1C00 || w & 0xFFFF_FC00 == 0x1200_1C00 { return true }  // UXTB, AND #0xff
        let op0 = (w >> 25) & 0xF
        let dataProcessing = op0 & 0b1110 == 0b1000 || op0 & 0b0111 == 0b0101
        let loadStore = op0 & 0b0101 == 0b0100
        if dataProcessing || (loadStore && (w >> 22) & 1 == 1) { return false }  // another definition
      }
      n -= 1
    }
    return false
  }

  /// The `add xT, xT, #:lo12:` that sets the table register before instruction `before`,
  /// anywhere earlier (GCC hoists the table address out of loops), also when the
  /// address was spilled to the stack (`str xS, [sp, #n]` ... `ldr xT, [sp, #n]`) or
  /// copied (`mov xT, xS`: vt.c's do_con_write keeps it in a callee-saved register).
  static func tableAnchor(words: [UInt32], offsets: [UInt32], register: UInt32, before: Int) -> UInt32? {
    var reg = register
    var k = before - 1
    var spills = 0, copies = 0
    while k >= 0 {
      let w = words[k]
      if w & 0xFF80_0000 == 0x9100_0000, w & 0x1F == reg {  // ADD (immediate), 64-bit
        return offsets[k]
      }
      // mov reg, xS (ORR reg, xzr, xS): the address came from xS.
      if w & 0xFFE0_FFE0 == 0xAA00_03E0, w & 0x1F == reg, copies < 4 {
        reg = (w >> 16) & 0x1F
        copies += 1
        k -= 1
        continue
      }
      // ldr reg, [sp, #n] (64-bit, unsigned offset): follow the spill slot.
      if w & 0xFFC0_0000 == 0xF940_0000, w & 0x1F == reg, (w >> 5) & 0x1F == 31, spills < 2 {
        let slot = (w >> 10) & 0xFFF
        var m = k - 1
        var found = false
        while m >= 0 {
          let s = words[m]
          if s & 0xFFC0_0000 == 0xF900_0000, (s >> 5) & 0x1F == 31, (s >> 10) & 0xFFF == slot {  // str xS, [sp, #n]
            reg = s & 0x1F
            k = m
            found = true
            break
          }
          m -= 1
        }
        guard found else { return nil }
        spills += 1
      }
      k -= 1
    }
    return nil
  }
}
