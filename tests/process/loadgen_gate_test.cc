// The reorder-window gate against the real nsw-server in trace-clock mode
// with its default 1 h window: a closed-loop (--max) replay over 2 threads
// and 64 connections sends a record only once every record more than an
// hour older has been answered, so the server counts no late arrival, and
// the generator's successful submits are exactly the server's dossiers.
// Without the gate (--reorder-window off) the same replay does deliver
// records behind the watermark, which is what makes the first check
// meaningful. An open-loop --speed replay too fast for the window waits at
// the gate instead.
#include <gtest/gtest.h>

#include <cstdio>
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

#ifdef NSW_SERVER_BIN

using process_testing::ScratchDir;
using process_testing::ServerProcess;

using in_process::RunCli;

constexpr uint64_t kDossiers = 4000;
constexpr uint64_t kSeed = 11;

// 4,000 dossiers over 10 days: about 50 an office hour, so 64 requests in
// flight span more than the server's 1 h window.
void WriteTrace(const std::string& path) {
  Catalog catalog;
  ASSERT_TRUE(Catalog::Default(&catalog).ok());
  GenOptions g;
  g.dossiers = kDossiers;
  g.enterprises = 200;
  g.days = 10;
  g.seed = kSeed;
  std::unique_ptr<TraceWriter> w;
  ASSERT_TRUE(TraceWriter::Open(path, &w).ok());
  ASSERT_TRUE(GenerateTrace(g, catalog, w.get()).ok());
  ASSERT_TRUE(w->Close().ok());
}

struct Replayed {
  int exit_code = -1;
  std::string output;
  RunResults results;
  Stats stats;  // the server's, after the replay
};

// A fresh trace-clock server (default window), one replay (`pacing`,
// default --max) with `extra` flags, and the server's statistics afterwards.
void ReplayOnce(const std::string& dir, const std::string& trace, std::vector<std::string> extra, Replayed* r,
                std::vector<std::string> pacing = {"--max"}) {
  ServerProcess server(dir + "/data");
  ASSERT_TRUE(server.Start({"--clock", "trace", "--durability", "none", "--threads", "2"}));
  const std::string root_key = server.key_file("enterprise-root.key");
  std::vector<std::string> args = {"replay",       trace,         "--target",     server.url(), "--auth-key-file",
                                   root_key,       "--admin-key-file", server.key_file("admin.key"),
                                   "-t",           "2",           "-c",           "64",         "--out",
                                   dir + "/r.json", "--quiet"};
  args.insert(args.end(), pacing.begin(), pacing.end());
  args.insert(args.end(), extra.begin(), extra.end());
  r->exit_code = RunCli(args, &r->output);
  ASSERT_TRUE(ReadResultsJson(dir + "/r.json", &r->results).ok()) << r->output;
  auth::KeyKind kind;
  auth::Key root{};
  ASSERT_TRUE(auth::ReadKeyFile(root_key, &kind, &root).ok());
  client::Url url;
  ASSERT_TRUE(client::ParseUrl(server.url(), &url).ok());
  client::SyncNswClient stats_client(url, auth::Signer::FromEnterpriseRoot(root));
  ASSERT_TRUE(stats_client.GetStats(EnterpriseTaxCode(kSeed, 0), &r->stats).ok());
  EXPECT_EQ(server.Stop(), 0) << server.log();
}

TEST(LoadgenGate, MaxReplayOnTwoThreadsKeepsTheDefaultWindow) {
  ScratchDir dir;
  const std::string trace = dir.path() + "/trace.pb";
  WriteTrace(trace);
  Replayed r;
  ReplayOnce(dir.path(), trace, {"--threshold", "submit:errors==0"}, &r);
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.stats.reorder_window_us(), 3'600'000'000) << "the server reports its window in /v1/stats";
  EXPECT_EQ(r.results.settings().at("reorder_window"), "1h") << r.output;
  EXPECT_EQ(r.stats.late_arrivals(), 0u) << r.output;
  EXPECT_EQ(r.results.server_late_arrivals(), 0u);
  // Request counts equal the server's.
  const RequestStats* submit = FindStats(r.results, "submit");
  ASSERT_NE(submit, nullptr);
  EXPECT_EQ(submit->ok(), kDossiers) << r.output;
  EXPECT_EQ(r.stats.dossiers(), submit->ok());
  EXPECT_EQ(r.results.failures_size(), 0) << r.output;
}

// Open loop at the trace's timing, far faster than the 1 h window allows
// (3.6 ms of wall time): due submissions wait at the gate instead of
// arriving late (without it about a quarter of them do).
TEST(LoadgenGate, SpeedReplayFasterThanTheServerWaitsAtTheGate) {
  ScratchDir dir;
  const std::string trace = dir.path() + "/trace.pb";
  WriteTrace(trace);
  Replayed r;
  ReplayOnce(dir.path(), trace, {}, &r, {"--speed", "1000000"});
  EXPECT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.stats.dossiers(), kDossiers) << r.output;
  EXPECT_EQ(r.stats.late_arrivals(), 0u) << r.output;
}

TEST(LoadgenGate, WithoutTheGateTheSameReplayArrivesLate) {
  ScratchDir dir;
  const std::string trace = dir.path() + "/trace.pb";
  WriteTrace(trace);
  Replayed r;
  ReplayOnce(dir.path(), trace, {"--reorder-window", "off"}, &r);
  EXPECT_EQ(r.stats.dossiers(), kDossiers) << r.output;
  EXPECT_GT(r.stats.late_arrivals(), 0u) << r.output;
  EXPECT_EQ(r.results.server_late_arrivals(), r.stats.late_arrivals());
  EXPECT_EQ(r.exit_code, 1) << "late arrivals fail the run\n" << r.output;
}

#endif  // NSW_SERVER_BIN

}  // namespace
}  // namespace nsw::loadgen
