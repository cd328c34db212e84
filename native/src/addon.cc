// multitask's native addon: shared-memory arenas that every process can map, futex waits
// that work across processes, and process liveness. Loaded by src/memory/native.ts; the
// library runs without it (the broker serves child processes instead).
//
// Memory model. An arena is a memfd mapped MAP_SHARED: every process that maps it sees the
// same physical pages, and JavaScript sees them as a SharedArrayBuffer. `Atomics` on an
// Int32Array over that buffer compile to the CPU's atomic instructions on those pages, so
// they synchronize across processes exactly as across threads. What does not cross is
// V8's Atomics.wait/notify, whose wait list lives inside one process: waits and wakes on
// arena memory go through wait()/wake()/waitAsync() here, which use futex(2) without
// FUTEX_PRIVATE_FLAG (shared futexes are keyed by the page, not by the address space). A
// futex word is one aligned Int32 of the mapping, the same word that Atomics operates on.
#include <errno.h>
#include <string.h>

#include <cmath>
#include <cstdio>

#include "common.h"

namespace multitask {

namespace {

napi_value ThrowCoded(napi_env env, const char* code, const char* message,
                      napi_status (*make)(napi_env, napi_value, napi_value, napi_value*)) {
  napi_value js_code, js_message, error;
  if (napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &js_code) != napi_ok ||
      napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &js_message) != napi_ok ||
      make(env, js_code, js_message, &error) != napi_ok) {
    return nullptr;
  }
  napi_throw(env, error);
  return nullptr;
}

}  // namespace

napi_value ThrowErrno(napi_env env, int err, const char* what) {
  const char* name = strerrorname_np(err);
  char message[512];
  std::snprintf(message, sizeof(message), "%s: %s", what, strerror(err));
  return ThrowCoded(env, name != nullptr ? name : "EUNKNOWN", message, napi_create_error);
}

napi_value ThrowType(napi_env env, const char* message) {
  return ThrowCoded(env, "ERR_INVALID_ARG_TYPE", message, napi_create_type_error);
}

napi_value ThrowRange(napi_env env, const char* message) {
  return ThrowCoded(env, "ERR_OUT_OF_RANGE", message, napi_create_range_error);
}

bool GetInteger(napi_env env, napi_value value, const char* name, int64_t min, int64_t max,
                int64_t* out) {
  char message[160];
  double number;
  if (napi_get_value_double(env, value, &number) != napi_ok) {
    std::snprintf(message, sizeof(message), "Expected `%s` to be a number", name);
    ThrowType(env, message);
    return false;
  }
  if (!std::isfinite(number) || std::trunc(number) != number ||
      number < static_cast<double>(min) || number > static_cast<double>(max)) {
    std::snprintf(message, sizeof(message),
                  "Expected `%s` to be an integer from %lld to %lld, got %g", name,
                  static_cast<long long>(min), static_cast<long long>(max), number);
    ThrowRange(env, message);
    return false;
  }
  *out = static_cast<int64_t>(number);
  return true;
}

bool GetTimeoutMs(napi_env env, napi_value value, double* out) {
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok) return false;
  if (type == napi_undefined) {
    *out = -1;
    return true;
  }
  double ms;
  if (napi_get_value_double(env, value, &ms) != napi_ok) {
    ThrowType(env, "Expected `timeout` to be a number of milliseconds");
    return false;
  }
  if (std::isnan(ms) || ms == INFINITY) {
    *out = -1;
  } else {
    *out = ms < 0 ? 0 : ms;
  }
  return true;
}

bool GetWord(napi_env env, napi_value array, napi_value index, int32_t** out) {
  bool is_typed;
  MT_NAPI(napi_is_typedarray(env, array, &is_typed), false);
  napi_typedarray_type type = napi_uint8_array;
  size_t length = 0;
  void* data = nullptr;
  if (is_typed) {
    MT_NAPI(napi_get_typedarray_info(env, array, &type, &length, &data, nullptr, nullptr),
            false);
  }
  if (!is_typed || type != napi_int32_array) {
    ThrowType(env, "Expected `array` to be an Int32Array");
    return false;
  }
  int64_t i;
  if (length == 0) {
    ThrowRange(env, "Expected `array` to have at least one element");
    return false;
  }
  if (!GetInteger(env, index, "index", 0, static_cast<int64_t>(length) - 1, &i)) return false;
  // An Int32Array's byte offset is a multiple of 4 and its buffer's base is at least 8-byte
  // aligned (page-aligned for an arena), so every element is a valid futex word.
  *out = static_cast<int32_t*>(data) + i;
  return true;
}

}  // namespace multitask

using namespace multitask;

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  const napi_property_descriptor functions[] = {
      {"createArena", nullptr, CreateArena, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"openArena", nullptr, OpenArena, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"arenaOf", nullptr, ArenaOf, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"sliceArena", nullptr, SliceArena, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"wait", nullptr, Wait, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"wake", nullptr, Wake, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
      {"processStartTime", nullptr, ProcessStartTime, nullptr, nullptr, nullptr,
       napi_enumerable, nullptr},
      {"dieWithParent", nullptr, DieWithParent, nullptr, nullptr, nullptr, napi_enumerable,
       nullptr},
      {"openNamed", nullptr, OpenNamed, nullptr, nullptr, nullptr, napi_enumerable, nullptr},
  };
  if (napi_define_properties(env, exports, sizeof(functions) / sizeof(functions[0]),
                             functions) != napi_ok) {
    return nullptr;
  }
  napi_value waitv;
  if (napi_get_boolean(env, HaveFutexWaitv(), &waitv) != napi_ok ||
      napi_set_named_property(env, exports, "futexWaitv", waitv) != napi_ok) {
    return nullptr;
  }
  // Each realm (the main thread, every worker thread) loads the module once and gets its
  // own async-wait state, handed to the functions that need it as their callback data.
  void* realm = nullptr;
  if (!InitRealm(env, &realm)) return nullptr;
  const napi_property_descriptor waits[] = {
      {"waitAsync", nullptr, WaitAsync, nullptr, nullptr, nullptr, napi_enumerable, realm},
      {"cancelWait", nullptr, CancelWait, nullptr, nullptr, nullptr, napi_enumerable, realm},
  };
  if (napi_define_properties(env, exports, 2, waits) != napi_ok) return nullptr;
  return exports;
}
