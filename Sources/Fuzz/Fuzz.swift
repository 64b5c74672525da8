// unwindcheck-fuzz: libFuzzer harnesses (built only by Scripts/fuzz.sh, with
// UNWINDCHECK_FUZZ=1 and -sanitize=fuzzer,address; libFuzzer provides main).
// UNWINDCHECK_FUZZ_TARGET picks the target:
//   elf       the ELF reader: parse, then touch every section, symbol and relocation
//   x86       the x86-64 decoder, objtool's kinds and stack ops, the AT&T formatter
//   arm64     the arm64 decoder (kinds, stack ops, switch-table patterns) and formatter
//   tables    an object's special sections (.altinstructions, __jump_table, __ex_table,
//             .discard.*, hints, __bug_table, .rodata jump tables): check only
//   pipeline  the whole pipeline: check with Kbuild's module flags, then ORC and the
//             site sections written to memory and parsed back
//   dwarf     the DWARF CFI reader (libdw) and the comparison, on an object
//   sframe    an .sframe section's bytes (versions 1-3): decoded and dumped; what
//             decodes is encoded again in its version and must decode to the same rows
// Every target: any input must give a result or a clean error, never a trap.
import ArchARM64
import ArchX86
import DecodeX86
import ELFObject
import Foundation
import SFrame
import UnwindDriver
import UnwindModel

private enum Target: String {
  case elf, x86, arm64, tables, pipeline, dwarf, sframe
}

private let target: Target = {
  let name = ProcessInfo.processInfo.environment["UNWINDCHECK_FUZZ_TARGET"] ?? "pipeline"
  guard let t = Target(rawValue: name) else {
    FileHandle.standardError.write(Data("unwindcheck-fuzz: unknown UNWINDCHECK_FUZZ_TARGET \(name)\n".utf8))
    exit(2)
  }
  return t
}()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOne(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
  let bytes = Array(UnsafeBufferPointer(start: data, count: size))
  switch target {
  case .elf: fuzzELF(bytes)
  case .x86: fuzzX86(bytes)
  case .arm64: fuzzARM64(bytes)
  case .tables: fuzzCheck(bytes, write: false)
  case .pipeline: fuzzCheck(bytes, write: true)
  case .dwarf: fuzzDwarf(bytes)
  case .sframe: fuzzSFrame(bytes)
  }
  return 0
}

private func fuzzELF(_ bytes: [UInt8]) {
  guard let file = try? ELFFile.parse(bytes: bytes, name: "fuzz.o") else { return }
  var sink = 0
  for s in file.sections {
    sink &+= s.name.utf8.count
    if s.hasFileBytes { file.withBytes(of: s.index) { sink &+= $0.reduce(0) { $0 &+ Int($1) } } }
    if let rs = file.relocations(for: s.index) {
      for r in rs.relocations { sink &+= file.symbol(r.symbol).name.utf8.count &+ Int(truncatingIfNeeded: r.addend) }
    }
    sink &+= file.symbols(in: s.index).count
  }
  for sym in file.symbols { sink &+= sym.name.utf8.count }
  withExtendedLifetime(sink) {}
}

private func fuzzX86(_ bytes: [UInt8]) {
  bytes.withUnsafeBytes { code in
    let text = X86TextDecoder().decode(code)
    var off = 0
    let decoder = X86Decoder()
    while off < code.count {
      let insn = decoder.decode(code, at: off)
      let n = Int(insn.length)
      _ = X86Syntax.format(insn, bytes: UnsafeRawBufferPointer(rebasing: code[off..<min(code.count, off + n)]), address: UInt64(off))
      off += max(n, 1)
    }
    _ = text.count
  }
}

private func fuzzARM64(_ bytes: [UInt8]) {
  bytes.withUnsafeBytes { code in
    let text = ARM64TextDecoder(calleeSaved: true).decode(code)
    var off = 0
    while off + 4 <= code.count {
      _ = ARM64Syntax.format(code.loadUnaligned(fromByteOffset: off, as: UInt32.self), address: UInt64(off))
      off += 4
    }
    _ = text.count
  }
}

private func fuzzCheck(_ bytes: [UInt8], write: Bool) {
  guard let file = try? ELFFile.parse(bytes: bytes, name: "fuzz.o") else { return }
  var o = CheckOptions()
  o.jobs = 1
  o.freeEachObject = true
  o.link = true
  o.module = true
  o.uaccess = true
  o.ibt = true
  if write {
    o.orc = true
    o.imageInMemory = true
    o.replace = true
    _ = checkAndWriteInMemory(file, options: o)
  } else {
    _ = validate(file, options: o)
  }
}

private func fuzzDwarf(_ bytes: [UInt8]) {
  guard (try? ELFFile.parse(bytes: bytes, name: "fuzz.o")) != nil else { return }
  // libdw reads a file: one per process, rewritten for each input.
  let path = NSTemporaryDirectory() + "unwindcheck-fuzz-\(getpid()).o"
  guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else { return }
  var o = CheckOptions()
  o.jobs = 1
  o.freeEachObject = true
  o.againstDwarf = true
  _ = runCheck(paths: [path], options: o, out: { _ in }, err: { _ in })
}

private func fuzzSFrame(_ bytes: [UInt8]) {
  guard case .success(let d) = bytes.withUnsafeBytes({ SFrameCoding.decode($0) }) else { return }
  _ = SFrameDump.lines(section: ".sframe", d, starts: d.functions.map { UInt64(bitPattern: $0.startField) })
  // Re-encode what the row model holds (rows inside their function's size, so the row
  // type the encoder picks holds their offsets) and read it back.
  let kept = d.functions.filter { f in !f.flexible && !f.pcMask && f.rows.allSatisfy { $0.offset < max(f.size, 1) } }
  let table = SFrame.Table(version: d.version, flags: d.flags, abi: d.abi, fixedFPOffset: d.fixedFPOffset,
                           fixedRAOffset: d.fixedRAOffset,
                           functions: kept.map { SFrame.Function(section: SectionIndex(1), start: 0, size: $0.size, rows: $0.rows,
                                                                 pauthKeyB: $0.pauthKeyB) })
  guard let encoded = try? SFrameCoding.encode(table, order: .little) else { return }
  guard case .success(let again) = encoded.bytes.withUnsafeBytes({ SFrameCoding.decode($0) }) else {
    fatalError("unwindcheck's own SFrame encoding does not decode")
  }
  for (a, b) in zip(kept, again.functions) where a.rows.count != b.rows.count
    || zip(a.rows, b.rows).contains(where: { !$0.sameRule(as: $1) || $0.offset != $1.offset }) {
    fatalError("SFrame rows change through encode and decode")
  }
}

// SwiftPM links an executable target's entry as `<module>_main` (it aliases `main` to
// it): hand control to libFuzzer's driver from there.
@_silgen_name("LLVMFuzzerRunDriver")
private func runDriver(_ argc: UnsafeMutablePointer<Int32>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                       _ callback: @convention(c) (UnsafePointer<UInt8>, Int) -> Int32) -> Int32

@_cdecl("unwindcheck_fuzz_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
  var count = argc
  var vector = argv
  return withUnsafeMutablePointer(to: &count) { c in
    withUnsafeMutablePointer(to: &vector) { v in
      runDriver(c, v, { data, size in fuzzOne(data, size) })
    }
  }
}
