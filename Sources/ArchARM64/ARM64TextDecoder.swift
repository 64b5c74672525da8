import UnwindModel

/// Decodes a whole arm64 executable section into `DecodedText` columns: every 4-byte
/// word of the code regions, in order. Data in text is not decoded: the ELF mapping
/// symbols (`$d` starts data, `$x` starts code; AAELF64) delimit it, and the words an
/// LDR (literal) in this section loads are data too (literal pools in code regions of
/// objects without mapping symbols; a relocated LDR's literal is elsewhere).
public struct ARM64TextDecoder: Sendable {
  /// Track x19-x28 saves and restores (`check --callee-saved`).
  public var calleeSaved: Bool

  public init(calleeSaved: Bool = false) { self.calleeSaved = calleeSaved }

  /// `dataRanges`: sorted, non-overlapping byte ranges that are data.
  /// A64 instructions are little-endian in every object, big-endian (BE8) ones included.
  public func decode(_ code: UnsafeRawBufferPointer, dataRanges: [Range<UInt64>] = []) -> DecodedText {
    let words = code.count / 4
    var text = DecodedText(reservingCapacity: words)
    var literals: [Range<UInt64>] = []
    var nextData = 0
    var offset = 0
    while offset + 4 <= code.count {
      let o = UInt64(offset)
      while nextData < dataRanges.count && dataRanges[nextData].upperBound <= o { nextData += 1 }
      if nextData < dataRanges.count && dataRanges[nextData].contains(o) {
        // Skip to the end of the data range, keeping 4-byte alignment from the section start.
        let end = Int(min(dataRanges[nextData].upperBound, UInt64(code.count)))
        offset = max(offset + 4, (end + 3) & ~3)
        continue
      }
      let w = UInt32(littleEndian: code.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
      var extra = ARM64Semantics.Extra()
      // The ops go straight into the column; `append` closes the instruction's run.
      let kind = ARM64Semantics.classify(w, ops: &text.stackOps, extra: &extra, calleeSaved: calleeSaved)
      text.append(offset: UInt32(truncatingIfNeeded: offset), length: 4, kind: kind,
                  immediate: kind.hasDirectTarget ? extra.displacement - 4 : extra.displacement)
      // (A displacement of 0 is a relocated load: in a relocatable object the
      // relocation names the literal, in another section or at an address not known
      // yet; an LDR loading its own encoding is no code anyone writes.)
      if extra.literalSize > 0 && extra.displacement != 0 {
        let target = Int64(offset) + extra.displacement
        if target >= 0 && target < Int64(code.count) {
          literals.append(UInt64(target)..<UInt64(target) + UInt64(extra.literalSize))
        }
      }
      offset += 4
    }
    guard !literals.isEmpty else { return text }
    return Self.removing(literals, from: text)
  }

  /// The columns without the instructions that lie in literal-pool words.
  static func removing(_ literals: [Range<UInt64>], from text: DecodedText) -> DecodedText {
    let pools = literals.sorted { $0.lowerBound < $1.lowerBound }
    var out = DecodedText(reservingCapacity: text.count)
    var k = 0
    for i in 0..<text.count {
      let o = UInt64(text.offsets[i])
      while k < pools.count && pools[k].upperBound <= o { k += 1 }
      if k < pools.count && pools[k].contains(o) { continue }
      out.stackOps.append(contentsOf: text.ops(InstructionIndex(i)))
      out.append(offset: text.offsets[i], length: 4, kind: text.kinds[i], immediate: Int64(text.immediates[i]))
    }
    return out
  }
}
