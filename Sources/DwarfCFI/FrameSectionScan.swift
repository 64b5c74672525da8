import ELFObject

/// A look at a frame section's call-frame instructions before libdw interprets them,
/// so that nothing in a frame section can make libdw's work or memory super-linear (the
/// first bound came from two `dwarf` fuzz finds, the others from reading libdw's
/// `cfi.c`; `Scripts/resource-bounds.py` generates each case):
/// - libdw grows a frame's register table to the highest register number an instruction
///   names, so one instruction naming register 50,000,000 in a 2 KB object costs 1.2 GB.
///   A section naming a register above `registerLimit` (no ABI has that many: x86-64 and
///   AArch64 stay below 200) is refused.
/// - libdw evaluates an FDE's program from its start for every address asked about, and
///   copies the whole register table at each `DW_CFA_remember_state`; unwindcheck asks
///   once per row. A section whose evaluation would take more than `stepLimit` steps
///   (Σ over FDEs of rows × (program bytes + remembered states × registers)), or whose
///   remembered states would hold more than `rememberedCellLimit` register rules at
///   once, is refused. Real compiler output stays far below both (README, "DWARF").
/// A refused section is not handed to libdw; its functions are then not comparable.
enum FrameSectionScan {
  static let registerLimit: UInt64 = 1024
  static let stepLimit: UInt64 = 1 << 27
  static let rememberedCellLimit: UInt64 = 1 << 22

  /// What one scan of a frame section found.
  struct Summary: Equatable {
    /// The highest register number any CIE or FDE instruction (or a CIE's return-address
    /// column) names.
    var highestRegister: UInt64 = 0
    /// Steps libdw would take to evaluate every row of every FDE once.
    var evaluationSteps: UInt64 = 0
    /// At most how many register rules one FDE's remembered states hold at once (each
    /// `DW_CFA_remember_state` counted as if none were restored).
    var rememberedCells: UInt64 = 0

    /// Why libdw must not read the section, nil when it may.
    var refusal: String? {
      if highestRegister > FrameSectionScan.registerLimit {
        return "its call-frame instructions name register \(highestRegister), more than any ABI has"
      }
      if evaluationSteps > FrameSectionScan.stepLimit {
        return "evaluating its call-frame instructions row by row would take \(evaluationSteps) steps (limit \(FrameSectionScan.stepLimit))"
      }
      if rememberedCells > FrameSectionScan.rememberedCellLimit {
        return "its remembered states would hold \(rememberedCells) register rules at once (limit \(FrameSectionScan.rememberedCellLimit))"
      }
      return nil
    }
  }

  /// Scans every CIE and FDE of `.eh_frame` (`ehFrame`) or `.debug_frame` bytes, as
  /// relocated, in the object's byte `order`; entries that cannot be framed end the scan
  /// (libdw reads what it can of them).
  static func scan(_ b: UnsafeRawBufferPointer, ehFrame: Bool, order: ByteOrder, addressSize: Int = 8) -> Summary {
    let words = ByteReader(b, order: order)
    var highest: UInt64 = 0
    // Per CIE offset: its FDE pointer encoding, whether it has 'z' augmentation data and
    // its initial instructions' length (libdw runs them again for every evaluation while
    // they fail, e.g. a DW_CFA_restore in a CIE, which it does not cache).
    var cies: [Int: (encoding: UInt8, z: Bool, bytes: UInt64)] = [:]
    // Σ rows × bytes and Σ rows × remembered states over FDEs (the second is multiplied
    // by the register table's size at the end, once the highest register is known).
    var byteSteps: UInt64 = 0, rememberSteps: UInt64 = 0, mostRemembered: UInt64 = 0
    var at = 0
    while let length32 = words.u32(at: at) {
      var length = UInt64(length32)
      var p = at + 4
      if length == 0 { at = p; if ehFrame { continue } else { break } }
      let wide = length == 0xFFFF_FFFF
      if wide {
        guard let length64 = words.u64(at: p) else { break }
        length = length64
        p += 8
      }
      guard length <= UInt64(b.count - p) else { break }
      let end = p + Int(length)
      let idAt = p
      let idSize = wide ? 8 : 4
      guard p + idSize <= end, let id = wide ? words.u64(at: p) : words.u32(at: p).map(UInt64.init) else { break }
      p += idSize
      let isCIE = ehFrame ? id == 0 : (id == 0xFFFF_FFFF || id == UInt64.max)
      var r = Reader(b: b, at: p, end: end)
      if isCIE {
        guard let version = r.byte() else { break }
        var aug: [UInt8] = []
        while let c = r.byte(), c != 0 { aug.append(c) }
        if version >= 4 { _ = r.byte(); _ = r.byte() }  // address size, segment selector size
        _ = r.uleb()
        _ = r.sleb()
        let ra = version == 1 ? r.byte().map(UInt64.init) : r.uleb()
        highest = max(highest, ra ?? 0)
        var encoding: UInt8 = 0
        let z = aug.first == UInt8(ascii: "z")
        if z {
          guard let n = r.uleb(), let dataEnd = r.skip(n) else { break }
          var a = Reader(b: b, at: r.at - Int(n), end: dataEnd)
          for c in aug.dropFirst() {
            switch c {
            case UInt8(ascii: "R"): encoding = a.byte() ?? 0
            case UInt8(ascii: "L"): _ = a.byte()
            case UInt8(ascii: "P"): if let e = a.byte() { _ = a.encoded(e, addressSize: addressSize) }
            default: break
            }
          }
        }
        let stream = r.instructions(addressSize: addressSize, encoding: encoding)
        cies[at] = (encoding, z, stream.bytes)
        highest = max(highest, stream.highest)
      } else {
        let cieAt = ehFrame ? idAt - Int(truncatingIfNeeded: id) : Int(truncatingIfNeeded: id)
        let cie = cies[cieAt] ?? (0, false, 0)
        let size = ehFrame ? Reader.encodedSize(cie.encoding, addressSize: addressSize) : addressSize
        guard let size, r.skip(UInt64(2 * size)) != nil else { at = end; continue }
        if cie.z { guard let n = r.uleb(), r.skip(n) != nil else { at = end; continue } }
        let stream = r.instructions(addressSize: addressSize, encoding: cie.encoding)
        highest = max(highest, stream.highest)
        // One evaluation per row (and one before the first advance), each running the
        // CIE's and the FDE's instructions up to the row (saturating: a huge section
        // only has to compare above the limits).
        let evaluations = stream.rows + 1
        byteSteps = saturating(byteSteps, evaluations, stream.bytes + cie.bytes)
        rememberSteps = saturating(rememberSteps, evaluations, stream.remembers)
        mostRemembered = max(mostRemembered, stream.remembers)
      }
      at = end
    }
    let cells = min(highest, registerLimit) + 1
    return Summary(highestRegister: highest, evaluationSteps: saturating(byteSteps, rememberSteps, cells),
                   rememberedCells: saturating(0, mostRemembered, cells))
  }

  /// `sum + a × b`, or UInt64.max when that overflows.
  private static func saturating(_ sum: UInt64, _ a: UInt64, _ b: UInt64) -> UInt64 {
    let (product, o1) = a.multipliedReportingOverflow(by: b)
    let (total, o2) = sum.addingReportingOverflow(product)
    return o1 || o2 ? .max : total
  }

  /// Bounds-checked reads of one entry.
  struct Reader {
    let b: UnsafeRawBufferPointer
    var at: Int
    let end: Int

    mutating func byte() -> UInt8? {
      guard at < end else { return nil }
      defer { at += 1 }
      return b[at]
    }

    mutating func uleb() -> UInt64? {
      var v: UInt64 = 0, shift: UInt64 = 0
      while let c = byte() {
        if shift < 64 { v |= UInt64(c & 0x7F) << shift }
        if c & 0x80 == 0 { return v }
        shift += 7
      }
      return nil
    }

    mutating func sleb() -> Int64? {
      var v: Int64 = 0, shift: Int64 = 0
      while let c = byte() {
        if shift < 64 { v |= Int64(c & 0x7F) << shift }
        shift += 7
        if c & 0x80 == 0 {
          if shift < 64 && c & 0x40 != 0 { v |= -(Int64(1) << shift) }
          return v
        }
      }
      return nil
    }

    /// Skips `n` bytes; returns the new position, or nil past the entry's end.
    mutating func skip(_ n: UInt64) -> Int? {
      guard n <= UInt64(end - at) else { at = end; return nil }
      at += Int(n)
      return at
    }

    /// Bytes of a DW_EH_PE-encoded value (nil: variable length, read as LEB128).
    static func encodedSize(_ e: UInt8, addressSize: Int) -> Int? {
      switch e & 0x0F {
      case 0x00: return addressSize
      case 0x02, 0x0A: return 2
      case 0x03, 0x0B: return 4
      case 0x04, 0x0C: return 8
      default: return nil
      }
    }

    mutating func encoded(_ e: UInt8, addressSize: Int) -> Bool {
      if e == 0xFF { return true }  // DW_EH_PE_omit
      if let n = Self.encodedSize(e, addressSize: addressSize) { return skip(UInt64(n)) != nil }
      return e & 0x0F == 0x09 ? sleb() != nil : uleb() != nil
    }

    /// The call-frame instructions up to the entry's end: the highest register they
    /// name, how many rows they start (advances), how many states they remember and their
    /// length in bytes; an unknown opcode ends the stream (as it ends libdw's
    /// interpretation).
    mutating func instructions(addressSize: Int, encoding: UInt8) -> (highest: UInt64, rows: UInt64, remembers: UInt64, bytes: UInt64) {
      var highest: UInt64 = 0, rows: UInt64 = 0, remembers: UInt64 = 0
      let start = at
      func reg(_ r: UInt64?) -> Bool { guard let r else { return false }; highest = max(highest, r); return true }
      loop: while let op = byte() {
        if op >> 6 == 1 || (op >= 0x01 && op <= 0x04) { rows += 1 }  // advance_loc*, set_loc
        if op == 0x0A { remembers += 1 }
        switch op >> 6 {
        case 1: continue  // advance_loc
        case 2: highest = max(highest, UInt64(op & 0x3F)); guard uleb() != nil else { break loop }  // offset
        case 3: highest = max(highest, UInt64(op & 0x3F))  // restore
        default:
          switch op {
          case 0x00, 0x0A, 0x0B: break  // nop, remember_state, restore_state
          case 0x01: guard encoded(encoding, addressSize: addressSize) else { break loop }  // set_loc
          case 0x02: guard byte() != nil else { break loop }
          case 0x03: guard skip(2) != nil else { break loop }
          case 0x04: guard skip(4) != nil else { break loop }
          case 0x05, 0x14, 0x2F: guard reg(uleb()), uleb() != nil else { break loop }  // offset_extended, val_offset, GNU_negative_offset_extended
          case 0x06, 0x07, 0x08, 0x0D: guard reg(uleb()) else { break loop }  // restore_extended, undefined, same_value, def_cfa_register
          case 0x09: guard reg(uleb()), reg(uleb()) else { break loop }  // register
          case 0x0C: guard reg(uleb()), uleb() != nil else { break loop }  // def_cfa
          case 0x0E, 0x2E: guard uleb() != nil else { break loop }  // def_cfa_offset, GNU_args_size
          case 0x0F: guard let n = uleb(), skip(n) != nil else { break loop }  // def_cfa_expression
          case 0x10, 0x16: guard reg(uleb()), let n = uleb(), skip(n) != nil else { break loop }  // expression, val_expression
          case 0x11, 0x12, 0x15: guard reg(uleb()), sleb() != nil else { break loop }  // offset_extended_sf, def_cfa_sf, val_offset_sf
          case 0x13: guard sleb() != nil else { break loop }  // def_cfa_offset_sf
          default: break loop
          }
        }
      }
      return (highest, rows, remembers, UInt64(at - start))
    }
  }
}
