/* What the metadata instructions do to an image config: ENV LABEL CMD
   ENTRYPOINT EXPOSE VOLUME WORKDIR USER STOPSIGNAL HEALTHCHECK ONBUILD
   SHELL ARG MAINTAINER, with docker's rules (shell form wrapped in the
   stage's SHELL, ENTRYPOINT clearing an inherited CMD, WORKDIR relative to
   the previous one, EXPOSE ranges and default tcp, ...).  The builder calls
   it for every such instruction; RUN/COPY/ADD/FROM are its own. */
#ifndef DOCK_BUILD_METADATA_H
#define DOCK_BUILD_METADATA_H

#include <stdbool.h>

#include "buildenv.h"
#include "dockerfile.h"
#include "image_spec.h"

typedef struct
{
  bool cmd_set; /* CMD was given in this stage (ENTRYPOINT keeps it then) */
} dock_stage_state;

/* true for the instructions dock_apply_metadata handles. */
bool dock_is_metadata_instr (const dock_df_instr *in);
/* Apply in to img (img->config is created when missing); e gives the
   variables and receives ENV and ARG. */
int dock_apply_metadata (dock_build_env *e, dock_stage_state *st, oci_image_config *img, const dock_df_instr *in,
                         berth_error **err);
/* The command of a shell-form RUN/CMD/ENTRYPOINT: the config's Shell (or
   /bin/sh -c) followed by the text.  NULL-terminated; *n its length. */
char **dock_shell_form (const oci_image_exec_config *cfg, const char *text, size_t *n);
/* STOPSIGNAL's check: a number, or a name with or without SIG. */
bool dock_valid_signal (const char *s);

#endif
