import ELFObject

/// Options of `unwindcheck check` that exist at this stage of the pipeline.
public struct CheckOptions: Sendable {
  /// Print per-object structure counts on stdout.
  public var stats = false
  public init() {}
}

/// Structure counts of one object, as `check --stats` prints them.
public struct ObjectSummary: Sendable, Equatable {
  public var machine: Machine
  public var byteOrder: ByteOrder
  public var sections: Int
  public var executableSections: Int
  public var symbols: Int
  public var relocationSections: Int
  public var relocations: Int

  public init(_ file: ELFFile) {
    machine = file.machine
    byteOrder = file.byteOrder
    sections = file.sections.count
    executableSections = file.sections.filter(\.isExecutable).count
    symbols = file.symbols.count
    relocationSections = file.relocationSections.count
    relocations = file.relocationSections.reduce(0) { $0 + $1.relocations.count }
  }

  /// `key: value` lines, objtool `--stats` style, one object per block.
  public func statsText(path: String) -> String {
    """
    \(path): machine: \(machine), \(byteOrder == .little ? "little" : "big")-endian
    \(path): sections: \(sections) (\(executableSections) executable)
    \(path): symbols: \(symbols)
    \(path): relocations: \(relocations) in \(relocationSections) sections
    """
  }
}

/// `unwindcheck check FILE...`: opens and validates each object. Every unreadable
/// object gives one error line; the others are processed regardless.
public func runCheck(paths: [String], options: CheckOptions,
                     out: (String) -> Void, err: (String) -> Void) -> ExitStatus {
  var status = ExitStatus.clean
  for path in paths {
    do {
      let file = try ELFFile.open(path: path)
      if options.stats { out(ObjectSummary(file).statsText(path: path)) }
    } catch {
      err(DiagnosticFormat.line(for: error, path: path))
      status = .badInput
    }
  }
  return status
}
