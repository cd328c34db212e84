// Helpers shared by the addon's files: argument checks that throw a JavaScript error with
// a code, errno errors named after their errno (`ENOENT`), and the one place where a V8
// handle crosses to and from N-API.
#ifndef MULTITASK_NATIVE_COMMON_H_
#define MULTITASK_NATIVE_COMMON_H_

#include <node_api.h>
#include <v8.h>

#include <cstdint>
#include <cstring>

namespace multitask {

// Evaluates a napi call; on failure, returns `ret` from the enclosing function (the call
// has left a pending exception, or the engine is shutting down).
#define MT_NAPI(call, ret)              \
  do {                                  \
    if ((call) != napi_ok) return ret;  \
  } while (0)

// Throws an Error whose `code` is the errno's name and whose message says what failed:
// "open /proc/123/fd/4: No such file or directory". Returns nullptr for `return Throw…`.
napi_value ThrowErrno(napi_env env, int err, const char* what);

// Throws a TypeError / RangeError with multitask's argument codes.
napi_value ThrowType(napi_env env, const char* message);
napi_value ThrowRange(napi_env env, const char* message);

// Reads an integral Number in [min, max]; throws and returns false otherwise.
bool GetInteger(napi_env env, napi_value value, const char* name, int64_t min, int64_t max,
                int64_t* out);

// Reads a timeout in milliseconds the way Atomics.wait does: undefined, NaN and +Infinity
// mean "no timeout" (returns -1), negative values mean 0. Throws and returns false when the
// value is not a number.
bool GetTimeoutMs(napi_env env, napi_value value, double* out);

// The 32-bit word at `index` of an Int32Array, checked: the array must be an Int32Array and
// the index inside it. Int32Arrays are 4-byte aligned by construction, which futex requires.
bool GetWord(napi_env env, napi_value array, napi_value index, int32_t** out);

// N-API has no SharedArrayBuffer constructor, so the arena code makes one with V8 and hands
// it over here. A napi_value is, in every Node release since N-API exists, the address of
// the V8 handle slot: this is exactly Node's own v8impl::JsValueFromV8LocalValue. The
// addon is compiled from source against the running Node's headers, so both sides agree.
static_assert(sizeof(napi_value) == sizeof(v8::Local<v8::Value>),
              "a napi_value must be the size of a v8::Local");
inline napi_value ToNapi(v8::Local<v8::Value> local) {
  return reinterpret_cast<napi_value>(*local);
}
inline v8::Local<v8::Value> ToV8(napi_value value) {
  v8::Local<v8::Value> local;
  std::memcpy(static_cast<void*>(&local), &value, sizeof(value));
  return local;
}

// The exported functions, one per file.
napi_value CreateArena(napi_env env, napi_callback_info info);
napi_value OpenArena(napi_env env, napi_callback_info info);
napi_value ArenaOf(napi_env env, napi_callback_info info);
napi_value SliceArena(napi_env env, napi_callback_info info);
napi_value Wait(napi_env env, napi_callback_info info);
napi_value Wake(napi_env env, napi_callback_info info);
napi_value WaitAsync(napi_env env, napi_callback_info info);
napi_value CancelWait(napi_env env, napi_callback_info info);
napi_value ProcessStartTime(napi_env env, napi_callback_info info);
napi_value DieWithParent(napi_env env, napi_callback_info info);  // process.cc
napi_value OpenNamed(napi_env env, napi_callback_info info);  // named.cc

// Whether this kernel has futex_waitv (Linux 5.15); probed once.
bool HaveFutexWaitv();

// Creates the realm's (the napi_env's) async-wait state and arranges for it to be torn
// down with the realm; `*data` is what WaitAsync and CancelWait get as their callback data.
bool InitRealm(napi_env env, void** data);

}  // namespace multitask

#endif  // MULTITASK_NATIVE_COMMON_H_
