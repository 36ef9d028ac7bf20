// The nsw-server command line (DESIGN.md "Command lines"): every flag into
// one ServerFlags value, with durations, sizes and instants parsed by
// proto/units.h. Usage errors are one line naming the flag; --help and
// --version print and exit 0. Kept out of main.cc so tests can parse
// command lines without starting a process.
#ifndef NSW_SERVER_HTTP_SERVER_FLAGS_H_
#define NSW_SERVER_HTTP_SERVER_FLAGS_H_

#include <iosfwd>
#include <string>

#include "server/domain/service.h"
#include "server/http/auth_setup.h"
#include "server/http/http_server.h"

namespace nsw::http {

struct ServerFlags {
  HttpServerOptions http;   // --listen, --threads, limits, timeouts, --tls-*
  ServiceOptions service;   // --seed, --clock, ..., journal: --data-dir, --durability, ...
  AuthOptions auth;         // --auth, --auth-key-file (key_dir = --data-dir)
  std::string catalog_file; // --catalog; empty: the built-in default
  std::string access_log;   // --access-log; empty: none
  std::string log_level = "info";  // --log-level: trace, debug, info, warn, error, critical, off
};

// The version --version prints.
const char* ServerVersion();

// Parses argv into *flags. Returns -1 when the server should run; otherwise
// the exit code, having written to `out` (--help, --version: 0) or `err`
// (one line, "nsw-server: --read-timeout: ...": 2).
int ParseServerFlags(int argc, const char* const* argv, ServerFlags* flags, std::ostream& out, std::ostream& err);

}  // namespace nsw::http

#endif  // NSW_SERVER_HTTP_SERVER_FLAGS_H_
