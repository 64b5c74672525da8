import UnwindModel

/// arm64 facts as data. (The arm64 decoder and CFI rules come with their own issue;
/// this module starts with the patch-site layout.)
public enum ARM64Architecture {
  /// `struct alt_instr` (arch/arm64/include/asm/alternative-macros.h): s32 orig, s32
  /// alt (replacement, or callback for callback entries), u16 cpucap, u8 orig_len,
  /// u8 alt_len: 12 bytes. Replacements live in the same section (`.subsection 1`).
  public static let alternativeLayout = AlternativeLayout(
    entrySize: 12, featureOffset: 8, originalLengthOffset: 10, replacementLengthOffset: 11, nestedGroups: false)

  /// `ARM64_CB_BIT`: the entry names a callback that patches the original at boot;
  /// it has no replacement instructions.
  public static let callbackBit: UInt16 = 1 << 15

  /// A64 instructions are 4 bytes.
  public static let instructionSize = 4
}
