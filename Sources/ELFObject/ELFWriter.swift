import Glibc

/// Writes a relocatable object with sections added or given new contents, streaming
/// from the input's mapping: nothing of the input is copied in memory, and new contents
/// may themselves be built from input ranges (a symbol table with entries inserted, a
/// string table with names appended, relocations with symbol indices moved).
///
/// Layout: the ELF header, then every kept section's bytes in input order (each at the
/// next offset its alignment allows; the bytes of replaced sections are dropped), then
/// the new and replaced contents, the grown section-name table and a new section header
/// table. Section indices never change (new sections get the next ones), so symbols,
/// relocations and section groups stay valid; only file offsets move, which nothing in
/// a relocatable object refers to. Bytes of sections the writer does not know are
/// copied exactly. (No ELF library is used for writing.)
public struct ELFWriter {
  /// Where part of a section's new contents comes from.
  public enum Piece {
    /// `count` bytes of the input file from `offset`.
    case input(offset: Int, count: Int)
    case bytes([UInt8])
    case zeros(Int)
    /// `Elf64_Rela` entries of the input at `offset`, each symbol index `i` replaced by
    /// `map[i]` (symbols added and moved), and the entries numbered in `types` given
    /// that relocation type.
    case renumberedRelocations(offset: Int, count: Int, map: [UInt32], types: [Int: UInt32] = [:])

    var count: Int {
      switch self {
      case .input(_, let n), .zeros(let n), .renumberedRelocations(_, let n, _, _): n
      case .bytes(let b): b.count
      }
    }
  }

  /// A section to add. If the object already has a section of that name and
  /// `replace` is set on `write`, that section's header is reused (same index).
  public struct NewSection {
    public var name: String
    public var type: SectionType
    public var flags: SectionFlags
    public var alignment: UInt64
    public var entrySize: UInt64
    public var link: Reference
    public var info: Reference
    public var contents: [Piece]
    /// Give an existing section these contents and header fields (same index).
    public var replacing: SectionIndex?

    public init(name: String, type: SectionType, flags: SectionFlags, alignment: UInt64, entrySize: UInt64,
                link: Reference = .none, info: Reference = .none, contents: [Piece], replacing: SectionIndex? = nil) {
      self.replacing = replacing
      self.name = name
      self.type = type
      self.flags = flags
      self.alignment = alignment
      self.entrySize = entrySize
      self.link = link
      self.info = info
      self.contents = contents
    }

    public init(name: String, type: SectionType, flags: SectionFlags, alignment: UInt64, entrySize: UInt64,
                link: Reference = .none, info: Reference = .none, bytes: [UInt8], replacing: SectionIndex? = nil) {
      self.init(name: name, type: type, flags: flags, alignment: alignment, entrySize: entrySize,
                link: link, info: info, contents: [.bytes(bytes)], replacing: replacing)
    }

    var size: Int { contents.reduce(0) { $0 + $1.count } }
  }

  /// A section index in the output: an existing section, or the n-th new one.
  public enum Reference {
    case none
    /// A raw value (e.g. a symbol index in `sh_info` of a symbol table).
    case value(UInt32)
    case existing(SectionIndex)
    case added(Int)
  }

  let file: ELFFile

  public init(file: ELFFile) { self.file = file }

  /// The output: pieces at increasing offsets (gaps are zero padding), and its size.
  struct Layout {
    var placed: [(offset: Int, piece: Piece)] = []
    var size = 0
  }

  /// A section alignment usable for a file offset (crafted inputs may claim 2^63).
  private static func usableAlignment(_ a: UInt64) -> Int {
    a <= 1 ? 1 : (a & (a - 1)) == 0 && a <= 1 << 16 ? Int(a) : 16
  }

  func layout(adding new: [NewSection], replace: Bool) -> Layout {
    let order = file.byteOrder
    let original = file.withImage { $0 }  // valid while `file` is
    let input = ByteReader(original, order: order)
    func put(_ value: UInt64, width: Int, at offset: Int, into buffer: inout [UInt8]) {
      buffer.withUnsafeMutableBytes { ByteSink.store(value, width: width, order: order, into: $0, at: offset) }
    }
    var out = Layout()
    var cursor = 0
    func align(_ alignment: Int) { cursor = (cursor + alignment - 1) / alignment * alignment }
    func place(_ piece: Piece, alignment: Int = 1) -> Int {
      align(alignment)
      let at = cursor
      if piece.count > 0 { out.placed.append((at, piece)) }
      cursor += piece.count
      return at
    }

    var elfHeader = Array(original[0..<64])
    // Headers of the existing sections, as raw 64-byte records (the table was checked
    // to lie inside the file when it was opened).
    let shoff = Int(file.header.sectionTableOffset)
    var headers: [[UInt8]] = (0..<file.sections.count).map { i in
      Array(original[(shoff + 64 * i)..<(shoff + 64 * i + 64)])
    }
    // Where each new section goes: a reused index or a new one.
    var indexOf: [Int] = []
    // Section names: the name table as given by a replacement of it, else as it is.
    let nameTableIndex = file.header.sectionNameTable
    let nameTable = file.section(nameTableIndex)
    let replacedNames = new.first { $0.replacing == nameTableIndex }
    var addedNames: [UInt8] = []
    var namesSize = replacedNames?.size ?? Int(nameTable.size)
    for s in new {
      if let r = s.replacing {
        indexOf.append(r.int)
      } else if replace, let existing = file.sections.first(where: { $0.name == s.name && $0.index.rawValue > 0 }) {
        indexOf.append(existing.index.int)
      } else {
        indexOf.append(headers.count)
        var h = [UInt8](repeating: 0, count: 64)
        put(UInt64(namesSize + addedNames.count), width: 4, at: 0, into: &h)  // sh_name
        addedNames.append(contentsOf: Array(s.name.utf8) + [0])
        headers.append(h)
      }
    }
    namesSize += addedNames.count
    let namesGrow = replacedNames != nil || !addedNames.isEmpty
    var replaced = Set(indexOf.filter { $0 < file.sections.count })
    if namesGrow { replaced.insert(nameTableIndex.int) }

    _ = place(.zeros(64))  // the ELF header, filled in at the end
    // A program header table (unusual in a relocatable object) follows the ELF header.
    // (The header's 64 bytes were checked when the file was opened.)
    // (e_phoff is not checked when a relocatable object is opened: any 64-bit value.)
    let phoffField = input.u64(at: 32) ?? 0
    let phoff = phoffField <= UInt64(original.count) ? Int(phoffField) : 0
    let phsize = Int(input.u16(at: 54) ?? 0) * Int(input.u16(at: 56) ?? 0)
    if phoff > 0, phsize > 0, phoff <= original.count, phsize <= original.count - phoff {
      put(UInt64(place(.input(offset: phoff, count: phsize), alignment: 8)), width: 8, at: 32, into: &elfHeader)
    }
    // Kept sections, in input order.
    let kept = file.sections.filter { $0.hasFileBytes && !replaced.contains($0.index.int) }
      .sorted { ($0.fileOffset, $0.index.rawValue) < ($1.fileOffset, $1.index.rawValue) }
    for s in kept {
      let at = place(.input(offset: Int(s.fileOffset), count: Int(s.size)), alignment: Self.usableAlignment(s.alignment))
      put(UInt64(at), width: 8, at: 24, into: &headers[s.index.int])
    }
    func resolve(_ r: Reference) -> UInt64 {
      switch r {
      case .none: return 0
      case .value(let v): return UInt64(v)
      case .existing(let i): return UInt64(i.rawValue)
      case .added(let n): return UInt64(indexOf[n])
      }
    }
    for (n, s) in new.enumerated() where s.replacing != nameTableIndex {
      align(Self.usableAlignment(s.alignment))
      let offset = cursor
      for p in s.contents { _ = place(p) }
      var h = headers[indexOf[n]]
      put(UInt64(s.type.rawValue), width: 4, at: 4, into: &h)
      put(s.flags.rawValue, width: 8, at: 8, into: &h)
      put(0, width: 8, at: 16, into: &h)  // sh_addr
      put(UInt64(offset), width: 8, at: 24, into: &h)
      put(UInt64(s.size), width: 8, at: 32, into: &h)
      put(resolve(s.link), width: 4, at: 40, into: &h)
      put(resolve(s.info), width: 4, at: 44, into: &h)
      put(s.alignment, width: 8, at: 48, into: &h)
      put(s.entrySize, width: 8, at: 56, into: &h)
      headers[indexOf[n]] = h
    }
    // The grown section-name table.
    if namesGrow {
      let offset = cursor
      if let replacedNames {
        for p in replacedNames.contents { _ = place(p) }
      } else {
        _ = place(.input(offset: Int(nameTable.fileOffset), count: Int(nameTable.size)))
      }
      _ = place(.bytes(addedNames))
      put(UInt64(offset), width: 8, at: 24, into: &headers[nameTableIndex.int])
      put(UInt64(namesSize), width: 8, at: 32, into: &headers[nameTableIndex.int])
    }
    // Sections without file bytes get the current offset (as linkers write them).
    for s in file.sections where !s.hasFileBytes && s.index.rawValue > 0 && !replaced.contains(s.index.int) {
      put(UInt64(cursor), width: 8, at: 24, into: &headers[s.index.int])
    }
    // The new section header table, and the ELF header pointing at it.
    align(8)
    let tableOffset = cursor
    put(UInt64(tableOffset), width: 8, at: 40, into: &elfHeader)
    if headers.count < Int(SpecialSectionIndex.loReserve) {
      put(UInt64(headers.count), width: 2, at: 60, into: &elfHeader)
      // The count no longer needs section 0's sh_size (extended numbering).
      if input.u16(at: 60)! == 0 { put(0, width: 8, at: 32, into: &headers[0]) }
    } else {
      // Extended numbering: e_shnum 0, the count in section 0's sh_size.
      put(0, width: 2, at: 60, into: &elfHeader)
      put(UInt64(headers.count), width: 8, at: 32, into: &headers[0])
    }
    _ = place(.bytes(headers.flatMap { $0 }))
    out.placed[0].piece = .bytes(elfHeader)
    out.size = cursor
    return out
  }

  /// The new file's bytes, in memory (tests; the pipeline run on mutated inputs).
  public func image(adding new: [NewSection], replace: Bool) -> [UInt8] {
    var sink = MemorySink()
    emit(layout(adding: new, replace: replace), into: &sink)
    return sink.bytes
  }

  public enum WriteError: Error, Sendable {
    case io(path: String, what: String)
  }

  /// Writes the new object to `path` atomically (`ELFWriter.replaceAtomically`). `mode`
  /// is the new file's mode.
  public func write(adding new: [NewSection], replace: Bool, to path: String, mode: mode_t = 0o644) throws(WriteError) {
    let layout = layout(adding: new, replace: replace)
    try Self.replaceAtomically(path, mode: mode) { fd in
      var sink = FileSink(fd: fd)
      emit(layout, into: &sink)
      sink.flush()
      return sink.error
    }
  }

  /// Replaces `path` atomically: `fill` writes the new contents to a temporary file in
  /// the same directory (returning an errno on failure), which is flushed to disk and
  /// renamed over `path`. On any failure `path` is untouched and the temporary file
  /// removed. (Objects, and the pages `trace --html` writes.)
  public static func replaceAtomically(_ path: String, mode: mode_t, _ fill: (Int32) -> Int32?) throws(WriteError) {
    let dir = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
    let base = path.split(separator: "/").last.map(String.init) ?? path
    var template = Array("\(dir)/.\(base).unwindcheck-XXXXXX".utf8CString)
    let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    guard fd >= 0 else { throw .io(path: path, what: "cannot create a temporary file in \(dir): \(String(cString: strerror(errno)))") }
    let tmp = String(decoding: template.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    var ok = false
    defer {
      if !ok { unlink(tmp) }
    }
    if let failed = fill(fd) {
      close(fd)
      throw .io(path: path, what: "write failed: \(String(cString: strerror(failed)))")
    }
    fchmod(fd, mode)
    guard fsync(fd) == 0, close(fd) == 0 else { throw .io(path: path, what: "flush failed: \(String(cString: strerror(errno)))") }
    guard rename(tmp, path) == 0 else { throw .io(path: path, what: "rename failed: \(String(cString: strerror(errno)))") }
    ok = true
  }

  private func emit<S: OutputSink>(_ layout: Layout, into sink: inout S) {
    let order = file.byteOrder
    file.withImage { image in
      var at = 0
      for (offset, piece) in layout.placed {
        if offset > at { sink.zeros(offset - at) }
        switch piece {
        case .input(let from, let n):
          sink.copy(UnsafeRawBufferPointer(rebasing: image[from..<(from + n)]), file: file.fileDescriptor, offset: from)
        case .bytes(let b):
          b.withUnsafeBytes { sink.append($0) }
        case .zeros(let n):
          sink.zeros(n)
        case .renumberedRelocations(let from, let n, let map, let types):
          // Through a small buffer: symbol index = high 32 bits of r_info (at +8).
          var chunk = [UInt8](repeating: 0, count: 24 * 4096)
          var done = 0
          while done < n {
            let m = min(chunk.count, n - done)
            chunk.withUnsafeMutableBytes { c in
              c.copyMemory(from: UnsafeRawBufferPointer(rebasing: image[(from + done)..<(from + done + m)]))
              let r = ByteReader(UnsafeRawBufferPointer(c), order: order)
              for e in stride(from: 8, through: m - 8, by: 24) {
                let info = r.u64(at: e)!
                let symbol = EntryLayout.relocationSymbol(info)
                let type = types.isEmpty ? nil : types[(done + e) / 24]
                let moved = symbol < UInt64(map.count) ? UInt64(map[Int(symbol)]) : symbol
                if moved != symbol || type != nil {
                  ByteSink.store(moved << 32 | UInt64(type ?? EntryLayout.relocationType(info)), width: 8, order: order, into: c, at: e)
                }
              }
              sink.append(UnsafeRawBufferPointer(rebasing: c[0..<m]))
            }
            // Read once: the input's pages go back (debug relocations are most of a
            // debug-info object's bytes).
            file.dropPages(from + done, m)
            done += m
          }
        }
        at = offset + piece.count
      }
      if layout.size > at { sink.zeros(layout.size - at) }
    }
  }
}

/// Where `ELFWriter` puts the output bytes, in order.
private protocol OutputSink {
  mutating func append(_ bytes: UnsafeRawBufferPointer)
  mutating func zeros(_ count: Int)
  /// Input bytes, which are also at `offset` of the open input `file`.
  mutating func copy(_ bytes: UnsafeRawBufferPointer, file: Int32, offset: Int)
}

extension OutputSink {
  mutating func copy(_ bytes: UnsafeRawBufferPointer, file: Int32, offset: Int) { append(bytes) }
}

@_silgen_name("copy_file_range")
private func copyFileRange(_ inFD: Int32, _ inOffset: UnsafeMutablePointer<Int64>?, _ outFD: Int32,
                           _ outOffset: UnsafeMutablePointer<Int64>?, _ count: Int, _ flags: UInt32) -> Int

private struct MemorySink: OutputSink {
  var bytes: [UInt8] = []
  mutating func append(_ b: UnsafeRawBufferPointer) { bytes.append(contentsOf: b) }
  mutating func zeros(_ n: Int) { bytes.append(contentsOf: repeatElement(0, count: n)) }
}

/// Sequential writes to a file: small pieces gather in a buffer, large ones go straight
/// from their memory (the input mapping) to the kernel. The first error stops writing.
private struct FileSink: OutputSink {
  let fd: Int32
  /// The gathering buffer, owned by `box` (freed with it).
  private let box: Buffer
  var error: Int32?
  /// copy_file_range works between these files (until it fails once).
  var kernelCopy = true
  static let direct = 256 << 10

  private final class Buffer {
    let base = UnsafeMutableRawPointer.allocate(byteCount: FileSink.direct, alignment: 16)
    var used = 0
    deinit { base.deallocate() }
  }

  init(fd: Int32) {
    self.fd = fd
    box = Buffer()
  }

  mutating func append(_ b: UnsafeRawBufferPointer) {
    if b.count >= Self.direct / 2 {
      flush()
      writeAll(b)
      return
    }
    if box.used + b.count > Self.direct { flush() }
    if let p = b.baseAddress { (box.base + box.used).copyMemory(from: p, byteCount: b.count) }
    box.used += b.count
  }

  /// Big input ranges are copied file to file by the kernel (no page of them is
  /// mapped into this process); where that is not supported, written from the mapping.
  mutating func copy(_ bytes: UnsafeRawBufferPointer, file: Int32, offset: Int) {
    guard bytes.count >= Self.direct / 2, kernelCopy, file >= 0 else { return append(bytes) }
    flush()
    var from = Int64(offset), done = 0
    while error == nil && done < bytes.count {
      let n = copyFileRange(file, &from, fd, nil, bytes.count - done, 0)
      if n > 0 {
        done += n
      } else if n < 0 && errno == EINTR {
        continue
      } else {
        // Not supported here (another filesystem, an old kernel): the rest by write.
        kernelCopy = false
        writeAll(UnsafeRawBufferPointer(rebasing: bytes[done...]))
        return
      }
    }
  }

  mutating func zeros(_ n: Int) {
    var left = n
    while left > 0 {
      if box.used == Self.direct { flush() }
      let m = min(left, Self.direct - box.used)
      (box.base + box.used).initializeMemory(as: UInt8.self, repeating: 0, count: m)
      box.used += m
      left -= m
    }
  }

  mutating func flush() {
    guard box.used > 0 else { return }
    writeAll(UnsafeRawBufferPointer(start: box.base, count: box.used))
    box.used = 0
  }

  private mutating func writeAll(_ b: UnsafeRawBufferPointer) {
    var done = 0
    while error == nil && done < b.count {
      let n = Glibc.write(fd, b.baseAddress! + done, b.count - done)
      if n < 0 {
        if errno == EINTR { continue }
        error = errno
      } else if n == 0 {
        error = EIO
      } else {
        done += n
      }
    }
  }
}
