// Asynchronous futex waits that never block the event loop and never take a thread of
// libuv's pool (4 threads, which serve fs and dns).
//
// Each realm (napi_env: the main thread, each worker thread) that makes an async wait gets
// one waiter thread. It sleeps in futex_waitv (Linux 5.15) on every pending wait of the
// realm at once, plus one private futex of its own, `changed`, which the JS thread bumps and
// wakes whenever the set changes (a wait added or cancelled, the realm stopping). A settled
// wait travels back to the JS thread through a napi_threadsafe_function, which is referenced
// only while some wait is pending, so an idle waiter thread never keeps the process alive.
//
// futex_waitv reports one woken futex; another wait of the set woken in the same instant
// goes unreported. That is why every pass also settles each wait whose word no longer holds
// its expected value: a wake that follows a change of the word (what every multitask
// primitive does) is never lost. More than 127 pending waits: the thread waits on a window
// of 127 that rotates every millisecond and polls the others' words at each pass; a kernel
// without futex_waitv gets the same polling for every wait.
//
// Lifetime. The JS thread owns the Realm; the waiter thread only touches it under `mu`.
// A wait keeps its Int32Array (and so its memory) alive through a napi_ref until it settles.
// At realm teardown the cleanup hook (or the threadsafe function's finalizer, whichever runs
// first) stops and joins the thread; the Realm is freed when both have run.
#include <errno.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <mutex>
#include <vector>

#include "futex.h"

namespace multitask {

namespace {

struct PendingWait {
  uint32_t id;
  int32_t* word;
  int32_t expected;
  bool has_deadline;
  struct timespec deadline;
  napi_deferred deferred;
  napi_ref keep;       // the Int32Array, so that the word stays mapped while waited on
  const char* result;  // set when settled
};

struct Realm {
  napi_env env;

  std::mutex mu;
  // Guarded by `mu`.
  std::vector<PendingWait*> waiting;
  int32_t changed = 0;  // the waiter thread's own futex word (private: only this process)
  bool stopping = false;

  // The JS thread's own.
  napi_threadsafe_function tsfn = nullptr;
  pthread_t thread;
  bool running = false;
  size_t outstanding = 0;  // promises not yet settled: waiting, or on their way back
  uint32_t next_id = 1;
  int owners = 1;  // the cleanup hook, and the threadsafe function once it exists
};

bool Before(const struct timespec& a, const struct timespec& b) {
  return a.tv_sec < b.tv_sec || (a.tv_sec == b.tv_sec && a.tv_nsec < b.tv_nsec);
}

struct timespec MonotonicNow() {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return now;
}

// Wakes the waiter thread so that it rebuilds its set. Caller holds `mu`.
void SignalChanged(Realm* realm) {
  __atomic_add_fetch(&realm->changed, 1, __ATOMIC_SEQ_CST);
  syscall(SYS_futex, &realm->changed, FUTEX_WAKE_PRIVATE, 1, nullptr, nullptr, 0);
}

// Hands a settled wait to the JS thread. Caller holds `mu` and has removed it from `waiting`.
void Settle(Realm* realm, PendingWait* wait, const char* result) {
  wait->result = result;
  if (napi_call_threadsafe_function(realm->tsfn, wait, napi_tsfn_nonblocking) != napi_ok) {
    // The realm is closing: nobody will read the promise; the realm frees its references.
    delete wait;
  }
}

// The waiter thread.
void* WaiterMain(void* arg) {
  Realm* realm = static_cast<Realm*>(arg);
  const bool vectored = HaveFutexWaitv();
  std::vector<struct futex_waitv> set;
  std::vector<uint32_t> ids;  // ids[i] is the wait behind set[i + 1]
  size_t rotation = 0;
  uint32_t woken = 0;  // the wait futex_waitv reported woken last pass, 0 for none
  std::unique_lock<std::mutex> lock(realm->mu);
  while (!realm->stopping) {
    // Settle what needs no sleep: words that changed, the wait reported woken, deadlines
    // that passed. All in the order the waits were made (`waiting` keeps it), as
    // Atomics.waitAsync wakes its waiters: two getters of one queue in one realm, woken by
    // one put and the next, must take the items in the order they asked. The kernel may
    // report either of two waits on one word, so the woken one is not settled ahead of
    // the others.
    struct timespec now = MonotonicNow();
    bool have_deadline = false;
    struct timespec deadline = {0, 0};
    auto& waiting = realm->waiting;
    for (size_t i = 0; i < waiting.size();) {
      PendingWait* wait = waiting[i];
      const char* result = nullptr;
      if (wait->id == woken ||
          __atomic_load_n(wait->word, __ATOMIC_SEQ_CST) != wait->expected) {
        result = "ok";
      } else if (wait->has_deadline && !Before(now, wait->deadline)) {
        result = "timed-out";
      }
      if (result == nullptr) {
        if (wait->has_deadline && (!have_deadline || Before(wait->deadline, deadline))) {
          deadline = wait->deadline;
          have_deadline = true;
        }
        ++i;
        continue;
      }
      waiting.erase(waiting.begin() + static_cast<std::ptrdiff_t>(i));
      Settle(realm, wait, result);
    }

    // The set to sleep on: `changed` first, then up to 127 waits.
    const size_t window = std::min<size_t>(waiting.size(), FUTEX_WAITV_MAX - 1);
    const bool polling = !vectored || window < waiting.size();
    if (polling) {
      struct timespec tick = DeadlineAfter(1);
      if (!have_deadline || Before(tick, deadline)) deadline = tick;
      have_deadline = true;
    }
    set.clear();
    ids.clear();
    set.push_back({static_cast<uint32_t>(__atomic_load_n(&realm->changed, __ATOMIC_SEQ_CST)),
                   reinterpret_cast<uintptr_t>(&realm->changed), FUTEX_32 | FUTEX_PRIVATE_FLAG,
                   0});
    if (vectored) {
      if (rotation >= waiting.size()) rotation = 0;
      for (size_t k = 0; k < window; ++k) {
        PendingWait* wait = waiting[(rotation + k) % waiting.size()];
        set.push_back({static_cast<uint32_t>(wait->expected),
                       reinterpret_cast<uintptr_t>(wait->word), FUTEX_32, 0});
        ids.push_back(wait->id);
      }
      if (window < waiting.size()) rotation += window;
    }
    lock.unlock();

    long rc;
    if (vectored) {
      rc = syscall(SYS_futex_waitv, set.data(), set.size(), 0,
                   have_deadline ? &deadline : nullptr, CLOCK_MONOTONIC);
    } else {
      rc = syscall(SYS_futex, &realm->changed, FUTEX_WAIT_BITSET_PRIVATE,
                   static_cast<int32_t>(set[0].val), have_deadline ? &deadline : nullptr,
                   nullptr, FUTEX_BITSET_MATCH_ANY);
      if (rc == 0) rc = -1, errno = EAGAIN;  // `changed` woke: nothing to settle by index
    }
    // Anything else (the set changed under us: EAGAIN, EFAULT; a signal; the deadline) is
    // sorted out by the next pass, which re-reads every word and every deadline.
    lock.lock();
    // Woken on a wait's word: the next pass settles it (unless cancelled meanwhile), in
    // its turn. Ids are never reused, so a stale one matches nothing.
    const bool reported = rc >= 1 && static_cast<size_t>(rc) <= ids.size();
    woken = reported ? ids[static_cast<size_t>(rc) - 1] : 0;
    if (reported && std::none_of(realm->waiting.begin(), realm->waiting.end(),
                                 [woken](const PendingWait* w) { return w->id == woken; })) {
      // The wake was meant for a wait cancelled while this thread slept on its word: the
      // kernel gave it to us, so hand it on, or a waiter of another realm or process that
      // a FUTEX_WAKE of one was for would sleep on until its slice ends. The word's memory
      // may be gone with the cancelled wait's array; FUTEX_WAKE then fails with EFAULT,
      // harmlessly.
      syscall(SYS_futex, reinterpret_cast<uint32_t*>(set[static_cast<size_t>(rc)].uaddr),
              FUTEX_WAKE, 1, nullptr, nullptr, 0);
    }
  }
  return nullptr;
}

void Unreference(Realm* realm) {
  if (--realm->outstanding == 0) napi_unref_threadsafe_function(realm->env, realm->tsfn);
}

napi_status Resolve(napi_env env, napi_deferred deferred, const char* result) {
  napi_value value;
  napi_status status = napi_create_string_utf8(env, result, NAPI_AUTO_LENGTH, &value);
  return status != napi_ok ? status : napi_resolve_deferred(env, deferred, value);
}

// On the JS thread: a wait settled by the waiter thread. `env` is null when the realm is
// being torn down with the wait still queued.
void CallJs(napi_env env, napi_value, void* context, void* data) {
  PendingWait* wait = static_cast<PendingWait*>(data);
  if (env != nullptr) {
    Realm* realm = static_cast<Realm*>(context);
    Resolve(env, wait->deferred, wait->result);
    napi_delete_reference(env, wait->keep);
    Unreference(realm);
  }
  delete wait;
}

void Release(Realm* realm) {
  if (--realm->owners == 0) delete realm;
}

// Stops and joins the waiter thread; idempotent. On the JS thread, at realm teardown.
void Stop(Realm* realm) {
  if (!realm->running) return;
  {
    std::lock_guard<std::mutex> lock(realm->mu);
    realm->stopping = true;
    SignalChanged(realm);
  }
  pthread_join(realm->thread, nullptr);
  realm->running = false;
  // The thread is gone: what it left waiting will never settle. Its promises die with the
  // realm; the references go now.
  for (PendingWait* wait : realm->waiting) {
    napi_delete_reference(realm->env, wait->keep);
    delete wait;
  }
  realm->waiting.clear();
}

// Starts the waiter thread and its way back to the JS thread, on the realm's first wait.
bool Start(napi_env env, Realm* realm) {
  if (realm->running) return true;
  if (realm->tsfn == nullptr) {
    napi_value name;
    MT_NAPI(napi_create_string_utf8(env, "multitask.futexWaitAsync", NAPI_AUTO_LENGTH, &name),
            false);
    MT_NAPI(napi_create_threadsafe_function(
                env, nullptr, nullptr, name, 0, 1, realm,
                [](napi_env, void* data, void*) {
                  Realm* realm = static_cast<Realm*>(data);
                  Stop(realm);
                  Release(realm);
                },
                realm, CallJs, &realm->tsfn),
            false);
    ++realm->owners;
    // Referenced only while a wait is pending (see Unreference).
    MT_NAPI(napi_unref_threadsafe_function(env, realm->tsfn), false);
  }
  int err = pthread_create(&realm->thread, nullptr, WaiterMain, realm);
  if (err != 0) {
    ThrowErrno(env, err, "start the futex waiter thread");
    return false;
  }
  realm->running = true;
  return true;
}

napi_value Settled(napi_env env, const char* result, napi_value* promise) {
  napi_deferred deferred;
  MT_NAPI(napi_create_promise(env, &deferred, promise), nullptr);
  MT_NAPI(Resolve(env, deferred, result), nullptr);
  return *promise;
}

}  // namespace

bool InitRealm(napi_env env, void** data) {
  Realm* realm = new Realm();
  realm->env = env;
  if (napi_add_env_cleanup_hook(
          env,
          [](void* arg) {
            Realm* realm = static_cast<Realm*>(arg);
            Stop(realm);
            Release(realm);
          },
          realm) != napi_ok) {
    delete realm;
    return false;
  }
  *data = realm;
  return true;
}

// waitAsync(int32Array, index, expected, timeoutMs?) -> { id, promise }: the promise settles
// with 'ok' | 'not-equal' | 'timed-out', or 'cancelled' after cancelWait(id). A wait that
// settles at once ('not-equal', or a zero timeout) has id 0.
napi_value WaitAsync(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  void* data;
  MT_NAPI(napi_get_cb_info(env, info, &argc, argv, nullptr, &data), nullptr);
  Realm* realm = static_cast<Realm*>(data);
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

  napi_value result, id, promise;
  MT_NAPI(napi_create_object(env, &result), nullptr);
  uint32_t wait_id = 0;
  if (__atomic_load_n(word, __ATOMIC_SEQ_CST) != expected) {
    if (Settled(env, "not-equal", &promise) == nullptr) return nullptr;
  } else if (timeout == 0) {
    if (Settled(env, "timed-out", &promise) == nullptr) return nullptr;
  } else {
    if (!Start(env, realm)) return nullptr;
    PendingWait* wait = new PendingWait{};
    wait->id = wait_id = realm->next_id++;
    if (realm->next_id == 0) realm->next_id = 1;
    wait->word = word;
    wait->expected = expected;
    wait->has_deadline = timeout > 0;
    if (wait->has_deadline) wait->deadline = DeadlineAfter(timeout);
    if (napi_create_promise(env, &wait->deferred, &promise) != napi_ok ||
        napi_create_reference(env, argv[0], 1, &wait->keep) != napi_ok) {
      delete wait;  // the deferred, if any, is dropped with its promise
      return nullptr;
    }
    if (realm->outstanding++ == 0) napi_ref_threadsafe_function(env, realm->tsfn);
    std::lock_guard<std::mutex> lock(realm->mu);
    realm->waiting.push_back(wait);
    SignalChanged(realm);
  }
  MT_NAPI(napi_create_uint32(env, wait_id, &id), nullptr);
  MT_NAPI(napi_set_named_property(env, result, "id", id), nullptr);
  MT_NAPI(napi_set_named_property(env, result, "promise", promise), nullptr);
  return result;
}

// cancelWait(id) -> boolean: settles the pending wait `id` with 'cancelled' and takes it out
// of the waiter thread's set; false if it has already settled (its promise says how).
napi_value CancelWait(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  void* data;
  MT_NAPI(napi_get_cb_info(env, info, &argc, argv, nullptr, &data), nullptr);
  Realm* realm = static_cast<Realm*>(data);
  int64_t id;
  if (!GetInteger(env, argc > 0 ? argv[0] : nullptr, "id", 0, UINT32_MAX, &id)) return nullptr;
  PendingWait* wait = nullptr;
  {
    std::lock_guard<std::mutex> lock(realm->mu);
    auto found = std::find_if(realm->waiting.begin(), realm->waiting.end(),
                              [id](const PendingWait* w) { return w->id == id; });
    if (found != realm->waiting.end()) {
      wait = *found;
      realm->waiting.erase(found);
      // The thread may be asleep on this word: make it rebuild its set without it.
      SignalChanged(realm);
    }
  }
  napi_value cancelled;
  MT_NAPI(napi_get_boolean(env, wait != nullptr, &cancelled), nullptr);
  if (wait == nullptr) return cancelled;
  Resolve(env, wait->deferred, "cancelled");
  napi_delete_reference(env, wait->keep);
  delete wait;
  Unreference(realm);
  return cancelled;
}

}  // namespace multitask
