// The only file in unwindcheck that calls C: libelf (elfutils) and the few libc calls
// needed to open and map a file. Everything here returns Swift types and throws
// `ELFError`; no libelf type escapes this file.
import CLibElf
import Glibc

/// A read-only mapping of a whole file plus a libelf descriptor over the same file.
/// The mapping gives zero-copy access to section bytes; libelf converts the typed
/// sections (section headers, symbols, relocations) to host byte order.
final class LibElfHandle {
  private let fd: Int32
  private let base: UnsafeRawPointer?
  let size: Int
  let mode: UInt32
  private var elf: OpaquePointer?

  /// Opens and maps `path`. libelf is attached later (`attachLibelf`), only after the
  /// ELF header and section table have been checked against the file size.
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

  deinit {
    if let elf { elf_end(elf) }
    if let base, size > 0 { munmap(UnsafeMutableRawPointer(mutating: base), size) }
    Glibc.close(fd)
  }

  /// The whole file, valid for the lifetime of this handle.
  var image: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: base == nil ? 0 : size) }

  /// Starts libelf on the file. Call only once the header has been validated.
  func attachLibelf() throws(ELFError) {
    if elf_version(UInt32(EV_CURRENT)) == UInt32(EV_NONE) {
      throw libelfError("elf_version")
    }
    guard let e = elf_begin(fd, ELF_C_READ_MMAP, nil) else { throw libelfError("elf_begin") }
    elf = e
    guard elf_kind(e) == ELF_K_ELF else {
      throw ELFError(.libelf(function: "elf_kind", message: "not recognised as an ELF object"),
                     at: .header(offset: 0))
    }
  }

  /// `elf_getshdrnum`: the section count, including extended numbering.
  func sectionCount() throws(ELFError) -> Int {
    var n = 0
    guard let elf, elf_getshdrnum(elf, &n) == 0 else { throw libelfError("elf_getshdrnum") }
    return n
  }

  /// `elf_getshdrstrndx`: the section-name string table index, incl. `SHN_XINDEX`.
  func sectionNameTableIndex() throws(ELFError) -> Int {
    var n = 0
    guard let elf, elf_getshdrstrndx(elf, &n) == 0 else { throw libelfError("elf_getshdrstrndx") }
    return n
  }

  struct RawSectionHeader {
    var name: UInt32, type: UInt32, flags: UInt64, address: UInt64, offset: UInt64
    var size: UInt64, link: UInt32, info: UInt32, alignment: UInt64, entrySize: UInt64
  }

  /// `gelf_getshdr` for section `index`.
  func sectionHeader(_ index: Int) throws(ELFError) -> RawSectionHeader {
    guard let elf, let scn = elf_getscn(elf, index) else { throw libelfError("elf_getscn", index) }
    var h = GElf_Shdr()
    guard gelf_getshdr(scn, &h) != nil else { throw libelfError("gelf_getshdr", index) }
    return RawSectionHeader(
      name: h.sh_name, type: h.sh_type, flags: h.sh_flags, address: h.sh_addr,
      offset: h.sh_offset, size: h.sh_size, link: h.sh_link, info: h.sh_info,
      alignment: h.sh_addralign, entrySize: h.sh_entsize)
  }

  /// `elf_getdata` of a typed section (symbols, relocations, `SHT_SYMTAB_SHNDX`): the
  /// contents converted to host byte order. Valid for the lifetime of this handle.
  func convertedData(_ index: Int) throws(ELFError) -> UnsafeRawBufferPointer {
    guard let elf, let scn = elf_getscn(elf, index) else { throw libelfError("elf_getscn", index) }
    guard let data = elf_getdata(scn, nil) else { throw libelfError("elf_getdata", index) }
    let d = data.pointee
    guard let buf = d.d_buf else { return UnsafeRawBufferPointer(start: nil, count: 0) }
    return UnsafeRawBufferPointer(start: buf, count: Int(d.d_size))
  }

  private func libelfError(_ function: String, _ section: Int? = nil) -> ELFError {
    let message = elf_errmsg(-1).map { String(cString: $0) } ?? "unknown error"
    let location: ELFError.Location =
      section.map { .sectionHeader(index: UInt32(truncatingIfNeeded: $0), offset: 0) } ?? .header(offset: 0)
    return ELFError(.libelf(function: function, message: message), at: location)
  }
}

/// Field layouts of host-order `Elf64_Sym` and `Elf64_Rela` as libelf hands them out.
enum HostLayout {
  static let symbolSize = 24
  static let relaSize = 24
  static let relSize = 16

  /// `ELF64_R_SYM` / `ELF64_R_TYPE`, through the C shim.
  @inline(__always) static func relocationSymbol(_ info: UInt64) -> UInt64 { UInt64(uc_elf64_r_sym(info)) }
  @inline(__always) static func relocationType(_ info: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: uc_elf64_r_type(info)) }
  /// `ELF64_ST_TYPE` / `ELF64_ST_BIND` / `ELF64_ST_VISIBILITY`.
  @inline(__always) static func symbolType(_ info: UInt8) -> UInt8 { uc_elf64_st_type(info) }
  @inline(__always) static func symbolBinding(_ info: UInt8) -> UInt8 { uc_elf64_st_bind(info) }
  @inline(__always) static func symbolVisibility(_ other: UInt8) -> UInt8 { uc_elf64_st_visibility(other) }
}
