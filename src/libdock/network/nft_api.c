#include "config.h"

#include "nft_api.h"

#include <dlfcn.h>
#include <pthread.h>

static dock_nft_api api;
static const char *load_error;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void
load (void)
{
  void *h = dlopen (DOCK_NFTABLES_SONAME, RTLD_NOW | RTLD_LOCAL);
  if (h == NULL)
    {
      load_error = dlerror ();
      return;
    }
#define DOCK_NFT_LOAD(ret, name, args)                                                                               \
  if ((api.name = (ret (*) args) dlsym (h, #name)) == NULL)                                                          \
    {                                                                                                                \
      load_error = "symbol " #name " missing";                                                                       \
      return;                                                                                                        \
    }
  DOCK_NFT_FUNCS (DOCK_NFT_LOAD)
#undef DOCK_NFT_LOAD
}

const dock_nft_api *
dock_nft_api_get (berth_error **err)
{
  pthread_once (&once, load);
  if (load_error)
    {
      berth_fail (err, 0, "load %s (install libnftables1): %s", DOCK_NFTABLES_SONAME, load_error);
      return NULL;
    }
  return &api;
}
