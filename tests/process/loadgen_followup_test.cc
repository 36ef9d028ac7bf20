// nsw-loadgen replay end to end over what the other process tests leave
// out: follow-ups against a real nsw-server in http enterprise-actions mode
// (polls reveal fee notices and supplement requests; the generator pays,
// supplements or withdraws, and the server's counts agree with its own),
// and a replay over HTTPS to a server with a self-signed certificate made
// here with the openssl command line (verified through --ca-file).
#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <regex>
#include <string>
#include <vector>

#include "client/nsw_api.h"
#include "client/signing.h"
#include "loadgen/cli.h"
#include "loadgen/enterprises.h"
#include "loadgen/results.h"
#include "loadgen/trace_file.h"
#include "loadgen/trace_gen.h"
#include "proto/catalog.h"
#include "tests/process/server_process.h"
#include "tests/process/loadgen_in_process.h"

namespace nsw::loadgen {
namespace {

#if defined(NSW_SERVER_BIN) && defined(NSW_SOURCE_DIR)

using process_testing::ReadFile;
using process_testing::RunProgram;
using process_testing::ScratchDir;
using process_testing::ServerProcess;

using in_process::RunCli;

constexpr uint64_t kSeed = 21;

void WriteTrace(const std::string& path, uint64_t dossiers) {
  Catalog catalog;
  ASSERT_TRUE(Catalog::Default(&catalog).ok());
  GenOptions g;
  g.dossiers = dossiers;
  g.enterprises = 50;
  g.days = 3;
  g.seed = kSeed;
  std::unique_ptr<TraceWriter> w;
  ASSERT_TRUE(TraceWriter::Open(path, &w).ok());
  ASSERT_TRUE(GenerateTrace(g, catalog, w.get()).ok());
  ASSERT_TRUE(w->Close().ok());
}

Stats ServerStats(const ServerProcess& server, const std::string& base_url, const client::ConnectionOptions& c) {
  Stats stats;
  auth::KeyKind kind;
  auth::Key root{};
  EXPECT_TRUE(auth::ReadKeyFile(server.key_file("enterprise-root.key"), &kind, &root).ok());
  client::Url url;
  EXPECT_TRUE(client::ParseUrl(base_url, &url).ok());
  client::SyncNswClient stats_client(url, auth::Signer::FromEnterpriseRoot(root), client::ApiOptions(), c);
  client::ApiResult r = stats_client.GetStats(EnterpriseTaxCode(kSeed, 0), &stats);
  EXPECT_TRUE(r.ok()) << r.Describe();
  return stats;
}

const RequestStats& Kind(const RunResults& r, const char* name) {
  static const RequestStats kNone;
  const RequestStats* s = FindStats(r, name);
  return s != nullptr ? *s : kNone;
}

// Wall clock at 2 simulated hours a wall second from a Monday morning, so
// reviews (and their supplement requests) happen within the follow-up
// window; the generator's catalog gives every procedure a 30 % withdrawal
// probability so withdrawals happen too (the server's catalog is the
// default: the fingerprints differ, which is only a warning).
TEST(LoadgenFollowUps, PaymentsSupplementsAndWithdrawalsAgainstAnHttpActionsServer) {
  ScratchDir dir;
  const std::string trace = dir.path() + "/trace.pb";
  WriteTrace(trace, 300);
  std::string catalog_text = ReadFile(std::string(NSW_SOURCE_DIR) + "/proto/default_catalog.textproto");
  ASSERT_FALSE(catalog_text.empty());
  catalog_text = std::regex_replace(catalog_text, std::regex("withdraw_probability: [0-9.]+"),
                                    "withdraw_probability: 0.3");
  const std::string catalog = dir.path() + "/withdrawing.textproto";
  std::ofstream(catalog) << catalog_text;

  ServerProcess server(dir.path() + "/data");
  ASSERT_TRUE(server.Start({"--clock", "wall", "--speed", "7200", "--sim-start", "2024-03-04T08:00:00+07:00",
                            "--enterprise-actions", "http", "--durability", "none"}));
  std::string out;
  const int rc = RunCli({"replay", trace, "--target", server.url(), "--auth-key-file",
                         server.key_file("enterprise-root.key"), "--rate", "150", "-c", "16", "-t", "2", "--actions",
                         "--poll-delay", "100ms", "--max-polls", "60", "--catalog", catalog, "--out",
                         dir.path() + "/r.json", "--quiet"},
                        &out);
  EXPECT_EQ(rc, 0) << out;
  RunResults r;
  ASSERT_TRUE(ReadResultsJson(dir.path() + "/r.json", &r).ok()) << out;
  EXPECT_EQ(Kind(r, "submit").ok(), 300u) << out;
  EXPECT_GT(Kind(r, "poll").ok(), 300u) << out;
  EXPECT_GT(Kind(r, "pay").ok(), 0u) << out;
  EXPECT_GT(Kind(r, "supplement").ok(), 0u) << out;
  EXPECT_GT(Kind(r, "withdraw").ok(), 0u) << out;
  EXPECT_EQ(TotalErrors(r.total().errors()), 0u) << out;
  // Only the generator acts for the enterprises here: the server's
  // withdrawals are exactly the generator's.
  const Stats stats = ServerStats(server, server.url(), client::ConnectionOptions());
  EXPECT_EQ(stats.dossiers(), 300u);
  EXPECT_EQ(stats.total().withdrawn(), Kind(r, "withdraw").ok());
  EXPECT_GT(stats.total().supplements_requested(), 0u);
  EXPECT_EQ(server.Stop(), 0) << server.log();
}

TEST(LoadgenHttps, ReplayOverTlsWithASelfSignedCertificate) {
  ScratchDir dir;
  const std::string cert = dir.path() + "/cert.pem", key = dir.path() + "/key.pem";
  const auto made = RunProgram({"/usr/bin/openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out",
                                cert, "-days", "2", "-subj", "/CN=127.0.0.1", "-addext",
                                "subjectAltName=IP:127.0.0.1"},
                               dir.path());
  ASSERT_EQ(made.exit_code, 0) << made.output;
  const std::string trace = dir.path() + "/trace.pb";
  WriteTrace(trace, 400);
  ServerProcess server(dir.path() + "/data");
  ASSERT_TRUE(server.Start({"--clock", "trace", "--durability", "none", "--tls-cert", cert, "--tls-key", key}));
  const std::string https = "https://127.0.0.1:" + std::to_string(server.port());
  std::string out;
  // Without trusting the certificate: every connection fails its handshake.
  EXPECT_NE(RunCli({"replay", trace, "--target", https, "--auth-key-file", server.key_file("enterprise-root.key"),
                    "--max", "-c", "4", "--limit", "10", "--quiet"},
                   &out),
            0);
  EXPECT_NE(out.find("certificate"), std::string::npos) << out;
  const int rc = RunCli({"replay", trace, "--target", https, "--auth-key-file", server.key_file("enterprise-root.key"),
                         "--admin-key-file", server.key_file("admin.key"), "--ca-file", cert, "--max", "-c", "16",
                         "-t", "2", "--poll", "25%", "--poll-delay", "10ms", "--out", dir.path() + "/r.json",
                         "--threshold", "errors==0", "--quiet"},
                        &out);
  EXPECT_EQ(rc, 0) << out;
  RunResults r;
  ASSERT_TRUE(ReadResultsJson(dir.path() + "/r.json", &r).ok()) << out;
  EXPECT_EQ(Kind(r, "submit").ok(), 400u) << out;
  EXPECT_GT(Kind(r, "poll").ok(), 50u) << out;
  EXPECT_EQ(r.server_late_arrivals(), 0u);
  client::ConnectionOptions tls;
  tls.tls_ca_file = cert;
  const Stats stats = ServerStats(server, https, tls);
  EXPECT_EQ(stats.dossiers(), 400u);
  EXPECT_EQ(server.Stop(), 0) << server.log();
}

#endif  // NSW_SERVER_BIN && NSW_SOURCE_DIR

}  // namespace
}  // namespace nsw::loadgen
