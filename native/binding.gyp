# The optional shared-memory addon (see native/src/addon.cc). Built at install time by
# scripts/build-native.mjs with node-gyp; on any OS but Linux the target is empty, and the
# library uses the broker instead.
{
  "targets": [
    {
      "target_name": "multitask_native",
      "conditions": [
        ["OS=='linux'", {
          "sources": [
            "src/addon.cc",
            "src/arena.cc",
            "src/async-wait.cc",
            "src/futex.cc",
            "src/named.cc",
            "src/process.cc"
          ],
          "defines": ["NAPI_VERSION=8", "_GNU_SOURCE"],
          "cflags_cc": ["-Wall", "-Wextra"],
          "libraries": ["-lpthread"]
        }, {
          "type": "none"
        }]
      ]
    }
  ]
}
