// RunServer: nsw-server from parsed flags to exit code. Loads the catalog,
// sets up the keys, builds the NswService, the Router and the HttpServer,
// listens (logging "listening on HOST:PORT", which scripts and tests parse),
// recovers the journal (the server answers /healthz meanwhile and /readyz
// once done), then serves until SIGINT or SIGTERM: stops accepting, lets
// requests in progress finish within --shutdown-timeout, stops the service
// (flushing the journal) and returns 0. Runtime failures (bad catalog, key
// file, address in use, damaged journal) are logged in one line and return 1.
//
// REQUIRES: called from the main thread before any other thread exists: it
// blocks SIGINT and SIGTERM for the whole process and waits for them.
#ifndef NSW_SERVER_HTTP_SERVER_MAIN_H_
#define NSW_SERVER_HTTP_SERVER_MAIN_H_

#include "server/http/server_flags.h"

namespace spdlog {
class logger;
}  // namespace spdlog

namespace nsw::http {

int RunServer(const ServerFlags& flags, spdlog::logger* log);

}  // namespace nsw::http

#endif  // NSW_SERVER_HTTP_SERVER_MAIN_H_
