import Glibc

/// Adds (or replaces) sections in a relocatable object without touching anything else:
/// the original bytes are kept where they are, the new contents, a grown section-name
/// table and a new section header table are appended, and the ELF header is pointed at
/// the new table. Every index and offset of the input stays valid, so symbols and
/// relocations need no renumbering. (No ELF library is used for writing: this two-phase
/// copy-and-append keeps the input's layout and cannot corrupt sections it does not
/// know.)
public struct ELFWriter {
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
    public var bytes: [UInt8]
    /// Give an existing section these contents and header fields (same index).
    public var replacing: SectionIndex?

    public init(name: String, type: SectionType, flags: SectionFlags, alignment: UInt64, entrySize: UInt64,
                link: Reference = .none, info: Reference = .none, bytes: [UInt8], replacing: SectionIndex? = nil) {
      self.replacing = replacing
      self.name = name
      self.type = type
      self.flags = flags
      self.alignment = alignment
      self.entrySize = entrySize
      self.link = link
      self.info = info
      self.bytes = bytes
    }
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

  /// The new file's bytes.
  public func image(adding new: [NewSection], replace: Bool) -> [UInt8] {
    let order = file.byteOrder
    var out = [UInt8](file.withImage { $0 })
    func align(_ a: UInt64) {
      let a = max(a, 1)
      while UInt64(out.count) % a != 0 { out.append(0) }
    }
    func put(_ value: UInt64, width: Int, at offset: Int, into buffer: inout [UInt8]) {
      for k in 0..<width {
        let shift = order == .little ? k * 8 : (width - 1 - k) * 8
        buffer[offset + k] = UInt8(truncatingIfNeeded: value >> UInt64(shift))
      }
    }

    // Headers of the existing sections, as raw 64-byte records.
    let shoff = Int(file.header.sectionTableOffset)
    var headers: [[UInt8]] = (0..<file.sections.count).map { i in
      Array(out[(shoff + 64 * i)..<(shoff + 64 * i + 64)])
    }
    // Where each new section goes: a reused index or a new one.
    var indexOf: [Int] = []
    // Section names: the name table as given by a replacement of it (it may also be
    // the symbol string table, grown by the caller), else as it is.
    var names = new.first { $0.replacing == file.header.sectionNameTable }?.bytes
      ?? file.withBytes(of: file.header.sectionNameTable) { [UInt8]($0) }
    for s in new {
      if let r = s.replacing {
        indexOf.append(r.int)
      } else if replace, let existing = file.sections.first(where: { $0.name == s.name && $0.index.rawValue > 0 }) {
        indexOf.append(existing.index.int)
      } else {
        indexOf.append(headers.count)
        var h = [UInt8](repeating: 0, count: 64)
        put(UInt64(names.count), width: 4, at: 0, into: &h)  // sh_name
        names.append(contentsOf: Array(s.name.utf8) + [0])
        headers.append(h)
      }
    }
    func resolve(_ r: Reference) -> UInt64 {
      switch r {
      case .none: return 0
      case .value(let v): return UInt64(v)
      case .existing(let i): return UInt64(i.rawValue)
      case .added(let n): return UInt64(indexOf[n])
      }
    }
    for (n, s) in new.enumerated() {
      align(s.alignment)
      let offset = out.count
      out.append(contentsOf: s.bytes)
      var h = headers[indexOf[n]]
      put(UInt64(s.type.rawValue), width: 4, at: 4, into: &h)
      put(s.flags.rawValue, width: 8, at: 8, into: &h)
      put(0, width: 8, at: 16, into: &h)  // sh_addr
      put(UInt64(offset), width: 8, at: 24, into: &h)
      put(UInt64(s.bytes.count), width: 8, at: 32, into: &h)
      put(resolve(s.link), width: 4, at: 40, into: &h)
      put(resolve(s.info), width: 4, at: 44, into: &h)
      put(s.alignment, width: 8, at: 48, into: &h)
      put(s.entrySize, width: 8, at: 56, into: &h)
      headers[indexOf[n]] = h
    }
    // The grown section-name table.
    let nameTable = file.header.sectionNameTable.int
    let nameTableReplaced = new.contains { $0.replacing == file.header.sectionNameTable }
    if nameTableReplaced || names.count != Int(file.section(file.header.sectionNameTable).size) {
      let offset = out.count
      out.append(contentsOf: names)
      put(UInt64(offset), width: 8, at: 24, into: &headers[nameTable])
      put(UInt64(names.count), width: 8, at: 32, into: &headers[nameTable])
    }
    // The new section header table, and the ELF header pointing at it.
    align(8)
    let tableOffset = out.count
    for h in headers { out.append(contentsOf: h) }
    put(UInt64(tableOffset), width: 8, at: 40, into: &out)
    if headers.count < 0xFF00 {
      put(UInt64(headers.count), width: 2, at: 60, into: &out)
    } else {
      // Extended numbering: e_shnum 0, the count in section 0's sh_size.
      put(0, width: 2, at: 60, into: &out)
      put(UInt64(headers.count), width: 8, at: tableOffset + 32, into: &out)
    }
    return out
  }

  public enum WriteError: Error, Sendable {
    case io(path: String, what: String)
  }

  /// Writes `bytes` to `path` atomically: a temporary file in the same directory,
  /// flushed to disk, then renamed over `path`. On any failure `path` is untouched and
  /// the temporary file removed. The original file mode is kept.
  public static func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t = 0o644) throws(WriteError) {
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
    var rest = bytes[...]
    while !rest.isEmpty {
      let n = rest.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
      if n <= 0 {
        close(fd)
        throw .io(path: path, what: "write failed: \(String(cString: strerror(errno)))")
      }
      rest = rest.dropFirst(n)
    }
    fchmod(fd, mode)
    guard fsync(fd) == 0, close(fd) == 0 else { throw .io(path: path, what: "flush failed: \(String(cString: strerror(errno)))") }
    guard rename(tmp, path) == 0 else { throw .io(path: path, what: "rename failed: \(String(cString: strerror(errno)))") }
    ok = true
  }
}
