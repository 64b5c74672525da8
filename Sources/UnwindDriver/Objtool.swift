import Analysis
import ELFObject
import Glibc
import ORC
import UnwindModel

/// objtool's options, as its command line sets them (`ObjtoolCommandLine` in the
/// executable parses them; `runObjtool` runs them), and the contract of the kernel it
/// stands in for.
public struct ObjtoolInvocation: Sendable {
  public var contract = ObjtoolContract.v6_12
  // Actions.
  public var hackJumpLabel = false, hackNoinstr = false, hackSkylake = false
  public var ibt = false, mcount = false, noinstr = false, orc = false, retpoline = false, rethunk = false
  public var unret = false, sls = false, stackval = false, staticCall = false, uaccess = false, cfi = false
  public var prefix = 0
  public var dumpORC = false
  // Options.
  public var backtrace = false, backup = false, dryRun = false, link = false, module = false, mnop = false
  public var noUnreachable = false, secAddress = false, stats = false, verbose = false
  /// objtool 6.15+'s `--werror`: warnings fail the run (exit 1).
  public var werror = false
  public var file = ""

  public init() {}

  /// Any action objtool knows (its `opts_valid`).
  var hasAction: Bool {
    hackJumpLabel || hackNoinstr || ibt || mcount || noinstr || orc || retpoline || rethunk || sls || stackval
      || staticCall || uaccess
  }
}

/// Exit statuses of objtool 6.1 and 6.12 (kbuild-objtool-6.12.md §4; the same in 6.1).
public enum ObjtoolExit {
  public static let ok: Int32 = 0
  public static let failed: Int32 = 1
  public static let usage: Int32 = 129
  public static let writeFailed: Int32 = 255
}

/// Runs one objtool invocation as the contract's objtool would: the same option checks and
/// messages (`error: objtool: ...`), warnings as `FILE: warning: objtool: ...`, every
/// section it writes for the given actions, exit 0 even with warnings (unless
/// `--werror`), 1 for option conflicts and unreadable input, 255 when writing fails.
public func runObjtool(_ inv: ObjtoolInvocation, out: (String) -> Void, err: (String) -> Void) -> Int32 {
  func error(_ message: String) { err("error: objtool: \(message)") }
  // opts_valid
  if inv.hasAction {
    if inv.dumpORC {
      error(inv.contract.dumpWithActionsMessage)
      return ObjtoolExit.failed
    }
  } else if inv.unret && !inv.rethunk {
    error("--unret requires --rethunk")
    return ObjtoolExit.failed
  } else if !inv.dumpORC {
    error(inv.contract.noActionMessage)
    return ObjtoolExit.failed
  }
  if inv.dumpORC {
    var buffer = OutputBuffer(fd: 1)
    let status = runORCDump(paths: [inv.file], format: ORCFormat(kernel: inv.contract.kernel), out: &buffer, err: err)
    buffer.flush()
    return status == .clean ? ObjtoolExit.ok : ObjtoolExit.failed
  }
  let file: ELFFile
  do {
    file = try ELFFile.open(path: inv.file)
  } catch {
    // A file that cannot be opened: objtool's line (6.1 and 6.12 alike); anything
    // malformed: unwindcheck's located line.
    if case .cannotOpen(let reason) = error.kind {
      err("objtool: Can't open '\(inv.file)': \(reason.prefix(1).uppercased() + reason.dropFirst())")
    } else {
      err(DiagnosticFormat.line(for: error, path: inv.file))
    }
    return ObjtoolExit.failed
  }
  if inv.mnop && !inv.mcount {
    error("--mnop requires --mcount")
    return ObjtoolExit.failed
  }
  var link = inv.link
  if !link {
    if file.symbols.filter({ $0.type == .file }).count > 1 {
      error("Linked object detected, forcing --link")
      link = true
    } else if inv.noinstr {
      error("--noinstr requires --link")
      return ObjtoolExit.failed
    } else if inv.ibt {
      error("--ibt requires --link")
      return ObjtoolExit.failed
    } else if inv.unret {
      error("--unret requires --link")
      return ObjtoolExit.failed
    }
  }
  var o = CheckOptions()
  o.objtoolFrontEnd = true
  o.kernel = inv.contract.kernel
  o.link = link
  o.module = inv.module
  o.ibt = inv.ibt
  o.stackval = inv.stackval
  o.noUnreachable = inv.noUnreachable
  // objtool prints the branch chain with --verbose too (BT_INSN).
  o.backtrace = inv.backtrace || inv.verbose
  o.verbose = inv.verbose
  o.orc = inv.orc
  o.prefix = max(inv.prefix, 0)
  o.dryRun = inv.dryRun
  o.backup = inv.backup
  o.jumpLabelHack = inv.hackJumpLabel
  o.noinstrHack = inv.hackNoinstr
  o.uaccess = inv.uaccess
  o.retpolineCheck = inv.retpoline
  o.rethunkCheck = inv.rethunk
  o.slsCheck = inv.sls
  o.writes.noinstrRewrites = inv.hackNoinstr
  o.mcount = inv.mcount
  o.sectionAddresses = inv.secAddress
  o.stats = inv.stats
  o.writes.staticCalls = inv.staticCall
  o.writes.retpolines = inv.retpoline
  o.writes.cfiSites = inv.cfi
  o.writes.returns = inv.rethunk
  o.writes.calls = inv.rethunk && inv.hackSkylake
  o.writes.mcount = inv.mcount
  o.writes.mnop = inv.mnop
  o.writes.endbrSeal = inv.ibt
  o.writes.jumpLabelNops = inv.hackJumpLabel
  // objtool walks the functions only for these actions; otherwise it reports only
  // what reading the object's tables finds.
  o.walkFindings = inv.orc || inv.stackval || inv.uaccess
  o.noinstr = inv.noinstr
  o.unret = inv.unret
  // Kbuild runs objtool on modules from make's parallel jobs (one thread each here), but
  // on vmlinux.o (`--link` without `--module`) alone, at link time: there the phases
  // that can (decoding, the function walk, ORC) use every core, with the same output.
  o.jobs = link && !inv.module ? 0 : 1
  var report = checkObject(path: inv.file, options: o, keepUntilExit: true, opened: file)
  for (stream, line) in report.lines { if stream == .out { out(line) } else { err(line) } }
  if report.status == .badInput {
    // Unreadable input was caught above; what is left is a failed write.
    return ObjtoolExit.writeFailed
  }
  report.status = .clean
  return inv.werror && report.anyFinding ? ObjtoolExit.failed : ObjtoolExit.ok
}
