import ELFObject
import UnwindModel

/// One event of `unwindcheck trace`: what the walk did at an instruction of the traced
/// function, in the order it did it (a depth-first walk: a conditional branch's target
/// first, its fall-through later; a patch site's replacement streams before the
/// original).
public struct TraceEvent: Sendable {
  public enum Kind: UInt8, Sendable {
    /// A walk starts here (the function's entry, an unwind hint, an entry point).
    case start
    /// The instruction was walked; `state` is the CFI after it.
    case step
    /// A conditional branch: its target is walked now, the fall-through later.
    case branch
    /// An unconditional jump followed to its target.
    case jump
    /// Back at a conditional branch whose target was walked: now its fall-through.
    case fallThrough
    /// A patch site or jump table: its other streams (targets) are walked first.
    case streams
    /// Back at a patch site: the original stream now.
    case original
    /// Reached an instruction already walked with a matching state: this path ends.
    case joined
    /// This path ends here (`detail` says why).
    case end
    /// A finding stopped the walk here.
    case finding
    /// An unwind hint replaced the walked state before this instruction (`state`).
    case hint
  }

  public var kind: Kind
  public var section: SectionIndex
  /// Where it happened; nil for the virtual NOP padding of a shorter patch stream.
  public var location: CodeLocation?
  /// The CFI after the instruction (`step`), at it (`start`, `joined`), else nil.
  public var state: String?
  public var detail: String
  /// `finding`: the index of the finding it made in the result's findings (nil: objtool
  /// suppressed it, the symbol had warned already).
  public var finding: Int?
}
