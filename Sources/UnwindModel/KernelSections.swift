/// The kernel's section names that objtool reads, writes or treats apart, each spelled
/// once. Both architectures share them; what differs per architecture (the entry sizes,
/// the noinstr sections' prefixes) is in `ArchitectureDescription` and
/// `KernelConventions`.
public enum KernelSections {
  // Patch sites and tables of the code, which the walk follows.
  /// `ALTERNATIVE()` entries, and the sections of their replacement code.
  public static let alternatives = ".altinstructions"
  public static let alternativeReplacements = ".altinstr_replacement"
  public static let alternativeAux = ".altinstr_aux"
  /// Jump labels (static keys), exception-table fixups, WARN()/BUG() sites.
  public static let jumpTable = "__jump_table"
  public static let exceptionTable = "__ex_table"
  public static let bugTable = "__bug_table"
  /// Paravirt patch sites and SMP lock prefixes (6.1's tables; patched, not walked).
  public static let paravirtInstructions = ".parainstructions"
  public static let smpLocks = ".smp_locks"
  public static let kcfiTraps = ".kcfi_traps"
  public static let patchableFunctionEntries = "__patchable_function_entries"

  // What objtool writes.
  /// ORC: one entry per address, its addresses, and (6.12) the format's hash.
  public static let orcUnwind = ".orc_unwind"
  public static let orcUnwindIP = ".orc_unwind_ip"
  public static let orcHeader = ".orc_header"
  /// The site lists (`--static-call`, `--retpoline`, `--rethunk`, call depth, `--mcount`,
  /// `--ibt`, `--cfi`).
  public static let staticCallSites = ".static_call_sites"
  public static let retpolineSites = ".retpoline_sites"
  public static let returnSites = ".return_sites"
  public static let callSites = ".call_sites"
  public static let mcountLocations = "__mcount_loc"
  public static let endbrSeal = ".ibt_endbr_seal"
  public static let cfiSites = ".cfi_sites"

  // Code sections with rules of their own.
  public static let noinstrText = ".noinstr.text"
  public static let entryText = ".entry.text"
  public static let cpuidleText = ".cpuidle.text"
  public static let initText = ".init.text"
  /// modpost's section in a final module (`.ko`).
  public static let thisModule = ".gnu.linkonce.this_module"

  // objtool's annotations (`.discard.*`: read at build time, dropped by the linker).
  public static let discardPrefix = ".discard."
  public static let unwindHints = ".discard.unwind_hints"
  public static let stackFrameNonStandard = ".discard.func_stack_frame_non_standard"
  public static let unreachable = ".discard.unreachable"
  public static let reachable = ".discard.reachable"
  public static let retpolineSafe = ".discard.retpoline_safe"
  public static let noEndbr = ".discard.noendbr"
  public static let endbrNoSeal = ".discard.ibt_endbr_noseal"
  public static let instrumentationBegin = ".discard.instr_begin"
  public static let instrumentationEnd = ".discard.instr_end"
  public static let intraFunctionCalls = ".discard.intra_function_calls"
  public static let ignoreAlternatives = ".discard.ignore_alts"
  public static let validateUnret = ".discard.validate_unret"
  /// 6.14's one annotation section (a type per entry).
  public static let annotateInstructions = ".discard.annotate_insn"
}
