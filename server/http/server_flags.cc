// The nsw-server command line; see server_flags.h.
#include "server/http/server_flags.h"

#include <CLI/CLI.hpp>

#include <algorithm>
#include <functional>
#include <ostream>
#include <thread>
#include <deque>

#include "proto/units.h"

#ifndef NSW_VERSION
#define NSW_VERSION "0.1.0"
#endif

namespace nsw::http {

const char* ServerVersion() { return "nsw-server " NSW_VERSION; }

int ParseServerFlags(int argc, const char* const* argv, ServerFlags* flags, std::ostream& out, std::ostream& err) {
  flags->http.threads = std::max(1u, std::thread::hardware_concurrency());
  CLI::App app{"nsw-server: the simulated National Single Window behind an HTTP/1.1 API", "nsw-server"};
  app.set_version_flag("--version", ServerVersion());
  app.get_formatter()->column_width(34);

  // Values with units are read as text and converted after parsing, so an
  // error names the flag and the unit rule in one line.
  struct Deferred {
    std::string flag;
    std::string text;
    std::function<Status(const std::string&)> apply;
  };
  std::deque<Deferred> deferred;  // CLI11 keeps pointers to `text`: no reallocation
  auto duration = [&](const std::string& flag, int64_t* target, std::string help) {
    deferred.push_back({flag, "", [target, flag](const std::string& text) {
                          int64_t us = 0;
                          Status s = ParseDuration(text, &us);
                          if (s.ok() && us < 0) s = Status::InvalidArgument("'" + text + "' is negative");
                          if (s.ok()) *target = us;
                          return s;
                        }});
    app.add_option(flag, deferred.back().text, help + " (default " + FormatDuration(*target) + ")")
        ->type_name("DURATION");
  };
  auto size = [&](const std::string& flag, std::function<Status(uint64_t)> set, std::string help) {
    deferred.push_back({flag, "", [set](const std::string& text) {
                          uint64_t bytes = 0;
                          Status s = ParseSize(text, &bytes);
                          return s.ok() ? set(bytes) : s;
                        }});
    app.add_option(flag, deferred.back().text, help)->type_name("SIZE");
  };

  std::string durability = "fsync", clock = "wall", actions = "simulated", auth_mode = "hmac", sim_start;

  app.add_option("--listen", flags->http.listen, "address:port to listen on; port 0 picks a free one")
      ->type_name("ADDR:PORT")
      ->capture_default_str();
  app.add_option("--threads", flags->http.threads, "io threads (default: one per core)")
      ->check(CLI::PositiveNumber);
  app.add_option("--data-dir", flags->service.journal.dir, "journal and key files")
      ->type_name("DIR")
      ->capture_default_str();
  app.add_flag("--fresh", flags->service.journal.fresh, "delete the journal's old segments first");
  app.add_option("--durability", durability, "acknowledge after fsync, after write() (async), or keep nothing (none)")
      ->check(CLI::IsMember({"fsync", "async", "none"}))
      ->capture_default_str();
  size("--segment-size",
       [flags](uint64_t bytes) {
         if (bytes < 4096) return Status::InvalidArgument("segments must be at least 4k");
         flags->service.journal.segment_size = bytes;
         return Status::OK();
       },
       "rotate journal segments past this size (default 64M)");
  app.add_flag("--preallocate-segments", flags->service.journal.preallocate,
               "write each next journal segment ahead as zeros: shorter fsyncs (no inode write), "
               "more disk writes");
  app.add_option("--catalog", flags->catalog_file,
                 "text-format catalog (default: the built-in 13 ministries, 198 procedures)")
      ->type_name("FILE");
  app.add_option("--seed", flags->service.seed, "run seed of every dossier's randomness")->capture_default_str();
  app.add_option("--clock", clock, "simulated time follows the wall clock or each submission's timestamp")
      ->check(CLI::IsMember({"wall", "trace"}))
      ->capture_default_str();
  app.add_option("--speed", flags->service.speed, "simulated seconds per wall second (wall clock)")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  app.add_option("--sim-start", sim_start, "first simulated instant, RFC 3339 (default 2020-01-01T00:00:00+07:00)")
      ->type_name("TIME");
  duration("--reorder-window", &flags->service.reorder_window_us, "trace clock: how late a submission may arrive");
  duration("--max-jump", &flags->service.max_jump_us, "trace clock: refuse submissions dated further ahead");
  app.add_option("--enterprise-actions", actions, "who pays, supplements and withdraws: the simulation or HTTP clients")
      ->check(CLI::IsMember({"simulated", "http"}))
      ->capture_default_str();
  app.add_option("--auth", auth_mode, "verify NSW1-HMAC-SHA256 signatures, or trust the caller (classroom demos)")
      ->check(CLI::IsMember({"hmac", "none"}))
      ->capture_default_str();
  app.add_option("--auth-key-file", flags->auth.master_key_file,
                 "master key file to use instead of <data-dir>/master.key")
      ->type_name("FILE");
  app.add_option("--tls-cert", flags->http.tls_cert_file, "PEM certificate chain: serve HTTPS (with --tls-key)")
      ->type_name("FILE");
  app.add_option("--tls-key", flags->http.tls_key_file, "PEM private key of --tls-cert")->type_name("FILE");
  size("--max-body",
       [flags](uint64_t bytes) {
         flags->http.max_body = bytes;
         return Status::OK();
       },
       "largest request body, else 413 (default 1M)");
  size("--max-header",
       [flags](uint64_t bytes) {
         if (bytes < 256 || bytes > (64u << 20)) return Status::InvalidArgument("must be between 256 and 64M");
         flags->http.max_header = static_cast<uint32_t>(bytes);
         return Status::OK();
       },
       "largest request header block, else 431 (default 16k)");
  app.add_option("--max-connections", flags->http.max_connections, "open connections, beyond which 503")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  size("--max-inflight-bytes",
       [flags](uint64_t bytes) {
         flags->http.max_inflight_bytes = bytes;
         return Status::OK();
       },
       "request body bytes held at once, beyond which 503 (default 256M)");
  duration("--read-timeout", &flags->http.read_timeout_us, "bound on reading a request and writing its response");
  duration("--idle-timeout", &flags->http.idle_timeout_us, "how long a keep-alive connection may stay idle");
  duration("--shutdown-timeout", &flags->http.shutdown_timeout_us,
           "on SIGTERM, how long requests in progress may take to finish");
  app.add_option("--access-log", flags->access_log, "append one line per request to this file")
      ->type_name("FILE");
  app.add_option("--log-level", flags->log_level, "trace, debug, info, warn, error, critical or off")
      ->type_name("LEVEL")
      ->check(CLI::IsMember({"trace", "debug", "info", "warn", "error", "critical", "off"}))
      ->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp&) {
    out << app.help();
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    out << app.help();
    return 0;
  } catch (const CLI::CallForVersion& e) {
    out << e.what() << "\n";
    return 0;
  } catch (const CLI::ParseError& e) {
    err << "nsw-server: " << e.what() << "\n";
    return 2;
  }

  auto usage = [&err](const std::string& flag, const std::string& message) {
    err << "nsw-server: " << flag << ": " << message << "\n";
    return 2;
  };
  for (const Deferred& d : deferred) {
    if (app.count(d.flag) == 0) continue;
    Status s = d.apply(d.text);
    if (!s.ok()) return usage(d.flag, s.message());
  }
  if (flags->http.read_timeout_us <= 0) return usage("--read-timeout", "must be more than 0");
  if (flags->http.idle_timeout_us <= 0) return usage("--idle-timeout", "must be more than 0");
  if (!sim_start.empty()) {
    Status s = ParseInstant(sim_start, &flags->service.sim_start_us);
    if (!s.ok()) return usage("--sim-start", s.message());
  }
  if (flags->http.tls_cert_file.empty() != flags->http.tls_key_file.empty()) {
    return usage(flags->http.tls_cert_file.empty() ? "--tls-key" : "--tls-cert", "--tls-cert and --tls-key go together");
  }
  flags->service.journal.durability = durability == "fsync"   ? Durability::kFsync
                                      : durability == "async" ? Durability::kAsync
                                                              : Durability::kNone;
  flags->service.clock = clock == "trace" ? ClockMode::kTrace : ClockMode::kWall;
  flags->service.enterprise_actions = actions == "http" ? EnterpriseActions::kHttp : EnterpriseActions::kSimulated;
  flags->auth.mode = auth_mode == "none" ? AuthMode::kNone : AuthMode::kHmac;
  flags->auth.key_dir = flags->service.journal.dir;
  return -1;
}

}  // namespace nsw::http
