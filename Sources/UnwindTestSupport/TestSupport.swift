// Helpers shared by the test targets: where the package and its TestObjects are,
// running external tools (oracles such as readelf) and the built unwindcheck binary.
import Foundation

public enum TestSupport {
  /// The package root, found from this file's path (no Bundle resources: works the same
  /// on every platform and keeps test data in TestObjects/).
  public static let packageRoot: URL = {
    var url = URL(fileURLWithPath: #filePath)
    for _ in 0..<3 { url.deleteLastPathComponent() }  // Sources/UnwindTestSupport/TestSupport.swift
    return url
  }()

  public static var testObjectsDirectory: URL { packageRoot.appendingPathComponent("TestObjects") }

  /// Every committed object under TestObjects/, sorted, as paths relative to the package
  /// root. `excluding` drops directories whose objects are deliberately unsupported.
  public static func testObjects(excluding: Set<String> = ["other"]) -> [String] {
    let fm = FileManager.default
    guard let e = fm.enumerator(atPath: testObjectsDirectory.path) else { return [] }
    var result: [String] = []
    for case let rel as String in e where rel.hasSuffix(".o") {
      let top = rel.split(separator: "/").first.map(String.init) ?? ""
      if excluding.contains(top) { continue }
      result.append("TestObjects/" + rel)
    }
    return result.sorted()
  }

  public static func absolute(_ relative: String) -> String {
    packageRoot.appendingPathComponent(relative).path
  }

  public struct ProcessResult: Sendable {
    public var status: Int32
    public var stdout: String
    public var stderr: String
  }

  /// Runs `executable` (a path, or a name looked up in PATH) and collects its output.
  public static func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> ProcessResult {
    let p = Process()
    if !environment.isEmpty {
      p.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
    }
    if executable.contains("/") {
      p.executableURL = URL(fileURLWithPath: executable)
      p.arguments = arguments
    } else {
      p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
      p.arguments = [executable] + arguments
    }
    let out = Pipe(), err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    // Read both pipes concurrently with the child so neither can fill up and block it.
    nonisolated(unsafe) var errData = Data()
    let group = DispatchGroup()
    group.enter()
    DispatchQueue.global().async {
      errData = err.fileHandleForReading.readDataToEndOfFile()
      group.leave()
    }
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    group.wait()
    p.waitUntilExit()
    return ProcessResult(
      status: p.terminationStatus,
      stdout: String(decoding: outData, as: UTF8.self),
      stderr: String(decoding: errData, as: UTF8.self))
  }

  /// Whether a tool is on PATH (for oracles that a machine may lack).
  public static func hasTool(_ name: String) -> Bool {
    (try? run("which", [name]).status) == 0
  }

  /// The `unwindcheck` executable SwiftPM built next to the test bundle.
  public static var unwindcheckBinary: String? {
    var candidates: [URL] = []
    let arg0 = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var dir = arg0.deletingLastPathComponent()
    for _ in 0..<4 {
      candidates.append(dir.appendingPathComponent("unwindcheck"))
      dir.deleteLastPathComponent()
    }
    candidates.append(packageRoot.appendingPathComponent(".build/debug/unwindcheck"))
    return candidates.first { FileManager.default.isExecutableFile(atPath: $0.path) }?.path
  }

  /// A fresh temporary directory, removed by the caller when done.
  public static func temporaryDirectory(_ name: String) throws -> URL {
    let url = FileManager.default.temporaryDirectory
      .appendingPathComponent("unwindcheck-\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
  }
}

extension TestSupport {
  /// `NAME.S:LINE UVnnnn` for every line of a TestObjects source that carries
  /// `MARKER UVnnnn` (the expected findings of a hand-written case).
  public static func markedFindings(_ relativeSource: String, marker: String = "EXPECT") throws -> Set<String> {
    let source = try String(contentsOfFile: absolute(relativeSource), encoding: .utf8)
    let name = URL(fileURLWithPath: relativeSource).lastPathComponent
    var out: Set<String> = []
    for (n, line) in source.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
      if let r = line.range(of: marker + " UV") { out.insert("\(name):\(n + 1) UV" + line[r.upperBound...].prefix(4)) }
    }
    return out
  }

  /// `NAME.S:LINE UVnnnn` of a finding line that ends in `(.../NAME.S:LINE) [UVnnnn]`,
  /// or nil when the line carries no source line.
  public static func locatedFinding<S: StringProtocol>(_ line: S) -> String? {
    guard let m = String(line).firstMatch(of: /\((?:.*\/)?([^\/()]+\.S:\d+)\) \[(UV\d+)\]$/) else { return nil }
    return "\(m.1) \(m.2)"
  }
}
