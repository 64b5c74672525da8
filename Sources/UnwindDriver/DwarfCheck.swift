import Analysis
import DwarfCFI
import ELFObject
import UnwindModel
import Glibc

/// Boundary counts of a DWARF cross-check (one function, one object, or all inputs).
public struct DwarfCounts: Sendable, Equatable {
  /// Agreeing boundaries, tolerated ones included.
  public var agree = 0
  public var tolerated = [Int](repeating: 0, count: DwarfTolerance.allCases.count)
  public var disagree = 0
  public var notComparable = [Int](repeating: 0, count: NotComparableReason.allCases.count)
  public init() {}

  public var notComparableTotal: Int { notComparable.reduce(0, +) }
  public var toleratedTotal: Int { tolerated.reduce(0, +) }

  mutating func count(_ v: BoundaryVerdict) {
    switch v {
    case .agree: agree += 1
    case .tolerated(let t):
      agree += 1
      tolerated[t.rawValue] += 1
    case .disagree: disagree += 1
    case .notComparable(let r): notComparable[r.rawValue] += 1
    }
  }

  public static func += (a: inout DwarfCounts, b: DwarfCounts) {
    a.agree += b.agree
    a.disagree += b.disagree
    for i in a.tolerated.indices { a.tolerated[i] += b.tolerated[i] }
    for i in a.notComparable.indices { a.notComparable[i] += b.notComparable[i] }
  }

  /// `agree N, disagree M, not comparable K` (the total line scripts parse).
  public var shortText: String { "agree \(agree), disagree \(disagree), not comparable \(notComparableTotal)" }

  /// The short text with the tolerated and not-comparable breakdowns.
  public var detailedText: String {
    var s = "agree \(agree)"
    let tol = DwarfTolerance.allCases.filter { tolerated[$0.rawValue] > 0 }
    if !tol.isEmpty { s += " (tolerated: " + tol.map { "\($0.label) \(tolerated[$0.rawValue])" }.joined(separator: ", ") + ")" }
    s += ", disagree \(disagree), not comparable \(notComparableTotal)"
    let nc = NotComparableReason.allCases.filter { notComparable[$0.rawValue] > 0 }
    if !nc.isEmpty { s += " (" + nc.map { "\($0.label) \(notComparable[$0.rawValue])" }.joined(separator: ", ") + ")" }
    return s
  }
}

/// The result of `check --against-dwarf` on one object.
public struct DwarfCrossCheck: Sendable {
  public var findings: [Finding] = []
  public var functions: [(name: String, counts: DwarfCounts)] = []
  public var total = DwarfCounts()
  public var frameSections: [DwarfFrameSection] = []
  /// `--table`: one line per instruction boundary (see `tableLine`).
  public var table: [String] = []
  /// `--coverage`: the code without DWARF CFI.
  var coverage: DwarfCoverage?
}

/// Compares, at every instruction boundary of every executable section, the CFI the
/// validator computed with the DWARF row for the same address (see `compareBoundary`
/// for what is compared and tolerated). Disagreements become findings, one per run of
/// consecutive boundaries with the same difference, located by function and source line.
func crossCheckDwarf(file: ELFFile, result: ValidationResult, dwarf: DwarfObject,
                     map: DwarfRegisterMap, table: Bool = false, coverage: Bool = false) -> DwarfCrossCheck {
  var out = DwarfCrossCheck()
  if coverage { out.coverage = DwarfCoverage() }
  out.frameSections = dwarf.frameSections
  var rowTable = DwarfRowTable()
  var functionIndex: [String: Int] = [:]
  let functionsWithFindings = Set(result.findings.compactMap { $0.showsLocation ? $0.location?.name : nil })
  // (Read at every boundary: unpacked once.)
  let states = result.cfiStates.unpacked

  for entry in result.instructionCFI {
    let section = file.section(entry.section)
    let replacement = section.name == KernelSections.alternativeReplacements
    let offsets = Array(entry.offsets)
    let rows = dwarf.rows(section: entry.section, offsets: offsets, framePointer: map.dwarfFramePointer,
                          table: &rowTable)
    let owners = functionOwners(file: file, section: entry.section, offsets: offsets)
    if coverage && !replacement {
      out.coverage?.add(section: section, offsets: offsets, kinds: entry.kinds, rows: rows, cfi: entry.cfi, states: states,
                        symbols: file.symbolsByAddress(in: entry.section), map: map)
    }
    // Every frame-pointer save offset the DWARF of each function describes.
    var fpSaves: [Int: Set<Int64>] = [:], raSaves: [Int: Set<Int64>] = [:]
    for (i, r) in rows.enumerated() where r >= 0 {
      if case .savedAt(let n) = rowTable[r].framePointer { fpSaves[owners[i].id, default: []].insert(n) }
      if case .savedAt(let n) = rowTable[r].returnAddress { raSaves[owners[i].id, default: []].insert(n) }
    }
    // The finding of a run of boundaries: its first place, the field, the message's
    // arguments (ours, theirs, the DWARF section), the side suspected; made when the run ends.
    var run: (finding: Finding, key: BoundaryVerdict, last: Int, count: Int, field: DwarfField, facts: [MessageArgument],
               suspect: MessageArgument)?
    func flush() {
      guard let r = run else { return }
      var f = r.finding
      if r.count > 1 {
        let last = location(owners[r.last], in: section, offset: UInt64(entry.offsets[r.last]))
        let kind: MessageKind = switch r.field {
        case .cfa: .dwarfCFAOverRun
        case .returnAddress: .dwarfReturnAddressOverRun
        case .framePointer: .dwarfFramePointerOverRun
        }
        f.message = Message(kind, arguments: r.facts + [.integer(r.count), .location(last), r.suspect])
      }
      out.findings.append(f)
      run = nil
    }
    // Per-function lookups, redone only where the owning function changes.
    var current = (id: Int.min, fn: 0, fpSaves: Set<Int64>(), raSaves: Set<Int64>())
    for i in entry.offsets.indices {
      let owner = owners[i]
      if owner.id != current.id {
        let fn: Int
        if let k = functionIndex[owner.name] { fn = k } else {
          fn = out.functions.count
          functionIndex[owner.name] = fn
          out.functions.append((owner.name, DwarfCounts()))
        }
        current = (owner.id, fn, fpSaves[owner.id] ?? [], raSaves[owner.id] ?? [])
      }
      let verdict: BoundaryVerdict
      if replacement {
        verdict = .notComparable(.replacementCode)
      } else if owner.name.hasPrefix("__pfx_") || (owner.id < 0 && entry.kinds[i] == .nop) {
        verdict = .notComparable(.padding)
      } else if rows[i] < 0 {
        verdict = .notComparable(.noDwarfRow)
      } else if let id = entry.cfi[i] {
        verdict = compareBoundary(ours: states[Int(id.rawValue)], row: rowTable[rows[i]], map: map,
                                  framePointerSaves: current.fpSaves, returnAddressSaves: current.raSaves)
      } else {
        verdict = .notComparable(.notReached)
      }
      out.functions[current.fn].counts.count(verdict)
      out.total.count(verdict)
      if table {
        out.table.append(tableLine(section: section, offset: UInt64(entry.offsets[i]),
                                   location: location(owner, in: section, offset: UInt64(entry.offsets[i])).text,
                                   ours: entry.cfi[i].map { states[Int($0.rawValue)] },
                                   row: rows[i] < 0 ? nil : rowTable[rows[i]], verdict: verdict, map: map))
      }

      guard case .disagree(let field, let ours, let theirs) = verdict else { flush(); continue }
      if let r = run, r.key == verdict, r.last == i - 1, owners[r.last].id == owner.id {
        run?.last = i
        run?.count += 1
        continue
      }
      flush()
      let off = UInt64(entry.offsets[i])
      let kind: MessageKind = switch field {
      case .cfa: .dwarfCFA
      case .returnAddress: .dwarfReturnAddress
      case .framePointer: .dwarfFramePointer
      }
      let suspect = functionsWithFindings.contains(owner.name)
        ? "unwindcheck's walk (the function has other findings)" : "the DWARF CFI"
      let facts: [MessageArgument] = [.value(ours), .value(theirs), .name(rowTable[rows[i]].source.rawValue)]
      var f = Finding(at: location(owner, in: section, offset: off), Message(kind, arguments: facts + [.name(suspect)]))
      f.sourceLine = dwarf.sourceLine(section: entry.section, offset: off).map(displayPath)
      run = (f, verdict, i, 1, field, facts, .name(suspect))
    }
    flush()
  }
  return out
}

/// For each instruction offset (ascending), the function symbol containing it (or the
/// section, for code outside any sized function symbol).
private func functionOwners(file: ELFFile, section: SectionIndex, offsets: [UInt32])
  -> [(id: Int, name: String, start: UInt64)] {
  let funcs = file.symbolsByAddress(in: section).filter { $0.isFunction && $0.size > 0 }
  let sectionName = file.section(section).displayName
  var out: [(id: Int, name: String, start: UInt64)] = []
  out.reserveCapacity(offsets.count)
  var k = 0
  for off in offsets {
    let o = UInt64(off)
    while k < funcs.count && funcs[k].value &+ funcs[k].size <= o { k += 1 }
    if k < funcs.count && funcs[k].value <= o {
      out.append((Int(funcs[k].index.rawValue), funcs[k].name, funcs[k].value))
    } else {
      out.append((-1 - Int(section.rawValue), sectionName, 0))
    }
  }
  return out
}

/// Where a boundary is: named after its function (negative ids stand for the section).
private func location(_ owner: (id: Int, name: String, start: UInt64), in section: Section, offset: UInt64) -> CodeLocation {
  let isFunction = owner.id >= 0
  return CodeLocation(section: section.displayName, offset: offset, symbol: isFunction ? owner.name : nil,
                      symbolOffset: offset &- owner.start, function: isFunction ? owner.name : nil)
}

/// A line-table path as shown in findings: relative to the working directory when it
/// lies under it.
func displayPath(_ line: SourceLine) -> String {
  var file = line.file
  if let cwd = currentDirectory(), file.hasPrefix(cwd + "/") { file.removeFirst(cwd.count + 1) }
  return "\(file):\(line.line)"
}

private func currentDirectory() -> String? {
  var buffer = [CChar](repeating: 0, count: 4096)
  guard getcwd(&buffer, buffer.count) != nil else { return nil }
  return String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

/// Adds ` (file.c:123)` to every finding that names an instruction the line table covers.
func attachSourceLines(_ findings: inout [Finding], file: ELFFile, dwarf: DwarfObject) {
  guard dwarf.hasLineTable else { return }
  for i in findings.indices where findings[i].sourceLine == nil && findings[i].showsLocation {
    guard let place = findings[i].location, let s = file.section(named: place.section) else { continue }
    findings[i].sourceLine = dwarf.sourceLine(section: s.index, offset: place.offset).map(displayPath)
  }
}

/// One `--table` line: `SECTION<TAB>0xOFF<TAB>FUNC+0xOFF<TAB>OURS<TAB>DWARF<TAB>VERDICT`,
/// each side as `cfa REG+N ra WHERE fp WHERE` ('-' when that side has no state).
func tableLine(section: Section, offset: UInt64, location: String, ours: CFIState?, row: DwarfRow?,
               verdict: BoundaryVerdict, map: DwarfRegisterMap) -> String {
  func rule(_ r: CFIRule) -> String {
    switch r.base {
    case CFIRule.undefinedBase: "not saved"
    case CFIRule.cfaBase: "cfa\(r.offset >= 0 ? "+" : "")\(r.offset)"
    default: r.objtoolText
    }
  }
  let o = ours.map { s -> String in
    let cfa = s.cfa.base >= 0 ? map.registerName(UInt8(s.cfa.base)) + (s.cfa.offset >= 0 ? "+" : "") + "\(s.cfa.offset)" : "undefined"
    return "cfa \(cfa) ra \(rule(s.regs[Int(map.returnAddress)])) fp \(rule(s.regs[Int(map.framePointer)]))"
  } ?? "-"
  let d = row.map { r -> String in
    let cfa: String
    if case .register(let n, let off) = r.cfa {
      cfa = map.dwarfRegisterName(n) + (off >= 0 ? "+" : "") + "\(off)"
    } else { cfa = "\(r.cfa)" }
    return "cfa \(cfa) ra \(map.ruleText(r.returnAddress)) fp \(map.ruleText(r.framePointer))"
  } ?? "-"
  let v: String = switch verdict {
  case .agree: "agree"
  case .tolerated(let t): "tolerated (\(t.label))"
  case .disagree(let f, _, _): "disagree (\(f.rawValue))"
  case .notComparable(let r): "not comparable (\(r.label))"
  }
  return "\(section.displayName)\t0x\(String(offset, radix: 16))\t\(location)\t\(o)\t\(d)\t\(v)"
}
