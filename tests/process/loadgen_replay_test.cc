// nsw-loadgen replay against the real nsw-server (trace clock): a generated
// trace replays with signed requests, polls, the end-of-replay flush and no
// late arrivals; the server holds exactly the trace's dossiers; resuming
// with the same --run-id finds them all already there (repeats, not
// failures); replaying the same references as a new run counts duplicates.
#include <gtest/gtest.h>

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "client/nsw_api.h"
#include "client/signing.h"
#include "loadgen/cli.h"
#include "loadgen/engine.h"
#include "loadgen/enterprises.h"
#include "loadgen/replay_workload.h"
#include "loadgen/results.h"
#include "loadgen/trace_gen.h"
#include "proto/catalog.h"
#include "tests/process/loadgen_in_process.h"

extern char** environ;

namespace nsw::loadgen {
namespace {

#ifdef NSW_SERVER_BIN

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// nsw-server on a free loopback port, stopped (SIGTERM, then SIGKILL) at
// the end of the test.
class ServerProcess {
 public:
  explicit ServerProcess(const std::string& dir) : log_(dir + "/server.log") {
    std::vector<std::string> args = {NSW_SERVER_BIN, "--listen", "127.0.0.1:0", "--data-dir", dir + "/data",
                                     "--clock", "trace", "--reorder-window", "6h", "--durability", "none",
                                     "--threads", "2",
                                     "--log-level", "info"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 1, log_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_adddup2(&actions, 1, 2);
    if (posix_spawn(&pid_, NSW_SERVER_BIN, &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
  }
  ~ServerProcess() {
    if (pid_ <= 0) return;
    kill(pid_, SIGTERM);
    for (int i = 0; i < 100; ++i) {
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  // The port from the "listening on 127.0.0.1:PORT" log line; 0 after 15 s.
  int WaitForPort() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (std::chrono::steady_clock::now() < deadline && pid_ > 0) {
      const std::string log = ReadFile(log_);
      const size_t at = log.find("listening on 127.0.0.1:");
      if (at != std::string::npos) return std::atoi(log.c_str() + at + 23);
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return 0;
  }
  std::string log() const { return ReadFile(log_); }

 private:
  std::string log_;
  pid_t pid_ = -1;
};

using in_process::RunCli;

TEST(LoadgenReplay, TraceClockServerEndToEnd) {
  const std::string dir = testing::TempDir() + "/loadgen_replay_" + std::to_string(getpid());
  mkdir(dir.c_str(), 0700);
  const std::string trace = dir + "/trace.pb";
  Catalog catalog;
  ASSERT_TRUE(Catalog::Default(&catalog).ok());
  GenOptions g;
  g.dossiers = 1500;
  g.enterprises = 60;
  g.days = 2;
  g.seed = 4;
  {
    std::unique_ptr<TraceWriter> w;
    ASSERT_TRUE(TraceWriter::Open(trace, &w).ok());
    ASSERT_TRUE(GenerateTrace(g, catalog, w.get()).ok());
    ASSERT_TRUE(w->Close().ok());
  }
  ServerProcess server(dir);
  const int port = server.WaitForPort();
  ASSERT_GT(port, 0) << server.log();
  const std::string target = "http://127.0.0.1:" + std::to_string(port);
  const std::string root_key = dir + "/data/enterprise-root.key";
  const std::string admin_key = dir + "/data/admin.key";
  // Ready once the stats answer.
  auth::Key root{};
  {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    auth::KeyKind kind;
    while (!auth::ReadKeyFile(root_key, &kind, &root).ok() && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  client::Url url;
  ASSERT_TRUE(client::ParseUrl(target, &url).ok());
  client::SyncNswClient stats_client(url, auth::Signer::FromEnterpriseRoot(root));
  const std::string principal = EnterpriseTaxCode(g.seed, 0);
  Stats stats;
  for (int i = 0; i < 100 && !stats_client.GetStats(principal, &stats).ok(); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  ASSERT_EQ(stats.clock(), "trace") << server.log();

  // 2 days at x100000: about 1.7 s. One thread and a 6 h reorder window
  // (216 ms of wall time here) keep the arrivals inside the window even
  // when a sanitizer slows the server down; two threads can drift apart by
  // more than that under load.
  std::string out;
  const std::string results_path = dir + "/r1.json";
  ASSERT_EQ(RunCli({"replay", trace, "--target", target, "--auth-key-file", root_key, "--admin-key-file", admin_key,
                    "--speed", "100000", "-c", "8", "-t", "1", "--poll", "10%", "--poll-delay", "50ms", "--out",
                    results_path, "--threshold", "submit:errors==0", "--quiet"},
                   &out),
            0)
      << out << server.log();
  RunResults r1;
  ASSERT_TRUE(ReadResultsJson(results_path, &r1).ok());
  const RequestStats* submit = FindStats(r1, "submit");
  ASSERT_NE(submit, nullptr);
  EXPECT_EQ(submit->ok(), 1500u) << out;
  EXPECT_EQ(submit->errors().duplicate(), 0u);
  const RequestStats* poll = FindStats(r1, "poll");
  ASSERT_NE(poll, nullptr) << out;
  EXPECT_NEAR(static_cast<double>(poll->ok()), 150, 60);
  EXPECT_EQ(r1.server_late_arrivals(), 0u);
  EXPECT_EQ(r1.failures_size(), 0) << out;
  EXPECT_GE(r1.ministries_size(), 5);
  ASSERT_TRUE(stats_client.GetStats(principal, &stats).ok());
  EXPECT_EQ(stats.dossiers(), 1500u);
  EXPECT_EQ(stats.late_arrivals(), 0u);

  // Resume the same run: every submit is already there.
  ASSERT_EQ(RunCli({"replay", trace, "--target", target, "--auth-key-file", root_key, "--run-id", r1.run_id(),
                    "--speed", "200000", "-c", "4", "-t", "1", "--flush", "off", "--out", dir + "/r2.json", "--quiet"},
                   &out),
            0)
      << out;
  RunResults r2;
  ASSERT_TRUE(ReadResultsJson(dir + "/r2.json", &r2).ok());
  EXPECT_EQ(r2.total().repeats(), 1500u) << out;
  EXPECT_EQ(r2.total().errors().duplicate(), 0u);
  ASSERT_TRUE(stats_client.GetStats(principal, &stats).ok());
  EXPECT_EQ(stats.dossiers(), 1500u);

  // The same references as a fresh run: duplicates, which fail a run.
  ReplayOptions ro;
  ro.trace_path = trace;
  ro.target = url;
  ro.run_id = r1.run_id();
  ro.resume = false;
  ro.enterprise_root = root;
  ro.submitted_at = true;
  std::unique_ptr<ReplayWorkload> workload;
  ASSERT_TRUE(ReplayWorkload::Create(ro, &catalog, &workload).ok());
  EngineOptions eo;
  eo.pacing = Pacing::kMax;
  eo.connections = 4;
  eo.threads = 1;
  eo.limit = 100;
  Engine engine(eo, workload.get());
  RunResults r3;
  RunInfo info;
  ASSERT_TRUE(engine.Run(info, &r3).ok());
  EXPECT_EQ(r3.total().errors().duplicate(), 100u) << r3.DebugString();
  EXPECT_EQ(r3.total().ok(), 0u);
}

#endif  // NSW_SERVER_BIN

}  // namespace
}  // namespace nsw::loadgen
