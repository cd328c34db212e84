// Synchronous futex wait and wake on an Int32 word, across processes.
//
// Both use the shared (not FUTEX_PRIVATE_FLAG) futex operations: the kernel keys a shared
// futex by the page's identity (inode and offset for a MAP_SHARED mapping), so a wake in one
// process finds the waiters of every process that maps the page. On private memory (an
// ordinary SharedArrayBuffer) the key falls back to this address space, and wait/wake still
// work between the threads of one process.
//
// V8's Atomics.wait/notify keep their own wait list and never call futex on the word, so a
// word waited on here must be woken here (and one waited on with Atomics.wait, with
// Atomics.notify).
#include "futex.h"

#include <errno.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <climits>
#include <cmath>

namespace multitask {

long FutexWaitUntil(int32_t* word, int32_t expected, const struct timespec* deadline) {
  // FUTEX_WAIT_BITSET takes an absolute CLOCK_MONOTONIC deadline, so that a wait interrupted
  // by a signal (EINTR) restarts with exactly the time that remains.
  for (;;) {
    long rc = syscall(SYS_futex, word, FUTEX_WAIT_BITSET, expected, deadline, nullptr,
                      FUTEX_BITSET_MATCH_ANY);
    if (rc == 0) return 0;
    if (errno != EINTR) return -errno;
  }
}

long FutexWake(int32_t* word, int count) {
  long rc = syscall(SYS_futex, word, FUTEX_WAKE, count, nullptr, nullptr, 0);
  return rc < 0 ? -errno : rc;
}

struct timespec DeadlineAfter(double ms) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  // Deadlines past 30 years are as good as none; clamping keeps every conversion in range.
  if (ms > 1e12) ms = 1e12;
  double whole = std::floor(ms / 1000);
  long long ns = now.tv_nsec + static_cast<long long>((ms - whole * 1000) * 1e6);
  struct timespec deadline;
  deadline.tv_sec = now.tv_sec + static_cast<time_t>(whole) + static_cast<time_t>(ns / 1000000000);
  deadline.tv_nsec = static_cast<long>(ns % 1000000000);
  return deadline;
}

const char* WaitResultName(long rc) {
  switch (rc) {
    case 0:
      return "ok";
    case -EAGAIN:
      return "not-equal";
    case -ETIMEDOUT:
      return "timed-out";
    default:
      return nullptr;
  }
}

// wait(int32Array, index, expected, timeoutMs?) -> 'ok' | 'not-equal' | 'timed-out'.
// Blocks this thread, like Atomics.wait. 'ok' means woken (a wake may also be spurious:
// callers re-check their word, as every futex user must).
napi_value Wait(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  MT_NAPI(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), nullptr);
  if (argc < 3) return ThrowType(env, "Expected `array`, `index` and `expected`");
  int32_t* word;
  int32_t expected;
  double timeout;
  if (!GetWord(env, argv[0], argv[1], &word)) return nullptr;
  if (napi_get_value_int32(env, argv[2], &expected) != napi_ok) {
    return ThrowType(env, "Expected `expected` to be a number");
  }
  napi_value undefined;
  MT_NAPI(napi_get_undefined(env, &undefined), nullptr);
  if (!GetTimeoutMs(env, argc > 3 ? argv[3] : undefined, &timeout)) return nullptr;
  struct timespec deadline;
  if (timeout >= 0) deadline = DeadlineAfter(timeout);
  long rc = FutexWaitUntil(word, expected, timeout >= 0 ? &deadline : nullptr);
  const char* name = WaitResultName(rc);
  if (name == nullptr) return ThrowErrno(env, static_cast<int>(-rc), "futex wait");
  napi_value result;
  MT_NAPI(napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &result), nullptr);
  return result;
}

// wake(int32Array, index, count?) -> the number of waiters woken, in every process.
// `count` defaults to all of them (+Infinity), as in Atomics.notify.
napi_value Wake(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  MT_NAPI(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), nullptr);
  if (argc < 2) return ThrowType(env, "Expected `array` and `index`");
  int32_t* word;
  if (!GetWord(env, argv[0], argv[1], &word)) return nullptr;
  int count = INT_MAX;
  napi_valuetype type = napi_undefined;
  if (argc > 2) MT_NAPI(napi_typeof(env, argv[2], &type), nullptr);
  if (type != napi_undefined) {
    double number;
    if (napi_get_value_double(env, argv[2], &number) != napi_ok || std::isnan(number)) {
      return ThrowType(env, "Expected `count` to be a number");
    }
    count = number >= INT_MAX ? INT_MAX : number <= 0 ? 0 : static_cast<int>(number);
  }
  long rc = count == 0 ? 0 : FutexWake(word, count);
  if (rc < 0) return ThrowErrno(env, static_cast<int>(-rc), "futex wake");
  napi_value result;
  MT_NAPI(napi_create_int64(env, rc, &result), nullptr);
  return result;
}

bool HaveFutexWaitv() {
  // Probe with no waiters: EINVAL means the call exists (nr_futexes == 0 is refused),
  // ENOSYS that the kernel predates it.
  static const bool have =
      syscall(SYS_futex_waitv, nullptr, 0, 0, nullptr, CLOCK_MONOTONIC) < 0 && errno != ENOSYS;
  return have;
}

}  // namespace multitask
