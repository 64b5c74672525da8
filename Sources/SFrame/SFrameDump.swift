/// `sframe dump`: a `.sframe` section in the layout of binutils' `readelf --sframe`:
/// version 1 as 2.40 prints it (the readelf that reads version 1), versions 2 and 3 as
/// the newer readelf that reads them prints them (fixed offsets in the header, `f` for
/// a return address at the fixed offset, `RA undefined`, `attr = "S"` for a signal
/// frame, `[m]` for PC-mask functions). Function starts as given (`pc`, the relocated
/// start); every row's address is the function's start plus its offset.
public enum SFrameDump {
  public static func lines(section name: String, _ d: SFrameCoding.Decoded, starts: [UInt64]) -> [String] {
    let newer = d.version >= 2
    var out = ["Contents of the SFrame section \(name):", "  Header :", "", "    Version: SFRAME_VERSION_\(d.version)",
               "    Flags: \(flagsText(d.flags))"]
    if newer {
      if d.fixedFPOffset != 0 { out.append("    CFA fixed FP offset: \(d.fixedFPOffset)") }
      if d.fixedRAOffset != 0 { out.append("    CFA fixed RA offset: \(d.fixedRAOffset)") }
    }
    out += ["    Num FDEs: \(d.functions.count)", "    Num FREs: \(d.rowCount)", "", "  Function Index :", ""]
    for (k, f) in d.functions.enumerated() {
      let pc = k < starts.count ? starts[k] : 0
      var head = "    func idx [\(k)]: pc = 0x\(String(pc, radix: 16)), size = \(f.size) bytes"
      if newer && d.isSignalFrame(f) { head += ", attr = \"S\"" }
      if f.pauthKeyB && d.abi.tracksReturnAddress { head += ", pauth = B key" }
      out.append(head)
      out.append("    STARTPC" + pad(f.pcMask ? "[m]" : "", 8) + " CFA       FP        RA           ")
      if f.flexible { out.append("    (a flexible FDE: its rows are not shown)") }
      for row in f.rows {
        let address = String(f.pcMask ? UInt64(row.offset) : pc &+ UInt64(row.offset), radix: 16)
        let at = "    " + String(repeating: "0", count: max(0, 16 - address.count)) + address
        if row.raUndefined {
          out.append(at + "  RA undefined")
          continue
        }
        let cfa = (row.cfaOnStackPointer ? "sp" : "fp") + signed(row.cfaOffset)
        let fp = row.fpOffset.map { "c" + signed($0) } ?? "u"
        var ra: String
        if !d.abi.tracksReturnAddress {
          ra = newer && d.fixedRAOffset != 0 ? "f" : "u"
        } else {
          ra = row.raOffset.map { "c" + signed($0) } ?? "u"
        }
        ra += row.raMangled ? "[s]" : newer ? "   " : ""
        out.append(at + "  " + pad(cfa, 10) + pad(fp, 10) + pad(ra, 13))
      }
      if k + 1 < d.functions.count { out.append("") }
    }
    return out
  }

  static func flagsText(_ flags: SFrame.Flags) -> String {
    var names: [String] = []
    if flags.contains(.sorted) { names.append("SFRAME_F_FDE_SORTED") }
    if flags.contains(.framePointer) { names.append("SFRAME_F_FRAME_POINTER") }
    if flags.contains(.startPCRelative) { names.append("SFRAME_F_FDE_FUNC_START_PCREL") }
    let rest = flags.rawValue & ~7
    if rest != 0 { names.append("\(rest)") }
    return names.isEmpty ? "NONE" : names.joined(separator: ",\n           ")
  }

  /// `+8`, `-16`: an offset as the dump (and the findings about it) write it.
  public static func signed(_ n: Int32) -> String { n >= 0 ? "+\(n)" : "\(n)" }

  static func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
}
