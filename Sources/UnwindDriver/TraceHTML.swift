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
  let chosen: UInt64?

  /// The function's basic blocks and the edges between them.
  struct ControlFlow {
    struct Block {
      var first: Int, last: Int
    }
    /// `taken`: the branch's target (else the fall-through).
    struct Edge {
      var from: Int, to: Int, taken: Bool
    }
    /// The function's instructions (indices into the section's text).
    let range: Range<Int>
    var blocks: [Block] = []
    var blockOf: [Int] = []
    var edges: [Edge] = []
    var targets: [Int?] = []

    init(_ t: DecodedText, range: Range<Int>, view: TraceView) {
      self.range = range
      // A branch's target inside the function, as an instruction index.
      targets = range.map { i in
        t.target(InstructionIndex(i)).flatMap { view.index(of: UInt64(bitPattern: $0), in: t) }.flatMap { range.contains($0) ? $0 : nil }
      }
      var leader = Set<Int>([range.lowerBound])
      for i in range {
        if t.kinds[i] == .jumpConditional || t.kinds[i] == .jumpUnconditional, let k = targets[i - range.lowerBound] { leader.insert(k) }
        if Self.endsBlock(t.kinds[i]) && i + 1 < range.upperBound { leader.insert(i + 1) }
      }
      let starts = leader.sorted()
      blockOf = [Int](repeating: 0, count: range.count)
      for (b, s) in starts.enumerated() {
        let e = b + 1 < starts.count ? starts[b + 1] - 1 : range.upperBound - 1
        blocks.append(Block(first: s, last: e))
        for i in s...e { blockOf[i - range.lowerBound] = b }
      }
      for (b, blk) in blocks.enumerated() {
        let kind = t.kinds[blk.last]
        if kind == .jumpConditional || kind == .jumpUnconditional, let k = target(blk.last) {
          edges.append(Edge(from: b, to: block(k)!, taken: true))
        }
        if (kind == .jumpConditional || !Self.endsBlock(kind)) && b + 1 < blocks.count {
          edges.append(Edge(from: b, to: b + 1, taken: false))
        }
      }
    }

    static func endsBlock(_ kind: InstructionKind) -> Bool {
      switch kind {
      case .jumpConditional, .jumpUnconditional, .jumpDynamic, .jumpDynamicConditional, .ret, .contextSwitch, .trap, .bug: true
      default: false
      }
    }

    func block(_ i: Int) -> Int? { range.contains(i) ? blockOf[i - range.lowerBound] : nil }
    func target(_ i: Int) -> Int? { range.contains(i) ? targets[i - range.lowerBound] : nil }
  }

  /// The classes of a mismatch's two paths.
  static let pathClasses = ["path-first", "path-arriving"]

  /// The edges and instructions on each of a mismatch's paths (by class), followed from
  /// the walk's start straight on except at each turn, and their legend.
  func paths(_ flow: ControlFlow) -> (edges: [Int: Set<String>], instructions: [Int: Set<String>], legend: [String]) {
    var edges: [Int: Set<String>] = [:], instructions: [Int: Set<String>] = [:], legend: [String] = []
    let t = section.text
    guard let mismatch = findings.first(where: { !$0.paths.isEmpty }) else { return (edges, instructions, legend) }
    for (n, path) in mismatch.paths.prefix(2).enumerated() where path.start.section == section.section.name {
      let cls = Self.pathClasses[n]
      let turns = Set(path.turns.filter { $0.section == section.section.name }.map(\.offset))
      guard var cur = view.index(of: path.start.offset, in: t) else { continue }
      var steps = 0
      while steps < 100_000, flow.range.contains(cur) {
        steps += 1
        instructions[cur, default: []].insert(cls)
        if UInt64(t.offsets[cur]) == path.end.offset { break }
        let turned = turns.contains(UInt64(t.offsets[cur]))
        guard let next = turned ? flow.target(cur) : (flow.range.contains(cur + 1) ? cur + 1 : nil) else { break }
        if turned || flow.block(next) != flow.block(cur), let a = flow.block(cur), let b = flow.block(next),
           let e = flow.edges.firstIndex(where: { $0.from == a && $0.to == b && $0.taken == turned }) {
          edges[e, default: []].insert(cls)
        }
        cur = next
      }
      legend.append("<span class=\"\(n == 0 ? "first" : "arriving")\">\(HTMLPage.escape(path.label)): "
                    + HTMLPage.escape(([path.start.text + " (start)"] + path.turns.map { $0.text + " (turn)" } + [path.end.text]).joined(separator: " → "))
                    + "</span>")
    }
    return (edges, instructions, legend)
  }

  /// The graph in DOT: one node per block, a table of its instructions with the CFI
  /// after each (the walk's trace), the paths' edges in their classes and colours.
  func graph(_ flow: ControlFlow, pathEdges: [Int: Set<String>], pathInstructions: [Int: Set<String>]) -> String {
    let t = section.text
    var after: [UInt64: String] = [:]
    for e in result.trace where e.kind == .step && e.section == section.section.index {
      if let loc = e.location, let s = e.state { after[loc.offset] = s }
    }
    let findingOffsets = Set(findings.compactMap { f in f.location.flatMap { $0.section == section.section.name ? $0.offset : nil } })
    var dot = "digraph cfg {\n  graph [fontname=\"DejaVu Sans Mono\", nodesep=0.3, ranksep=0.35];\n"
      + "  node [shape=plaintext, fontname=\"DejaVu Sans Mono\", fontsize=10];\n  edge [fontname=\"DejaVu Sans\", fontsize=9];\n"
    for (b, blk) in flow.blocks.enumerated() {
      var rows = ""
      for i in blk.first...blk.last {
        let state = after[UInt64(t.offsets[i])]
        var bg = ""
        if findingOffsets.contains(UInt64(t.offsets[i])) {
          bg = " BGCOLOR=\"#f8c4c4\""
        } else if let c = pathInstructions[i] {
          bg = c.count == 2 ? " BGCOLOR=\"#e6d7f2\"" : c.contains("path-first") ? " BGCOLOR=\"#fbe3e3\"" : " BGCOLOR=\"#dde9f7\""
        }
        rows += "<TR><TD ALIGN=\"LEFT\"\(bg)><FONT\(state == nil ? " COLOR=\"#999999\"" : "")>+0x\(String(UInt64(t.offsets[i]) - symbol.value, radix: 16))  "
          + "\(HTMLPage.escape(view.assembly(section: section, index: i)))</FONT></TD>"
          + "<TD ALIGN=\"LEFT\"\(bg)><FONT POINT-SIZE=\"9\" COLOR=\"\(state == nil ? "#999999" : "#2e7d32")\">\(HTMLPage.escape(state ?? "not reached"))&#160;&#160;</FONT></TD></TR>"
      }
      // (CELLPADDING 4: browsers' text runs a little wider than Graphviz measures it.)
      dot += "  b\(b) [label=<<TABLE BORDER=\"1\" CELLBORDER=\"0\" CELLSPACING=\"0\" CELLPADDING=\"4\">\(rows)</TABLE>>];\n"
    }
    for (k, e) in flow.edges.enumerated() {
      var attrs: [String] = []
      if e.taken && t.kinds[flow.blocks[e.from].last] == .jumpConditional { attrs.append("label=\"taken\"") }
      if let c = pathEdges[k] {
        let classes = Self.pathClasses.filter(c.contains)
        attrs.append("class=\"\(classes.joined(separator: " "))\"")
        attrs.append("color=\"\(classes.map { $0 == "path-first" ? "#c62828" : "#1565c0" }.joined(separator: ":"))\"")
        attrs.append("penwidth=3")
      }
      dot += "  b\(e.from) -> b\(e.to)" + (attrs.isEmpty ? "" : " [\(attrs.joined(separator: ", "))]") + ";\n"
    }
    return dot + "}\n"
  }

  func render() throws -> String {
    let t = section.text
    let lo = view.firstIndex(atOrAfter: symbol.value, in: t)
    var hi = lo
    while hi < t.count && UInt64(t.offsets[hi]) < symbol.value &+ max(symbol.size, 1) { hi += 1 }
    guard lo < hi else { return HTMLPage.page(title: symbol.name, body: "<p>\(HTMLPage.escape(symbol.name)) has no instructions.</p>") }
    let flow = ControlFlow(t, range: lo..<hi, view: view)
    let marked = paths(flow)
    let svg = try Graphviz.svg(graph(flow, pathEdges: marked.edges, pathInstructions: marked.instructions))
    // The chosen instruction: `--at`, else the first finding's, else the entry; one no
    // walk reached has no frame, so the nearest reached one before it.
    let wanted = chosen ?? findings.compactMap { $0.location?.section == section.section.name ? $0.location?.offset : nil }.first
      ?? symbol.value
    let reached = (lo..<hi).filter { cfi?.cfi[$0] != nil }.map { UInt64(t.offsets[$0]) }
    let chosenOffset = reached.last(where: { $0 <= wanted }) ?? reached.first ?? wanted
    // The page.
    var body = "<h1>\(HTMLPage.escape(symbol.name)) <small class=\"mono\">\(HTMLPage.escape(placeText(section.section.name, symbol.value))), "
      + "\(symbol.size) bytes, \(HTMLPage.escape(file.path))</small></h1>"
    if findings.isEmpty { body += "<p>No findings in \(HTMLPage.escape(symbol.name)).</p>" }
    for f in findings { body += HTMLPage.finding(f, path: file.path) }
    if !marked.legend.isEmpty { body += "<p class=\"legend\">\(marked.legend.joined())</p>" }
    // (The page opens on the chosen block: a big function's graph is wider than the window.)
    let focus = view.index(of: chosenOffset, in: t).flatMap(flow.block) ?? 0
    body += "<div class=\"graph\" data-focus=\"b\(focus)\">\(svg)</div>"
    body += "<h2>Frame</h2><p>The stack at an instruction; click an instruction in the graph to see its frame.</p>"
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
        + FrameDrawing.html(result.cfiStates[id], registers: result.registers, title: title) + "</div>"
    }
    body += "</div>"
    for site in sites { body += SiteTable.html(site) }
    return HTMLPage.page(title: "unwindcheck trace \(symbol.name)", body: body)
  }
}

/// `alternatives --html`: every patch site (or the function's) as a table.
func alternativesHTML(path: String, sites: [PatchSiteReport], findings: [Finding]) -> String {
  var body = "<h1>Patch sites of \(HTMLPage.escape(path))</h1><p>\(sites.count) site\(sites.count == 1 ? "" : "s"). Each stream's "
    + "instructions over the site's shared byte offsets, with the CFI each recorded; the merged table is what the unwind "
    + "tables are written from. A slot where streams leave different CFI is a conflict.</p>"
  for f in findings where f.rule == .alternativeConflict { body += HTMLPage.finding(f, path: path) }
  for site in sites { body += SiteTable.html(site) }
  return HTMLPage.page(title: "unwindcheck alternatives \(path)", body: body)
}
