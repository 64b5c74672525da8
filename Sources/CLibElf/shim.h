// CLibElf: libelf (elfutils) as seen from Swift.
// gelf.h defines its field accessors as function-like macros, which Swift does not
// import; these inline functions give them names Swift can call.
#ifndef UNWINDCHECK_CLIBELF_SHIM_H
#define UNWINDCHECK_CLIBELF_SHIM_H
#include <gelf.h>
#include <libelf.h>
#include <elf.h>

static inline unsigned long long uc_elf64_r_sym(unsigned long long info) { return ELF64_R_SYM(info); }
static inline unsigned long long uc_elf64_r_type(unsigned long long info) { return ELF64_R_TYPE(info); }
static inline unsigned long long uc_elf64_r_info(unsigned long long sym, unsigned long long type) {
  return ELF64_R_INFO(sym, type);
}
static inline unsigned char uc_elf64_st_type(unsigned char info) { return ELF64_ST_TYPE(info); }
static inline unsigned char uc_elf64_st_bind(unsigned char info) { return ELF64_ST_BIND(info); }
static inline unsigned char uc_elf64_st_visibility(unsigned char other) { return ELF64_ST_VISIBILITY(other); }

#endif
