// Lazy binding of libdw: each function below has libdw's name and prototype (the
// headers check them), looks up the real function in libdw.so.1 on its first call and
// forwards to it. libelf's functions come through libdw's own dependency on it.
#include "CLibDW.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

static void *library;
static const char *loadError;
static pthread_once_t loadOnce = PTHREAD_ONCE_INIT;

static void loadLibrary(void) {
  library = dlopen("libdw.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!library) {
    const char *e = dlerror();
    loadError = e ? e : "libdw.so.1 not found";
  }
}

const char *uc_libdw_load(void) {
  pthread_once(&loadOnce, loadLibrary);
  return loadError;
}

static void *realFunction(const char *name) {
  const char *e = uc_libdw_load();
  void *f = library ? dlsym(library, name) : NULL;
  if (!f) {
    // Callers check uc_libdw_load() first; only a libdw without this function gets here.
    fprintf(stderr, "unwindcheck: libdw: %s unavailable (%s)\n", name, e ? e : "symbol not found");
    exit(3);
  }
  return f;
}

// One forwarding definition: NAME's pointer is looked up once, then reused (the
// relaxed atomic load/store keeps concurrent first calls well defined).
#define FORWARD(RET, NAME, PARAMS, ARGS)                                        \
  RET NAME PARAMS {                                                             \
    static RET(*real) PARAMS;                                                   \
    RET(*f) PARAMS = __atomic_load_n(&real, __ATOMIC_RELAXED);                   \
    if (!f) {                                                                   \
      f = (RET(*) PARAMS)realFunction(#NAME);                                   \
      __atomic_store_n(&real, f, __ATOMIC_RELAXED);                             \
    }                                                                           \
    return f ARGS;                                                              \
  }

FORWARD(Dwarf *, dwarf_begin_elf, (Elf *elf, Dwarf_Cmd cmd, Elf_Scn *scngrp), (elf, cmd, scngrp))
FORWARD(int, dwarf_cfi_addrframe, (Dwarf_CFI *cache, Dwarf_Addr address, Dwarf_Frame **frame), (cache, address, frame))
FORWARD(int, dwarf_child, (Dwarf_Die *die, Dwarf_Die *result), (die, result))
FORWARD(const char *, dwarf_diename, (Dwarf_Die *die), (die))
FORWARD(int, dwarf_frame_cfa, (Dwarf_Frame *frame, Dwarf_Op **ops, size_t *nops), (frame, ops, nops))
FORWARD(int, dwarf_frame_info, (Dwarf_Frame *frame, Dwarf_Addr *start, Dwarf_Addr *end, bool *signalp),
        (frame, start, end, signalp))
FORWARD(int, dwarf_frame_register, (Dwarf_Frame *frame, int regno, Dwarf_Op ops_mem[3], Dwarf_Op **ops, size_t *nops),
        (frame, regno, ops_mem, ops, nops))
FORWARD(int, dwarf_get_units,
        (Dwarf *dwarf, Dwarf_CU *cu, Dwarf_CU **next_cu, Dwarf_Half *version, uint8_t *unit_type, Dwarf_Die *cudie,
         Dwarf_Die *subdie),
        (dwarf, cu, next_cu, version, unit_type, cudie, subdie))
FORWARD(Dwarf_CFI *, dwarf_getcfi, (Dwarf *dwarf), (dwarf))
FORWARD(int, dwarf_end, (Dwarf *dwarf), (dwarf))
FORWARD(Dwarf_Line *, dwarf_getsrc_die, (Dwarf_Die *cudie, Dwarf_Addr addr), (cudie, addr))
FORWARD(int, dwarf_hasattr, (Dwarf_Die *die, unsigned int search_name), (die, search_name))
FORWARD(int, dwarf_haspc, (Dwarf_Die *die, Dwarf_Addr pc), (die, pc))
FORWARD(int, dwarf_lineno, (Dwarf_Line *line, int *linep), (line, linep))
FORWARD(const char *, dwarf_linesrc, (Dwarf_Line *line, Dwarf_Word *mtime, Dwarf_Word *length), (line, mtime, length))
FORWARD(int, dwarf_siblingof, (Dwarf_Die *die, Dwarf_Die *result), (die, result))
FORWARD(int, dwarf_tag, (Dwarf_Die *die), (die))

FORWARD(Dwfl *, dwfl_begin, (const Dwfl_Callbacks *callbacks), (callbacks))
void dwfl_end(Dwfl *dwfl) {
  static void (*real)(Dwfl *);
  void (*f)(Dwfl *) = __atomic_load_n(&real, __ATOMIC_RELAXED);
  if (!f) {
    f = (void (*)(Dwfl *))realFunction("dwfl_end");
    __atomic_store_n(&real, f, __ATOMIC_RELAXED);
  }
  f(dwfl);
}
FORWARD(const char *, dwfl_version, (Dwfl *dwfl), (dwfl))
FORWARD(Dwfl_Module *, dwfl_report_offline, (Dwfl *dwfl, const char *name, const char *file_name, int fd),
        (dwfl, name, file_name, fd))
FORWARD(int, dwfl_report_end,
        (Dwfl *dwfl, int (*removed)(Dwfl_Module *, void *, const char *, Dwarf_Addr, void *arg), void *arg),
        (dwfl, removed, arg))
FORWARD(Dwarf *, dwfl_module_getdwarf, (Dwfl_Module *mod, Dwarf_Addr *bias), (mod, bias))
FORWARD(Elf *, dwfl_module_getelf, (Dwfl_Module *mod, GElf_Addr *bias), (mod, bias))
FORWARD(Dwarf_CFI *, dwfl_module_dwarf_cfi, (Dwfl_Module *mod, Dwarf_Addr *bias), (mod, bias))
FORWARD(Dwarf_CFI *, dwfl_module_eh_cfi, (Dwfl_Module *mod, Dwarf_Addr *bias), (mod, bias))
FORWARD(Dwfl_Line *, dwfl_module_getsrc, (Dwfl_Module *mod, Dwarf_Addr addr), (mod, addr))
FORWARD(const char *, dwfl_lineinfo,
        (Dwfl_Line *line, Dwarf_Addr *addr, int *linep, int *colp, Dwarf_Word *mtime, Dwarf_Word *length),
        (line, addr, linep, colp, mtime, length))
FORWARD(int, dwfl_build_id_find_elf,
        (Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base, char **file_name, Elf **elfp),
        (mod, userdata, modname, base, file_name, elfp))
FORWARD(int, dwfl_offline_section_address,
        (Dwfl_Module *mod, void **userdata, const char *modname, Dwarf_Addr base, const char *secname,
         GElf_Word shndx, const GElf_Shdr *shdr, Dwarf_Addr *addr),
        (mod, userdata, modname, base, secname, shndx, shdr, addr))

FORWARD(Elf_Data *, elf_getdata, (Elf_Scn *scn, Elf_Data *data), (scn, data))
FORWARD(Elf_Scn *, elf_getscn, (Elf *elf, size_t index), (elf, index))
FORWARD(size_t, elf_ndxscn, (Elf_Scn *scn), (scn))
FORWARD(Elf_Scn *, elf_nextscn, (Elf *elf, Elf_Scn *scn), (elf, scn))
FORWARD(GElf_Shdr *, gelf_getshdr, (Elf_Scn *scn, GElf_Shdr *dst), (scn, dst))
