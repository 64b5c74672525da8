// The only file in ELFObject that calls C: the few libc calls that open and map a file.
// (ELF structures are read from the mapping by our own code: no libelf, so a run loads
// no ELF library at start-up and maps each input once.)
import Glibc

/// A read-only mapping of a whole file, valid for the lifetime of the handle.
final class MappedFile {
  /// The open file (the writer copies unchanged ranges from it kernel-side).
  let fd: Int32
  private let base: UnsafeRawPointer?
  let size: Int
  let mode: UInt32

  /// Opens and maps `path`.
  init(path: String) throws(ELFError) {
    let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else {
      throw ELFError(.cannotOpen(reason: String(cString: strerror(errno))), at: .file(offset: 0))
    }
    var st = stat()
    guard fstat(fd, &st) == 0 else {
      let reason = String(cString: strerror(errno))
      Glibc.close(fd)
      throw ELFError(.cannotOpen(reason: reason), at: .file(offset: 0))
    }
    if (st.st_mode & S_IFMT) == S_IFDIR {
      Glibc.close(fd)
      throw ELFError(.cannotOpen(reason: "is a directory"), at: .file(offset: 0))
    }
    let size = Int(st.st_size)
    var base: UnsafeRawPointer? = nil
    if size > 0 {
      let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
      guard let p, p != MAP_FAILED else {
        let reason = String(cString: strerror(errno))
        Glibc.close(fd)
        throw ELFError(.cannotOpen(reason: "mmap: \(reason)"), at: .file(offset: 0))
      }
      base = UnsafeRawPointer(p)
    }
    self.fd = fd
    self.base = base
    self.size = size
    self.mode = UInt32(st.st_mode & 0o7777)
  }

  /// An image already in memory (a copy is kept): no file behind it (`fd` is -1).
  init(bytes: [UInt8]) {
    fd = -1
    size = bytes.count
    mode = 0o644
    let copy = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
    bytes.withUnsafeBytes { if let b = $0.baseAddress { copy.copyMemory(from: b, byteCount: bytes.count) } }
    base = UnsafeRawPointer(copy)
    owned = true
  }

  /// The image was allocated here (not mapped).
  private var owned = false

  deinit {
    if owned {
      UnsafeMutableRawPointer(mutating: base)?.deallocate()
    } else {
      if let base, size > 0 { munmap(UnsafeMutableRawPointer(mutating: base), size) }
      Glibc.close(fd)
    }
  }

  /// Gives back the pages of `offset..<offset+count` that reading brought in (a private
  /// read-only mapping: they are read from the file again if touched later). For data
  /// read once at open (debug relocations), so it does not stay in the process's memory.
  func dropPages(_ offset: Int, _ count: Int) {
    guard !owned, let base, count > 0 else { return }
    let page = Int(sysconf(Int32(_SC_PAGESIZE)))
    // Only whole pages inside the range (a partial page may hold other data in use).
    let start = (offset + page - 1) / page * page, end = (offset + count) / page * page
    guard end > start else { return }
    _ = madvise(UnsafeMutableRawPointer(mutating: base + start), end - start, MADV_DONTNEED)
  }

  /// The whole file, valid for the lifetime of this handle.
  var image: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: base == nil ? 0 : size) }
}

/// Field layouts of `Elf64_Sym` and `Elf64_Rela` (read in the file's byte order).
enum EntryLayout {
  static let symbolSize = ELF64.symbolSize
  static let relaSize = ELF64.relaSize

  /// `ELF64_R_SYM` / `ELF64_R_TYPE`.
  @inline(__always) static func relocationSymbol(_ info: UInt64) -> UInt64 { info >> 32 }
  @inline(__always) static func relocationType(_ info: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: info) }
  /// `ELF64_ST_TYPE` / `ELF64_ST_BIND` / `ELF64_ST_VISIBILITY`.
  @inline(__always) static func symbolType(_ info: UInt8) -> UInt8 { info & 0xF }
  @inline(__always) static func symbolBinding(_ info: UInt8) -> UInt8 { info >> 4 }
  @inline(__always) static func symbolVisibility(_ other: UInt8) -> UInt8 { other & 0x3 }
}
