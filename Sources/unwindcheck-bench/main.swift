// unwindcheck-bench: single-threaded throughput of the hot paths over a corpus.
//   unwindcheck-bench decode LISTFILE [REPEAT]
// Maps every object in LISTFILE, then times (1) the length decoder alone and (2) the
// full x86 section decode into DecodedText columns (semantics + stack ops), over all
// executable sections, REPEAT times (default 3), reporting the best run.
import ArchX86
import DecodeX86
import ELFObject
import UnwindModel
import Glibc

func now() -> Double {
  var ts = timespec()
  clock_gettime(CLOCK_MONOTONIC, &ts)
  return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Fixed-point text without Foundation.
func fmt(_ x: Double, _ digits: Int) -> String {
  var scale = 1.0
  for _ in 0..<digits { scale *= 10 }
  let v = (x * scale).rounded()
  let whole = Int(v / scale), frac = Int(abs(v).truncatingRemainder(dividingBy: scale))
  guard digits > 0 else { return String(whole) }
  var f = String(frac)
  while f.count < digits { f = "0" + f }
  return "\(whole).\(f)"
}

let args = CommandLine.arguments
guard args.count >= 3, args[1] == "decode" else {
  print("usage: unwindcheck-bench decode LISTFILE [REPEAT]")
  exit(2)
}
let repeatCount = args.count > 3 ? Int(args[3]) ?? 3 : 3
guard let listFile = fopen(args[2], "r") else { print("cannot read \(args[2])"); exit(2) }
var paths: [String] = []
var lineBuffer = [CChar](repeating: 0, count: 4096)
while fgets(&lineBuffer, 4096, listFile) != nil {
  let line = String(decoding: lineBuffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self).trimmingCharacters(in: "\n")
  if !line.isEmpty { paths.append(line) }
}
fclose(listFile)

extension String {
  func trimmingCharacters(in c: Character) -> String {
    var s = self
    while s.last == c { s.removeLast() }
    return s
  }
}

let t0 = now()
var files: [ELFFile] = []
for p in paths {
  if let f = try? ELFFile.open(path: p), f.machine == .x86_64 { files.append(f) }
}
let sections = files.flatMap { f in f.sections.filter { $0.isExecutable && $0.hasFileBytes }.map { (f, $0.index) } }
var bytes = 0
for (f, s) in sections { bytes += Int(f.section(s).size) }
// Touch every byte once so page faults are not part of the timing.
var checksum = 0
for (f, s) in sections { f.withBytes(of: s) { for b in $0 { checksum &+= Int(b) } } }
print("loaded \(files.count) objects, \(sections.count) executable sections, \(bytes) bytes in \(fmt(now() - t0, 2)) s")

let decoder = X86Decoder()
var bestLength = Double.infinity, count = 0
for _ in 0..<repeatCount {
  let t = now()
  var n = 0
  for (f, s) in sections {
    f.withBytes(of: s) { code in decoder.forEachInstruction(in: code) { _, _ in n += 1 } }
  }
  bestLength = min(bestLength, now() - t)
  count = n
}
print("length decode: \(count) instructions in \(fmt(bestLength, 3)) s = \(fmt(Double(count) / bestLength / 1e6, 1)) M insn/s, \(fmt(Double(bytes) / bestLength / 1e6, 0)) MB/s")

let textDecoder = X86TextDecoder()
var bestFull = Double.infinity, ops = 0
for _ in 0..<repeatCount {
  let t = now()
  var n = 0, o = 0
  for (f, s) in sections {
    let text = f.withBytes(of: s) { textDecoder.decode($0) }
    n += text.count
    o += text.stackOps.count
  }
  bestFull = min(bestFull, now() - t)
  count = n
  ops = o
}
print("full decode (kinds, stack ops, columns): \(count) instructions, \(ops) stack ops in \(fmt(bestFull, 3)) s = \(fmt(Double(count) / bestFull / 1e6, 1)) M insn/s")
if checksum == 42 { print("") }
