// CLibDW: libdw/libdwfl (elfutils) as seen from Swift: DWARF CFI and line tables.
#ifndef UNWINDCHECK_CLIBDW_SHIM_H
#define UNWINDCHECK_CLIBDW_SHIM_H
#include <elfutils/libdw.h>
#include <elfutils/libdwfl.h>
#include <elfutils/version.h>
#include <dwarf.h>
#endif
