#include "config.h"

#include "archive_api.h"

#include <dlfcn.h>
#include <pthread.h>

static dock_archive_api api;
static const char *load_error;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void
load (void)
{
  void *h = dlopen (DOCK_LIBARCHIVE_SONAME, RTLD_NOW | RTLD_LOCAL);
  if (h == NULL)
    {
      load_error = dlerror ();
      return;
    }
#define DOCK_ARCHIVE_LOAD(ret, name, args)                                                                          \
  if ((api.name = (ret (*) args) dlsym (h, #name)) == NULL)                                                          \
    {                                                                                                                \
      load_error = "symbol " #name " missing";                                                                       \
      return;                                                                                                        \
    }
  DOCK_ARCHIVE_FUNCS (DOCK_ARCHIVE_LOAD)
#undef DOCK_ARCHIVE_LOAD
}

const dock_archive_api *
dock_archive_api_get (berth_error **err)
{
  pthread_once (&once, load);
  if (load_error)
    {
      berth_fail (err, 0, "load %s (install libarchive13): %s", DOCK_LIBARCHIVE_SONAME, load_error);
      return NULL;
    }
  return &api;
}
