// CLibDW: libdw/libdwfl (elfutils) as seen from Swift: DWARF CFI and line tables.
//
// libdw is loaded on first use (dlopen), not linked: a run that reads no DWARF (every
// plain `check`, as Kbuild calls it once per object) then loads no elfutils library at
// start-up. lazy.c defines each libdw function this project calls, under libdw's own
// name and prototype; the first call looks the real one up. Check
// `uc_libdw_load()` before the first call.
#ifndef UNWINDCHECK_CLIBDW_H
#define UNWINDCHECK_CLIBDW_H
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <elfutils/version.h>
#include <dwarf.h>
#include <gelf.h>

/// Loads libdw.so.1 once (thread-safe). NULL when it loaded, else dlerror()'s text.
const char *uc_libdw_load(void);

/// No separate debug files: the object's own sections are the only DWARF consulted, so
/// a result never depends on what happens to be installed under /usr/lib/debug.
static inline int uc_no_separate_debuginfo(Dwfl_Module *m, void **u, const char *n, Dwarf_Addr a,
                                           const char *f, const char *d, GElf_Word c, char **p) {
  (void)m; (void)u; (void)n; (void)a; (void)f; (void)d; (void)c; (void)p;
  return -1;
}

/// A libdwfl session for one object file opened offline: relocatable objects get their
/// allocated sections laid out at distinct addresses and their debug sections relocated.
static inline Dwfl *uc_dwfl_begin_offline(void) {
  static const Dwfl_Callbacks callbacks = {
    .find_elf = dwfl_build_id_find_elf,
    .find_debuginfo = uc_no_separate_debuginfo,
    .section_address = dwfl_offline_section_address,
  };
  return dwfl_begin(&callbacks);
}
#endif
