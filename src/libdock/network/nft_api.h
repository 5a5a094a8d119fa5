/* libnftables, opened with dlopen on first use: only the commands that
   change NAT rules (run/create/rm with ports, network create/rm) load it
   and its parser; every other dock command starts without it. */
#ifndef DOCK_NETWORK_NFT_API_H
#define DOCK_NETWORK_NFT_API_H

#include <nftables/libnftables.h>

#include "libberth/error.h"

#define DOCK_NFT_FUNCS(X)                                                                                            \
  X (struct nft_ctx *, nft_ctx_new, (uint32_t))                                                                      \
  X (void, nft_ctx_free, (struct nft_ctx *))                                                                         \
  X (int, nft_ctx_buffer_output, (struct nft_ctx *))                                                                 \
  X (const char *, nft_ctx_get_output_buffer, (struct nft_ctx *))                                                   \
  X (int, nft_ctx_buffer_error, (struct nft_ctx *))                                                                  \
  X (const char *, nft_ctx_get_error_buffer, (struct nft_ctx *))                                                    \
  X (void, nft_ctx_output_set_flags, (struct nft_ctx *, unsigned int))                                              \
  X (int, nft_run_cmd_from_buffer, (struct nft_ctx *, const char *))

typedef struct
{
#define DOCK_NFT_FIELD(ret, name, args) ret (*name) args;
  DOCK_NFT_FUNCS (DOCK_NFT_FIELD)
#undef DOCK_NFT_FIELD
} dock_nft_api;

/* The table, loaded once (thread-safe); NULL with an error naming the
   package when libnftables cannot be loaded. */
const dock_nft_api *dock_nft_api_get (berth_error **err);

#endif
