import Analysis
import ELFObject
import UnwindModel

/// `unwindcheck alternatives FILE...`: every patch site with its streams (offset,
/// length, kind and recorded CFI per instruction), the merged byte-offset table, and
/// the findings located at the site.
///
/// With `html` (one input), the sites as one HTML page instead (`SiteTable`).
public func runAlternatives(paths: [String], function: String?, options: CheckOptions, html: String? = nil,
                            out: (String) -> Void, err: (String) -> Void) -> ExitStatus {
  var status = ExitStatus.clean
  for path in paths {
    do {
      let file = try ELFFile.open(path: path)
      guard let arch = ArchitectureSupport.of(file.machine),
            let sections = try? ObjectDecoder.decodeSections(of: file, calleeSaved: options.calleeSaved) else {
        err(DiagnosticFormat.error(path: path, "alternatives: \(file.machine) is not supported yet"))
        status = .badInput
        continue
      }
      if let lines = arch.alternativeEntryLines?(file), let first = lines.first {
        out("\(path): \(first)")
        for line in lines.dropFirst() { out(line) }
      }
      var pipeline = AnalysisPipeline(file: file, texts: sections.map { ($0.section.index, $0.text) },
                                arch: arch.description(options),
                                options: options.analysisOptions)
      let result = pipeline.run()
      let sites = pipeline.patchSites(function: function)
      if let function, !file.symbols.contains(where: { $0.isFunction && $0.name == function }) {
        err("\(path): no function named \(function)")
      }
      if let html {
        if let problem = HTMLPage.write(alternativesHTML(path: path, sites: sites, findings: result.findings), to: html) {
          err(DiagnosticFormat.error(path: html, problem))
          return .badInput
        }
        out("\(path): \(sites.count) patch site\(sites.count == 1 ? "" : "s") written to \(html)")
        continue
      }
      out("\(path): \(sites.count) patch site\(sites.count == 1 ? "" : "s")")
      for site in sites { out(render(site, findings: result.findings, path: path)) }
      if function == nil {
        let multi = sites.filter { $0.streams.count > 1 }.count
        let conflicts = result.findings.filter { $0.rule == .alternativeConflict }.count
        out("\(path): sites: \(sites.count) (\(multi) with 2+ streams), conflicts: \(conflicts)")
      }
    } catch {
      err(DiagnosticFormat.line(for: error, path: path))
      status = .badInput
    }
  }
  return status
}

private func render(_ site: PatchSiteReport, findings: [Finding], path: String) -> String {
  func pad(_ s: String, _ n: Int) -> String { s.count >= n ? s + " " : s + String(repeating: " ", count: n - s.count) }
  var lines = ["site \(site.location.text) (\(site.length) bytes)\(site.function.map { " in \($0)()" } ?? "")"]
  let merged = Dictionary(site.table.compactMap { e in e.cfi.map { (e.offset, $0) } }, uniquingKeysWith: { a, _ in a })
  for stream in site.streams {
    lines.append("  \(stream.label):")
    for i in stream.instructions {
      // A stream whose own state differs from the table's at one of its boundaries is
      // the conflict (the table keeps the first writer's state).
      let differs = i.cfi != nil && merged[i.offset] != nil && merged[i.offset] != i.cfi
      lines.append("    " + pad("+0x\(String(i.offset, radix: 16))", 7) + pad("\(i.length)", 3) + pad(i.kind.name, 15)
                   + pad(i.location?.text ?? "(padding)", 28) + (i.cfi ?? "(not reached)") + (differs ? "   <-- conflicts with the table" : ""))
    }
  }
  lines.append("  merged table:")
  for (off, cfi) in site.table where cfi != nil {
    lines.append("    " + pad("+0x\(String(off, radix: 16))", 7) + cfi!)
  }
  for f in findings where f.showsLocation && f.location?.section == site.location.section && f.location?.offset == site.location.offset {
    if let line = DiagnosticText.line(f, file: path) { lines.append("  finding: " + line) }
  }
  return lines.joined(separator: "\n")
}
