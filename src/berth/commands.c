/* The runc-compatible command surface: names, synopses and options. */
#include "config.h"

#include "cli.h"

#include <stddef.h>

#define END { NULL, 0, NULL, NULL, false }

static const cli_opt create_opts[] = {
  { "bundle", 'b', "DIR", "path to the bundle directory (default: the current directory)", false },
  { "console-socket", 0, "PATH", "AF_UNIX socket that receives the pty master when process.terminal is set", false },
  { "pid-file", 0, "PATH", "write the container's init pid to PATH", false },
  { "no-pivot", 0, NULL, "use chroot instead of pivot_root (for a rootfs on a ramdisk)", false },
  { "no-new-keyring", 0, NULL, "keep the caller's session keyring instead of creating a new one", false },
  { "preserve-fds", 0, "N", "pass N extra file descriptors (3 .. 3+N-1) to the container", false },
  END,
};

static const cli_opt run_opts[] = {
  { "bundle", 'b', "DIR", "path to the bundle directory (default: the current directory)", false },
  { "console-socket", 0, "PATH", "AF_UNIX socket that receives the pty master when process.terminal is set", false },
  { "pid-file", 0, "PATH", "write the container's init pid to PATH", false },
  { "no-pivot", 0, NULL, "use chroot instead of pivot_root (for a rootfs on a ramdisk)", false },
  { "no-new-keyring", 0, NULL, "keep the caller's session keyring instead of creating a new one", false },
  { "preserve-fds", 0, "N", "pass N extra file descriptors (3 .. 3+N-1) to the container", false },
  { "detach", 'd', NULL, "start the container and return without waiting for it", false },
  { "keep", 0, NULL, "do not delete the container after it exits", false },
  END,
};

static const cli_opt no_opts[] = { END };

static const cli_opt kill_opts[] = {
  { "all", 'a', NULL, "send the signal to every process in the container's cgroup", false },
  END,
};

static const cli_opt delete_opts[] = {
  { "force", 'f', NULL, "kill the container first if it is still running", false },
  END,
};

static const cli_opt list_opts[] = {
  { "format", 'f', "table|json", "output format (default: table)", false },
  { "quiet", 'q', NULL, "print only the container ids", false },
  END,
};

static const cli_opt ps_opts[] = {
  { "format", 'f', "table|json", "output format: table (ps output) or json (a list of pids)", false },
  END,
};

static const cli_opt exec_opts[] = {
  { "process", 'p', "FILE", "runtime-spec process JSON describing what to run", false },
  { "cwd", 0, "DIR", "working directory inside the container", false },
  { "env", 'e', "KEY=VALUE", "set an environment variable (repeatable)", true },
  { "user", 'u', "UID[:GID]", "run as this user", false },
  { "additional-gids", 'g', "GID", "add a supplementary group (repeatable)", true },
  { "cap", 'c', "CAP", "add a capability to the bounding, effective and permitted sets (repeatable)", true },
  { "no-new-privs", 0, NULL, "set no_new_privs for the process", false },
  { "apparmor", 0, "PROFILE", "AppArmor profile for the process", false },
  { "process-label", 0, "LABEL", "SELinux label for the process", false },
  { "tty", 't', NULL, "allocate a pseudo-terminal", false },
  { "console-socket", 0, "PATH", "AF_UNIX socket that receives the pty master", false },
  { "detach", 'd', NULL, "do not wait for the process", false },
  { "pid-file", 0, "PATH", "write the process pid to PATH", false },
  { "preserve-fds", 0, "N", "pass N extra file descriptors to the process", false },
  { "cgroup", 0, "[CONTROLLER:]PATH", "run in this sub-cgroup of the container (repeatable)", true },
  { "ignore-paused", 0, NULL, "exec even into a paused container (the process starts frozen)", false },
  END,
};

static const cli_opt update_opts[] = {
  { "resources", 'r', "FILE", "runtime-spec linux.resources JSON (- for stdin)", false },
  { "memory", 0, "BYTES", "memory limit", false },
  { "memory-reservation", 0, "BYTES", "memory soft limit", false },
  { "memory-swap", 0, "BYTES", "memory plus swap limit", false },
  { "kernel-memory", 0, "BYTES", "kernel memory limit (cgroup v1 only; ignored by recent kernels)", false },
  { "kernel-memory-tcp", 0, "BYTES", "kernel TCP buffer memory limit", false },
  { "cpu-shares", 0, "N", "relative CPU weight (v1 shares, converted to v2 weight)", false },
  { "cpu-quota", 0, "USEC", "CPU time per period", false },
  { "cpu-period", 0, "USEC", "CPU CFS period", false },
  { "cpu-burst", 0, "USEC", "CPU burst", false },
  { "cpu-rt-period", 0, "USEC", "realtime period", false },
  { "cpu-rt-runtime", 0, "USEC", "realtime runtime", false },
  { "cpu-idle", 0, "0|1", "SCHED_IDLE for the cgroup", false },
  { "cpuset-cpus", 0, "LIST", "CPUs the container may use", false },
  { "cpuset-mems", 0, "LIST", "memory nodes the container may use", false },
  { "pids-limit", 0, "N", "maximum number of tasks", false },
  { "blkio-weight", 0, "N", "relative block IO weight (10-1000)", false },
  { "l3-cache-schema", 0, "SCHEMA", "Intel RDT L3 cache schema", false },
  { "mem-bw-schema", 0, "SCHEMA", "Intel RDT memory bandwidth schema", false },
  END,
};

static const cli_opt events_opts[] = {
  { "stats", 0, NULL, "print the container's statistics once and exit", false },
  { "interval", 0, "DURATION", "interval between statistics (default 5s)", false },
  END,
};

static const cli_opt spec_opts[] = {
  { "bundle", 'b', "DIR", "directory to write config.json into (default: the current directory)", false },
  { "rootless", 0, NULL, "a configuration for a container started by an unprivileged user", false },
  END,
};

static const cli_opt checkpoint_opts[] = {
  { "image-path", 0, "DIR", "where to write the checkpoint image", false },
  { "work-path", 0, "DIR", "where to write logs and work files", false },
  { "leave-running", 0, NULL, "leave the container running after the checkpoint", false },
  { "tcp-established", 0, NULL, "allow open TCP connections", false },
  { "file-locks", 0, NULL, "handle file locks", false },
  END,
};

static const cli_opt restore_opts[] = {
  { "image-path", 0, "DIR", "where to read the checkpoint image from", false },
  { "work-path", 0, "DIR", "where to write logs and work files", false },
  { "bundle", 'b', "DIR", "path to the bundle directory", false },
  { "detach", 'd', NULL, "do not wait for the container", false },
  { "tcp-established", 0, NULL, "allow open TCP connections", false },
  { "file-locks", 0, NULL, "handle file locks", false },
  { "pid-file", 0, "PATH", "write the container's init pid to PATH", false },
  END,
};

const cli_cmd cli_commands[] = {
  { "checkpoint", "ID", "checkpoint a running container", checkpoint_opts, 1, 1, NULL },
  { "create", "ID", "create a container (the process waits for `start`)", create_opts, 1, 1, cmd_create, true },
  { "delete", "ID", "delete a container and everything it holds", delete_opts, 1, 1, cmd_delete },
  { "events", "ID", "print container statistics and OOM events (JSON lines)", events_opts, 1, 1, cmd_events },
  { "exec", "ID [COMMAND [ARG...]]", "run a new process inside a container", exec_opts, 1, -1, cmd_exec, true, 255, true },
  { "features", "", "print the features this runtime supports (runtime-spec features.md)", no_opts, 0, 0,
    cmd_features },
  { "kill", "ID [SIGNAL]", "send a signal (default SIGTERM) to the container's init", kill_opts, 1, 2, cmd_kill },
  { "list", "", "list the containers under --root", list_opts, 0, 0, cmd_list },
  { "pause", "ID", "freeze every process of a container", no_opts, 1, 1, cmd_pause },
  { "ps", "ID [PS-ARGS...]", "list the processes of a container", ps_opts, 1, -1, cmd_ps, false, 0, true },
  { "restore", "ID", "restore a container from a checkpoint", restore_opts, 1, 1, NULL },
  { "resume", "ID", "thaw a paused container", no_opts, 1, 1, cmd_resume },
  { "run", "ID", "create and start a container, and wait for it unless --detach", run_opts, 1, 1, cmd_run, true },
  { "spec", "", "write a default config.json for a new bundle", spec_opts, 0, 0, cmd_spec },
  { "start", "ID", "start the user process of a created container", no_opts, 1, 1, cmd_start },
  { "state", "ID", "print the runtime-spec state of a container", no_opts, 1, 1, cmd_state },
  { "update", "ID", "change the resource limits of a container", update_opts, 1, 1, cmd_update },
  { NULL, NULL, NULL, NULL, 0, 0, NULL },
};
