// The libdw system-library target links and is the elfutils release we build against
// (the DWARF cross-check relies on libdw's CFI and line-table API).
import CLibDW
import Testing

struct LibDWTests {
  @Test func libdwLinksAndReportsItsVersion() {
    let version = String(cString: dwfl_version(nil))
    let parts = version.split(separator: ".").compactMap { Int($0) }
    #expect(parts.count == 2)
    #expect((parts.first ?? 0, parts.last ?? 0) >= (0, 188), "elfutils \(version)")
  }
}
