/* Container records in the store's database (table "containers") and their
   directories <root>/containers/<id> (diff and work for the rootfs,
   config.json, hostname, hosts, resolv.conf).

   A directory is prepared under <root>/tmp and renamed into containers/ by
   the transaction that inserts the record, so a SIGKILL at any point leaves
   either nothing, a tmp/ leftover, or a directory without a record; the
   next dock that finds itself alone on the store removes both kinds
   (dock_containers_clean).  Names are UNIQUE in the table: of two docks
   creating one name at once, the second's insert fails and it reports
   docker's conflict. */
#ifndef DOCK_STORE_CONTAINERS_H
#define DOCK_STORE_CONTAINERS_H

#include <stdbool.h>
#include <stdint.h>

#include "store.h"

typedef struct
{
  char *id;          /* 64 hex digits */
  char *name;        /* without docker's leading '/' */
  char *image_id;    /* "sha256:..." */
  char *image_ref;   /* what the user typed: Config.Image */
  int64_t created;   /* nanoseconds since the epoch */
  char *driver;      /* "overlay2" or "vfs" */
  char *lowers;      /* JSON array of the image's layer dirs, bottom first */
  char *config;      /* docker's Config (JSON) */
  char *host_config; /* docker's HostConfig (JSON) */
  char *path;        /* the process's first argument */
  char *args;        /* JSON array of the rest */
  char *state;       /* created running paused restarting exited dead removing */
  int64_t pid, exit_code;
  char *error, *started_at, *finished_at;
  bool oom_killed;
} dock_container;

void dock_container_clear (dock_container *c);
void dock_container_list_free (dock_container *c, size_t n);

/* 64 random hex digits, not all digits (docker's rule: an ID must not
   parse as a number). */
void dock_container_new_id (char id[65]);
/* docker-style "adjective_surname" (dock's own word lists). */
char *dock_container_random_name (void);
/* docker's name grammar: [a-zA-Z0-9][a-zA-Z0-9_.-]+ (a leading '/' dropped). */
int dock_container_name_check (const char *name, berth_error **err);

/* The container directory's path, malloc'd. */
char *dock_container_dir (dock_store *s, const char *id);
/* A fresh directory under tmp/ to prepare a container in; path malloc'd. */
int dock_container_stage (dock_store *s, char **path, berth_error **err);

/* Insert c (state "created") and move staged (from dock_container_stage)
   to containers/<id>, in one transaction.  With c->name NULL a random name
   is chosen.  A name in use: docker's conflict message, kind BERTH_ERR_EXISTS. */
int dock_container_insert (dock_store *s, dock_container *c, const char *staged, berth_error **err);

/* Every container, newest first. */
int dock_container_list (dock_store *s, dock_container **out, size_t *n, berth_error **err);
/* docker's lookup: full id, exact name (with or without '/'), then a
   unique id prefix.  0 found, 1 not found, -1 error (ambiguous prefix:
   docker's "multiple IDs found with provided prefix"). */
int dock_container_lookup (dock_store *s, const char *word, dock_container *out, berth_error **err);
/* As lookup, not found an error: "No such container: <word>" (kind
   BERTH_ERR_NOT_FOUND). */
int dock_container_find (dock_store *s, const char *word, dock_container *out, berth_error **err);

/* Remove the record, then the directory (renamed to tmp/ first so that it
   vanishes at once). */
int dock_container_delete (dock_store *s, const char *id, berth_error **err);
int dock_container_rename (dock_store *s, const char *id, const char *new_name, berth_error **err);

/* A container using the image (its id malloc'd, state in *state), or NULL. */
char *dock_image_user (dock_store *s, const char *image_id, char **state, berth_error **err);

/* Bytes written to a container's upper dir (ps -s, inspect --size). */
int64_t dock_container_rw_size (dock_store *s, const char *id);

/* Store-internal: schema and leftovers (called by dock_store_open). */
int dock_containers_schema (dock_store *s, berth_error **err);
int dock_containers_clean (dock_store *s, berth_error **err);

#endif
