import ELFObject
import UnwindModel
import WorkPool

/// Options of `unwindcheck decode`.
public struct DecodeOptions: Sendable {
  /// Restrict to sections with this name.
  public var section: String?
  /// Restrict to the functions (STT_FUNC symbols) with this name.
  public var function: String?
  public init() {}
}

/// Decodes every executable section of an object into `DecodedText`, with the section.
public struct DecodedSection: Sendable {
  public var section: Section
  public var text: DecodedText
}

public enum ObjectDecoder {
  public struct UnsupportedMachine: Error, Sendable {
    public var machine: Machine
  }

  /// Linear sweep of the executable sections of `file` (optionally only `name`).
  public static func decodeSections(of file: ELFFile, named name: String? = nil,
                                    calleeSaved: Bool = false) throws(UnsupportedMachine) -> [DecodedSection] {
    guard let arch = ArchitectureSupport.of(file.machine) else { throw UnsupportedMachine(machine: file.machine) }
    return arch.decodeSections(file, name, calleeSaved)
  }

  /// The executable sections with bytes in the file (optionally only `name`).
  static func executableSections(of file: ELFFile, named name: String?) -> [Section] {
    file.sections.filter { $0.isExecutable && $0.hasFileBytes && (name == nil || $0.name == name) }
  }

  /// The executable sections decoded for analysis, on up to `workers` threads: a big
  /// section (vmlinux.o's .text is 16 MB) is cut at function starts into chunks decoded
  /// concurrently, returned in order (several consecutive entries for one section). A
  /// chunk whose predecessor did not end exactly at its start is decoded again from
  /// where the predecessor ended, so the result is the linear sweep's in every case.
  static func decodeForAnalysis(of file: ELFFile, calleeSaved: Bool, workers: Int) throws(UnsupportedMachine) -> [(SectionIndex, DecodedText)] {
    // Under a few MB of code (every module but the biggest) threads cost more than they
    // save: a kernel build runs the tool once per object.
    let codeBytes = file.sections.reduce(UInt64(0)) { $0 + ($1.isExecutable && $1.hasFileBytes ? $1.size : 0) }
    guard let arch = ArchitectureSupport.of(file.machine) else { throw UnsupportedMachine(machine: file.machine) }
    guard let decode = arch.chunkDecoder, workers > 1, codeBytes >= 2 << 20 else {
      return arch.decodeSections(file, nil, calleeSaved).map { ($0.section.index, $0.text) }
    }
    struct Chunk: Sendable { var section: SectionIndex; var from: Int; var to: Int; var ranges: [Range<UInt64>] }
    var chunks: [Chunk] = []
    let chunkBytes = 1 << 20
    for section in file.sections where section.isExecutable && section.hasFileBytes {
      let ranges = functionRanges(in: section.index, of: file)
      let size = Int(section.size)
      var cut = 0
      while cut < size {
        // The first function start at least a chunk further on.
        var next = size
        if size - cut > chunkBytes + chunkBytes / 2 {
          let target = UInt64(cut + chunkBytes)
          var lo = 0, hi = ranges.count
          while lo < hi { let mid = (lo + hi) / 2; if ranges[mid].lowerBound < target { lo = mid + 1 } else { hi = mid } }
          if lo < ranges.count, ranges[lo].lowerBound < UInt64(size) { next = Int(ranges[lo].lowerBound) }
        }
        chunks.append(Chunk(section: section.index, from: cut, to: next, ranges: ranges))
        cut = next
      }
    }
    let results = OrderedSlots<(DecodedText, Int)>(count: chunks.count)
    let work = chunks
    parallelFor(count: work.count, workers: workers) { k in
      let c = work[k]
      results.put(k, file.withBytes(of: c.section) { decode($0, c.from, c.to, c.ranges) })
    }
    var out: [(SectionIndex, DecodedText)] = []
    var ended: (section: SectionIndex, end: Int)? = nil
    for (k, c) in chunks.enumerated() {
      var (text, end) = results.take(k)
      if let e = ended, e.section == c.section, e.end != c.from {
        // The previous chunk's last instruction ran past this chunk's start: sweep on
        // from where it ended (nothing of this chunk's own decode is reusable).
        (text, end) = e.end >= c.to ? (DecodedText(), e.end)
          : file.withBytes(of: c.section) { decode($0, e.end, c.to, c.ranges) }
      }
      out.append((c.section, text))
      ended = (c.section, end)
    }
    return out
  }

  /// `ranges` without the bytes of `code` (both sorted or not; the result is sorted).
  static func subtracting(_ code: [Range<UInt64>], from ranges: [Range<UInt64>]) -> [Range<UInt64>] {
    guard !code.isEmpty, !ranges.isEmpty else { return ranges }
    let cuts = code.sorted { $0.lowerBound < $1.lowerBound }
    var out: [Range<UInt64>] = []
    for r in ranges.sorted(by: { $0.lowerBound < $1.lowerBound }) {
      var start = r.lowerBound
      for c in cuts where c.upperBound > start && c.lowerBound < r.upperBound {
        if c.lowerBound > start { out.append(start..<c.lowerBound) }
        start = max(start, c.upperBound)
        if start >= r.upperBound { break }
      }
      if start < r.upperBound { out.append(start..<r.upperBound) }
    }
    return out
  }

  /// The `$d` ... `$x` ranges of a section (AAELF64 mapping symbols `$d`, `$d.N`,
  /// `$x`, `$x.N`): data from a `$d` to the next `$x` or the section end.
  /// `renamedWith`: prefixes a tool may have put before the names (the KVM nVHE objects'
  /// `objcopy --prefix-symbols=__kvm_nvhe_` renames `$x` too).
  static func mappingDataRanges(in section: Section, of file: ELFFile, renamedWith prefixes: [String] = []) -> [Range<UInt64>] {
    var marks: [(UInt64, Bool)] = []
    for sym in file.symbols(in: section.index) where sym.type == .noType {
      var n = Substring(sym.name)
      if !n.hasPrefix("$"), let p = prefixes.first(where: { n.hasPrefix($0) }) { n = n.dropFirst(p.count) }
      guard n.hasPrefix("$") else { continue }
      if n == "$d" || n.hasPrefix("$d.") { marks.append((sym.value, true)) }
      else if n == "$x" || n.hasPrefix("$x.") { marks.append((sym.value, false)) }
    }
    guard marks.contains(where: { $0.1 }) else { return [] }
    marks.sort { $0.0 < $1.0 || ($0.0 == $1.0 && !$0.1 && $1.1) }
    var ranges: [Range<UInt64>] = []
    var start: UInt64?
    // (A mapping symbol past the section's end, from a damaged object, ends there.)
    for (value, isData) in marks {
      let v = min(value, section.size)
      if isData { if start == nil { start = v } } else if let s = start {
        if v > s { ranges.append(s..<v) }
        start = nil
      }
    }
    if let s = start, section.size > s { ranges.append(s..<section.size) }
    return ranges
  }

  /// Sorted byte ranges of the `STT_FUNC` symbols defined in `section`.
  static func functionRanges(in section: SectionIndex, of file: ELFFile) -> [Range<UInt64>] {
    file.symbols(in: section).lazy
      .filter { $0.isFunction && $0.size > 0 }
      .map { $0.value..<($0.value.addingReportingOverflow($0.size).overflow ? UInt64.max : $0.value + $0.size) }
      .sorted { $0.lowerBound < $1.lowerBound }
  }
}

/// Writes `SECTION<TAB>0xOFFSET<TAB>LENGTH<TAB>KIND<TAB>STACK-OPS<TAB>FUNCTION+0xOFF<TAB>TEXT`
/// for each instruction. KIND carries the branch target of direct jumps and calls as
/// `KIND->0xTARGET`; STACK-OPS is `-` or the ops joined by `,` (see `StackOp.text`);
/// FUNCTION+0xOFF is the function symbol containing the instruction (`-` outside every
/// function); TEXT the instruction in assembly (`ArchitectureSupport.syntax`).
/// With `function`, only the instructions inside functions of that name.
public func renderDecoded(_ sections: [DecodedSection], file: ELFFile? = nil, function: String? = nil,
                          machine: Machine, into out: inout OutputBuffer) {
  // (Sections come from `decodeSections`, which decodes supported machines only.)
  guard let support = ArchitectureSupport.of(machine) else { return }
  let registerName = support.registerName
  for decoded in sections {
    let name = decoded.section.name
    let t = decoded.text
    // The section's function symbols by start, for names and the --function filter.
    let functions: [(range: Range<UInt64>, name: String)] = file.map { file in
      file.symbols(in: decoded.section.index).filter { $0.isFunction && $0.size > 0 }
        .map { ($0.value..<($0.value.addingReportingOverflow($0.size).overflow ? UInt64.max : $0.value + $0.size), $0.name) }
        .sorted { $0.0.lowerBound < $1.0.lowerBound || ($0.0.lowerBound == $1.0.lowerBound && $0.1 < $1.1) }
    } ?? []
    if let function, !functions.contains(where: { $0.name == function }) { continue }
    var k = 0
    func containing(_ offset: UInt64) -> (range: Range<UInt64>, name: String)? {
      while k < functions.count, functions[k].range.upperBound <= offset { k += 1 }
      // (Nested or overlapping symbols: the first that contains it.)
      var j = k
      while j < functions.count, functions[j].range.lowerBound <= offset {
        if functions[j].range.contains(offset) { return functions[j] }
        j += 1
      }
      return nil
    }
    let bytes: [UInt8] = file.map { f in f.withBytes(of: decoded.section.index) { Array($0) } } ?? []
    let names = file.map { CodeNames(file: $0, section: decoded.section.index, pcRelative: support.description(CheckOptions()).pcRelativeRelocations) }
    for i in 0..<t.count {
      let offset = UInt64(t.offsets[i])
      let owner = functions.isEmpty ? nil : containing(offset)
      if let function, owner?.name != function { continue }
      out.append(name)
      out.append(byte: 0x09)
      out.append("0x")
      out.appendHex(offset)
      out.append(byte: 0x09)
      out.appendDecimal(Int(t.lengths[i]))
      out.append(byte: 0x09)
      out.append(t.kinds[i].name)
      if let target = t.target(InstructionIndex(i)) {
        out.append("->0x")
        out.appendHex(UInt64(bitPattern: target))
      }
      out.append(byte: 0x09)
      let ops = t.ops(InstructionIndex(i))
      if ops.isEmpty {
        out.append(byte: UInt8(ascii: "-"))
      } else {
        var first = true
        for op in ops {
          if !first { out.append(byte: UInt8(ascii: ",")) }
          first = false
          out.append(op.text(registerName: registerName))
        }
      }
      if file != nil {
        out.append(byte: 0x09)
        if let owner {
          out.append(owner.name)
          out.append("+0x")
          out.appendHex(offset - owner.range.lowerBound)
        } else {
          out.append(byte: UInt8(ascii: "-"))
        }
        out.append(byte: 0x09)
        let end = min(bytes.count, Int(offset) + Int(t.lengths[i]))
        out.append(bytes.withUnsafeBytes { support.syntax(UnsafeRawBufferPointer(rebasing: $0[Int(offset)..<end]), offset) })
        // The relocation's target by name, or the symbol a direct branch lands in.
        if let names {
          if let r = names.relocation(at: offset, length: Int(t.lengths[i])) {
            out.append(byte: 0x20)
            out.append(r)
          } else if let target = t.target(InstructionIndex(i)) {
            out.append(" <")
            out.append(names.name(UInt64(bitPattern: target), section: name))
            out.append(">")
          }
        }
      }
      out.endLine()
    }
  }
}

/// `unwindcheck decode FILE...`: one header line `==> FILE <==` per file when there
/// are several.
public func runDecode(paths: [String], options: DecodeOptions, out: inout OutputBuffer,
                     err: (String) -> Void) -> ExitStatus {
  var status = ExitStatus.clean
  for path in paths {
    do {
      let file = try ELFFile.open(path: path)
      let sections = try ObjectDecoder.decodeSections(of: file, named: options.section)
      if sections.isEmpty {
        err(options.section.map { "\(path): no executable section named \($0)" } ?? "\(path): no executable sections")
      }
      if let function = options.function, !file.symbols.contains(where: { $0.isFunction && $0.name == function && $0.size > 0 }) {
        err("\(path): no function named \(function)")
      }
      if paths.count > 1 {
        out.append("==> \(path) <==")
        out.endLine()
      }
      renderDecoded(sections, file: file, function: options.function, machine: file.machine, into: &out)
    } catch let error as ELFError {
      err(DiagnosticFormat.line(for: error, path: path))
      status = .badInput
    } catch let error as ObjectDecoder.UnsupportedMachine {
      err(DiagnosticFormat.error(path: path, "decode: \(error.machine) is not supported yet"))
      status = .badInput
    } catch {
      err(DiagnosticFormat.error(path: path, "\(error)"))
      status = .badInput
    }
  }
  out.flush()
  return status
}
