// The nsw-server command line: defaults, every unit-bearing flag, enums,
// one-line usage errors naming the flag, --help and --version.
#include "server/http/server_flags.h"

#include <gtest/gtest.h>

#include <sstream>
#include <string>
#include <vector>

namespace nsw::http {
namespace {

struct Parsed {
  int code;
  ServerFlags flags;
  std::string out;
  std::string err;
};

Parsed Parse(std::vector<std::string> args) {
  args.insert(args.begin(), "nsw-server");
  std::vector<const char*> argv;
  for (const auto& a : args) argv.push_back(a.c_str());
  Parsed p;
  std::ostringstream out, err;
  p.code = ParseServerFlags(static_cast<int>(argv.size()), argv.data(), &p.flags, out, err);
  p.out = out.str();
  p.err = err.str();
  return p;
}

TEST(ServerFlagsTest, DefaultsFollowTheDesign) {
  Parsed p = Parse({});
  ASSERT_EQ(p.code, -1) << p.err;
  EXPECT_EQ(p.flags.http.listen, "127.0.0.1:8080");
  EXPECT_GE(p.flags.http.threads, 1);
  EXPECT_EQ(p.flags.http.max_body, 1u << 20);
  EXPECT_EQ(p.flags.http.max_header, 16u << 10);
  EXPECT_EQ(p.flags.http.max_connections, 10000);
  EXPECT_EQ(p.flags.http.read_timeout_us, 30'000'000);
  EXPECT_EQ(p.flags.http.idle_timeout_us, 60'000'000);
  EXPECT_EQ(p.flags.service.journal.dir, "./nsw-data");
  EXPECT_EQ(p.flags.service.journal.durability, Durability::kFsync);
  EXPECT_EQ(p.flags.service.clock, ClockMode::kWall);
  EXPECT_EQ(p.flags.service.enterprise_actions, EnterpriseActions::kSimulated);
  EXPECT_EQ(p.flags.auth.mode, AuthMode::kHmac);
  EXPECT_EQ(p.flags.auth.key_dir, "./nsw-data");
  EXPECT_TRUE(p.flags.catalog_file.empty());
  EXPECT_FALSE(p.flags.service.journal.preallocate);
  EXPECT_EQ(p.flags.log_level, "info");
}

TEST(ServerFlagsTest, EveryFlagIsRead) {
  Parsed p = Parse({"--listen", "0.0.0.0:9000", "--threads", "3", "--data-dir", "/tmp/d", "--fresh",
                    "--durability", "async", "--segment-size", "8M", "--catalog", "c.textproto", "--seed", "77",
                    "--clock", "trace", "--speed", "60", "--sim-start", "2024-01-02T03:04:05Z",
                    "--reorder-window", "30m", "--max-jump", "2d", "--enterprise-actions", "http", "--auth", "none",
                    "--auth-key-file", "/k/master.key", "--tls-cert", "c.pem", "--tls-key", "k.pem", "--max-body",
                    "2M", "--max-header", "32k", "--max-connections", "50", "--max-inflight-bytes", "1G",
                    "--read-timeout", "5s", "--idle-timeout", "500ms", "--shutdown-timeout", "3s", "--access-log",
                    "a.log", "--log-level", "debug", "--preallocate-segments"});
  ASSERT_EQ(p.code, -1) << p.err;
  const ServerFlags& f = p.flags;
  EXPECT_EQ(f.http.listen, "0.0.0.0:9000");
  EXPECT_EQ(f.http.threads, 3);
  EXPECT_EQ(f.service.journal.dir, "/tmp/d");
  EXPECT_EQ(f.auth.key_dir, "/tmp/d");
  EXPECT_TRUE(f.service.journal.fresh);
  EXPECT_EQ(f.service.journal.durability, Durability::kAsync);
  EXPECT_EQ(f.service.journal.segment_size, 8u << 20);
  EXPECT_TRUE(f.service.journal.preallocate);
  EXPECT_EQ(f.catalog_file, "c.textproto");
  EXPECT_EQ(f.service.seed, 77u);
  EXPECT_EQ(f.service.clock, ClockMode::kTrace);
  EXPECT_EQ(f.service.speed, 60.0);
  EXPECT_EQ(f.service.sim_start_us, 1704164645LL * 1'000'000);
  EXPECT_EQ(f.service.reorder_window_us, 1800LL * 1'000'000);
  EXPECT_EQ(f.service.max_jump_us, 2 * 86400LL * 1'000'000);
  EXPECT_EQ(f.service.enterprise_actions, EnterpriseActions::kHttp);
  EXPECT_EQ(f.auth.mode, AuthMode::kNone);
  EXPECT_EQ(f.auth.master_key_file, "/k/master.key");
  EXPECT_EQ(f.http.tls_cert_file, "c.pem");
  EXPECT_EQ(f.http.tls_key_file, "k.pem");
  EXPECT_EQ(f.http.max_body, 2u << 20);
  EXPECT_EQ(f.http.max_header, 32u << 10);
  EXPECT_EQ(f.http.max_connections, 50);
  EXPECT_EQ(f.http.max_inflight_bytes, 1ull << 30);
  EXPECT_EQ(f.http.read_timeout_us, 5'000'000);
  EXPECT_EQ(f.http.idle_timeout_us, 500'000);
  EXPECT_EQ(f.http.shutdown_timeout_us, 3'000'000);
  EXPECT_EQ(f.access_log, "a.log");
  EXPECT_EQ(f.log_level, "debug");
}

void ExpectUsageError(std::vector<std::string> args, const std::string& names) {
  Parsed p = Parse(args);
  EXPECT_EQ(p.code, 2) << args[0];
  EXPECT_NE(p.err.find(names), std::string::npos) << p.err;
  EXPECT_EQ(p.err.find('\n'), p.err.size() - 1) << "not one line: " << p.err;
  EXPECT_EQ(p.err.rfind("nsw-server: ", 0), 0u) << p.err;
}

TEST(ServerFlagsTest, BadValuesAreOneLineUsageErrorsNamingTheFlag) {
  ExpectUsageError({"--read-timeout", "30"}, "--read-timeout");
  ExpectUsageError({"--idle-timeout", "0s"}, "--idle-timeout");
  ExpectUsageError({"--max-body", "lots"}, "--max-body");
  ExpectUsageError({"--max-header", "10"}, "--max-header");
  ExpectUsageError({"--segment-size", "1k"}, "--segment-size");
  ExpectUsageError({"--sim-start", "yesterday"}, "--sim-start");
  ExpectUsageError({"--durability", "maybe"}, "--durability");
  ExpectUsageError({"--clock", "sundial"}, "--clock");
  ExpectUsageError({"--auth", "basic"}, "--auth");
  ExpectUsageError({"--enterprise-actions", "robots"}, "--enterprise-actions");
  ExpectUsageError({"--threads", "0"}, "--threads");
  ExpectUsageError({"--threads", "many"}, "--threads");
  ExpectUsageError({"--speed", "-1"}, "--speed");
  ExpectUsageError({"--max-connections", "0"}, "--max-connections");
  ExpectUsageError({"--log-level", "loud"}, "--log-level");
  ExpectUsageError({"--tls-cert", "c.pem"}, "--tls-cert");
  ExpectUsageError({"--no-such-flag"}, "--no-such-flag");
  ExpectUsageError({"--reorder-window", "-5s"}, "--reorder-window");
}

TEST(ServerFlagsTest, HelpAndVersionExitZero) {
  Parsed help = Parse({"--help"});
  EXPECT_EQ(help.code, 0);
  for (const char* flag : {"--listen", "--threads", "--data-dir", "--fresh", "--durability", "--segment-size",
                           "--catalog", "--seed", "--clock", "--speed", "--sim-start", "--reorder-window",
                           "--max-jump", "--enterprise-actions", "--auth", "--auth-key-file", "--tls-cert",
                           "--tls-key", "--max-body", "--max-header", "--max-connections", "--max-inflight-bytes",
                           "--read-timeout", "--idle-timeout", "--access-log", "--log-level",
                           "--preallocate-segments"}) {
    EXPECT_NE(help.out.find(flag), std::string::npos) << flag;
  }
  Parsed version = Parse({"--version"});
  EXPECT_EQ(version.code, 0);
  EXPECT_EQ(version.out.rfind("nsw-server ", 0), 0u) << version.out;
}

}  // namespace
}  // namespace nsw::http
