import UnwindModel

/// A step of a walk's branch chain (`Walker.backtraceNodes`), or none: the root.
struct ChainID: Equatable {
  var raw: Int32
  static let none = ChainID(raw: -1)
  var isNone: Bool { raw < 0 }
  var int: Int { Int(raw) }
}

/// Per instruction, what the walk would otherwise look up in a table at every step.
struct InstructionFlags: OptionSet {
  let rawValue: UInt8
  /// Alternatives to follow (a patch site's other streams, a jump table's targets).
  static let alternatives = InstructionFlags(rawValue: 1)
  /// An unwind hint (not a SAVE mark).
  static let hint = InstructionFlags(rawValue: 2)
  /// The original stream is not followed after the alternatives.
  static let skipOriginal = InstructionFlags(rawValue: 4)
  /// An instrumentation_begin()/_end() annotation (`--noinstr`).
  static let instrumentation = InstructionFlags(rawValue: 8)
}

/// Per interned state, the answers the walk asks at returns, calls and jumps, computed
/// once per state.
struct StateFacts: OptionSet {
  let rawValue: UInt8
  /// The other bits are computed (a zero entry is "not yet").
  static let known = StateFacts(rawValue: 1)
  static let modifiedFrame = StateFacts(rawValue: 2)
  static let validFrame = StateFacts(rawValue: 4)
  static let bpScratch = StateFacts(rawValue: 8)
  static let cfaUndefined = StateFacts(rawValue: 16)
  /// A move between two registers, neither the stack pointer, changes nothing unless
  /// it writes the CFA's base register (the CFA is defined and no regs frame, or the
  /// state is forced undefined): the walk skips such moves without the memo.
  static let movesInert = StateFacts(rawValue: 32)
}

/// A rule's verdict that stops the walk: objtool's warning, where it is reported, and
/// the evidence behind it. Made only when a rule fails; `Walker.report` turns it into
/// the finding. (A class: the walk's stages return `Violation?` and `Step` for every
/// instruction, and a reference keeps those one word wide; only a failure allocates.)
final class Violation {
  /// Where objtool reports it: at `insn` (`WARN_INSN`: once per symbol), or as a plain
  /// `WARN` (never suppressed; `insn` is then only its place for machine output).
  enum Placement {
    case instruction
    case plain(section: String?)
  }

  var insn: InsnRef
  var message: Message
  var placement = Placement.instruction
  var explanation = Explanation.none

  init(_ insn: InsnRef, _ message: Message, explanation: Explanation = .none) {
    self.insn = insn
    self.message = message
    self.explanation = explanation
  }

  convenience init(_ insn: InsnRef, _ message: Message, plainIn section: String?, explanation: Explanation = .none) {
    self.init(insn, message, explanation: explanation)
    placement = .plain(section: section)
  }
}

/// The evidence a walk finding carries beyond objtool's line (notes and related places:
/// `--verbose`, JSON, SARIF), computed from these when the finding is made.
enum Explanation {
  case none
  /// Both states at a join.
  case mismatch(recorded: CFIStateID, arriving: CFIStateID)
  /// The walk crossed into another function after `from`.
  case fallThrough(from: InsnRef?)
  /// The frame is not the entry frame at `what` ("the return", "the sibling call").
  case modifiedFrame(CFIStateID, what: String)
  /// A call made before the frame was set up.
  case callWithoutFramePointer(CFIStateID)
  /// Two streams of a patch site wrote different states at one byte offset.
  case siteConflict(site: InsnRef, offset: Int, writer: InsnRef, recorded: CFIStateID, conflicting: InsnRef,
                    arriving: CFIStateID)
}

extension CFIStateID {
  /// No state: an instruction never reached, an empty site slot (`UInt32.max`, as the
  /// columns store it).
  static let none = CFIStateID(rawValue: .max)
  var isNone: Bool { rawValue == .max }
}

extension WalkMarks {
  /// The CFI state the walk recorded before `insn` (none: not reached).
  @inline(__always)
  subscript(state insn: InsnRef) -> CFIStateID {
    get { CFIStateID(rawValue: cfi[insn.int]) }
    set { cfi[insn.int] = newValue.rawValue }
  }
}
