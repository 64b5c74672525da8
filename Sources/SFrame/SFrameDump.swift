/// `sframe dump`: a `.sframe` section in the layout of binutils' `readelf --sframe`
/// (2.40), with function starts as given (`pc`, the relocated start) and every row's
/// address the function's start plus its offset.
public enum SFrameDump {
  public static func lines(section name: String, _ d: SFrameV1.Decoded, starts: [UInt64]) -> [String] {
    var out = ["Contents of the SFrame section \(name):", "  Header :", "", "    Version: SFRAME_VERSION_1",
               "    Flags: \(flagsText(d.flags))", "    Num FDEs: \(d.functions.count)", "    Num FREs: \(d.rowCount)", "",
               "  Function Index :", ""]
    for (k, f) in d.functions.enumerated() {
      let pc = k < starts.count ? starts[k] : 0
      out.append("    func idx [\(k)]: pc = 0x\(String(pc, radix: 16)), size = \(f.size) bytes" + (f.info & 0x20 != 0 ? ", pauth = B key" : ""))
      out.append("    STARTPC         CFA       FP        RA           ")
      for row in f.rows {
        let address = String(pc &+ UInt64(row.offset), radix: 16)
        let cfa = (row.cfaOnStackPointer ? "sp" : "fp") + signed(row.cfaOffset)
        let fp = row.fpOffset.map { "c" + signed($0) } ?? "u"
        var ra = d.abi.tracksReturnAddress ? row.raOffset.map { "c" + signed($0) } ?? "u" : "u"
        if row.raMangled { ra += "[s]" }
        out.append("    " + String(repeating: "0", count: max(0, 16 - address.count)) + address + "  "
                   + pad(cfa, 10) + pad(fp, 10) + pad(ra, 13))
      }
      if k + 1 < d.functions.count { out.append("") }
    }
    return out
  }

  static func flagsText(_ flags: UInt8) -> String {
    var names: [String] = []
    if flags & 1 != 0 { names.append("SFRAME_F_FDE_SORTED") }
    if flags & 2 != 0 { names.append("SFRAME_F_FRAME_POINTER") }
    return names.isEmpty ? "NONE" : names.joined(separator: ",\n           ")
  }

  /// `+8`, `-16`: an offset as the dump (and the findings about it) write it.
  public static func signed(_ n: Int32) -> String { n >= 0 ? "+\(n)" : "\(n)" }

  static func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s : s + String(repeating: " ", count: n - s.count) }
}
