// WorkPool: the few concurrency primitives unwindcheck needs, on plain POSIX threads.
// Work items are independent and numbered; workers take the next number from one
// shared counter, so a slow item never holds back the others. No Foundation, no
// Dispatch: nothing to initialise at start-up when a run is single-threaded.
#if canImport(Glibc)
import Glibc
#endif
import Synchronization

/// Online processors (sched_getaffinity), at least 1.
public enum ProcessorCount {
  public static var online: Int {
    let n = sysconf(Int32(_SC_NPROCESSORS_ONLN))
    return n > 0 ? n : 1
  }
}

/// A POSIX thread running `body`; `join()` waits for it.
struct WorkerThread {
  private var handle = pthread_t()

  init(_ body: @escaping @Sendable () -> Void) {
    let box = Unmanaged.passRetained(Box(body)).toOpaque()
    var attributes = pthread_attr_t()
    pthread_attr_init(&attributes)
    // Deep walks recurse in places (libdw, sorting); give workers the main thread's room.
    pthread_attr_setstacksize(&attributes, 16 << 20)
    let rc = pthread_create(&handle, &attributes, { raw in
      let b = Unmanaged<Box>.fromOpaque(raw!).takeRetainedValue()
      b.body()
      return nil
    }, box)
    pthread_attr_destroy(&attributes)
    if rc != 0 {
      // No thread to be had: run the work here instead.
      Unmanaged<Box>.fromOpaque(box).takeRetainedValue().body()
      handle = pthread_t()
    }
  }

  func join() {
    if handle != pthread_t() { pthread_join(handle, nil) }
  }

  private final class Box {
    let body: @Sendable () -> Void
    init(_ body: @escaping @Sendable () -> Void) { self.body = body }
  }
}

/// A shared ticket counter: each worker takes the next item number.
final class Tickets: Sendable {
  private let next = Atomic<Int>(0)
  func take() -> Int { next.wrappingAdd(1, ordering: .relaxed).oldValue }
}

/// Runs `body(i)` for every i in 0..<count on up to `workers` threads (the calling
/// thread is one of them) and returns when all are done.
public func parallelFor(count: Int, workers: Int, _ body: @escaping @Sendable (Int) -> Void) {
  let n = max(1, min(workers, count))
  if n == 1 {
    for i in 0..<count { body(i) }
    return
  }
  let tickets = Tickets()
  let drain: @Sendable () -> Void = {
    while true {
      let i = tickets.take()
      if i >= count { return }
      body(i)
    }
  }
  let threads = (1..<n).map { _ in WorkerThread(drain) }
  drain()
  for t in threads { t.join() }
}

/// Results of numbered work items, filled in any order by workers and taken by one
/// consumer that waits for each it takes.
public final class OrderedSlots<T: Sendable>: @unchecked Sendable {
  private var slots: [T?]
  private var mutex = pthread_mutex_t()
  private var ready = pthread_cond_t()

  public init(count: Int) {
    slots = Array(repeating: nil, count: count)
    pthread_mutex_init(&mutex, nil)
    pthread_cond_init(&ready, nil)
  }

  deinit {
    pthread_cond_destroy(&ready)
    pthread_mutex_destroy(&mutex)
  }

  public func put(_ i: Int, _ value: T) {
    pthread_mutex_lock(&mutex)
    slots[i] = value
    pthread_cond_broadcast(&ready)
    pthread_mutex_unlock(&mutex)
  }

  /// Waits for slot `i` if it is not filled yet, and empties it.
  public func take(_ i: Int) -> T {
    pthread_mutex_lock(&mutex)
    while slots[i] == nil { pthread_cond_wait(&ready, &mutex) }
    let v = slots[i]!
    slots[i] = nil
    pthread_mutex_unlock(&mutex)
    return v
  }
}

/// Computes `work(i)` for every i in 0..<count on `workers` threads and hands each
/// result to `consume` on the calling thread in index order, as soon as it and all
/// before it are ready (a batch prints its first object's findings while later
/// objects are still being analysed).
public func forEachInOrder<T: Sendable>(count: Int, workers: Int, work: @escaping @Sendable (Int) -> T,
                                        consume: (Int, T) -> Void) {
  if workers <= 1 || count <= 1 {
    for i in 0..<count { consume(i, work(i)) }
    return
  }
  let slots = OrderedSlots<T>(count: count)
  let tickets = Tickets()
  let drain: @Sendable () -> Void = {
    while true {
      let i = tickets.take()
      if i >= count { return }
      slots.put(i, work(i))
    }
  }
  let threads = (0..<min(workers, count)).map { _ in WorkerThread(drain) }
  for i in 0..<count { consume(i, slots.take(i)) }
  for t in threads { t.join() }
}

/// Phase timings for developers: with `UNWINDCHECK_TIMES=1` in the environment each
/// `mark` prints the time since the previous one and the peak RSS to stderr
/// (`times: decode 0.123 s, rss 120 MB`). Costs one getenv when off.
public enum PhaseTimes {
  public static let enabled: Bool = getenv("UNWINDCHECK_TIMES") != nil
  nonisolated(unsafe) private static var last = now()

  static func now() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
  }

  /// The current resident set (second field of /proc/self/statm, in pages).
  static func residentMB() -> Int {
    let fd = open("/proc/self/statm", O_RDONLY)
    guard fd >= 0 else { return 0 }
    defer { close(fd) }
    var buffer = [UInt8](repeating: 0, count: 128)
    let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, 127) }
    guard n > 0 else { return 0 }
    let fields = buffer[..<n].split(separator: 32)
    guard fields.count > 1, let pages = Int(String(decoding: fields[1], as: UTF8.self)) else { return 0 }
    return (pages * Int(sysconf(Int32(_SC_PAGESIZE)))) >> 20
  }

  public static func mark(_ phase: String) {
    guard enabled else { return }
    let t = now()
    var usage = rusage()
    getrusage(__rusage_who_t(RUSAGE_SELF.rawValue), &usage)
    let line = "times: \(phase) \(Int((t - last) * 1000)) ms, rss \(residentMB()) MB, peak rss \(usage.ru_maxrss / 1024) MB\n"
    last = t
    var s = line
    s.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
  }
}

/// An array of `count` elements (room for `extra` more) filled in parallel: part `k` of
/// `parts` writes its elements into its own slice, which starts at `starts[k]` and ends
/// where the next part starts (or at `count`). Joins decoded chunks into one column
/// without a sequential copy. Every element must be written by exactly one part.
public func parallelJoined<T: Sendable>(count: Int, extra: Int = 0, starts: [Int], workers: Int,
                                        fill: @escaping @Sendable (Int, UnsafeMutableBufferPointer<T>) -> Void) -> [T] {
  Array(unsafeUninitializedCapacity: count + extra) { buffer, initialized in
    let target = UncheckedPointer(buffer.baseAddress)
    parallelFor(count: starts.count, workers: workers) { k in
      let start = starts[k], end = k + 1 < starts.count ? starts[k + 1] : count
      if end > start { fill(k, UnsafeMutableBufferPointer(start: target.pointer! + start, count: end - start)) }
    }
    initialized = count
  }
}

/// A pointer handed to worker threads that write disjoint parts of its memory.
private struct UncheckedPointer<T>: @unchecked Sendable {
  let pointer: UnsafeMutablePointer<T>?
  init(_ pointer: UnsafeMutablePointer<T>?) { self.pointer = pointer }
}
