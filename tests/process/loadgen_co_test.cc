// The load generator against a real socket: a plain-Asio HTTP server on
// 127.0.0.1 that freezes for 1 s every 5 s (as wrk2's README demonstrates
// with kill -STOP). At a constant 1,000 requests/s over 8 connections for
// 10 s, 20 % of the requests are due during a freeze and wait for its end,
// so the coordinated-omission-corrected latency has p90 ~0.5 s and p99
// ~0.95 s, while the uncorrected latency (from the actual send) stays small
// at p99 because only the 8 requests on the wire per freeze see the stall.
// Also: every request the generator counts is one the server counted, and
// the command line runs end to end (results file, thresholds, exit codes).
#include <gtest/gtest.h>

#include <boost/asio.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <sstream>
#include <thread>
#include <unistd.h>

#include "loadgen/cli.h"
#include "loadgen/engine.h"
#include "loadgen/results.h"
#include "loadgen/schedule.h"
#include "loadgen/url_workload.h"
#include "proto/histogram.h"
#include "tests/process/loadgen_in_process.h"

namespace nsw::loadgen {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

// Answers "200 ok" to every request, except that answers due during the
// last second of every 5-second cycle (from `epoch`) wait for its end.
class FreezingServer {
 public:
  explicit FreezingServer(bool freeze) : freeze_(freeze), acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)) {
    epoch_ = std::chrono::steady_clock::now();
    Accept();
    for (int i = 0; i < 2; ++i) threads_.emplace_back([this] { io_.run(); });
  }
  ~FreezingServer() {
    asio::post(io_, [this] {
      acceptor_.close();
      for (auto& s : sockets_) {
        boost::system::error_code ec;
        s->close(ec);
      }
    });
    work_.reset();
    io_.stop();
    for (auto& t : threads_) t.join();
  }
  uint16_t port() const { return acceptor_.local_endpoint().port(); }
  uint64_t requests() const { return requests_.load(); }
  void set_epoch(std::chrono::steady_clock::time_point e) { epoch_ = e; }

 private:
  struct Conn {
    explicit Conn(tcp::socket s) : socket(std::move(s)), timer(socket.get_executor()) {}
    tcp::socket socket;
    asio::steady_timer timer;
    asio::streambuf buf;
  };

  void Accept() {
    acceptor_.async_accept([this](boost::system::error_code ec, tcp::socket socket) {
      if (ec) return;
      auto conn = std::make_shared<Conn>(std::move(socket));
      {
        std::lock_guard<std::mutex> lock(mu_);
        sockets_.push_back(std::shared_ptr<tcp::socket>(conn, &conn->socket));
      }
      Read(conn);
      Accept();
    });
  }

  void Read(std::shared_ptr<Conn> conn) {
    asio::async_read_until(conn->socket, conn->buf, "\r\n\r\n", [this, conn](boost::system::error_code ec, size_t n) {
      if (ec) return;
      conn->buf.consume(n);
      ++requests_;
      conn->timer.expires_at(FreezeEnd());
      conn->timer.async_wait([this, conn](boost::system::error_code) {
        static const std::string kResponse = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Type: text/plain\r\n\r\nok";
        asio::async_write(conn->socket, asio::buffer(kResponse), [this, conn](boost::system::error_code ec, size_t) {
          if (!ec) Read(conn);
        });
      });
    });
  }

  // Now, or the end of the freeze we are in.
  std::chrono::steady_clock::time_point FreezeEnd() const {
    const auto now = std::chrono::steady_clock::now();
    if (!freeze_ || now < epoch_) return now;
    const auto cycle = std::chrono::seconds(5);
    const auto into = (now - epoch_) % cycle;
    if (into >= std::chrono::seconds(4)) return now + (cycle - into);
    return now;
  }

  const bool freeze_;
  asio::io_context io_;
  std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work_{io_.get_executor()};
  tcp::acceptor acceptor_;
  std::chrono::steady_clock::time_point epoch_;
  std::atomic<uint64_t> requests_{0};
  std::mutex mu_;
  std::vector<std::shared_ptr<tcp::socket>> sockets_;
  std::vector<std::thread> threads_;
};

int64_t WallNowUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

TEST(LoadgenCoordinatedOmission, FreezesShowInCorrectedLatencyOnly) {
  FreezingServer server(true);
  UrlWorkloadOptions uo;
  ASSERT_TRUE(client::ParseUrl("http://127.0.0.1:" + std::to_string(server.port()) + "/", &uo.url).ok());
  UrlWorkload workload(uo);
  EngineOptions o;
  o.pacing = Pacing::kRate;
  o.rate = 1000;
  o.connections = 8;
  o.threads = 2;
  o.duration_us = 10'000'000;
  // Both clocks agree on the start: the server's cycle begins with the schedule.
  const auto steady_start = std::chrono::steady_clock::now() + std::chrono::milliseconds(300);
  o.start_at_unix_us = WallNowUs() + 300'000;
  server.set_epoch(steady_start);
  Engine engine(o, &workload);
  RunResults results;
  RunInfo info;
  info.mode = "url";
  info.target = uo.url.ToString();
  ASSERT_TRUE(engine.Run(info, &results).ok());

  const RequestStats& t = results.total();
  EXPECT_EQ(t.sent(), 10000u);
  EXPECT_EQ(t.responses(), 10000u);
  EXPECT_EQ(t.ok(), 10000u);
  EXPECT_EQ(TotalErrors(t.errors()), 0u);
  EXPECT_EQ(server.requests(), t.responses()) << "every request counted once on each side";
  Histogram corrected, uncorrected;
  ASSERT_TRUE(HistogramFromProto(t.latency(), &corrected).ok());
  ASSERT_TRUE(HistogramFromProto(t.uncorrected(), &uncorrected).ok());
  const double p90 = static_cast<double>(corrected.ValueAtPercentile(90)) / 1e6;
  const double p99 = static_cast<double>(corrected.ValueAtPercentile(99)) / 1e6;
  const double max = static_cast<double>(corrected.max()) / 1e6;
  const double u99 = static_cast<double>(uncorrected.ValueAtPercentile(99)) / 1e6;
  const double u_max = static_cast<double>(uncorrected.max()) / 1e6;
  std::printf("corrected p50 %.4fs p90 %.3fs p99 %.3fs max %.3fs; uncorrected p99 %.4fs max %.3fs\n",
              static_cast<double>(corrected.ValueAtPercentile(50)) / 1e6, p90, p99, max, u99, u_max);
  EXPECT_NEAR(p90, 0.5, 0.1);
  EXPECT_NEAR(p99, 0.95, 0.07);
  EXPECT_NEAR(max, 1.0, 0.15);
  EXPECT_LT(u99, 0.1) << "only the requests on the wire during a freeze see it uncorrected";
  EXPECT_GT(u_max, 0.5) << "but those few do";
  // About 10 one-second intervals, the frozen ones with worse percentiles.
  std::vector<IntervalStats> intervals;
  auto source = engine.Intervals();
  for (;;) {
    IntervalStats iv;
    bool end = false;
    ASSERT_TRUE(source(&iv, &end).ok());
    if (end) break;
    intervals.push_back(iv);
  }
  EXPECT_GE(intervals.size(), 10u);
  EXPECT_LE(intervals.size(), 13u);
  uint64_t responses = 0;
  for (const auto& iv : intervals) responses += iv.responses();
  EXPECT_EQ(responses, t.responses());
}

// Runs `o` against `server` and collects the per-second intervals.
void RunUrl(const FreezingServer& server, const EngineOptions& o, RunResults* results,
            std::vector<IntervalStats>* intervals) {
  UrlWorkloadOptions uo;
  ASSERT_TRUE(client::ParseUrl("http://127.0.0.1:" + std::to_string(server.port()) + "/", &uo.url).ok());
  UrlWorkload workload(uo);
  Engine engine(o, &workload);
  RunInfo info;
  info.mode = "url";
  ASSERT_TRUE(engine.Run(info, results).ok());
  auto source = engine.Intervals();
  for (;;) {
    IntervalStats iv;
    bool end = false;
    ASSERT_TRUE(source(&iv, &end).ok());
    if (end) break;
    intervals->push_back(iv);
  }
}

// A schedule start on a whole wall second, 0.7 to 1.7 s from now, so interval
// seconds are schedule seconds.
int64_t NextWholeSecondUs() { return (WallNowUs() + 300'000) / 1'000'000 * 1'000'000 + 1'000'000; }

// --stages: 1 s at 100/s, a 1 s ramp to 400/s, 1 s at 400/s: the sends of
// each second follow the profile (100, 250, 400), and the server sees each.
TEST(LoadgenEngine, StagesRampTheAchievedRate) {
  FreezingServer server(false);
  EngineOptions o;
  o.pacing = Pacing::kRate;
  o.rate = 100;
  ASSERT_TRUE(ParseStages("1s:100,1s:400,1s:400", &o.stages).ok());
  o.connections = 8;
  o.threads = 2;
  o.start_at_unix_us = NextWholeSecondUs();
  RunResults results;
  std::vector<IntervalStats> intervals;
  RunUrl(server, o, &results, &intervals);
  const RequestStats& t = results.total();
  EXPECT_NEAR(static_cast<double>(t.sent()), 750, 1);
  EXPECT_EQ(t.ok(), t.sent());
  EXPECT_EQ(server.requests(), t.sent());
  std::map<int64_t, uint64_t> sent;
  for (const auto& iv : intervals) sent[iv.unix_second() - o.start_at_unix_us / 1'000'000] += iv.sent();
  EXPECT_NEAR(static_cast<double>(sent[0]), 100, 12);
  EXPECT_NEAR(static_cast<double>(sent[1]), 250, 20);
  EXPECT_NEAR(static_cast<double>(sent[2]), 400, 20);
}

// --warmup: requests intended in the first second are sent (the server
// counts them) but not measured.
TEST(LoadgenEngine, WarmupIsSentButNotMeasured) {
  FreezingServer server(false);
  EngineOptions o;
  o.pacing = Pacing::kRate;
  o.rate = 200;
  o.duration_us = 2'000'000;
  o.warmup_us = 1'000'000;
  o.connections = 4;
  o.threads = 1;
  RunResults results;
  std::vector<IntervalStats> intervals;
  RunUrl(server, o, &results, &intervals);
  EXPECT_EQ(server.requests(), 400u);
  EXPECT_EQ(results.total().scheduled(), 200u);
  EXPECT_EQ(results.total().sent(), 200u);
  EXPECT_EQ(results.total().responses(), 200u);
  EXPECT_EQ(results.warmup_us(), 1'000'000);
  uint64_t interval_sent = 0;
  for (const auto& iv : intervals) interval_sent += iv.sent();
  EXPECT_EQ(interval_sent, 200u);
}

// --max-inflight: while the server freezes (1 s), one connection holds one
// request and the queue 19 more; the rest of what falls due is dropped,
// counted, and never reaches the server.
TEST(LoadgenEngine, MaxInflightDropsAndCountsWhatCannotBeQueued) {
  FreezingServer server(true);
  EngineOptions o;
  o.pacing = Pacing::kRate;
  o.rate = 500;
  o.duration_us = 1'500'000;
  o.connections = 1;
  o.threads = 1;
  o.max_inflight = 20;
  // The freeze covers schedule time [0.2 s, 1.2 s).
  o.start_at_unix_us = WallNowUs() + 300'000;
  server.set_epoch(std::chrono::steady_clock::now() + std::chrono::milliseconds(300) - std::chrono::milliseconds(3800));
  RunResults results;
  std::vector<IntervalStats> intervals;
  RunUrl(server, o, &results, &intervals);
  const RequestStats& t = results.total();
  EXPECT_EQ(t.scheduled(), 750u);
  EXPECT_GT(t.errors().dropped(), 400u);
  EXPECT_EQ(t.sent() + t.errors().dropped(), t.scheduled());
  EXPECT_EQ(t.responses(), t.sent());
  EXPECT_EQ(server.requests(), t.sent()) << "dropped requests never reach the server";
  uint64_t interval_dropped = 0;
  for (const auto& iv : intervals) interval_dropped += iv.dropped();
  EXPECT_EQ(interval_dropped, t.errors().dropped());
  bool warned = false;
  for (const auto& w : results.warnings()) warned |= w.find("--max-inflight") != std::string::npos;
  EXPECT_TRUE(warned);
}

using in_process::RunCli;

TEST(LoadgenCli, UrlRunResultsThresholdsAndMerge) {
  FreezingServer server(false);
  const std::string url = "http://127.0.0.1:" + std::to_string(server.port()) + "/";
  const std::string dir = testing::TempDir() + "/loadgen_cli_" + std::to_string(getpid());
  std::string out, err;
  ASSERT_EQ(RunCli({"url", url, "--rate", "200", "--duration", "1s", "-c", "2", "-t", "1", "--shard", "1/2", "--out",
                    dir + "-a.json", "--hlog", dir + ".hlog", "--html", dir + ".html", "--threshold", "p99<5s",
                    "--quiet"},
                   &out, &err),
            0)
      << out << err;
  EXPECT_NE(out.find("Requests/sec:"), std::string::npos) << out;
  EXPECT_NE(out.find("99.900%"), std::string::npos) << out;
  ASSERT_EQ(RunCli({"url", url, "--rate", "200", "--duration", "1s", "-c", "2", "-t", "1", "--shard", "2/2", "--out",
                    dir + "-b.json", "--threshold", "p99<1us", "--quiet"},
                   &out, &err),
            99)
      << out << err;
  EXPECT_NE(out.find("FAIL p99<1us"), std::string::npos) << out;
  EXPECT_EQ(server.requests(), 200u) << "two shards of 1 s at 200/s";
  ASSERT_EQ(RunCli({"merge", dir + "-a.json", dir + "-b.json", "--out", dir + "-m.json"}, &out, &err), 0) << err;
  RunResults merged;
  ASSERT_TRUE(ReadResultsJson(dir + "-m.json", &merged).ok());
  EXPECT_EQ(merged.total().responses(), 200u);
  EXPECT_EQ(merged.parts(), 2u);
  ASSERT_EQ(RunCli({"report", dir + "-m.json", "--threshold", "requests>=200"}, &out, &err), 0) << err;
  ASSERT_EQ(RunCli({"report", dir + "-m.json", "--threshold", "requests>200"}, &out, &err), 99) << err;
  std::ifstream hlog(dir + ".hlog");
  std::stringstream text;
  text << hlog.rdbuf();
  EXPECT_NE(text.str().find("HISTF"), std::string::npos);
  for (const char* suffix : {"-a.json", "-b.json", "-m.json", ".hlog", ".html"}) std::remove((dir + suffix).c_str());
}

TEST(LoadgenCli, UsageErrorsAreOneLineNamingTheFlag) {
  std::string out, err;
  EXPECT_EQ(RunCli({"url", "http://127.0.0.1:1/", "--rate", "fast", "--duration", "1s"}, &out, &err), 2);
  EXPECT_NE(err.find("--rate"), std::string::npos) << err;
  EXPECT_EQ(std::count(err.begin(), err.end(), '\n'), 1) << err;
  EXPECT_EQ(RunCli({"url", "http://127.0.0.1:1/", "--rate", "10", "--duration", "soon"}, &out, &err), 2);
  EXPECT_NE(err.find("--duration"), std::string::npos) << err;
  EXPECT_EQ(RunCli({"url", "http://127.0.0.1:1/", "--rate", "10", "--duration", "1s", "--threshold", "p99<fast"}, &out,
                   &err),
            2);
  EXPECT_NE(err.find("--threshold"), std::string::npos) << err;
  EXPECT_EQ(RunCli({"url", "http://127.0.0.1:1/", "--duration", "1s"}, &out, &err), 2);
  EXPECT_NE(err.find("pacing"), std::string::npos) << err;
  EXPECT_EQ(RunCli({"gen", "--out", "x", "--nonsense"}, &out, &err), 2);
  EXPECT_NE(err.find("--nonsense"), std::string::npos) << err;
  EXPECT_EQ(RunCli({"--version"}, &out, &err), 0);
  EXPECT_NE(out.find("nsw-loadgen"), std::string::npos);
  EXPECT_EQ(RunCli({"replay", "--help"}, &out, &err), 0);
  EXPECT_NE(out.find("--target"), std::string::npos);
  // A refused connection is a runtime outcome, counted as connect errors.
  EXPECT_EQ(RunCli({"url", "http://127.0.0.1:1/", "--rate", "20", "--duration", "500ms", "--quiet", "--threshold",
                    "errors<1%"},
                   &out, &err),
            99)
      << out << err;
  EXPECT_NE(out.find("connect"), std::string::npos) << out;
}

}  // namespace
}  // namespace nsw::loadgen
