#include "config.h"

#include "seccomp_lib.h"

#include "util.h"

#include <dlfcn.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#define LIBSECCOMP_SONAME "libseccomp.so.2"

berth_libseccomp berth_scmp;

/* Each pointer of berth_scmp and the libseccomp symbol that fills it. */
#define SCMP_SYM(field) { "seccomp_" #field, offsetof (berth_libseccomp, field) }
static const struct
{
  const char *name;
  size_t offset;
} scmp_syms[] = {
  SCMP_SYM (version),
  SCMP_SYM (init),
  SCMP_SYM (release),
  SCMP_SYM (arch_add),
  SCMP_SYM (arch_exist),
  SCMP_SYM (arch_native),
  SCMP_SYM (arch_resolve_name),
  SCMP_SYM (syscall_resolve_name),
  SCMP_SYM (syscall_resolve_name_arch),
  SCMP_SYM (rule_add_array),
  SCMP_SYM (export_bpf),
};

int
berth_libseccomp_open (berth_error **err)
{
  static bool loaded;
  if (loaded)
    return 0;
  void *lib = dlopen (LIBSECCOMP_SONAME, RTLD_NOW | RTLD_LOCAL);
  if (lib == NULL)
    return berth_fail (err, 0, "linux.seccomp: cannot load %s: %s", LIBSECCOMP_SONAME, dlerror ());
  berth_libseccomp l;
  for (size_t i = 0; i < ARRAY_SIZE (scmp_syms); i++)
    {
      void *sym = dlsym (lib, scmp_syms[i].name);
      if (sym == NULL)
        {
          dlclose (lib);
          return berth_fail (err, 0, "linux.seccomp: %s has no %s", LIBSECCOMP_SONAME, scmp_syms[i].name);
        }
      *(void **) ((char *) &l + scmp_syms[i].offset) = sym;
    }
  berth_scmp = l;
  loaded = true;
  return 0;
}

const char *
berth_seccomp_version (berth_error **err)
{
  static char version[48];
  if (berth_libseccomp_open (err) < 0)
    return NULL;
  const struct scmp_version *v = berth_scmp.version ();
  snprintf (version, sizeof version, "%u.%u.%u", v->major, v->minor, v->micro);
  return version;
}
