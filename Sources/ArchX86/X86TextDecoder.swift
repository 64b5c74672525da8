import DecodeX86
import UnwindModel

/// Decodes a whole x86-64 executable section into `DecodedText` columns by linear sweep.
public struct X86TextDecoder: Sendable {
  let decoder = X86Decoder()

  public init() {}

  /// `functionRanges`: sorted, non-overlapping byte ranges of `STT_FUNC` symbols in this
  /// section (only `iretq` classification depends on them).
  public func decode(_ code: UnsafeRawBufferPointer, functionRanges: [Range<UInt64>] = []) -> DecodedText {
    var text = DecodedText(reservingCapacity: code.count / 4 + 1)
    var nextRange = 0
    decoder.forEachInstruction(in: code) { offset, insn in
      var inside = false
      if !functionRanges.isEmpty && insn.opcode == 0xCF {
        let o = UInt64(offset)
        while nextRange < functionRanges.count && functionRanges[nextRange].upperBound <= o { nextRange += 1 }
        inside = nextRange < functionRanges.count && functionRanges[nextRange].contains(o)
      }
      let kind = X86Semantics.classify(insn, insideFunction: inside, ops: &text.stackOps)
      text.append(offset: UInt32(truncatingIfNeeded: offset), length: insn.length, kind: kind,
                  immediate: X86Semantics.immediate(insn))
    }
    return text
  }
}
