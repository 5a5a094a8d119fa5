/* dock's command surface: docker's command tree, names, synopses and flags
   (docker's wording for the help where it has one). */
#include "config.h"

#include "cli.h"

#include <stddef.h>

#define END { NULL, 0, NULL, NULL, false, NULL }
#define FORMAT_HELP "Format output using a custom template: 'table', 'table TEMPLATE', 'json' or a Go template"

const cli_opt cli_global_opts[] = {
  { "config", 0, "string", "Location of client config files", false, "~/.docker" },
  { "debug", 'D', NULL, "Enable debug mode", false, NULL },
  { "log-level", 'l', "string", "Set the logging level (\"debug\", \"info\", \"warn\", \"error\", \"fatal\")", false,
    "info" },
  { "root", 0, "string", "Root of the image store (overrides data-root)", false, "/var/lib/dock" },
  { "daemon-config", 0, "string", "daemon.json to read (also $DOCK_DAEMON_JSON)", false, "/etc/dock/daemon.json" },
  { "version", 'v', NULL, "Print version information and quit", false, NULL },
  END,
};

static const cli_opt images_opts[] = {
  { "all", 'a', NULL, "Show all images (default hides intermediate images)", false, NULL },
  { "digests", 0, NULL, "Show digests", false, NULL },
  { "filter", 'f', "filter", "Filter output based on conditions provided", true, NULL },
  { "format", 0, "string", FORMAT_HELP, false, NULL },
  { "no-trunc", 0, NULL, "Don't truncate output", false, NULL },
  { "quiet", 'q', NULL, "Only show image IDs", false, NULL },
  END,
};

static const cli_opt no_opts[] = { END };

static const cli_opt rmi_opts[] = {
  { "force", 'f', NULL, "Force removal of the image", false, NULL },
  { "no-prune", 0, NULL, "Do not delete untagged parents", false, NULL },
  END,
};

static const cli_opt prune_opts[] = {
  { "all", 'a', NULL, "Remove all unused images, not just dangling ones", false, NULL },
  { "filter", 0, "filter", "Provide filter values (e.g. \"until=<timestamp>\", \"label=<key>=<value>\")", true,
    NULL },
  { "force", 'f', NULL, "Do not prompt for confirmation", false, NULL },
  END,
};

static const cli_opt image_inspect_opts[] = {
  { "format", 'f', "string", FORMAT_HELP, false, NULL },
  END,
};

static const cli_opt inspect_opts[] = {
  { "format", 'f', "string", FORMAT_HELP, false, NULL },
  { "size", 's', NULL, "Display total file sizes if the type is container", false, NULL },
  { "type", 0, "string", "Return JSON for specified type (only \"image\" so far)", false, NULL },
  END,
};

static const cli_opt history_opts[] = {
  { "format", 0, "string", FORMAT_HELP, false, NULL },
  { "human", 'H', NULL, "Print sizes and dates in human readable format", false, "true" },
  { "no-trunc", 0, NULL, "Don't truncate output", false, NULL },
  { "quiet", 'q', NULL, "Only show image IDs", false, NULL },
  END,
};

static const cli_opt import_opts[] = {
  { "change", 'c', "list", "Apply Dockerfile instruction to the created image", true, NULL },
  { "message", 'm', "string", "Set commit message for imported image", false, NULL },
  { "platform", 0, "string", "Set platform (os/arch) of the imported image", false, NULL },
  END,
};

static const cli_opt save_opts[] = {
  { "output", 'o', "string", "Write to a file, instead of STDOUT", false, NULL },
  { "format", 0, "string", "Archive format: docker-archive (docker save's, with OCI layout) or oci-archive", false,
    "docker-archive" },
  END,
};

static const cli_opt load_opts[] = {
  { "input", 'i', "string", "Read from tar archive file, instead of STDIN", false, NULL },
  { "quiet", 'q', NULL, "Suppress the load output", false, NULL },
  END,
};

static const cli_opt df_opts[] = {
  { "format", 0, "string", FORMAT_HELP, false, NULL },
  { "verbose", 'v', NULL, "Show detailed information on space usage", false, NULL },
  END,
};

static const cli_opt pull_opts[] = {
  { "all-tags", 'a', NULL, "Download all tagged images in the repository", false, NULL },
  { "disable-content-trust", 0, NULL, "Skip image verification (dock never verifies signatures)", false, "true" },
  { "platform", 0, "string", "Set platform if server is multi-platform capable", false, NULL },
  { "quiet", 'q', NULL, "Suppress verbose output", false, NULL },
  { "tls-verify", 0, NULL, "Require HTTPS and verify certificates (dock; --tls-verify=false: plain HTTP or unverified TLS)",
    false, NULL },
  END,
};

static const cli_opt push_opts[] = {
  { "all-tags", 'a', NULL, "Push all tags of an image to the repository", false, NULL },
  { "chunk-size", 0, "bytes", "Upload blobs larger than this in chunks of this size; 0: always in one request (dock)",
    false, "67108864" },
  { "disable-content-trust", 0, NULL, "Skip image signing (dock never signs)", false, "true" },
  { "quiet", 'q', NULL, "Suppress verbose output", false, NULL },
  { "tls-verify", 0, NULL, "Require HTTPS and verify certificates (dock; --tls-verify=false: plain HTTP or unverified TLS)",
    false, NULL },
  END,
};

static const cli_opt search_opts[] = {
  { "filter", 'f', "filter", "Filter output based on conditions provided", true, NULL },
  { "format", 0, "string", "Pretty-print search using a Go template", false, NULL },
  { "limit", 0, "int", "Max number of search results", false, "25" },
  { "no-trunc", 0, NULL, "Don't truncate output", false, NULL },
  { "tls-verify", 0, NULL, "Require HTTPS and verify certificates (dock)", false, NULL },
  END,
};

static const cli_opt login_opts[] = {
  { "password", 'p', "string", "Password", false, NULL },
  { "password-stdin", 0, NULL, "Take the password from stdin", false, NULL },
  { "username", 'u', "string", "Username", false, NULL },
  { "tls-verify", 0, NULL, "Require HTTPS and verify certificates (dock)", false, NULL },
  END,
};

const cli_group cli_groups[] = {
  { "container", "Manage containers" },
  { "image", "Manage images" },
  { "system", "Manage Docker" },
  { NULL, NULL },
};

/* Sorted as docker's help lists them: groups' subcommands, then top-level. */
const cli_cmd cli_commands[] = {
  /* run and create share docker's flag table (libdock/runtime/flags.c). */
  { "container", "create", "IMAGE [COMMAND] [ARG...]", "Create a new container", dock_run_flags, 1, -1, cmd_create,
    true, .stop_at_args = true, .hide_run_only = true },
  { "container", "run", "IMAGE [COMMAND] [ARG...]", "Create and run a new container from an image", dock_run_flags,
    1, -1, cmd_run, true, .stop_at_args = true },
  { "image", "history", "IMAGE", "Show the history of an image", history_opts, 1, 1, cmd_history,
    true },
  { "image", "import", "file|URL|- [REPOSITORY[:TAG]]",
    "Import the contents from a tarball to create a filesystem image", import_opts, 1, 2, cmd_import, true },
  { "image", "inspect", "IMAGE [IMAGE...]", "Display detailed information on one or more images",
    image_inspect_opts, 1, -1, cmd_image_inspect, true },
  { "image", "load", "", "Load an image from a tar archive or STDIN", load_opts, 0, 0, cmd_load, true },
  { "image", "ls", "[REPOSITORY[:TAG]]", "List images", images_opts, 0, 1, cmd_images, true },
  { "image", "prune", "", "Remove unused images", prune_opts, 0, 0, cmd_image_prune, true },
  { "image", "rm", "IMAGE [IMAGE...]", "Remove one or more images", rmi_opts, 1, -1, cmd_rmi,
    true },
  { "image", "save", "IMAGE [IMAGE...]",
    "Save one or more images to a tar archive (streamed to STDOUT by default)", save_opts, 1, -1, cmd_save, true },
  { "image", "tag", "SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]",
    "Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE", no_opts, 2, 2, cmd_tag, true },
  { "system", "df", "", "Show docker disk usage", df_opts, 0, 0, cmd_system_df, true },
  { NULL, "inspect", "NAME|ID [NAME|ID...]", "Return low-level information on Docker objects", inspect_opts, 1, -1,
    cmd_inspect, true },
  /* Registry commands. */
  { "image", "pull", "NAME[:TAG|@DIGEST]", "Download an image from a registry", pull_opts, 1, 1, cmd_pull, true },
  { "image", "push", "NAME[:TAG]", "Upload an image to a registry", push_opts, 1, 1, cmd_push, true },
  { NULL, "search", "TERM", "Search the registry for images (its catalog)", search_opts, 1, 1, cmd_search, false },
  { NULL, "login", "[SERVER]",
    "Log in to a registry", login_opts, 0, 1,
    cmd_login, false },
  { NULL, "logout", "[SERVER]",
    "Log out from a registry", no_opts, 0, 1,
    cmd_logout, false },
  { NULL, NULL, NULL, NULL, NULL, 0, 0, NULL, false },
};

/* Other spellings docker accepts for the commands above. */
const cli_alias cli_aliases[] = {
  { NULL, "create", "container", "create" },
  { NULL, "run", "container", "run" },
  { NULL, "history", "image", "history" },
  { NULL, "images", "image", "ls" },
  { "image", "list", "image", "ls" },
  { NULL, "import", "image", "import" },
  { NULL, "load", "image", "load" },
  { NULL, "pull", "image", "pull" },
  { NULL, "push", "image", "push" },
  { NULL, "rmi", "image", "rm" },
  { "image", "remove", "image", "rm" },
  { NULL, "save", "image", "save" },
  { NULL, "tag", "image", "tag" },
  { NULL, NULL, NULL, NULL },
};
