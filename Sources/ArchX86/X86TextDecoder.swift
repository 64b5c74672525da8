import DecodeX86
import UnwindModel

/// Decodes a whole x86-64 executable section into `DecodedText` columns by linear sweep.
public struct X86TextDecoder: Sendable {
  let decoder = X86Decoder()

  public init() {}

  /// `functionRanges`: sorted, non-overlapping byte ranges of `STT_FUNC` symbols in this
  /// section (only `iretq` classification depends on them).
  public func decode(_ code: UnsafeRawBufferPointer, functionRanges: [Range<UInt64>] = []) -> DecodedText {
    decode(code, from: 0, to: code.count, functionRanges: functionRanges).text
  }

  /// Decodes the instructions starting in `from..<to` (offsets stay section offsets;
  /// the last one may end past `to`) and returns where the sweep ended: a chunk of a
  /// section can be decoded on its own when `from` is an instruction boundary (a
  /// function start), and the chunks join up when each ends where the next begins.
  public func decode(_ code: UnsafeRawBufferPointer, from: Int, to: Int,
                     functionRanges: [Range<UInt64>] = []) -> (text: DecodedText, end: Int) {
    // Columns are filled through raw pointers sized for the worst case (one
    // instruction per byte), then copied once into arrays: no per-instruction
    // capacity or uniqueness checks in the loop.
    let capacity = max(0, to - from) + 1
    let offsets = UnsafeMutablePointer<UInt32>.allocate(capacity: capacity)
    let lengths = UnsafeMutablePointer<UInt8>.allocate(capacity: capacity)
    let kinds = UnsafeMutablePointer<InstructionKind>.allocate(capacity: capacity)
    let immediates = UnsafeMutablePointer<Int32>.allocate(capacity: capacity)
    let starts = UnsafeMutablePointer<UInt32>.allocate(capacity: capacity + 1)
    defer {
      offsets.deallocate(); lengths.deallocate(); kinds.deallocate()
      immediates.deallocate(); starts.deallocate()
    }
    var ops: [StackOp] = []
    ops.reserveCapacity(code.count / 16 + 16)
    var n = 0
    var nextRange = 0
    var end = from
    starts[0] = 0
    // The kernel's decoder: a forced-emulation prefix belongs to its instruction.
    decoder.forEachInstruction(in: code, from: from, to: to, emulatePrefixes: true) { offset, insn in
      var inside = false
      if insn.opcode == 0xCF && !functionRanges.isEmpty {
        let o = UInt64(offset)
        while nextRange < functionRanges.count && functionRanges[nextRange].upperBound <= o { nextRange += 1 }
        inside = nextRange < functionRanges.count && functionRanges[nextRange].contains(o)
      }
      kinds[n] = X86Semantics.classify(insn, insideFunction: inside, ops: &ops)
      offsets[n] = UInt32(truncatingIfNeeded: offset)
      lengths[n] = insn.length
      immediates[n] = Int32(truncatingIfNeeded: X86Semantics.immediate(insn))
      n += 1
      starts[n] = UInt32(truncatingIfNeeded: ops.count)
      end = offset + Int(insn.length)
    }
    let text = DecodedText(
      offsets: Array(UnsafeBufferPointer(start: offsets, count: n)),
      lengths: Array(UnsafeBufferPointer(start: lengths, count: n)),
      kinds: Array(UnsafeBufferPointer(start: kinds, count: n)),
      immediates: Array(UnsafeBufferPointer(start: immediates, count: n)),
      stackOpStarts: Array(UnsafeBufferPointer(start: starts, count: n + 1)),
      stackOps: ops)
    return (text, end)
  }
}
