import ELFObject
import UnwindModel

/// Reading `.altinstructions` without a decoder: every entry's original range and
/// replacement range (or callback function) resolved and checked to be code, for
/// architectures whose walk is not there yet (arm64).
public struct AlternativeEntryReport: Sendable {
  public var original: String
  public var originalLength: Int
  /// `section+0xoff` of the replacement, or `callback NAME()`.
  public var replacement: String
  public var replacementLength: Int
  public var feature: UInt16
  public var isCallback: Bool
  /// Why the entry does not resolve to code, or nil.
  public var problem: String?
  /// The replacement lies in the original's own section (arm64 `.subsection 1`), not in
  /// `.altinstr_replacement`.
  public var replacementInOwnSection = false

  /// The counts `alternatives` prints after the entries.
  public static func summary(_ entries: [AlternativeEntryReport]) -> String {
    let callbacks = entries.filter(\.isCallback).count
    let own = entries.filter(\.replacementInOwnSection).count
    let unresolved = entries.filter { $0.problem != nil }.count
    return "entries: \(entries.count) (\(callbacks) callbacks, \(entries.count - callbacks) with replacement code, "
      + "\(own) of them in the original's own section), \(unresolved) unresolved"
  }
}

public enum AlternativeEntries {
  /// The byte ranges `.altinstructions` names as instructions (each entry's original and
  /// replacement), by section: code whatever the mapping symbols say. (GAS marks the
  /// start of a `.subsection 1` replacement `$d` when the section was declared without
  /// "x", as arch/arm64/mm/proc.S declares `.idmap.text`: the kernel executes it.)
  public static func codeRanges(_ file: ELFFile, layout: AlternativeLayout) -> [SectionIndex: [Range<UInt64>]] {
    let special = SpecialSections(file: file, relocations: RelocationIndexCache(file: file))
    var out: [SectionIndex: [Range<UInt64>]] = [:]
    for e in special.alternativeEntries(layout: layout) where e.problem == nil {
      out[e.original.section, default: []].append(e.original.offset..<(e.original.offset &+ UInt64(e.originalLength)))
      if let r = e.replacement, e.replacementLength > 0 {
        out[r.section, default: []].append(r.offset..<(r.offset &+ UInt64(e.replacementLength)))
      }
    }
    return out
  }

  /// Resolves every entry of `file`'s `.altinstructions` with `layout`. `callbackBit`
  /// marks callback entries; `instructionSize` (if fixed) is checked for alignment.
  public static func check(_ file: ELFFile, layout: AlternativeLayout, callbackBit: UInt16?, instructionSize: Int?) -> [AlternativeEntryReport] {
    let special = SpecialSections(file: file, relocations: RelocationIndexCache(file: file))
    guard let sec = file.section(named: KernelSections.alternatives), sec.size > 0, sec.hasFileBytes else { return [] }
    let bytes = file.reader(for: sec.index)
    var out: [AlternativeEntryReport] = []
    func code(_ a: SpecialSections.Address, length: Int) -> String? {
      let s = file.section(a.section)
      guard s.isExecutable else { return "\(s.displayName) is not executable" }
      guard a.offset + UInt64(length) <= s.size else { return "\(placeText(s.displayName, a.offset)) runs past the section end" }
      if let n = instructionSize, a.offset % UInt64(n) != 0 || length % n != 0 { return "not on a \(n)-byte instruction boundary" }
      return nil
    }
    func where_(_ a: SpecialSections.Address) -> String { "\(placeText(file.section(a.section).displayName, a.offset))" }
    // Function symbols by (section, address), for callbacks (built on first use: a
    // kernel has thousands of callback entries and a hundred thousand symbols).
    var functionsAt: [SectionIndex: [UInt64: String]]?
    func function(in s: SectionIndex, at value: UInt64) -> String? {
      if functionsAt == nil {
        var m: [SectionIndex: [UInt64: String]] = [:]
        for sym in file.symbols where sym.isFunction {
          if let i = sym.section.index, m[i]?[sym.value] == nil { m[i, default: [:]][sym.value] = sym.name }
        }
        functionsAt = m
      }
      return functionsAt?[s]?[value]
    }
    for off in stride(from: 0, to: Int(sec.size) - layout.entrySize + 1, by: layout.entrySize) {
      let feature = bytes.u16(at: off + layout.featureOffset) ?? 0
      let origLen = Int(bytes.u8(at: off + layout.originalLengthOffset) ?? 0)
      let newLen = Int(bytes.u8(at: off + layout.replacementLengthOffset) ?? 0)
      let isCallback = callbackBit.map { feature & $0 != 0 } ?? false
      guard let orig = special.address(in: sec.index, at: UInt64(off)) else {
        out.append(.init(original: "?", originalLength: origLen, replacement: "?", replacementLength: newLen,
                         feature: feature, isCallback: isCallback, problem: "no relocation for the original at entry offset 0x\(String(off, radix: 16))"))
        continue
      }
      var problem = code(orig, length: origLen)
      var replacement = "-"
      if isCallback, let r = special.relocations.first(in: sec.index, from: UInt64(off + 4), to: UInt64(off + 5)) {
        // The callback is usually a kernel function (alt_cb_patch_nops, ...): an
        // undefined symbol here, resolved when the module is loaded.
        let sym = file.symbol(r.symbol)
        if sym.section == .undefined {
          replacement = "callback \(sym.name)() (external)"
        } else if let s = sym.section.index {
          let at = UInt64(bitPattern: Int64(bitPattern: sym.value) &+ r.addend)
          let fn = function(in: s, at: at)
          replacement = "callback \(fn.map { "\($0)()" } ?? "\(placeText(file.section(s).displayName, at))")"
          if fn == nil && problem == nil { problem = "callback is not a function" }
        }
        if newLen != 0 && problem == nil { problem = "callback entry with replacement length \(newLen)" }
      } else if let alt = special.address(in: sec.index, at: UInt64(off + 4)) {
        if isCallback {
          replacement = where_(alt)
        } else {
          replacement = where_(alt)
          if problem == nil { problem = code(alt, length: newLen) }
        }
      } else if newLen > 0 || isCallback {
        problem = problem ?? "no relocation for the replacement"
      }
      var report = AlternativeEntryReport(original: where_(orig), originalLength: origLen, replacement: replacement,
                                          replacementLength: newLen, feature: feature, isCallback: isCallback, problem: problem)
      report.replacementInOwnSection = !isCallback && special.address(in: sec.index, at: UInt64(off + 4))?.section == orig.section
      out.append(report)
    }
    return out
  }
}
