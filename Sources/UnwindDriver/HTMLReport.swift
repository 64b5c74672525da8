import Analysis
import ELFObject
import UnwindModel

/// The self-contained HTML pages of `trace --html` and `alternatives --html`: one file,
/// its style and script inline, nothing fetched (they open offline, from a CI
/// artifact or a mail attachment).
enum HTMLPage {
  /// Writes `text` to `path` atomically (as objects are written); nil, or why not.
  static func write(_ text: String, to path: String) -> String? {
    let bytes = Array(text.utf8)
    do throws(ELFWriter.WriteError) {
      try ELFWriter.replaceAtomically(path, mode: 0o644) { fd in writeAll(fd, bytes) }
      return nil
    } catch {
      switch error { case .io(_, let what): return what }
    }
  }

  static func escape(_ s: String) -> String {
    var out = ""
    out.reserveCapacity(s.utf8.count)
    for c in s {
      switch c {
      case "&": out += "&amp;"
      case "<": out += "&lt;"
      case ">": out += "&gt;"
      case "\"": out += "&quot;"
      default: out.append(c)
      }
    }
    return out
  }

  /// A finding: its line and its notes.
  static func finding(_ f: Finding, path: String) -> String {
    "<div class=\"finding\"><code>\(escape(DiagnosticText.line(f, file: path) ?? f.message.text))</code>"
      + f.notes.map { "<br><code>\(escape($0))</code>" }.joined() + "</div>"
  }

  static func page(title: String, body: String) -> String {
    """
    <!DOCTYPE html>
    <html lang="en"><head><meta charset="utf-8"><title>\(escape(title))</title>
    <style>
    body { font-family: "DejaVu Sans", sans-serif; margin: 1.5em; color: #222; }
    h1 { font-size: 1.3em; } h2 { font-size: 1.1em; margin-top: 1.6em; }
    code, pre, td.asm, td.cfi, td.off, .mono { font-family: "DejaVu Sans Mono", monospace; font-size: 0.85em; }
    .finding { background: #fde8e8; border-left: 4px solid #c62828; padding: 0.4em 0.8em; margin: 0.4em 0; }
    .legend span { display: inline-block; padding: 0 0.5em; margin-right: 1em; border-radius: 3px; }
    .legend .first { border: 2px solid #c62828; } .legend .arriving { border: 2px solid #1565c0; }
    .graph { overflow: auto; border: 1px solid #ccc; padding: 0.5em; max-height: 80vh; }
    .graph svg text { cursor: pointer; }
    table.frame, table.site { border-collapse: collapse; margin: 0.5em 0; }
    table.frame td, table.site td, table.site th { border: 1px solid #bbb; padding: 0.15em 0.5em; vertical-align: top; }
    table.frame td.slot { min-width: 14em; text-align: center; background: #f4f4f4; }
    table.frame td.saved { background: #e3f2e3; } table.frame td.ra { background: #fff3cd; }
    table.frame td.ptr { color: #1565c0; font-weight: bold; border: none; text-align: left; }
    table.frame td.addr { border: none; text-align: right; color: #555; }
    table.frame tr.cfa td.addr, table.frame tr.cfa td.slot { border-top: 3px solid #c62828; }
    table.site th { background: #eee; }
    table.site td.conflict { background: #fde8e8; outline: 2px solid #c62828; }
    table.site td.unreached { color: #999; }
    .frames > div { display: none; } .frames > div.shown { display: block; }
    </style></head>
    <body>
    \(body)
    <script>
    // Clicking an instruction (a line starting with +0x in the graph, or a row of a table)
    // shows the frame at that instruction.
    function showFrame(off) {
      var f = document.getElementById('frame-' + off);
      if (!f) return;
      document.querySelectorAll('.frames > div.shown').forEach(function (d) { d.classList.remove('shown'); });
      f.classList.add('shown');
    }
    document.querySelectorAll('svg text').forEach(function (t) {
      var m = /^\\+(0x[0-9a-f]+)/.exec(t.textContent);
      if (m) t.addEventListener('click', function () { showFrame(m[1]); });
    });
    // Open a big graph on the block of interest.
    document.querySelectorAll('.graph[data-focus]').forEach(function (g) {
      g.querySelectorAll('g.node').forEach(function (n) {
        var t = n.querySelector('title');
        if (!t || t.textContent !== g.getAttribute('data-focus')) return;
        var r = n.getBoundingClientRect(), c = g.getBoundingClientRect();
        g.scrollLeft += r.left - c.left - (c.width - r.width) / 2;
        g.scrollTop += r.top - c.top - 20;
      });
    });
    document.querySelectorAll('[data-off]').forEach(function (e) {
      e.addEventListener('click', function () { showFrame(e.getAttribute('data-off')); });
    });
    </script>
    </body></html>

    """
  }
}

/// The frame at one instruction, drawn as the stack: the CFA (the caller's stack pointer
/// before the call) at the top, every register saved relative to it in its slot, and
/// where the stack and frame pointers point, 8 bytes a row.
enum FrameDrawing {
  static func html(_ s: CFIState, registers: RegisterVocabulary, title: String) -> String {
    let registerName = registers.reportName
    guard s.cfa.base != CFIRule.undefinedBase else {
      return "<p><b>\(HTMLPage.escape(title))</b>: the CFA is undefined here (the stack was switched): no frame to draw.</p>"
    }
    let cfaBase: String
    switch s.cfa.base {
    case CFIRule.cfaBase: cfaBase = "CFA"
    case CFIRule.spIndirectBase: cfaBase = "[\(registerName(Int(registers.stackPointer)))]"
    case CFIRule.bpIndirectBase: cfaBase = "[\(registerName(Int(registers.framePointer)))]"
    default: cfaBase = registerName(Int(s.cfa.base))
    }
    let cfaText = "CFA = \(cfaBase)\(s.cfa.offset < 0 ? "" : "+")\(s.cfa.offset)"
    var slots: [Int32: String] = [:]
    for i in registers.slots where s.regs[i].base == CFIRule.cfaBase {
      let name = i == registers.returnAddress ? "return address" : "saved \(registerName(i))"
      slots[s.regs[i].offset, default: ""] += (slots[s.regs[i].offset] == nil ? "" : ", ") + name
    }
    // Where SP and FP point, CFA-relative, when the state knows.
    var pointers: [Int32: [String]] = [:]
    let sp = Int(registers.stackPointer), fp = Int(registers.framePointer)
    if s.cfa.base == Int8(sp) {
      pointers[-s.cfa.offset, default: []].append(registerName(sp))
    } else if s.stackSize != 0 || s.cfa.base == Int8(fp) {
      pointers[-Int32(s.stackSize), default: []].append(registerName(sp))
    }
    if s.cfa.base == Int8(fp) {
      pointers[-s.cfa.offset, default: []].append(registerName(fp))
    } else if s.vals[fp].base == CFIRule.cfaBase {
      pointers[s.vals[fp].offset, default: []].append(registerName(fp))
    }
    // Every 8-byte row from the CFA down to the lowest slot or pointer; long runs of
    // rows with nothing in them (a big local array) shown as one gap.
    let marked = Set(slots.keys).union(pointers.keys).union([0, -8])
    let lowest = marked.min() ?? -8
    var rows = ""
    var off: Int32 = 0
    var gap = false
    while off >= lowest {
      let near = marked.contains(off) || marked.contains(off + 8) || marked.contains(off - 8)
      if !near {
        if !gap { rows += "<tr><td class=\"addr mono\">&hellip;</td><td class=\"slot\">&hellip;</td><td></td></tr>" }
        gap = true
        off -= 8
        continue
      }
      gap = false
      let label = off == 0 ? "(caller's frame)" : slots[off] ?? ""
      let cls = off == 0 || slots[off] == nil ? "slot" : slots[off]!.contains("return address") ? "slot ra" : "slot saved"
      let ptr = pointers[off].map { "&larr; " + $0.joined(separator: ", ") } ?? ""
      rows += "<tr\(off == 0 ? " class=\"cfa\"" : "")><td class=\"addr mono\">CFA\(off == 0 ? "" : "\(off)")</td>"
        + "<td class=\"\(cls)\">\(HTMLPage.escape(label))</td><td class=\"ptr mono\">\(ptr)</td></tr>"
      off -= 8
    }
    return "<p><b>\(HTMLPage.escape(title))</b>: <code>\(HTMLPage.escape(cfaText))</code> (the line above the top slot is the CFA; "
      + "higher addresses up)</p><table class=\"frame\">\(rows)</table>"
  }
}

/// A patch site drawn as a table: one row per stream, one column per byte offset of the
/// shared table, each stream's instruction where it starts with the CFI it recorded; the
/// merged table under them; a slot where the streams' CFI differ is marked (`conflict`).
enum SiteTable {
  static func html(_ site: PatchSiteReport) -> String {
    var boundaries = Set<Int>()
    for s in site.streams { for i in s.instructions { boundaries.insert(i.offset) } }
    for e in site.table where e.cfi != nil { boundaries.insert(e.offset) }
    let offsets = boundaries.sorted()
    // Conflicts: offsets where two streams recorded different states.
    var conflicts = Set<Int>()
    for off in offsets {
      let states = Set(site.streams.compactMap { s in s.instructions.first(where: { $0.offset == off })?.cfi })
      if states.count > 1 { conflicts.insert(off) }
    }
    var out = "<h2 id=\"site-\(site.location.offset)\">patch site \(HTMLPage.escape(site.location.text)) (\(site.length) bytes)"
      + (site.function.map { " in \(HTMLPage.escape($0))()" } ?? "") + "</h2>"
    if !conflicts.isEmpty {
      out += "<p class=\"finding\">\(conflicts.count) conflicting slot\(conflicts.count == 1 ? "" : "s"): the streams leave "
        + "different CFI at \(conflicts.sorted().map { "+0x" + String($0, radix: 16) }.joined(separator: ", ")), "
        + "where an unwinder may stop in whichever stream was patched in.</p>"
    }
    out += "<table class=\"site\"><tr><th>stream</th>" + offsets.map { "<th class=\"mono\">+0x\(String($0, radix: 16))</th>" }.joined() + "</tr>"
    for s in site.streams {
      out += "<tr><th>\(HTMLPage.escape(s.label))</th>"
      var k = 0
      while k < offsets.count {
        let off = offsets[k]
        guard let i = s.instructions.first(where: { $0.offset == off }) else {
          out += "<td></td>"
          k += 1
          continue
        }
        // The instruction spans the boundaries up to its end.
        var span = 1
        while k + span < offsets.count && offsets[k + span] < off + i.length { span += 1 }
        let cls = [conflicts.contains(off) ? "conflict" : nil, i.cfi == nil ? "unreached" : nil].compactMap { $0 }
        out += "<td colspan=\"\(span)\"\(cls.isEmpty ? "" : " class=\"\(cls.joined(separator: " "))\"")>"
          + "<span class=\"mono\">\(HTMLPage.escape(i.location?.text ?? "(padding)")) \(HTMLPage.escape(i.kind.name))</span><br>"
          + "<span class=\"mono\">\(HTMLPage.escape(i.cfi ?? "(not reached)"))</span></td>"
        k += span
      }
      out += "</tr>"
    }
    let merged = Dictionary(site.table.compactMap { e in e.cfi.map { (e.offset, $0) } }, uniquingKeysWith: { a, _ in a })
    out += "<tr><th>merged table</th>" + offsets.map { off in
      "<td\(conflicts.contains(off) ? " class=\"conflict\"" : "")><span class=\"mono\">\(HTMLPage.escape(merged[off] ?? ""))</span></td>"
    }.joined() + "</tr></table>"
    return out
  }
}
