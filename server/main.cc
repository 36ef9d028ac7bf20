// nsw-server: the simulated National Single Window behind an HTTP/1.1 API.
// Thin: parses the command line (server/http/server_flags.h), creates the
// logger, and runs (server/http/server_main.h). Exit codes: 0 after a clean
// shutdown (SIGINT/SIGTERM), --help or --version; 1 a runtime failure (bad
// catalog file, key file, address in use, damaged journal); 2 a usage error.
#include <spdlog/logger.h>
#include <spdlog/sinks/stdout_sinks.h>

#include <iostream>
#include <memory>

#include "server/http/server_flags.h"
#include "server/http/server_main.h"

int main(int argc, char** argv) {
  nsw::http::ServerFlags flags;
  int code = nsw::http::ParseServerFlags(argc, argv, &flags, std::cout, std::cerr);
  if (code >= 0) return code;
  auto log = std::make_shared<spdlog::logger>("nsw-server", std::make_shared<spdlog::sinks::stderr_sink_mt>());
  log->set_pattern("%Y-%m-%dT%H:%M:%S.%e %l %v");
  log->set_level(spdlog::level::from_str(flags.log_level));
  return nsw::http::RunServer(flags, log.get());
}
