// The futex calls shared by the synchronous wait (futex.cc) and the realm's waiter thread
// (async-wait.cc).
#ifndef MULTITASK_NATIVE_FUTEX_H_
#define MULTITASK_NATIVE_FUTEX_H_

#include <time.h>

#include <cstdint>

#include "common.h"

#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449  // x86_64 and every architecture with the unified table
#endif

namespace multitask {

// Sleeps while *word == expected, until woken or `deadline` (CLOCK_MONOTONIC, absolute;
// nullptr for none); restarts after signals. Returns 0 (woken), -EAGAIN (the word differed),
// -ETIMEDOUT, or another -errno.
long FutexWaitUntil(int32_t* word, int32_t expected, const struct timespec* deadline);

// Wakes up to `count` waiters of `word` in every process; returns how many, or -errno.
long FutexWake(int32_t* word, int count);

// Now plus `ms` milliseconds on CLOCK_MONOTONIC.
struct timespec DeadlineAfter(double ms);

// 'ok' / 'not-equal' / 'timed-out' for 0 / -EAGAIN / -ETIMEDOUT, nullptr for errors.
const char* WaitResultName(long rc);

}  // namespace multitask

#endif  // MULTITASK_NATIVE_FUTEX_H_
