import ELFObject
import UnwindModel

/// The result of validating one object.
public struct ValidationResult: Sendable {
  public var findings: [Finding]
  /// Patch-site counts: sites (original streams), replacement streams, sites with two or
  /// more replacements (ALTERNATIVE_2/3), jump labels, exception-table entries.
  public var patchSiteCounts: (sites: Int, replacements: Int, multiSites: Int, jumpLabels: Int, exceptionEntries: Int)
  /// Interned CFI states and, per executable section, each instruction's state before
  /// it executes (nil = never reached). The ORC stage reads these.
  public var cfiStates: CFIStateTable
  /// Per code section: instruction offsets, kinds (as decoded) and CFI at each.
  /// Views of the object's one array per column (nothing copied per section).
  public var instructionCFI: [SectionCFI]
  /// One code section's columns.
  public typealias SectionCFI = (section: SectionIndex, offsets: Column<UInt32>, kinds: Column<InstructionKind>, cfi: CFIColumn)
  /// Patch sites: the original range and its shared byte-offset table.
  public var sites: [(section: SectionIndex, start: UInt64, end: UInt64, table: [CFIStateID?])] = []
  /// Per entry of `instructionCFI`: its section's symbols (not section or file symbols)
  /// by address, ties in symbol-table order (sorted once for the walk; `--prefix` reuses it).
  public var symbolsByAddress: [[Int32]] = []
  /// The architecture's registers (names, DWARF numbers) the states are in.
  public var registers: RegisterVocabulary
  /// What objtool lists for the kernel to patch at boot (its site sections).
  public var patchLists = PatchLists()
  /// With `AnalysisOptions.traceSymbol`: the walk of that function, event by event.
  public var trace: [TraceEvent] = []
}

/// The places objtool writes into its site sections, each list in objtool's order.
public struct PatchLists: Sendable {
  /// An instruction's place: its section and offset.
  public struct Place: Sendable, Equatable {
    public var section: SectionIndex
    public var offset: UInt64
    public init(section: SectionIndex, offset: UInt64) {
      self.section = section
      self.offset = offset
    }
  }

  /// `.static_call_sites`: the call, its trampoline (`__SCT__name`, by symbol index)
  /// and whether it is a tail call.
  public var staticCalls: [(place: Place, trampoline: SymbolIndex, tail: Bool)] = []
  /// `.retpoline_sites`, `.return_sites`, `.call_sites`, `__mcount_loc`.
  public var retpolines: [Place] = []
  public var returns: [Place] = []
  public var calls: [Place] = []
  public var mcount: [Place] = []
  /// `.ibt_endbr_seal` (with `--ibt`).
  public var endbrSeal: [Place] = []
  /// `--hacks=jump_label`: jumps to overwrite with a NOP of their length.
  public var jumpLabelNops: [(place: Place, length: Int)] = []
  /// `--hacks=noinstr`: instrumentation calls to overwrite with a NOP (tail calls: a
  /// return), of their length.
  public var noinstrRewrites: [(place: Place, length: Int, tailCall: Bool)] = []

  public init() {}
}
