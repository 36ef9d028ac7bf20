// nsw-server's run sequence; see server_main.h.
#include "server/http/server_main.h"

#include <signal.h>
#include <spdlog/logger.h>

#include <memory>
#include <string>

#include "proto/catalog.h"
#include "proto/units.h"
#include "server/domain/service.h"
#include "server/http/access_log.h"
#include "server/http/auth_setup.h"
#include "server/http/http_server.h"
#include "server/http/live_feed.h"
#include "server/http/metrics.h"
#include "server/http/router.h"
#include "server/journal/env.h"

namespace nsw::http {
namespace {

const char* DurabilityName(Durability d) {
  switch (d) {
    case Durability::kFsync:
      return "fsync";
    case Durability::kAsync:
      return "async";
    case Durability::kNone:
      return "none";
  }
  return "?";
}

}  // namespace

int RunServer(const ServerFlags& flags, spdlog::logger* log) {
  // Blocked before any thread starts, so every thread inherits the mask and
  // the signals wait for sigwait below instead of killing the process.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);
  // A peer closing mid-write must not kill the server.
  signal(SIGPIPE, SIG_IGN);

  Catalog catalog;
  Status s = flags.catalog_file.empty() ? Catalog::Default(&catalog) : Catalog::FromFile(flags.catalog_file, &catalog);
  if (!s.ok()) {
    log->error("{}", s.message());
    return 1;
  }
  std::unique_ptr<Env> env = NewPosixEnv();
  AuthSetup auth;
  s = SetUpAuth(flags.auth, env.get(), &auth);
  if (!s.ok()) {
    log->error("{}", s.message());
    return 1;
  }

  NswService service(catalog, flags.service, env.get(), log);
  Router router(&service, auth.verifier.get(), RouterOptions(), log);
  std::unique_ptr<AccessLog> access_log;
  if (!flags.access_log.empty()) {
    s = AccessLog::Open(flags.access_log, &access_log);
    if (!s.ok()) {
      log->error("{}", s.message());
      return 1;
    }
  }
  HttpServer server(&router, flags.http, log);
  if (access_log) server.AddObserver(access_log.get());
  MetricsOptions metrics_options;
  metrics_options.open_connections = [&server] { return server.open_connections(); };
  Metrics metrics(&service, std::move(metrics_options));
  metrics.Register(&router);
  server.AddObserver(&metrics);
  LiveFeedOptions live_options;
  live_options.model.auth = flags.auth.mode == AuthMode::kNone ? "none" : "hmac";
  LiveFeed live(&service, std::move(live_options), log);
  live.Register(&router);
  server.SetLiveFeed(&live);
  s = server.Start();
  if (!s.ok()) {
    log->error("{}", s.message());
    return 1;
  }
  live.set_listener(server.port(), server.tls());

  const ServiceOptions& so = flags.service;
  log->info("{} listening on {} ({}, {} io thread{}); data dir {}, clock {}{}, durability {}, enterprise actions {}, "
            "auth {}",
            ServerVersion(), server.local_address(), server.tls() ? "https" : "http", flags.http.threads,
            flags.http.threads == 1 ? "" : "s", so.journal.dir, so.clock == ClockMode::kTrace ? "trace" : "wall",
            so.clock == ClockMode::kWall ? fmt::format(" at speed {}", so.speed) : std::string(),
            DurabilityName(so.journal.durability),
            so.enterprise_actions == EnterpriseActions::kHttp ? "http" : "simulated",
            flags.auth.mode == AuthMode::kHmac ? "hmac" : "none");
  log->info("catalog {}: {} ministries, {} procedures",
            flags.catalog_file.empty() ? std::string("(built-in)") : flags.catalog_file, catalog.ministry_count(),
            catalog.procedure_count());
  if (flags.auth.mode == AuthMode::kNone) {
    log->warn("--auth none: signatures are not checked; anyone can act for any enterprise and for the admin");
  } else if (auth.enterprise_root_path.empty()) {
    log->info("keys: master key {} (--auth-key-file); clients sign with it or with keys derived from it",
              auth.master_key_path);
  } else {
    log->info("keys {}: {} (for clients and load generators), {} (admin clock); master key {} stays here",
              auth.created ? "created" : "in place", auth.enterprise_root_path, auth.admin_path,
              auth.master_key_path);
  }
  if (!server.loopback() && !server.tls()) {
    log->warn("listening on {} without TLS: signatures protect integrity, but payloads travel in clear text "
              "(--tls-cert/--tls-key)",
              server.local_address());
  }
  if (so.journal.durability == Durability::kNone) {
    log->warn("--durability none: nothing is written to disk; every dossier is lost when the server stops");
  }

  s = service.Start();
  if (!s.ok()) {
    log->error("cannot start: {}", s.message());
    live.Stop();
    server.Drain();
    server.Stop();
    return 1;
  }
  router.set_service_started(true);
  live.Start();
  log->info("ready");

  int signal_number = 0;
  sigwait(&stop_signals, &signal_number);
  log->info("{}: stopping; requests in progress get up to {}", signal_number == SIGINT ? "SIGINT" : "SIGTERM",
            FormatDuration(flags.http.shutdown_timeout_us));
  live.Stop();  // closes the dashboards' WebSockets, which Drain would otherwise wait for
  bool drained = server.Drain();
  service.Stop();
  server.Stop();
  if (access_log) access_log->Flush();
  log->info("stopped{}", drained ? "" : " (connections still open at the shutdown timeout were cut)");
  return 0;
}

}  // namespace nsw::http
