import ELFObject
import UnwindModel

/// Names for places in one code section, as `decode` and `trace` print them: the
/// symbol a branch target falls in (`<func+0x1c>`, objdump's style) and the relocation
/// on an instruction by its target (`<helper>`, `<.rodata+0x40>`). Built once per
/// section: symbols sorted by address, relocations by offset.
struct CodeNames {
  let file: ELFFile
  /// Named symbols of the section (no section, file or mapping symbols), by address.
  private let symbols: [(value: UInt64, name: String, isFunction: Bool)]
  private let relocations: [UInt64: Relocation]
  /// Relocation types computed from the place (x86 PC32/PLT32): their target is the
  /// symbol plus addend plus the bytes from the field to the instruction's end.
  private let pcRelative: Set<UInt32>
  /// Other sections' named symbols, sorted on first use (relocations against section
  /// symbols are named after the symbol they land in).
  private let otherSections = SymbolMemo()

  final class SymbolMemo {
    private var bySection: [SectionIndex: [(value: UInt64, name: String, isFunction: Bool)]] = [:]
    func symbols(_ s: SectionIndex, _ make: (SectionIndex) -> [(value: UInt64, name: String, isFunction: Bool)]) -> [(value: UInt64, name: String, isFunction: Bool)] {
      if let v = bySection[s] { return v }
      let v = make(s)
      bySection[s] = v
      return v
    }
  }

  init(file: ELFFile, section: SectionIndex, pcRelative: Set<UInt32>) {
    self.file = file
    self.pcRelative = pcRelative
    symbols = Self.namedSymbols(file, section)
    var byOffset: [UInt64: Relocation] = [:]
    for r in file.relocations(for: section)?.relocations ?? [] where byOffset[r.offset] == nil { byOffset[r.offset] = r }
    relocations = byOffset
  }

  static func namedSymbols(_ file: ELFFile, _ section: SectionIndex) -> [(value: UInt64, name: String, isFunction: Bool)] {
    file.symbols(in: section)
      .filter { !$0.isSectionSymbol && $0.type != .file && !$0.name.isEmpty && !$0.name.hasPrefix("$") && !$0.name.hasPrefix(".L") }
      .map { ($0.value, $0.name, $0.isFunction) }
      .sorted { $0.value < $1.value || ($0.value == $1.value && $0.isFunction && !$1.isFunction) }
  }

  /// `symbol+0xN` for an offset in this section: the last symbol at or before it (a
  /// function preferred among equals), else the section's name.
  func name(_ offset: UInt64, section: String) -> String {
    var lo = 0, hi = symbols.count
    while lo < hi {
      let mid = (lo + hi) / 2
      if symbols[mid].value <= offset { lo = mid + 1 } else { hi = mid }
    }
    guard lo > 0 else { return section + "+0x" + String(offset, radix: 16) }
    // (Among symbols at the same address the sort put functions first.)
    var k = lo - 1
    while k > 0, symbols[k - 1].value == symbols[k].value { k -= 1 }
    let s = symbols[k]
    return s.name + "+0x" + String(offset - s.value, radix: 16)
  }

  /// The relocation on the instruction at `offset` (`length` bytes) as `<target>`.
  func relocation(at offset: UInt64, length: Int) -> String? {
    for at in offset..<(offset + UInt64(length)) {
      guard let r = relocations[at] else { continue }
      let s = file.symbol(r.symbol)
      var addend = r.addend
      if pcRelative.contains(r.type) { addend += Int64(offset + UInt64(length) - r.offset) }
      if s.isSectionSymbol, let sec = s.section.index, addend >= 0 {
        let other = otherSections.symbols(sec) { CodeNames.namedSymbols(file, $0) }
        var lo = 0, hi = other.count
        while lo < hi {
          let mid = (lo + hi) / 2
          if other[mid].value <= UInt64(addend) { lo = mid + 1 } else { hi = mid }
        }
        if lo > 0 {
          let b = other[lo - 1]
          return "<" + b.name + (UInt64(addend) == b.value ? "" : "+0x" + String(UInt64(addend) - b.value, radix: 16)) + ">"
        }
        return "<" + file.section(sec).name + "+0x" + String(addend, radix: 16) + ">"
      }
      let base = s.isSectionSymbol ? (s.section.index.map { file.section($0).name } ?? "?") : s.name
      return "<" + base + (addend == 0 ? "" : addend > 0 ? "+0x" + String(addend, radix: 16) : "-0x" + String(-addend, radix: 16)) + ">"
    }
    return nil
  }
}
