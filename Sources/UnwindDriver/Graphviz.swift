import Glibc

/// Graphviz's `dot`, run as a program: the graph layout of `trace --html` is Graphviz's,
/// not ours. The DOT text goes to a temporary file, `dot -Tsvg` writes the SVG next to
/// it, and the SVG comes back as text.
enum Graphviz {
  struct Missing: Error {
    /// One line for the user: what to install.
    var message: String {
      "trace --html needs Graphviz's dot to lay out the graph, and it is not on the PATH: install Graphviz (Debian: apt-get install graphviz)"
    }
  }

  struct Failed: Error {
    var message: String
  }

  /// The `dot` on the PATH, if any.
  static func dotPath() -> String? {
    let path = getenv("PATH").map { String(cString: $0) } ?? "/usr/bin:/bin"
    for dir in path.split(separator: ":") where !dir.isEmpty {
      let candidate = String(dir) + "/dot"
      if access(candidate, X_OK) == 0 { return candidate }
    }
    return nil
  }

  /// `dot -Tsvg` of `graph`: the SVG document (its XML prolog and DOCTYPE removed, to
  /// sit inside an HTML page).
  static func svg(_ graph: String) throws -> String {
    guard let dot = dotPath() else { throw Missing() }
    var template = Array("/tmp/unwindcheck-graph-XXXXXX".utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    guard fd >= 0 else { throw Failed(message: "cannot create a temporary file for dot") }
    let input = String(cString: template)
    let output = input + ".svg"
    defer {
      unlink(input)
      unlink(output)
    }
    if writeAll(fd, Array(graph.utf8)) != nil {
      close(fd)
      throw Failed(message: "cannot write the graph for dot")
    }
    close(fd)
    let argv = [dot, "-Tsvg", input, "-o", output]
    var cArgs = argv.map { strdup($0) } + [nil]
    defer { for p in cArgs { free(p) } }
    var pid: pid_t = 0
    let spawned = posix_spawn(&pid, dot, nil, nil, &cArgs, environ)
    guard spawned == 0 else { throw Failed(message: "cannot run \(dot)") }
    var status: Int32 = 0
    while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
    guard status == 0, let file = fopen(output, "r") else { throw Failed(message: "\(dot) failed to lay out the graph") }
    defer { fclose(file) }
    var svg: [UInt8] = []
    var buffer = [UInt8](repeating: 0, count: 65536)
    while true {
      let n = fread(&buffer, 1, buffer.count, file)
      if n <= 0 { break }
      svg += buffer[0..<n]
    }
    let text = String(decoding: svg, as: UTF8.self)
    // From the <svg element on.
    if let start = text.firstRange(of: "<svg") { return String(text[start.lowerBound...]) }
    return text
  }
}

/// Writes all of `bytes` to `fd`: nil, or the errno of the write that failed.
func writeAll(_ fd: Int32, _ bytes: [UInt8]) -> Int32? {
  var done = 0
  while done < bytes.count {
    let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + done, $0.count - done) }
    if n <= 0 { return n < 0 ? errno : EIO }
    done += n
  }
  return nil
}
