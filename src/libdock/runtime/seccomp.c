/* Seccomp profiles in docker's format (the embedded default, or the file of
   --security-opt seccomp=FILE) turned into the OCI form for one container:
   rules whose "includes" the container does not meet (a capability it
   lacks, a kernel older than minKernel) and rules whose "excludes" it
   meets are left out, as moby does; "archMap" becomes the host's
   architecture and its sub-architectures. */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>

#include "spec.h"
#include "libberth/util.h"

/* The profile, embedded at build time (DOCK_SECCOMP_JSON is its path). */
__asm__ (".section .rodata\n"
         ".global dock_seccomp_default_json\n"
         ".type dock_seccomp_default_json, @object\n"
         "dock_seccomp_default_json:\n"
         ".incbin \"" DOCK_SECCOMP_JSON "\"\n"
         ".byte 0\n"
         ".size dock_seccomp_default_json, . - dock_seccomp_default_json\n"
         ".section .note.GNU-stack,\"\",@progbits\n"
         ".text\n");

static const char *
str (const oci_json *obj, const char *key)
{
  const oci_json *v = obj ? oci_json_get (obj, key) : NULL;
  return v && v->kind == OCI_JSON_STRING ? v->text : NULL;
}

static bool
has_cap (char *const *caps, const char *cap)
{
  for (size_t i = 0; caps && caps[i]; i++)
    if (strcmp (caps[i], cap) == 0)
      return true;
  return false;
}

/* "4.8" <= the running kernel's release. */
static bool
kernel_at_least (const char *want)
{
  struct utsname u;
  if (uname (&u) < 0)
    return false;
  unsigned a = 0, b = 0, x = 0, y = 0;
  sscanf (want, "%u.%u", &a, &b);
  sscanf (u.release, "%u.%u", &x, &y);
  return x > a || (x == a && y >= b);
}

static bool
rule_applies (const oci_json *rule, char *const *caps)
{
  const oci_json *inc = oci_json_get (rule, "includes"), *exc = oci_json_get (rule, "excludes");
  const oci_json *c = inc ? oci_json_get (inc, "caps") : NULL;
  for (size_t i = 0; c && c->kind == OCI_JSON_ARRAY && i < c->len; i++)
    if (c->items[i]->kind == OCI_JSON_STRING && !has_cap (caps, c->items[i]->text))
      return false;
  const char *mk = str (inc, "minKernel");
  if (mk && !kernel_at_least (mk))
    return false;
  c = exc ? oci_json_get (exc, "caps") : NULL;
  for (size_t i = 0; c && c->kind == OCI_JSON_ARRAY && i < c->len; i++)
    if (c->items[i]->kind == OCI_JSON_STRING && has_cap (caps, c->items[i]->text))
      return false;
  return true;
}

static bool
number (const oci_json *obj, const char *key, uint64_t *out)
{
  const oci_json *v = oci_json_get (obj, key);
  if (v == NULL || v->kind != OCI_JSON_NUMBER)
    return false;
  errno = 0;
  char *end;
  *out = strtoull (v->text, &end, 10);
  return errno == 0 && *end == '\0';
}

static int
add_rule (oci_seccomp *sec, const oci_json *rule, berth_error **err)
{
  const char *action = str (rule, "action");
  if (action == NULL)
    return berth_fail (err, 0, "a syscall rule without \"action\"");
  oci_syscall *sc = oci_syscall_new ();
  sc->action = xstrdup (action);
  const oci_json *names = oci_json_get (rule, "names");
  for (size_t i = 0; names && names->kind == OCI_JSON_ARRAY && i < names->len; i++)
    if (names->items[i]->kind == OCI_JSON_STRING)
      oci_strv_append (&sc->names, &sc->names_len, names->items[i]->text);
  if (str (rule, "name")) /* docker's older one-name form */
    oci_strv_append (&sc->names, &sc->names_len, str (rule, "name"));
  uint64_t e;
  if (number (rule, "errnoRet", &e))
    {
      sc->errno_ret = (uint32_t) e;
      sc->errno_ret_present = true;
    }
  const oci_json *args = oci_json_get (rule, "args");
  for (size_t i = 0; args && args->kind == OCI_JSON_ARRAY && i < args->len; i++)
    {
      const oci_json *a = args->items[i];
      oci_syscall_arg *arg = oci_syscall_arg_new ();
      uint64_t idx = 0;
      number (a, "index", &idx);
      arg->index = (uint32_t) idx;
      arg->index_present = true;
      arg->value_present = number (a, "value", &arg->value);
      arg->value_two_present = number (a, "valueTwo", &arg->value_two);
      arg->op = xstrdup (str (a, "op") ? str (a, "op") : "SCMP_CMP_EQ");
      sc->args = xrealloc (sc->args, (sc->args_len + 1) * sizeof *sc->args);
      sc->args[sc->args_len++] = arg;
    }
  if (sc->names_len == 0)
    {
      oci_syscall_free (sc);
      return 0;
    }
  sec->syscalls = xrealloc (sec->syscalls, (sec->syscalls_len + 1) * sizeof *sec->syscalls);
  sec->syscalls[sec->syscalls_len++] = sc;
  return 0;
}

/* The host's seccomp architecture name. */
static const char *
host_arch (void)
{
#if defined(__x86_64__)
  return "SCMP_ARCH_X86_64";
#elif defined(__aarch64__)
  return "SCMP_ARCH_AARCH64";
#elif defined(__i386__)
  return "SCMP_ARCH_X86";
#else
  return NULL;
#endif
}

static void
add_arches (oci_seccomp *sec, const oci_json *profile)
{
  const oci_json *plain = oci_json_get (profile, "architectures");
  for (size_t i = 0; plain && plain->kind == OCI_JSON_ARRAY && i < plain->len; i++)
    if (plain->items[i]->kind == OCI_JSON_STRING)
      oci_strv_append (&sec->architectures, &sec->architectures_len, plain->items[i]->text);
  const oci_json *map = oci_json_get (profile, "archMap");
  const char *arch = host_arch ();
  for (size_t i = 0; arch && map && map->kind == OCI_JSON_ARRAY && i < map->len; i++)
    {
      const char *a = str (map->items[i], "architecture");
      if (a == NULL || strcmp (a, arch) != 0)
        continue;
      oci_strv_append (&sec->architectures, &sec->architectures_len, a);
      const oci_json *subs = oci_json_get (map->items[i], "subArchitectures");
      for (size_t j = 0; subs && subs->kind == OCI_JSON_ARRAY && j < subs->len; j++)
        if (subs->items[j]->kind == OCI_JSON_STRING)
          oci_strv_append (&sec->architectures, &sec->architectures_len, subs->items[j]->text);
    }
}

int
dock_seccomp_from_profile (const char *json, size_t len, char *const *caps, oci_seccomp **out, berth_error **err)
{
  if (json == NULL)
    {
      json = dock_seccomp_default_json;
      len = strlen (json);
    }
  char *perr = NULL;
  oci_json *profile = oci_json_parse (json, len, &perr);
  if (profile == NULL)
    {
      berth_fail (err, 0, "decoding seccomp profile failed: %s", perr ? perr : "invalid JSON");
      free (perr);
      return -1;
    }
  if (profile->kind != OCI_JSON_OBJECT || str (profile, "defaultAction") == NULL)
    {
      oci_json_free (profile);
      return berth_fail (err, 0, "decoding seccomp profile failed: no \"defaultAction\"");
    }
  oci_seccomp *sec = oci_seccomp_new ();
  sec->default_action = xstrdup (str (profile, "defaultAction"));
  uint64_t e;
  if (number (profile, "defaultErrnoRet", &e))
    {
      sec->default_errno_ret = (uint32_t) e;
      sec->default_errno_ret_present = true;
    }
  add_arches (sec, profile);
  const oci_json *rules = oci_json_get (profile, "syscalls");
  for (size_t i = 0; rules && rules->kind == OCI_JSON_ARRAY && i < rules->len; i++)
    if (rules->items[i]->kind == OCI_JSON_OBJECT && rule_applies (rules->items[i], caps)
        && add_rule (sec, rules->items[i], err) < 0)
      {
        oci_seccomp_free (sec);
        oci_json_free (profile);
        return berth_error_wrap (err, "decoding seccomp profile failed");
      }
  oci_json_free (profile);
  *out = sec;
  return 0;
}
