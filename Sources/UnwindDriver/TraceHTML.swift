import Analysis
import ELFObject
import UnwindModel

/// `trace --html`: one function's control-flow graph as a page. Basic blocks (cut at
/// branch targets and after jumps, returns and traps) hold their instructions, each with
/// the CFI after it as the walk computed it; Graphviz lays the graph out. A join
/// mismatch's two paths are drawn in two colours from the walk's start to where they
/// meet (edges of class `path-first` / `path-arriving`), a finding's instruction is
/// marked, instructions no walk reached are grey. Under the graph, the frame at the
/// chosen instruction (`--at`, else the first finding's, else the entry) drawn as stack
/// slots; clicking any instruction shows its frame. The function's patch sites follow
/// as tables (`SiteTable`).
struct TraceHTML {
  let file: ELFFile
  let symbol: Symbol
  let section: DecodedSection
  let cfi: ValidationResult.SectionCFI?
  let result: ValidationResult
  let findings: [Finding]
  let sites: [PatchSiteReport]
  let view: TraceView
  let registerName: (Int) -> String
  let chosen: UInt64?

  struct Block {
    var first: Int, last: Int
  }

  func render() throws -> String {
    let t = section.text
    let lo = view.firstIndex(atOrAfter: symbol.value, in: t)
    var hi = lo
    while hi < t.count && UInt64(t.offsets[hi]) < symbol.value &+ max(symbol.size, 1) { hi += 1 }
    guard lo < hi else { return HTMLPage.page(title: symbol.name, body: "<p>\(HTMLPage.escape(symbol.name)) has no instructions.</p>") }
    // Basic blocks.
    var leader = Set<Int>([lo])
    for i in lo..<hi {
      let kind = t.kinds[i]
      if let target = t.target(InstructionIndex(i)), kind == .jumpConditional || kind == .jumpUnconditional,
         let k = view.index(of: UInt64(bitPattern: target), in: t), k >= lo, k < hi {
        leader.insert(k)
      }
      switch kind {
      case .jumpConditional, .jumpUnconditional, .jumpDynamic, .jumpDynamicConditional, .ret, .contextSwitch, .trap, .bug:
        if i + 1 < hi { leader.insert(i + 1) }
      default: break
      }
    }
    let starts = leader.sorted()
    var blocks: [Block] = []
    var blockOf = [Int](repeating: 0, count: hi - lo)
    for (b, s) in starts.enumerated() {
      let e = b + 1 < starts.count ? starts[b + 1] - 1 : hi - 1
      blocks.append(Block(first: s, last: e))
      for i in s...e { blockOf[i - lo] = b }
    }
    func block(_ i: Int) -> Int? { i >= lo && i < hi ? blockOf[i - lo] : nil }
    func target(_ i: Int) -> Int? {
      t.target(InstructionIndex(i)).flatMap { view.index(of: UInt64(bitPattern: $0), in: t) }.flatMap { $0 >= lo && $0 < hi ? $0 : nil }
    }
    // Edges: (from, to, kind).
    var edges: [(from: Int, to: Int, label: String)] = []
    for (b, blk) in blocks.enumerated() {
      let i = blk.last
      switch t.kinds[i] {
      case .jumpConditional:
        if let k = target(i), let tb = block(k) { edges.append((b, tb, "taken")) }
        if b + 1 < blocks.count { edges.append((b, b + 1, "")) }
      case .jumpUnconditional:
        if let k = target(i), let tb = block(k) { edges.append((b, tb, "")) }
      case .jumpDynamic, .jumpDynamicConditional, .ret, .contextSwitch, .trap, .bug:
        break
      default:
        if b + 1 < blocks.count { edges.append((b, b + 1, "")) }
      }
    }
    // The paths of a mismatch: from the start, straight on except at each turn.
    var pathEdges: [Int: Set<String>] = [:]  // edge index -> classes
    var pathInsns: [Int: Set<String>] = [:]
    let pathClasses = ["path-first", "path-arriving"]
    var legend: [String] = []
    let mismatch = findings.first { !$0.paths.isEmpty }
    if let m = mismatch {
      for (n, path) in m.paths.prefix(2).enumerated() where path.start.section == section.section.name {
        let cls = pathClasses[n]
        let turns = Set(path.turns.filter { $0.section == section.section.name }.map(\.offset))
        guard var cur = view.index(of: path.start.offset, in: t) else { continue }
        var steps = 0
        while steps < 100_000, cur >= lo, cur < hi {
          steps += 1
          pathInsns[cur, default: []].insert(cls)
          if UInt64(t.offsets[cur]) == path.end.offset { break }
          let next: Int?
          if turns.contains(UInt64(t.offsets[cur])) { next = target(cur) } else { next = cur + 1 < hi ? cur + 1 : nil }
          guard let nx = next else { break }
          if let a = block(cur), let b = block(nx), a != b || nx <= cur,
             let e = edges.firstIndex(where: { $0.from == a && $0.to == b && ((nx == cur + 1) == ($0.label != "taken") || $0.label.isEmpty) }) {
            pathEdges[e, default: []].insert(cls)
          }
          cur = nx
        }
        legend.append("<span class=\"\(n == 0 ? "first" : "arriving")\">\(HTMLPage.escape(path.label)): "
                      + HTMLPage.escape(([path.start.text + " (start)"] + path.turns.map { $0.text + " (turn)" } + [path.end.text]).joined(separator: " → "))
                      + "</span>")
      }
    }
    // The CFI after each instruction as the walk printed it (its trace), and the
    // findings' instructions.
    let states = result.cfiStates
    var after: [UInt64: String] = [:]
    for e in result.trace where e.kind == .step && e.section == section.section.index {
      if let loc = e.location, let s = e.state { after[loc.offset] = s }
    }
    func stateText(_ i: Int) -> String? { after[UInt64(t.offsets[i])] }
    let findingOffsets = Set(findings.compactMap { f in f.location.flatMap { $0.section == section.section.name ? $0.offset : nil } })
    // The graph.
    var dot = "digraph cfg {\n  graph [fontname=\"DejaVu Sans Mono\", nodesep=0.3, ranksep=0.35];\n"
      + "  node [shape=plaintext, fontname=\"DejaVu Sans Mono\", fontsize=10];\n  edge [fontname=\"DejaVu Sans\", fontsize=9];\n"
    for (b, blk) in blocks.enumerated() {
      var rows = ""
      for i in blk.first...blk.last {
        let off = UInt64(t.offsets[i]) - symbol.value
        let asm = view.assembly(section: section, index: i)
        let state = stateText(i)
        var bg = ""
        if findingOffsets.contains(UInt64(t.offsets[i])) { bg = " BGCOLOR=\"#f8c4c4\"" }
        else if let c = pathInsns[i] { bg = c.count == 2 ? " BGCOLOR=\"#e6d7f2\"" : c.contains("path-first") ? " BGCOLOR=\"#fbe3e3\"" : " BGCOLOR=\"#dde9f7\"" }
        let color = state == nil ? " COLOR=\"#999999\"" : ""
        rows += "<TR><TD ALIGN=\"LEFT\"\(bg)><FONT\(color.isEmpty ? "" : color)>+0x\(String(off, radix: 16))  \(dotEscape(asm))</FONT></TD>"
          + "<TD ALIGN=\"LEFT\"\(bg)><FONT POINT-SIZE=\"9\" COLOR=\"\(state == nil ? "#999999" : "#2e7d32")\">\(dotEscape(state ?? "not reached"))&#160;&#160;</FONT></TD></TR>"
      }
      // (CELLPADDING 4: browsers' text runs a little wider than Graphviz measures it.)
      dot += "  b\(b) [label=<<TABLE BORDER=\"1\" CELLBORDER=\"0\" CELLSPACING=\"0\" CELLPADDING=\"4\">\(rows)</TABLE>>];\n"
    }
    for (k, e) in edges.enumerated() {
      var attrs: [String] = []
      if !e.label.isEmpty { attrs.append("label=\"\(e.label)\"") }
      if let c = pathEdges[k] {
        let sorted = pathClasses.filter(c.contains)
        attrs.append("class=\"\(sorted.joined(separator: " "))\"")
        attrs.append("color=\"\(sorted.map { $0 == "path-first" ? "#c62828" : "#1565c0" }.joined(separator: ":"))\"")
        attrs.append("penwidth=3")
      }
      dot += "  b\(e.from) -> b\(e.to)" + (attrs.isEmpty ? "" : " [\(attrs.joined(separator: ", "))]") + ";\n"
    }
    dot += "}\n"
    let svg = try Graphviz.svg(dot)
    // The page.
    var body = "<h1>\(HTMLPage.escape(symbol.name)) <small class=\"mono\">\(HTMLPage.escape(placeText(section.section.name, symbol.value))), "
      + "\(symbol.size) bytes, \(HTMLPage.escape(file.path))</small></h1>"
    if findings.isEmpty { body += "<p>No findings in \(HTMLPage.escape(symbol.name)).</p>" }
    for f in findings {
      body += "<div class=\"finding\"><code>\(HTMLPage.escape(DiagnosticText.line(f, file: file.path) ?? f.message.text))</code>"
      for n in f.notes { body += "<br><code>\(HTMLPage.escape(n))</code>" }
      body += "</div>"
    }
    if !legend.isEmpty { body += "<p class=\"legend\">\(legend.joined())</p>" }
    // The block the page opens on (a big function's graph is wider than the window).
    let wantedFirst = chosen ?? findings.compactMap { $0.location?.section == section.section.name ? $0.location?.offset : nil }.first
      ?? symbol.value
    let focus = view.index(of: wantedFirst, in: t).flatMap(block) ?? 0
    body += "<div class=\"graph\" data-focus=\"b\(focus)\">\(svg)</div>"
    // Frames: one per instruction with a state, the chosen one shown.
    body += "<h2>Frame</h2><p>The stack at an instruction; click an instruction in the graph to see its frame.</p>"
    let wanted = chosen ?? findings.compactMap { $0.location?.section == section.section.name ? $0.location?.offset : nil }.first
      ?? symbol.value
    // (An instruction no walk reached has no frame: the nearest reached one before it.)
    let reached = (lo..<hi).filter { cfi?.cfi[$0] != nil }.map { UInt64(t.offsets[$0]) }
    let chosenOffset = reached.last(where: { $0 <= wanted }) ?? reached.first ?? wanted
    if chosenOffset != wanted {
      body += "<p>No walk reached +0x\(String(wanted &- symbol.value, radix: 16)): the frame shown is the nearest reached instruction's.</p>"
    }
    body += "<div class=\"frames\">"
    for i in lo..<hi {
      guard let cfi, let id = cfi.cfi[i] else { continue }
      let off = UInt64(t.offsets[i])
      let title = "at \(symbol.name)+0x\(String(off - symbol.value, radix: 16)) (\(view.assembly(section: section, index: i))), "
        + "before it runs: what an unwinder stopped here sees"
      body += "<div id=\"frame-0x\(String(off - symbol.value, radix: 16))\"\(off == chosenOffset ? " class=\"shown\"" : "")>"
        + FrameDrawing.html(states[id], registers: result.registers, registerName: registerName, title: title) + "</div>"
    }
    body += "</div>"
    for site in sites { body += SiteTable.html(site) }
    return HTMLPage.page(title: "unwindcheck trace \(symbol.name)", body: body)
  }

  /// Text for a Graphviz HTML-like label.
  func dotEscape(_ s: String) -> String { HTMLPage.escape(s) }
}

/// `alternatives --html`: every patch site (or the function's) as a table.
func alternativesHTML(path: String, sites: [PatchSiteReport], findings: [Finding]) -> String {
  var body = "<h1>Patch sites of \(HTMLPage.escape(path))</h1><p>\(sites.count) site\(sites.count == 1 ? "" : "s"). Each stream's "
    + "instructions over the site's shared byte offsets, with the CFI each recorded; the merged table is what the unwind "
    + "tables are written from. A slot where streams leave different CFI is a conflict.</p>"
  for f in findings where f.rule == .alternativeConflict {
    body += "<div class=\"finding\"><code>\(HTMLPage.escape(DiagnosticText.line(f, file: path) ?? f.message.text))</code></div>"
  }
  for site in sites { body += SiteTable.html(site) }
  return HTMLPage.page(title: "unwindcheck alternatives \(path)", body: body)
}

extension TraceView {
  /// The first instruction at or after `offset`.
  func firstIndex(atOrAfter offset: UInt64, in text: DecodedText) -> Int {
    var lo = 0, hi = text.count
    while lo < hi {
      let mid = (lo + hi) / 2
      if UInt64(text.offsets[mid]) < offset { lo = mid + 1 } else { hi = mid }
    }
    return lo
  }

  /// The assembly text of one instruction, with its relocation or branch target.
  func assembly(section: DecodedSection, index i: Int) -> String {
    let t = section.text
    let offset = UInt64(t.offsets[i]), length = Int(t.lengths[i])
    let bytes: [UInt8] = file.withBytes(of: section.section.index) { b in Array(b[Int(offset)..<min(b.count, Int(offset) + length)]) }
    let asm = bytes.withUnsafeBytes { syntax($0, offset) }
    let names = cache.names(section.section.index) { CodeNames(file: file, section: $0, pcRelative: pcRelative) }
    if let reloc = names.relocation(at: offset, length: length) { return asm + " " + reloc }
    if let target = t.target(InstructionIndex(i)) { return asm + " <" + names.name(UInt64(bitPattern: target), section: section.section.name) + ">" }
    return asm
  }
}
