// The ELF model against GNU readelf (the oracle): every section header, symbol and
// relocation of every TestObjects object must match readelf's reading of the same file.
import ELFObject
import Foundation
import Testing
import UnwindTestSupport

/// Parses `readelf -SW`, `-sW` and `-rW` text into comparable rows.
enum Readelf {
  struct SectionRow: Equatable, CustomStringConvertible {
    var index: Int, name: String, type: String, offset: UInt64, size: UInt64
    var description: String { "[\(index)] \(name) \(type) off=0x\(String(offset, radix: 16)) size=0x\(String(size, radix: 16))" }
  }
  struct SymbolRow: Equatable, CustomStringConvertible {
    var index: Int, value: UInt64, size: UInt64, type: String, binding: String, ndx: String, name: String
    var description: String { "\(index): \(value) \(size) \(type) \(binding) \(ndx) \(name)" }
  }
  struct RelocationRow: Equatable, CustomStringConvertible {
    var section: String, offset: UInt64, symbol: UInt64, type: UInt32, addend: Int64
    var description: String { "\(section)+0x\(String(offset, radix: 16)) sym=\(symbol) type=\(type) addend=\(addend)" }
  }

  static func sections(_ text: String) -> [SectionRow] {
    var rows: [SectionRow] = []
    for line in text.split(separator: "\n") {
      guard let open = line.firstIndex(of: "["), let close = line.firstIndex(of: "]"),
            let index = Int(line[line.index(after: open)..<close].trimmingCharacters(in: .whitespaces))
      else { continue }
      let tokens = line[line.index(after: close)...].split(separator: " ").map(String.init)
      // The address is the first 16-digit hex token; the type is the token before it.
      guard let a = tokens.firstIndex(where: { $0.count == 16 && UInt64($0, radix: 16) != nil }), a >= 1,
            a + 2 < tokens.count else { continue }
      let name = a >= 2 ? tokens[0] : ""
      rows.append(SectionRow(index: index, name: name, type: tokens[a - 1],
                             offset: UInt64(tokens[a + 1], radix: 16)!, size: UInt64(tokens[a + 2], radix: 16)!))
    }
    return rows
  }

  static func symbols(_ text: String) -> [SymbolRow] {
    var rows: [SymbolRow] = []
    for line in text.split(separator: "\n") {
      let tokens = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
      guard tokens.count >= 7, tokens[0].hasSuffix(":"), let index = Int(tokens[0].dropLast()),
            let value = UInt64(tokens[1], radix: 16) else { continue }
      let size = tokens[2].hasPrefix("0x") ? UInt64(tokens[2].dropFirst(2), radix: 16)! : UInt64(tokens[2])!
      rows.append(SymbolRow(index: index, value: value, size: size, type: tokens[3], binding: tokens[4],
                            ndx: tokens[6], name: tokens.count > 7 ? tokens[7] : ""))
    }
    return rows
  }

  static func relocations(_ text: String) -> [RelocationRow] {
    var rows: [RelocationRow] = []
    var current = ""
    for line in text.split(separator: "\n") {
      if line.hasPrefix("Relocation section '") {
        current = String(line.dropFirst("Relocation section '".count).prefix { $0 != "'" })
        continue
      }
      let tokens = line.split(separator: " ").map(String.init)
      guard tokens.count >= 3, tokens[0].count == 16, let offset = UInt64(tokens[0], radix: 16),
            let info = UInt64(tokens[1], radix: 16) else { continue }
      var addend: Int64 = 0
      if tokens.count >= 2, let sign = tokens.dropLast().last, sign == "+" || sign == "-",
         let magnitude = UInt64(tokens.last!, radix: 16) {
        addend = sign == "-" ? -Int64(bitPattern: magnitude) : Int64(bitPattern: magnitude)
      } else if let magnitude = UInt64(tokens.last!, radix: 16), tokens.count == 4 {
        addend = Int64(bitPattern: magnitude)  // symbol 0: "Offset Info Type Addend"
      }
      rows.append(RelocationRow(section: current, offset: offset, symbol: info >> 32,
                                type: UInt32(truncatingIfNeeded: info), addend: addend))
    }
    return rows
  }
}

@Suite(.enabled(if: TestSupport.hasTool("readelf"), "GNU readelf is the oracle"))
struct ReadelfDifferentialTests {
  @Test(arguments: TestSupport.testObjects())
  func sectionsSymbolsRelocationsMatchReadelf(_ relative: String) throws {
    let path = TestSupport.absolute(relative)
    let file = try ELFFile.open(path: path)

    let expectedSections = Readelf.sections(try TestSupport.run("readelf", ["-SW", path]).stdout)
    #expect(expectedSections.count == file.sections.count)
    for (row, s) in zip(expectedSections, file.sections) {
      let ours = Readelf.SectionRow(index: s.index.int, name: s.name, type: row.type,
                                    offset: s.fileOffset, size: s.size)
      #expect(ours == row)
    }

    let expectedSymbols = Readelf.symbols(try TestSupport.run("readelf", ["-sW", path]).stdout)
    #expect(expectedSymbols.count == file.symbols.count)
    for (row, sym) in zip(expectedSymbols, file.symbols) {
      let ndx: String
      switch sym.section {
      case .undefined: ndx = "UND"
      case .absolute: ndx = "ABS"
      case .common: ndx = "COM"
      case .section(let i): ndx = String(i.rawValue)
      }
      // readelf shows a section symbol under its section's name.
      let name = sym.isSectionSymbol ? (sym.section.index.map { file.section($0).name } ?? "") : sym.name
      let ours = Readelf.SymbolRow(index: sym.index.int, value: sym.value, size: sym.size,
                                   type: sym.type.description, binding: sym.binding.description,
                                   ndx: ndx, name: name)
      #expect(ours == row)
    }

    let expectedRelocs = Readelf.relocations(try TestSupport.run("readelf", ["-rW", path]).stdout)
    var ours: [Readelf.RelocationRow] = []
    for rs in file.allRelocationSections() {
      for r in rs.relocations {
        ours.append(Readelf.RelocationRow(section: file.section(rs.section).name, offset: r.offset,
                                          symbol: UInt64(r.symbol.rawValue), type: r.type, addend: r.addend))
      }
    }
    #expect(ours == expectedRelocs)
    #expect(file.allRelocationSections().isEmpty || !ours.isEmpty, "relocation sections were read")
  }
}
