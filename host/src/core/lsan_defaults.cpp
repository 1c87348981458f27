// LeakSanitizer's built-in suppressions for every wno executable (wno-host
// and the test binaries link this file), so no run depends on an
// LSAN_OPTIONS file being found. Only sanitizer builds define the hook.
//
// libpqxx 6.4 (Debian 12): connection_base::make_result asks the connection
// for its client encoding before the new result owns the PGresult; on a
// connection that just broke (server gone, or closed by the pool's
// deadline) that throws and the PGresult (about 2 KiB) is never freed. One
// per connection lost, so bounded by the pools; libpqxx 7 fixed it. libpqxx
// has no frame pointers, so the stack ends inside it: matched by module,
// which stays mapped because sanitizer builds link the postgres plugin
// with -z nodelete (plugins/postgres/CMakeLists.txt). Objects our code allocates are not allocated inside
// libpqxx, so their leaks are still reported.
#if defined(__SANITIZE_ADDRESS__)
// Default visibility: the project builds with hidden symbols, and the
// sanitizer runtime (a shared library) can only find an exported one.
extern "C" __attribute__((visibility("default"), used)) const char* __lsan_default_suppressions() {
  return "leak:libpqxx-6.4.so\n";
}
#endif
