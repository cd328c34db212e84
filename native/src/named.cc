// Named shared memory: Python's multiprocessing.shared_memory.SharedMemory. A segment is a
// file in /dev/shm (tmpfs), created O_CREAT|O_EXCL, sized with ftruncate and mapped
// MAP_SHARED; any process of the user attaches to it by name. The mapping is handed to
// JavaScript as a real SharedArrayBuffer, whose BackingStore deleter unmaps it once the last
// buffer over it is gone, in any realm (threads receive it by postMessage). The fd is closed
// as soon as the mapping exists: a mapping keeps the pages alive by itself, and the name
// (not an fd) is how another process finds the segment. Unlinking the name is JavaScript's.
#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>
#include <utility>

#include "common.h"

namespace multitask {

namespace {

struct Mapping {
  void* data;
  size_t size;
};

void DropMapping(void* /*data*/, size_t /*size*/, void* deleter_data) {
  Mapping* mapping = static_cast<Mapping*>(deleter_data);
  if (munmap(mapping->data, mapping->size) != 0) {
    std::perror("multitask: munmap a named segment");  // nothing to throw to, on V8's thread
  }
  delete mapping;
}

// The segment name argument: 1 to 200 characters of [A-Za-z0-9_.-], not "." or "..".
bool GetName(napi_env env, napi_value value, std::string* out) {
  char name[256];
  size_t length = 0;
  if (value == nullptr ||
      napi_get_value_string_utf8(env, value, name, sizeof(name), &length) != napi_ok) {
    ThrowType(env, "Expected `name` to be a string");
    return false;
  }
  bool valid = length >= 1 && length <= 200 && std::string(name) != "." &&
               std::string(name) != "..";
  for (size_t i = 0; valid && i < length; ++i) {
    const char c = name[i];
    valid = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            c == '_' || c == '.' || c == '-';
  }
  if (!valid) {
    ThrowRange(env, "Expected `name` to be 1 to 200 characters of A-Z a-z 0-9 _ . -");
    return false;
  }
  *out = std::string(name, length);
  return true;
}

}  // namespace

// openNamed(name, create, size) -> { buffer, inode }: creates (O_EXCL: EEXIST if the name is
// taken) a segment of `size` bytes, or attaches to an existing one (ENOENT if there is
// none; ERANGE when `size` is larger than the segment; `size` 0 maps the whole segment).
napi_value OpenNamed(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  MT_NAPI(napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr), nullptr);
  if (argc < 3) return ThrowType(env, "Expected `name`, `create` and `size`");
  std::string name;
  if (!GetName(env, argv[0], &name)) return nullptr;
  bool create;
  if (napi_get_value_bool(env, argv[1], &create) != napi_ok) {
    return ThrowType(env, "Expected `create` to be a boolean");
  }
  int64_t size;
  if (!GetInteger(env, argv[2], "size", create ? 1 : 0, (int64_t{1} << 53) - 1, &size)) {
    return nullptr;
  }
  const std::string path = "/dev/shm/" + name;
  const int flags = O_RDWR | O_CLOEXEC | O_NOFOLLOW | (create ? O_CREAT | O_EXCL : 0);
  int fd = open(path.c_str(), flags, 0600);
  if (fd < 0) return ThrowErrno(env, errno, ("open " + path).c_str());
  struct stat st;
  if (create && ftruncate(fd, static_cast<off_t>(size)) != 0) {
    int err = errno;
    close(fd);
    unlink(path.c_str());  // ours: O_EXCL made it
    return ThrowErrno(env, err, ("ftruncate " + path).c_str());
  }
  if (fstat(fd, &st) != 0) {
    int err = errno;
    close(fd);
    if (create) unlink(path.c_str());
    return ThrowErrno(env, err, ("fstat " + path).c_str());
  }
  if (!create && (!S_ISREG(st.st_mode) || st.st_size <= 0 || size > st.st_size)) {
    close(fd);
    char what[512];
    std::snprintf(what, sizeof(what), "%s has %lld bytes, %lld requested", path.c_str(),
                  static_cast<long long>(st.st_size), static_cast<long long>(size));
    return ThrowErrno(env, st.st_size <= 0 || !S_ISREG(st.st_mode) ? EINVAL : ERANGE, what);
  }
  const size_t length = static_cast<size_t>(st.st_size);
  void* data = mmap(nullptr, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  int err = errno;
  if (close(fd) != 0 && data != MAP_FAILED) std::perror("multitask: close a named segment");
  if (data == MAP_FAILED) {
    if (create) unlink(path.c_str());
    return ThrowErrno(env, err, ("mmap " + path).c_str());
  }
  Mapping* mapping = new Mapping{data, length};
  std::shared_ptr<v8::BackingStore> store =
      v8::SharedArrayBuffer::NewBackingStore(data, length, DropMapping, mapping);
  v8::Local<v8::SharedArrayBuffer> buffer =
      v8::SharedArrayBuffer::New(v8::Isolate::GetCurrent(), std::move(store));
  napi_value result, inode;
  MT_NAPI(napi_create_object(env, &result), nullptr);
  MT_NAPI(napi_create_double(env, static_cast<double>(st.st_ino), &inode), nullptr);
  MT_NAPI(napi_set_named_property(env, result, "buffer", ToNapi(buffer)), nullptr);
  MT_NAPI(napi_set_named_property(env, result, "inode", inode), nullptr);
  return result;
}

}  // namespace multitask
