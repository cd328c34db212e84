// Process liveness across processes. A pid alone does not name a process for long: once a
// process dies and is reaped, the kernel may give its pid to a new one. A pid together with
// the process's start time (field 22 of /proc/<pid>/stat, in clock ticks since boot) does:
// a lock's owner table stores both, and a waiter that reads a different start time, or
// none, knows that the owner is gone.
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "common.h"

namespace multitask {

// processStartTime(pid) -> number | null: the start time of process `pid`, or null if there
// is no such process or it has exited (a zombie that its parent has not yet reaped is dead).
napi_value ProcessStartTime(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  MT_NAPI(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), nullptr);
  int64_t pid;
  if (!GetInteger(env, argc > 0 ? argv[0] : nullptr, "pid", 1, INT32_MAX, &pid)) {
    return nullptr;
  }
  napi_value null;
  MT_NAPI(napi_get_null(env, &null), nullptr);
  char path[48];
  std::snprintf(path, sizeof(path), "/proc/%lld/stat", static_cast<long long>(pid));
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT || errno == ESRCH) return null;
    return ThrowErrno(env, errno, "open /proc/<pid>/stat");
  }
  // The line is well under 1 KiB; the command name (at most 64 bytes) is the only field
  // that may contain spaces or parentheses, so fields are counted after its last ')'.
  char stat[1024];
  ssize_t length;
  do {
    length = read(fd, stat, sizeof(stat) - 1);
  } while (length < 0 && errno == EINTR);
  int err = errno;
  close(fd);
  if (length < 0) {
    if (err == ESRCH) return null;  // exited between open and read
    return ThrowErrno(env, err, "read /proc/<pid>/stat");
  }
  stat[length] = '\0';
  char* after_name = std::strrchr(stat, ')');
  if (after_name == nullptr) return ThrowErrno(env, EPROTO, "parse /proc/<pid>/stat");
  // After ")": " <state:3> <ppid:4> ... <starttime:22>".
  char* field = after_name + 1;
  char state = '?';
  unsigned long long start_time = 0;
  for (int number = 3; number <= 22; ++number) {
    while (*field == ' ') ++field;
    if (*field == '\0') return ThrowErrno(env, EPROTO, "parse /proc/<pid>/stat");
    if (number == 3) state = *field;
    if (number == 22) start_time = std::strtoull(field, nullptr, 10);
    while (*field != ' ' && *field != '\0') ++field;
  }
  if (state == 'Z' || state == 'X' || state == 'x') return null;
  napi_value result;
  MT_NAPI(napi_create_double(env, static_cast<double>(start_time), &result), nullptr);
  return result;
}

// dieWithParent(parentPid) -> boolean: asks the kernel to SIGKILL this process when the
// thread that forked it ends (PR_SET_PDEATHSIG), whatever this process is doing, a
// synchronous wait or a busy loop included. Returns false when the parent had already died
// before the request (this process's parent is then no longer `parentPid`): the caller ends
// at once. The signal follows the forking *thread*: call this only in a child forked by
// its parent's main thread.
napi_value DieWithParent(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  MT_NAPI(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), nullptr);
  int64_t parent;
  if (!GetInteger(env, argc > 0 ? argv[0] : nullptr, "parentPid", 1, INT32_MAX, &parent)) {
    return nullptr;
  }
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) return ThrowErrno(env, errno, "prctl");
  // Closes the race: a parent that died before the prctl sent no signal, but this process
  // has been reparented by then.
  napi_value alive;
  MT_NAPI(napi_get_boolean(env, getppid() == static_cast<pid_t>(parent), &alive), nullptr);
  return alive;
}

}  // namespace multitask
