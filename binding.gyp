{
  "targets": [
    {
      "target_name": "gatehouse_native",
      "sources": ["native/module.c", "native/sockets.c", "native/udp_batch.c", "native/threads.c", "native/memory.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-std=gnu11"]
    }
  ]
}
