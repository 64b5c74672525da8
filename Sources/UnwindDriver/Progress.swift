#if canImport(Glibc)
import Glibc
#endif

/// One updating status line on stderr for long runs ("objects 120/4230, 3.2 s"), shown
/// only when stderr is a terminal and the run is long enough to need it (after half a
/// second); never written into a log or a pipe. Used from one thread at a time.
final class Progress {
  private let total: Int
  private let unit: String
  private let enabled: Bool
  private var done = 0
  private var shown = false
  private let start: Double
  private var lastDraw = 0.0

  init(total: Int, unit: String, enabled: Bool = true) {
    self.total = total
    self.unit = unit
    self.enabled = enabled && isatty(2) != 0
    start = Progress.now()
  }

  init(total: Int, unit: String, since start: Double) {
    self.total = total
    self.unit = unit
    self.enabled = isatty(2) != 0
    self.start = start
  }

  static func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
  }

  /// One more item done; redraws at most ten times a second.
  func advance(by n: Int = 1) {
    done += n
    guard enabled else { return }
    let t = Progress.now()
    guard t - start > 0.5, t - lastDraw > 0.1 || done == total else { return }
    lastDraw = t
    draw(t)
  }

  private func draw(_ t: Double) {
    let elapsed = Int((t - start) * 10)
    write("\r\u{1B}[K\(unit) \(done)/\(total), \(elapsed / 10).\(elapsed % 10) s")
    shown = true
  }

  /// Erases the line (before other output goes to stderr).
  func clear() {
    guard shown else { return }
    write("\r\u{1B}[K")
    shown = false
  }

  /// The run is over: erase the line.
  func finish() { clear() }

  private func write(_ text: String) {
    var t = text
    t.withUTF8 { buf in _ = Glibc.write(2, buf.baseAddress, buf.count) }
  }
}

/// The walk's progress in one big object (vmlinux.o): "functions 41000/62922, 0.8 s",
/// fed from every walk thread. The line appears once the run is half a second old.
final class WalkProgressLine: @unchecked Sendable {
  // @unchecked: every access to `line` holds `lock`.
  private var lock = pthread_mutex_t()
  private var line: Progress?
  private let start = Progress.now()
  let isEnabled = isatty(2) != 0

  init() { pthread_mutex_init(&lock, nil) }
  deinit { pthread_mutex_destroy(&lock) }

  func add(_ n: Int, of total: Int) {
    pthread_mutex_lock(&lock)
    if line == nil { line = Progress(total: total, unit: "functions", since: start) }
    line!.advance(by: n)
    pthread_mutex_unlock(&lock)
  }

  /// The walk is over: erase the line (findings are printed next).
  func finish() {
    pthread_mutex_lock(&lock)
    line?.finish()
    line = nil
    pthread_mutex_unlock(&lock)
  }
}
