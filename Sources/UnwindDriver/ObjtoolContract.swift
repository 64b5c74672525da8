import UnwindModel

/// What one kernel's Kbuild expects of the `objtool` it runs: the options that objtool
/// accepts, its messages, and the kernel whose formats it writes (ORC layout,
/// `.altinstructions` entries, hint numbering, noreturn list: `CheckOptions.kernel`).
/// One entry per supported kernel, in `ObjtoolContract.supported`; the front end never
/// acts as an objtool other than the one of the kernel that runs it
/// (`ObjtoolContract.select`).
public struct ObjtoolContract: Sendable, Equatable {
  /// The kernel series whose objtool this is ("6.1"): the Kbuild `VERSION.PATCHLEVEL`
  /// that selects it.
  public var series: String
  public var kernel: KernelVersion
  /// The long options this objtool knows (its `--help`), besides the ones every
  /// version since 5.19 shares (`ObjtoolContract.commonOptions`).
  public var extraOptions: Set<String>
  /// The names `--hacks=` takes.
  public var hacks: [String]
  /// Whether `OBJTOOL_VERBOSE=1` means `--verbose` (6.12; 6.1 has no `--verbose`).
  public var verboseEnvironment: Bool
  /// `--dump` with an action, and no action at all.
  public var dumpWithActionsMessage: String
  public var noActionMessage: String

  /// Options in every supported objtool (5.19 on) and `--werror`, unwindcheck's opt-in
  /// to fail on warnings (objtool's own from 6.15).
  public static let commonOptions: Set<String> = [
    "hacks", "ibt", "mcount", "noinstr", "orc", "retpoline", "rethunk", "unret", "sls", "stackval", "static-call",
    "uaccess", "dump", "backtrace", "backup", "dry-run", "link", "module", "no-unreachable", "sec-address", "stats",
    "werror", "Werror",
  ]

  public func accepts(_ option: String) -> Bool {
    Self.commonOptions.contains(option) || extraOptions.contains(option)
  }

  /// Debian 12's own kernel: Kbuild 6.1 runs objtool on each object as it is compiled
  /// (X86_KERNEL_IBT is off), `--hacks=jump_label --hacks=noinstr --orc --retpoline
  /// --rethunk --sls --static-call --uaccess [--module] FILE.o`.
  public static let v6_1 = ObjtoolContract(
    series: "6.1", kernel: .v6_1, extraOptions: [], hacks: ["jump_label", "noinstr"], verboseEnvironment: false,
    dumpWithActionsMessage: "--dump can't be combined with other options",
    noActionMessage: "At least one command required")

  /// Debian's 6.12 (X86_KERNEL_IBT on): objtool runs on linked objects only,
  /// `... --ibt ... --prefix=16 --link --module foo.o` and `--link vmlinux.o`.
  public static let v6_12 = ObjtoolContract(
    series: "6.12", kernel: .v6_12, extraOptions: ["prefix", "cfi", "mnop", "verbose"],
    hacks: ["jump_label", "noinstr", "skylake"], verboseEnvironment: true,
    dumpWithActionsMessage: "--dump can't be combined with other actions",
    noActionMessage: "At least one action required")

  public static let supported = [v6_1, v6_12]

  /// Why no contract could be chosen: one line for the user.
  public struct Refusal: Error, Sendable, Equatable {
    public var message: String
  }

  /// The override variable (for use outside Kbuild, or to force a version).
  public static let environmentVariable = "UNWINDCHECK_KERNEL"

  /// Picks the contract: `--kernel=V` on the command line, else `UNWINDCHECK_KERNEL`,
  /// else the kernel Kbuild runs it for. Kbuild's top Makefile exports `KERNELRELEASE`
  /// (the tree's `include/config/kernel.release`, e.g. `6.1.0-57-amd64`) and `VERSION`,
  /// `PATCHLEVEL` to every command; `KERNELRELEASE` comes first because a module's own
  /// Makefile, which Kbuild reads, may set a `VERSION` of its own (rapiddisk's
  /// `VERSION = 9.0.0` reaches objtool as `VERSION=9.0.0 PATCHLEVEL=1`). A version with
  /// no entry, or no version at all, is refused: the front end never guesses which
  /// objtool to be.
  public static func select(option: String?, environment: (String) -> String?) -> Result<ObjtoolContract, Refusal> {
    let supportedList = supported.map(\.series).joined(separator: ", ")
    let asked: (String, String)
    if let option {
      asked = (option, "--kernel")
    } else if let value = environment(environmentVariable), !value.isEmpty {
      asked = (value, environmentVariable)
    } else if let release = environment("KERNELRELEASE"), !release.isEmpty {
      asked = (release, "Kbuild's KERNELRELEASE")
    } else if let version = environment("VERSION"), let patchlevel = environment("PATCHLEVEL"), !version.isEmpty {
      asked = ("\(version).\(patchlevel)", "Kbuild's VERSION.PATCHLEVEL")
    } else {
      return .failure(Refusal(message:
        "error: unwindcheck: which kernel's objtool to be is unknown (not run by Kbuild, which exports KERNELRELEASE); name it with --kernel=V or \(environmentVariable)=V (supported: \(supportedList)); nothing was written"))
    }
    // "6.1", "6.1.0-57-amd64", "6.12.118+deb12-amd64" name a series by their first two
    // numbers.
    let parts = asked.0.split(separator: ".", omittingEmptySubsequences: false)
    let series = parts.count >= 2 ? "\(parts[0]).\(parts[1].prefix(while: \.isNumber))" : asked.0
    if let contract = supported.first(where: { $0.series == series }) { return .success(contract) }
    return .failure(Refusal(message:
      "error: unwindcheck: kernel \(asked.0) (from \(asked.1)) is not supported as objtool (supported: \(supportedList)); nothing was written"))
  }
}
