// Arenas: anonymous shared memory (a memfd) mapped MAP_SHARED and handed to JavaScript as a
// real SharedArrayBuffer, so that threads receive it by postMessage as any other
// SharedArrayBuffer, and other processes map the very same pages.
//
// Another process opens an arena without fd passing, through the creator's fd table:
// open("/proc/<creatorPid>/fd/<fd>") reopens the creator's memfd (allowed between processes
// of one user). The opener keeps its own fd open for as long as it maps the arena, so that
// it can hand the arena on to its own children as /proc/<itsPid>/fd/<itsFd>. A memfd has no
// name on disk: it vanishes with its last fd and mapping, whoever dies how.
//
// Lifetime. One Arena per mapping, shared by every realm of the process, and counted: every
// SharedArrayBuffer's BackingStore over the arena, in any isolate, holds one reference
// (the whole arena from createArena/openArena, or a slice of it from sliceArena). V8 runs a
// store's deleter, on whichever thread drops the last buffer over that store, and the
// deleter drops the store's reference; the last one unmaps and closes. `arenas` maps
// (dev, inode) to the live mapping so that a process opening the same arena twice maps it
// once. References are taken and dropped under `arenas_mutex`, so that an open that finds
// the arena in the map never races with the deleter that is about to unmap it.
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <map>
#include <memory>
#include <mutex>
#include <utility>

#include "common.h"

#ifndef MFD_NOEXEC_SEAL
#define MFD_NOEXEC_SEAL 0x0008U
#endif

namespace multitask {

namespace {

struct Arena {
  void* data;
  size_t size;
  int fd;  // kept open for the arena's whole life: it is how the arena is handed on
  dev_t dev;
  ino_t ino;
  size_t references;  // BackingStores over (part of) the mapping; guarded by arenas_mutex
};

using Key = std::pair<dev_t, ino_t>;

// Leaked on purpose: deleters may run during process exit, after static destructors.
std::mutex& arenas_mutex = *new std::mutex;
std::map<Key, Arena*>& arenas = *new std::map<Key, Arena*>;

// The sizes and seals that make a mapping safe: a memfd that can neither shrink nor grow,
// so that no access inside the buffer can ever fault with SIGBUS.
constexpr int kSeals = F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL;

// V8's deleter: the last SharedArrayBuffer over one store (the whole arena or a slice) is
// gone, in every realm. `data` and `size` are the store's, not the mapping's.
void DropArena(void* /*data*/, size_t /*size*/, void* deleter_data) {
  Arena* arena = static_cast<Arena*>(deleter_data);
  {
    std::lock_guard<std::mutex> lock(arenas_mutex);
    if (--arena->references > 0) return;
    auto found = arenas.find(Key(arena->dev, arena->ino));
    if (found != arenas.end() && found->second == arena) arenas.erase(found);
  }
  if (munmap(arena->data, arena->size) != 0) {
    std::perror("multitask: munmap an arena");  // nothing to throw to, on V8's thread
  }
  if (close(arena->fd) != 0) std::perror("multitask: close an arena");
  delete arena;
}

// A new SharedArrayBuffer over [offset, offset + length) of the mapping. The caller holds a
// reference for it (taken under arenas_mutex), which the store's deleter drops.
v8::Local<v8::SharedArrayBuffer> NewBuffer(Arena* arena, size_t offset, size_t length) {
  std::shared_ptr<v8::BackingStore> store = v8::SharedArrayBuffer::NewBackingStore(
      static_cast<char*>(arena->data) + offset, length, DropArena, arena);
  return v8::SharedArrayBuffer::New(v8::Isolate::GetCurrent(), std::move(store));
}

// The arena that `data` points into, and the offset in it; nullptr if none. Holding
// arenas_mutex.
Arena* FindArena(const void* data, size_t* offset) {
  const char* at = static_cast<const char*>(data);
  for (const auto& entry : arenas) {
    const char* base = static_cast<const char*>(entry.second->data);
    if (at >= base && at < base + entry.second->size) {
      *offset = static_cast<size_t>(at - base);
      return entry.second;
    }
  }
  return nullptr;
}

// { buffer, fd, inode } for JavaScript; arenaOf's { fd, inode, offset } without a buffer.
napi_value Describe(napi_env env, v8::Local<v8::SharedArrayBuffer> buffer, const Arena* arena,
                    size_t offset) {
  napi_value result, fd, inode;
  MT_NAPI(napi_create_object(env, &result), nullptr);
  MT_NAPI(napi_create_int32(env, arena->fd, &fd), nullptr);
  MT_NAPI(napi_create_double(env, static_cast<double>(arena->ino), &inode), nullptr);
  if (!buffer.IsEmpty()) {
    MT_NAPI(napi_set_named_property(env, result, "buffer", ToNapi(buffer)), nullptr);
  }
  MT_NAPI(napi_set_named_property(env, result, "fd", fd), nullptr);
  MT_NAPI(napi_set_named_property(env, result, "inode", inode), nullptr);
  if (buffer.IsEmpty()) {
    napi_value js_offset;
    MT_NAPI(napi_create_double(env, static_cast<double>(offset), &js_offset), nullptr);
    MT_NAPI(napi_set_named_property(env, result, "offset", js_offset), nullptr);
  }
  return result;
}

// Maps `fd` (owned: closed on failure) and registers the arena; returns its buffer.
napi_value MapArena(napi_env env, int fd, const struct stat& st) {
  size_t size = static_cast<size_t>(st.st_size);
  void* data = mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (data == MAP_FAILED) {
    int err = errno;
    close(fd);
    return ThrowErrno(env, err, "mmap the arena");
  }
  Arena* arena = new Arena{data, size, fd, st.st_dev, st.st_ino, 1};
  {
    std::lock_guard<std::mutex> lock(arenas_mutex);
    arenas[Key(st.st_dev, st.st_ino)] = arena;
  }
  return Describe(env, NewBuffer(arena, 0, size), arena, 0);
}

// The live mapping of (dev, ino) in this process as a new buffer, or nullptr.
napi_value ReuseArena(napi_env env, const struct stat& st, bool* found) {
  Arena* arena = nullptr;
  {
    std::lock_guard<std::mutex> lock(arenas_mutex);
    auto it = arenas.find(Key(st.st_dev, st.st_ino));
    if (it != arenas.end()) {
      arena = it->second;
      ++arena->references;  // in the map, so not yet dropped to 0 (see DropArena)
    }
  }
  *found = arena != nullptr;
  if (!*found) return nullptr;
  return Describe(env, NewBuffer(arena, 0, arena->size), arena, 0);
}

}  // namespace

// createArena(size) -> { buffer, fd, inode }: a new zeroed arena of `size` bytes.
napi_value CreateArena(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  MT_NAPI(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), nullptr);
  int64_t size;
  if (!GetInteger(env, argc > 0 ? argv[0] : nullptr, "size", 1, (int64_t{1} << 53) - 1,
                  &size)) {
    return nullptr;
  }
  const unsigned flags = MFD_CLOEXEC | MFD_ALLOW_SEALING;
  int fd = memfd_create("multitask-arena", flags | MFD_NOEXEC_SEAL);
  if (fd < 0 && errno == EINVAL) fd = memfd_create("multitask-arena", flags);  // before 6.3
  if (fd < 0) return ThrowErrno(env, errno, "memfd_create");
  struct stat st;
  if (ftruncate(fd, static_cast<off_t>(size)) != 0 || fcntl(fd, F_ADD_SEALS, kSeals) != 0 ||
      fstat(fd, &st) != 0) {
    int err = errno;
    close(fd);
    return ThrowErrno(env, err, "size and seal the arena");
  }
  return MapArena(env, fd, st);
}

// openArena(pid, fd, inode?) -> { buffer, fd, inode }: maps the arena that process `pid`
// holds as `fd`. With `inode`, refuses (ESTALE) a different file: the creator may have
// dropped the arena and reused the fd number since the reference was made.
napi_value OpenArena(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  MT_NAPI(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), nullptr);
  int64_t pid, remote_fd, inode = -1;
  if (argc < 2 || !GetInteger(env, argv[0], "pid", 1, INT32_MAX, &pid) ||
      !GetInteger(env, argv[1], "fd", 0, INT32_MAX, &remote_fd)) {
    if (argc < 2) ThrowType(env, "Expected `pid` and `fd`");
    return nullptr;
  }
  napi_valuetype type = napi_undefined;
  if (argc > 2) MT_NAPI(napi_typeof(env, argv[2], &type), nullptr);
  if (type != napi_undefined &&
      !GetInteger(env, argv[2], "inode", 0, (int64_t{1} << 53) - 1, &inode)) {
    return nullptr;
  }
  char path[64];
  std::snprintf(path, sizeof(path), "/proc/%lld/fd/%lld", static_cast<long long>(pid),
                static_cast<long long>(remote_fd));
  int fd = open(path, O_RDWR | O_CLOEXEC);
  if (fd < 0) {
    char what[96];
    std::snprintf(what, sizeof(what), "open %s", path);
    return ThrowErrno(env, errno, what);
  }
  struct stat st;
  if (fstat(fd, &st) != 0) {
    int err = errno;
    close(fd);
    return ThrowErrno(env, err, "fstat the arena");
  }
  // Only a sealed memfd has a size nobody can change under the mapping.
  int seals = fcntl(fd, F_GET_SEALS);
  if (inode >= 0 && static_cast<ino_t>(inode) != st.st_ino) {
    close(fd);
    char what[128];
    std::snprintf(what, sizeof(what), "%s is no longer the arena of inode %lld", path,
                  static_cast<long long>(inode));
    return ThrowErrno(env, ESTALE, what);
  }
  if (!S_ISREG(st.st_mode) || st.st_size <= 0 || seals < 0 || (seals & kSeals) != kSeals) {
    close(fd);
    char what[96];
    std::snprintf(what, sizeof(what), "%s is not a multitask arena", path);
    return ThrowErrno(env, EINVAL, what);
  }
  bool found;
  napi_value existing = ReuseArena(env, st, &found);
  if (found) {
    close(fd);  // this process keeps the fd of its first mapping
    return existing;
  }
  return MapArena(env, fd, st);
}

// The SharedArrayBuffer argument `value`, or an empty handle after throwing.
v8::Local<v8::SharedArrayBuffer> GetShared(napi_env env, napi_value value) {
  v8::Local<v8::Value> local = value != nullptr ? ToV8(value) : v8::Local<v8::Value>();
  if (local.IsEmpty() || !local->IsSharedArrayBuffer()) {
    ThrowType(env, "Expected `buffer` to be a SharedArrayBuffer");
    return v8::Local<v8::SharedArrayBuffer>();
  }
  return local.As<v8::SharedArrayBuffer>();
}

// arenaOf(buffer) -> { fd, inode, offset } | null: how this process can hand `buffer` on, if
// it is an arena or a slice of one (also in a worker thread that received the buffer by
// postMessage); `offset` is where the buffer starts in the arena.
napi_value ArenaOf(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  MT_NAPI(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), nullptr);
  v8::Local<v8::SharedArrayBuffer> buffer = GetShared(env, argc > 0 ? argv[0] : nullptr);
  if (buffer.IsEmpty()) return nullptr;
  void* data = buffer->Data();
  if (data != nullptr && buffer->ByteLength() > 0) {
    std::lock_guard<std::mutex> lock(arenas_mutex);
    size_t offset = 0;
    // The buffer keeps its mapping alive, so its Arena cannot be deleted meanwhile.
    const Arena* arena = FindArena(data, &offset);
    if (arena != nullptr) return Describe(env, v8::Local<v8::SharedArrayBuffer>(), arena, offset);
  }
  napi_value null;
  MT_NAPI(napi_get_null(env, &null), nullptr);
  return null;
}

// sliceArena(buffer, offset, length) -> SharedArrayBuffer: a new buffer over
// [offset, offset + length) of `buffer`, which must be an arena or a slice of one. The
// slice keeps the whole mapping alive for as long as it lives, in any realm.
napi_value SliceArena(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  MT_NAPI(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), nullptr);
  if (argc < 3) return ThrowType(env, "Expected `buffer`, `offset` and `length`");
  v8::Local<v8::SharedArrayBuffer> buffer = GetShared(env, argv[0]);
  if (buffer.IsEmpty()) return nullptr;
  const int64_t size = static_cast<int64_t>(buffer->ByteLength());
  int64_t offset, length;
  if (!GetInteger(env, argv[1], "offset", 0, size, &offset) ||
      !GetInteger(env, argv[2], "length", 1, size - offset, &length)) {
    return nullptr;
  }
  Arena* arena = nullptr;
  size_t base = 0;
  {
    std::lock_guard<std::mutex> lock(arenas_mutex);
    if (buffer->Data() != nullptr) arena = FindArena(buffer->Data(), &base);
    if (arena != nullptr) ++arena->references;  // `buffer` holds one: it cannot be 0
  }
  if (arena == nullptr) return ThrowType(env, "Expected `buffer` to be an arena");
  return ToNapi(
      NewBuffer(arena, base + static_cast<size_t>(offset), static_cast<size_t>(length)));
}

}  // namespace multitask
