import Analysis
import ELFObject
import UnwindModel

/// `unwindcheck trace FILE --function NAME`: the walk of one function as it happened.
///
/// Every instruction in walk order (depth first: a conditional branch's target before
/// its fall-through, a patch site's replacement streams before the original) with its
/// place (function+offset and section+offset), bytes, assembly text, the relocation on
/// it by name, its stack ops and the CFI after it; between them the branch decisions,
/// the joins with already walked code and where each path ends; then the instructions
/// the walk never reached, and every stream of each patch site in the function with the
/// merged CFI table. objtool 6.19's `--trace` is the model (one line per instruction
/// with the CFI change); this also prints the state in full, the branch decisions and
/// the streams.
///
/// With `html`, the same walk as one HTML page instead (`TraceHTML`): the function's
/// control-flow graph laid out by Graphviz, the frame at `at` (an offset in the
/// function) or at its first finding.
public func runTrace(path: String, function: String, options: CheckOptions, html: String? = nil, at: UInt64? = nil,
                     out: (String) -> Void, err: (String) -> Void) -> ExitStatus {
  do {
    let file = try ELFFile.open(path: path)
    guard let arch = ArchitectureSupport.of(file.machine) else {
      err(DiagnosticFormat.error(path: path, "trace: \(file.machine) is not supported yet"))
      return .badInput
    }
    let candidates = file.symbols.filter { $0.name == function && $0.section.index != nil }
    // A function symbol first; else code under any symbol (entry code is untyped).
    guard let sym = candidates.first(where: { $0.isFunction && $0.size > 0 })
      ?? candidates.first(where: { s in s.section.index.map { file.section($0).isExecutable } == true }) else {
      err("\(path): no function named \(function)")
      return .clean
    }
    if candidates.filter({ $0.isFunction }).count > 1 {
      err("\(path): \(candidates.filter { $0.isFunction }.count) functions named \(function): tracing the first (\(placeText(file.section(sym.section.index!).name, sym.value)))")
    }
    let sections = arch.decodeSections(file, nil, options.calleeSaved)
    var analysis = options.analysisOptions
    analysis.traceSymbol = Int(sym.index.rawValue)
    analysis.walkThreads = 1
    analysis.explainPaths = true
    let description = arch.description(options)
    var pipeline = AnalysisPipeline(file: file, texts: sections.map { ($0.section.index, $0.text) },
                              arch: description, options: analysis)
    let result = pipeline.run()
    let view = TraceView(file: file, sections: sections, syntax: arch.syntax, registerName: arch.registerName,
                         pcRelative: description.pcRelativeRelocations)
    let secName = file.section(sym.section.index!).name
    if let html {
      return traceHTMLPage(file: file, path: path, symbol: sym, function: function, sections: sections, result: result,
                           sites: pipeline.patchSites(function: function), view: view, at: at, to: html, out: out, err: err)
    }
    out("\(path): trace of \(function) (\(placeText(secName, sym.value)), \(sym.size) bytes)")
    if result.trace.isEmpty {
      out("  no walk starts in it or enters it (not code any walk reaches)")
    }
    for e in result.trace {
      out(view.line(e))
      // A finding's evidence under it (both paths of a mismatch, both streams...).
      if e.kind == .finding, let k = e.finding {
        for note in result.findings[k].notes { out("     " + note) }
      }
    }
    // What no walk reached.
    if let sec = sym.section.index, let decoded = sections.first(where: { $0.section.index == sec }),
       let cfi = result.instructionCFI.first(where: { $0.section == sec }) {
      var unreached: [String] = []
      let end = sym.value &+ max(sym.size, 1)
      var k = view.index(of: sym.value, in: decoded.text)
      while let i = k, i < decoded.text.count, UInt64(decoded.text.offsets[i]) < end {
        if cfi.cfi[i] == nil {
          unreached.append(view.instructionText(section: decoded, index: i, location: nil))
        }
        k = i + 1
      }
      if !unreached.isEmpty {
        out("  not reached by any walk (\(unreached.count) instruction\(unreached.count == 1 ? "" : "s")):")
        for u in unreached { out("    " + u) }
      }
    }
    // Every stream of every patch site in the function.
    let sites = pipeline.patchSites(function: function)
    for site in sites {
      out("  patch site \(site.location.text) (\(site.length) bytes), each stream with the CFI before each instruction:")
      for stream in site.streams {
        out("    \(stream.label):")
        for i in stream.instructions {
          guard let loc = i.location, let decoded = sections.first(where: { $0.section.name == loc.section }),
                let k = view.index(of: loc.offset, in: decoded.text) else {
            out("      +0x\(String(i.offset, radix: 16))  (padding)  \(i.cfi ?? "(not reached)")")
            continue
          }
          out("      +0x\(String(i.offset, radix: 16))  " + view.instructionText(section: decoded, index: k, location: loc) + "  | " + (i.cfi ?? "(not reached)"))
        }
      }
      out("    merged table: " + site.table.compactMap { e in e.cfi.map { "+0x\(String(e.offset, radix: 16)) \($0)" } }.joined(separator: "; "))
    }
    // Its findings: those located in it, and those its walks made (a fall-through is
    // located in the next function).
    let made = Set(result.trace.compactMap(\.finding))
    let own = result.findings.indices.filter { k in
      let f = result.findings[k]
      return f.rule != .backtrace && (f.location?.function == function || f.location?.symbol == function || made.contains(k))
    }
    out("  \(own.isEmpty ? "no findings" : "\(own.count) finding\(own.count == 1 ? "" : "s")") in \(function)")
    return .clean
  } catch {
    err(DiagnosticFormat.line(for: error, path: path))
    return .badInput
  }
}

/// `trace --html`: the page for `symbol`, written to `to`.
func traceHTMLPage(file: ELFFile, path: String, symbol sym: Symbol, function: String, sections: [DecodedSection],
                   result: ValidationResult, sites: [PatchSiteReport], view: TraceView, at: UInt64?, to: String,
                   out: (String) -> Void, err: (String) -> Void) -> ExitStatus {
  guard let sec = sym.section.index, let decoded = sections.first(where: { $0.section.index == sec }) else {
    err("\(path): \(function) has no code to draw")
    return .clean
  }
  let made = Set(result.trace.compactMap(\.finding))
  let own = result.findings.indices.filter { k in
    let f = result.findings[k]
    return f.rule != .backtrace && (f.location?.function == function || f.location?.symbol == function || made.contains(k))
  }.map { result.findings[$0] }
  let page = TraceHTML(file: file, symbol: sym, section: decoded, cfi: result.instructionCFI.first(where: { $0.section == sec }),
                       result: result, findings: own, sites: sites, view: view, chosen: at.map { sym.value &+ $0 })
  do {
    let text = try page.render()
    if let problem = HTMLPage.write(text, to: to) {
      err(DiagnosticFormat.error(path: to, problem))
      return .badInput
    }
    out("\(path): trace of \(function) written to \(to)")
    return .clean
  } catch let e as Graphviz.Missing {
    err("unwindcheck: \(e.message)")
    return .usage
  } catch let e as Graphviz.Failed {
    err("unwindcheck: \(e.message)")
    return .badInput
  } catch {
    err("unwindcheck: \(error)")
    return .badInput
  }
}

/// Renders trace events and instructions: bytes, assembly, relocation, stack ops.
struct TraceView {
  let file: ELFFile
  let sections: [DecodedSection]
  let syntax: @Sendable (UnsafeRawBufferPointer, UInt64) -> String
  let registerName: @Sendable (UInt8) -> String
  /// Relocation types computed from the place (x86 PC32/PLT32): their target is the
  /// symbol plus addend plus the bytes from the field to the instruction's end.
  let pcRelative: Set<UInt32>
  /// Each section's names, built on first use (one trace touches few sections).
  let cache = NamesCache()

  final class NamesCache {
    private var bySection: [SectionIndex: CodeNames] = [:]
    func names(_ section: SectionIndex, _ make: (SectionIndex) -> CodeNames) -> CodeNames {
      if let n = bySection[section] { return n }
      let n = make(section)
      bySection[section] = n
      return n
    }
  }

  /// The first instruction at or after `offset`.
  func firstIndex(atOrAfter offset: UInt64, in text: DecodedText) -> Int {
    var lo = 0, hi = text.count
    while lo < hi {
      let mid = (lo + hi) / 2
      if UInt64(text.offsets[mid]) < offset { lo = mid + 1 } else { hi = mid }
    }
    return lo
  }

  /// The instruction starting at `offset`, if one does.
  func index(of offset: UInt64, in text: DecodedText) -> Int? {
    let k = firstIndex(atOrAfter: offset, in: text)
    return k < text.count && UInt64(text.offsets[k]) == offset ? k : nil
  }

  static func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }

  private func bytes(section: DecodedSection, index i: Int) -> [UInt8] {
    let offset = Int(section.text.offsets[i]), length = Int(section.text.lengths[i])
    return file.withBytes(of: section.section.index) { b in Array(b[offset..<min(b.count, offset + length)]) }
  }

  private func names(_ section: DecodedSection) -> CodeNames {
    cache.names(section.section.index) { CodeNames(file: file, section: $0, pcRelative: pcRelative) }
  }

  /// The assembly of one instruction with its relocation, or its branch target by name.
  func assembly(section: DecodedSection, index i: Int) -> String {
    let t = section.text
    let offset = UInt64(t.offsets[i])
    let asm = bytes(section: section, index: i).withUnsafeBytes { syntax($0, offset) }
    let names = names(section)
    if let reloc = names.relocation(at: offset, length: Int(t.lengths[i])) { return asm + " " + reloc }
    if let target = t.target(InstructionIndex(i)) { return asm + " <" + names.name(UInt64(bitPattern: target), section: section.section.name) + ">" }
    return asm
  }

  /// `func+0xN  section+0xN  bytes  assembly  [reloc]  ops`.
  func instructionText(section: DecodedSection, index i: Int, location: CodeLocation?) -> String {
    let t = section.text
    let offset = UInt64(t.offsets[i])
    let hex = bytes(section: section, index: i).map { b in (b < 16 ? "0" : "") + String(b, radix: 16) }.joined(separator: " ")
    let ops = t.ops(InstructionIndex(i)).map { $0.text(registerName: registerName) }.joined(separator: ",")
    let place = location?.text ?? names(section).name(offset, section: section.section.name)
    return Self.pad(place, 22) + Self.pad(placeText(section.section.name, offset), 20)
      + Self.pad(hex, 24) + Self.pad(assembly(section: section, index: i), 44) + Self.pad(ops.isEmpty ? "" : ops, 18)
  }

  func line(_ e: TraceEvent) -> String {
    let at = e.location?.text ?? "(padding)"
    switch e.kind {
    case .step:
      guard let loc = e.location, let s = sections.first(where: { $0.section.index == e.section }),
            let k = index(of: loc.offset, in: s.text) else {
        return "  " + Self.pad("(padding)", 22) + "| " + (e.state ?? "")
      }
      return "  " + instructionText(section: s, index: k, location: loc) + "| " + (e.state ?? "")
    case .start: return "  == \(e.detail) at \(at): \(e.state ?? "")"
    case .hint: return "  ## \(at): \(e.detail): \(e.state ?? "")"
    case .finding: return "  !! \(at): \(e.detail)"
    case .joined: return "  -- \(at): \(e.detail)"
    case .fallThrough, .original: return "  <- \(at): \(e.detail) (\(e.state ?? ""))"
    case .streams: return "  => \(at): \(e.detail)"
    case .branch, .jump, .end: return "  -> \(e.detail)"
    }
  }
}
