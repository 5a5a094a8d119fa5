/* docker's --format: the subset of Go's text/template that docker users
   write, evaluated over a JSON tree (each object's fields are its members).
   Supported: text, {{.Field.Sub}}, {{.}}, {{json .X}}, {{index .M "k"}},
   {{join .L ","}}, {{lower}} {{upper}} {{title}} {{split}} {{len}}
   {{print}} {{println}} {{printf "%s"}} {{eq}} {{ne}} {{not}} {{and}} {{or}}
   {{truncate}}, pipelines with |, parentheses, {{if}}/{{else}}/{{end}},
   {{range}}/{{end}}, {{with}}, and {{- -}} trimming.  Values print as Go's
   fmt does: lists "[a b]", objects "map[k:v]". */
#ifndef DOCK_TEMPLATE_H
#define DOCK_TEMPLATE_H

#include "json.h"
#include "libberth/error.h"

typedef struct dock_template dock_template;

int dock_template_parse (const char *text, dock_template **out, berth_error **err);
/* Run the template on data; *out gets the text (malloc'd). */
int dock_template_exec (const dock_template *t, const oci_json *data, char **out, berth_error **err);
void dock_template_free (dock_template *t);
void dock_template_freep (dock_template **t);
#define cleanup_template __attribute__ ((cleanup (dock_template_freep)))

/* JSON as Go's encoding/json writes it: compact, with <, > and & escaped. */
char *dock_json_go (const oci_json *v);

#endif
