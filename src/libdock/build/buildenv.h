/* The variables a Dockerfile sees, with docker's scoping rules:
 *   - --build-arg values override ARG defaults; an ARG never declared does
 *     not exist (docker warns that such build-args "were not consumed");
 *   - ARGs before the first FROM (global) are visible only in FROM lines,
 *     and in a stage once redeclared there with "ARG NAME";
 *   - each FROM starts a stage: the base image's Env, no stage ARGs;
 *   - ENV wins over an ARG of the same name in expansions and in RUN;
 *   - the predefined proxy args (HTTP_PROXY http_proxy HTTPS_PROXY ...
 *     FTP_PROXY NO_PROXY ALL_PROXY) reach RUN without an ARG when given
 *     with --build-arg, and stay out of the history unless declared;
 *   - the automatic platform args (TARGETPLATFORM BUILDARCH ...) are set in
 *     the global scope, and in a stage when declared there.
 */
#ifndef DOCK_BUILD_BUILDENV_H
#define DOCK_BUILD_BUILDENV_H

#include <stdbool.h>
#include <stddef.h>

#include "dockerfile.h"
#include "expand.h"

typedef struct dock_build_env dock_build_env;

dock_build_env *dock_build_env_new (char escape);
void dock_build_env_free (dock_build_env *e);
static inline void dock_build_env_freep (dock_build_env **e) { dock_build_env_free (*e); }
#define cleanup_build_env __attribute__ ((cleanup (dock_build_env_freep)))

/* --build-arg "NAME=VALUE", or "NAME" alone: the value of NAME in this
   process's environment (ignored when that is unset, as docker does). */
void dock_build_env_set_build_arg (dock_build_env *e, const char *spec);
/* An automatic arg (TARGETPLATFORM=linux/amd64 ...). */
void dock_build_env_set_automatic (dock_build_env *e, const char *name, const char *value);
/* Sets every automatic platform arg from two "os/arch[/variant]" strings. */
void dock_build_env_set_platforms (dock_build_env *e, const char *build, const char *target);
/* The ARG instruction before the first FROM, or inside a stage: each kv
   (default expanded first). */
int dock_build_env_arg (dock_build_env *e, const dock_df_instr *arg, berth_error **err);
/* FROM: a new stage whose Env is the base image's (NAME=VALUE strings). */
void dock_build_env_begin_stage (dock_build_env *e, char *const *image_env, size_t n);
/* ENV: every pair expanded with the environment from before this line,
   then set in order ("ENV A=2 B=$A" gives B the old A, as docker does);
   a name set again moves to the end of Env (buildkit's order). */
int dock_build_env_env (dock_build_env *e, const dock_df_instr *env, berth_error **err);
void dock_build_env_set_env (dock_build_env *e, const char *name, const char *value);

/* Expansion options for the current scope (global scope before the first
   FROM and for FROM lines themselves when in_from). */
dock_expand_opts dock_build_env_opts (dock_build_env *e, bool in_from);
/* The value a name has in the current scope, or NULL. */
const char *dock_build_env_get (dock_build_env *e, const char *name);

/* The stage's Env for the image config ("NAME=VALUE", NULL-terminated). */
char **dock_build_env_image_env (dock_build_env *e, size_t *n);
/* The environment of a RUN: Env, then declared ARGs with a value that Env
   does not set, then the undeclared proxy build-args. */
char **dock_build_env_run_env (dock_build_env *e, size_t *n);
/* docker's history prefix for a RUN that sees build args: "|2 A=1 B=2 "
   (declared ARGs with a value not shadowed by ENV, sorted; proxy args only
   when declared; "" when none). */
char *dock_build_env_history_prefix (dock_build_env *e);
/* --build-arg names no ARG declared, sorted (docker's warning). */
char **dock_build_env_unused (dock_build_env *e, size_t *n);

#endif
