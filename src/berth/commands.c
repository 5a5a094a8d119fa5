/* The runc-compatible command surface: names, synopses and options. */
#include "config.h"

#include "cli.h"

#include <stddef.h>

#define END { NULL, 0, NULL, NULL, false }

/* create and run take the same options (run adds its own). */
#define CREATE_OPTS \
  { "bundle", 'b', "DIR", "path to the bundle directory (default: the current directory)", false, \
    "The bundle directory. Default: the current directory." }, \
  { "console-socket", 0, "PATH", "AF_UNIX socket that receives the pty master when process.terminal is set", false, \
    "Path of an **AF_UNIX** socket. When **process.terminal** is true, berth\n" \
    "allocates a pseudo-terminal for the container and sends its master side over\n" \
    "this socket as an **SCM_RIGHTS** message. Needed whenever berth itself does not\n" \
    "stay attached to the terminal." }, \
  { "pid-file", 0, "PATH", "write the container's init pid to PATH", false, \
    "Write the process id of the container's init process (as seen from the\n" \
    "host) to *PATH*." }, \
  { "no-pivot", 0, NULL, "use chroot instead of pivot_root (for a rootfs on a ramdisk)", false, \
    "Enter the root filesystem with **chroot**(2) instead of **pivot_root**(2).\n" \
    "Needed when the root filesystem is on a ramdisk, where pivot_root fails; it\n" \
    "isolates the container less well." }, \
  { "no-new-keyring", 0, NULL, "keep the caller's session keyring instead of creating a new one", false, \
    "Keep the caller's session keyring instead of giving the container a new\n" \
    "one." }, \
  { "preserve-fds", 0, "N", "pass N extra file descriptors (3 .. 3+N-1) to the container", false, \
    "Pass *N* file descriptors beyond standard input, output and error to the\n" \
    "container: descriptors 3 to 3+*N*-1 of the berth process stay open in it." },

static const cli_opt create_opts[] = {
  CREATE_OPTS
  END,
};

static const cli_opt run_opts[] = {
  CREATE_OPTS
  { "detach", 'd', NULL, "start the container and return without waiting for it", false,
    "Return once the container is running, without waiting for it." },
  { "keep", 0, NULL, "do not delete the container after it exits", false,
    "Do not delete the container after it exits, so that **state** can still\n"
    "inspect it; remove it later with **delete**." },
  END,
};

static const cli_opt no_opts[] = { END };

static const cli_opt kill_opts[] = {
  { "all", 'a', NULL, "send the signal to every process in the container's cgroup", false,
    "Send the signal to every process in the container's cgroup, not only to\n"
    "its init process." },
  END,
};

static const cli_opt delete_opts[] = {
  { "force", 'f', NULL, "kill the container first if it is still running", false,
    "If the container is still running, kill it first instead of refusing." },
  END,
};

static const cli_opt list_opts[] = {
  { "format", 'f', "table|json", "output format (default: table)", false,
    "Print a table (the default) or a JSON array." },
  { "quiet", 'q', NULL, "print only the container ids", false,
    "Print only the container IDs, one a line." },
  END,
};

static const cli_opt ps_opts[] = {
  { "format", 'f', "table|json", "output format: table (ps output) or json (a list of pids)", false,
    "**table** (the default) runs **ps**(1) with *PS-ARGS* and keeps only the\n"
    "lines of the container's processes; **json** prints a JSON array of their\n"
    "process ids." },
  END,
};

static const cli_opt exec_opts[] = {
  { "process", 'p', "FILE", "runtime-spec process JSON describing what to run", false,
    "Read the process from *FILE*, a JSON object in the form of the\n"
    "configuration's **process** member. It replaces the container's process\n"
    "entirely: nothing of the configuration's **process** is kept." },
  { "cwd", 0, "DIR", "working directory inside the container", false,
    "Working directory inside the container (an absolute path that must exist)." },
  { "env", 'e', "KEY=VALUE", "set an environment variable (repeatable)", true,
    "Set an environment variable, replacing the container's value of *KEY* if\n"
    "it has one. May be repeated." },
  { "user", 'u', "UID[:GID]", "run as this user", false,
    "Run as this user and group, given as numbers. Without *GID* the group of\n"
    "the container's process is kept." },
  { "additional-gids", 'g', "GID", "add a supplementary group (repeatable)", true,
    "Add a supplementary group to those of the container's process. May be\n"
    "repeated." },
  { "cap", 'c', "CAP", "add a capability to the bounding, effective and permitted sets (repeatable)", true,
    "Add a capability, such as **CAP_NET_ADMIN**, to the bounding, effective\n"
    "and permitted sets. A process running as a non-root user loses its effective\n"
    "and permitted capabilities at execve, as under runc. May be repeated." },
  { "no-new-privs", 0, NULL, "set no_new_privs for the process", false,
    "Set the no_new_privs bit for the process." },
  { "apparmor", 0, "PROFILE", "AppArmor profile for the process", false,
    "Run the process under this AppArmor profile. An error if AppArmor is not\n"
    "enabled (see SECURITY)." },
  { "process-label", 0, "LABEL", "SELinux label for the process", false,
    "Run the process with this SELinux label (*user*:*role*:*type*[:*level*]).\n"
    "An error if SELinux is not enabled (see SECURITY)." },
  { "tty", 't', NULL, "allocate a pseudo-terminal", false,
    "Allocate a pseudo-terminal in the container for the process, make it the\n"
    "process's controlling terminal and standard input, output and error. With\n"
    "**--console-socket** its master side is sent there. Without, berth (in the\n"
    "foreground) keeps the master itself and copies between it and its own\n"
    "standard input and output, putting a terminal on its standard input in raw\n"
    "mode and passing on its window size; when a non-terminal standard input ends,\n"
    "berth sends the end-of-file character to the pseudo-terminal." },
  { "console-socket", 0, "PATH", "AF_UNIX socket that receives the pty master", false,
    "As for **create**: send the pseudo-terminal's master side to *PATH*.\n"
    "Needed with **--tty** and **--detach**; refused without a terminal." },
  { "detach", 'd', NULL, "do not wait for the process", false,
    "Return once the process has started (its **execve** succeeded), without\n"
    "waiting for it." },
  { "pid-file", 0, "PATH", "write the process pid to PATH", false,
    "Write the process id of the new process, as seen from the host, to *PATH*\n"
    "(through a temporary file and a rename)." },
  { "preserve-fds", 0, "N", "pass N extra file descriptors to the process", false,
    "As for **create**: pass *N* extra file descriptors (3 to 3+*N*-1) to the\n"
    "process. Every other descriptor is closed." },
  { "cgroup", 0, "[CONTROLLER:]PATH", "run in this sub-cgroup of the container (repeatable)", true,
    "Run the process in *PATH*, an existing sub-cgroup of the container's\n"
    "cgroup, for the hierarchies of the named controllers or, without\n"
    "*CONTROLLER*, for every hierarchy. May be repeated for different\n"
    "controllers." },
  { "ignore-paused", 0, NULL, "exec even into a paused container (the process starts frozen)", false,
    "Exec even into a paused container. The process starts frozen and runs\n"
    "once the container is resumed." },
  END,
};

static const cli_opt update_opts[] = {
  { "resources", 'r', "FILE", "runtime-spec linux.resources JSON (- for stdin)", false,
    "Read the new limits from *FILE*, a JSON object in the form of the\n"
    "configuration's **linux.resources** member; **-** reads standard input." },
  { "memory", 0, "BYTES", "memory limit", false,
    "Memory limit in bytes." },
  { "memory-reservation", 0, "BYTES", "memory soft limit", false,
    "Memory soft limit in bytes." },
  { "memory-swap", 0, "BYTES", "memory plus swap limit", false,
    "Limit of memory plus swap in bytes." },
  { "kernel-memory", 0, "BYTES", "kernel memory limit (cgroup v1 only; ignored by recent kernels)", false,
    "Kernel memory limit (cgroup v1 only; recent kernels ignore it)." },
  { "kernel-memory-tcp", 0, "BYTES", "kernel TCP buffer memory limit", false,
    "Kernel TCP buffer memory limit (cgroup v1 only)." },
  { "cpu-shares", 0, "N", "relative CPU weight (v1 shares, converted to v2 weight)", false,
    "Relative CPU weight, in cgroup v1 shares; converted to a weight on cgroup\n"
    "v2." },
  { "cpu-quota", 0, "USEC", "CPU time per period", false,
    "CPU time allowed per period, in microseconds." },
  { "cpu-period", 0, "USEC", "CPU CFS period", false,
    "The CPU CFS period, in microseconds." },
  { "cpu-burst", 0, "USEC", "CPU burst", false,
    "The burst allowance above the quota, in microseconds." },
  { "cpu-rt-period", 0, "USEC", "realtime period", false,
    "Real-time scheduling period, in microseconds." },
  { "cpu-rt-runtime", 0, "USEC", "realtime runtime", false,
    "Real-time runtime per period, in microseconds." },
  { "cpu-idle", 0, "0|1", "SCHED_IDLE for the cgroup", false,
    "Put the cgroup under the SCHED_IDLE policy." },
  { "cpuset-cpus", 0, "LIST", "CPUs the container may use", false,
    "CPUs the container may use, as a list such as **0-3,6**." },
  { "cpuset-mems", 0, "LIST", "memory nodes the container may use", false,
    "Memory nodes the container may use, as a list such as **0,1**." },
  { "pids-limit", 0, "N", "maximum number of tasks", false,
    "Maximum number of tasks in the container." },
  { "blkio-weight", 0, "N", "relative block IO weight (10-1000)", false,
    "Relative block I/O weight, from 10 to 1000." },
  { "l3-cache-schema", 0, "SCHEMA", "Intel RDT L3 cache schema", false,
    "Intel RDT L3 cache schema. berth does not support Intel RDT: the flag is an error." },
  { "mem-bw-schema", 0, "SCHEMA", "Intel RDT memory bandwidth schema", false,
    "Intel RDT memory bandwidth schema. berth does not support Intel RDT: the flag is an error." },
  END,
};

static const cli_opt events_opts[] = {
  { "stats", 0, NULL, "print the container's statistics once and exit", false,
    "Print the statistics once and exit." },
  { "interval", 0, "DURATION", "interval between statistics (default 5s)", false,
    "Time between two statistics reports, such as **10s**. Default: **5s**." },
  END,
};

static const cli_opt spec_opts[] = {
  { "bundle", 'b', "DIR", "directory to write config.json into (default: the current directory)", false,
    "Directory to write **config.json** into. Default: the current directory." },
  { "rootless", 0, NULL, "a configuration for a container started by an unprivileged user", false,
    "Write a configuration an unprivileged user can run: a user namespace maps\n"
    "the caller's user and group to root, the host's network is shared, **/sys**\n"
    "is bind-mounted, and no resource limits are set." },
  END,
};

static const cli_opt checkpoint_opts[] = {
  { "image-path", 0, "DIR", "where to write the checkpoint image", false,
    "Directory to write the checkpoint image to." },
  { "work-path", 0, "DIR", "where to write logs and work files", false,
    "Directory for logs and work files." },
  { "leave-running", 0, NULL, "leave the container running after the checkpoint", false,
    "Leave the container running after the checkpoint." },
  { "tcp-established", 0, NULL, "allow open TCP connections", false,
    "Allow open TCP connections." },
  { "file-locks", 0, NULL, "handle file locks", false,
    "Handle file locks." },
  END,
};

static const cli_opt restore_opts[] = {
  { "image-path", 0, "DIR", "where to read the checkpoint image from", false,
    "Directory to read the checkpoint image from." },
  { "work-path", 0, "DIR", "where to write logs and work files", false,
    "Directory for logs and work files." },
  { "bundle", 'b', "DIR", "path to the bundle directory", false,
    "The bundle directory." },
  { "detach", 'd', NULL, "do not wait for the container", false,
    "Return without waiting for the container." },
  { "tcp-established", 0, NULL, "allow open TCP connections", false,
    "Restore established TCP connections." },
  { "file-locks", 0, NULL, "handle file locks", false,
    "Restore file locks." },
  { "pid-file", 0, "PATH", "write the container's init pid to PATH", false,
    "Write the process id of the container's init process to *PATH*." },
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
