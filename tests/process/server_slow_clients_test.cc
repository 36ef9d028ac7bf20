// The real nsw-server holding 1,000 slow or idle connections at once - a
// third trickling their headers a byte at a time, a third stopped in the
// middle of a signed body, a third idle between keep-alive requests - while
// normal signed clients submit and read dossiers: every normal request gets
// its right answer, the server really holds the slow connections (its
// nsw_http_open_connections gauge), and its anonymous memory stays within
// a generous bound. Correctness and memory only; bench/slow_clients.sh
// measures what the slow connections cost in latency.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "client/http_connection.h"
#include "client/nsw_api.h"
#include "client/signing.h"
#include "tests/process/raw_http.h"
#include "tests/process/server_process.h"

namespace nsw::process_testing {
namespace {

using client::ApiResult;
using client::SyncNswClient;
using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr int kSlowConnections = 1000;
constexpr int kNormalClients = 4;
constexpr int kSubmitsPerClient = 50;
#if defined(__SANITIZE_ADDRESS__)
// ASan's quarantine and shadow memory come on top of the server's own use.
constexpr int64_t kRssGrowthBoundKib = 768 * 1024;
#else
constexpr int64_t kRssGrowthBoundKib = 128 * 1024;
#endif

int64_t RssAnonKib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("RssAnon:", 0) == 0) return std::atoll(line.c_str() + 8);
  }
  return 0;
}

// Raises the soft descriptor limit (inherited by the server) to `want`, or
// as far as the hard limit allows; the limit reached.
rlim_t RaiseNoFile(rlim_t want) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return 0;
  if (limit.rlim_cur < want) {
    limit.rlim_cur = std::min(want, limit.rlim_max);
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
  }
  return limit.rlim_cur;
}

// The value of an unlabelled gauge in a Prometheus exposition.
double Gauge(const std::string& exposition, const std::string& name) {
  size_t at = exposition.find("\n" + name + " ");
  return at == std::string::npos ? -1 : std::atof(exposition.c_str() + at + name.size() + 2);
}

TEST(ServerSlowClientsTest, AThousandSlowConnectionsHoldUpNoSignedClientAndMemoryStaysBounded) {
  ASSERT_GE(RaiseNoFile(4 * kSlowConnections), static_cast<rlim_t>(2 * kSlowConnections + 200))
      << "the descriptor limit cannot hold the test's and the server's connections";
  ScratchDir scratch;
  ServerProcess server(scratch.path() + "/data");
  ASSERT_TRUE(server.Start({"--durability", "none", "--threads", "2", "--max-connections", "4000",
                            "--read-timeout", "60s", "--idle-timeout", "60s"}));
  const std::string host = "127.0.0.1:" + std::to_string(server.port());
  auth::Signer signer;
  ASSERT_TRUE(auth::Signer::FromKeyFile(server.key_file("enterprise-root.key"), &signer).ok());
  client::Url url;
  ASSERT_TRUE(client::ParseUrl(server.url(), &url).ok());
  {
    // Warm up (catalog, first allocations) before the baseline.
    auth::Signer warm_signer;
    ASSERT_TRUE(auth::Signer::FromKeyFile(server.key_file("enterprise-root.key"), &warm_signer).ok());
    SyncNswClient warm(url, std::move(warm_signer));
    CatalogProto catalog;
    ApiResult r = warm.GetCatalog("0300000009", &catalog);
    ASSERT_TRUE(r.ok()) << r.Describe();
  }
  const int64_t rss_before = RssAnonKib(server.pid());

  // The slow connections: trickling headers, unfinished bodies, idle.
  std::vector<RawConnection> trickling, unfinished, idle;
  const std::string slow_header = "GET /healthz HTTP/1.1\r\nHost: " + host + "\r\nX-Slow: ";
  const std::string body = R"({"procedure":"MOIT.CO-FORM-D","clientRef":"never-finished","payload":"QUJD"})";
  const std::string auth = SignFor(signer, "0100000009", "POST", "/v1/dossiers", host, "application/json", body);
  const std::string body_start =
      RawRequest("POST", "/v1/dossiers", host, "Content-Type: application/json\r\nAuthorization: " + auth + "\r\n",
                 "", static_cast<int64_t>(body.size())) +
      body.substr(0, 20);
  for (int i = 0; i < kSlowConnections; ++i) {
    RawConnection c;
    ASSERT_TRUE(c.Connect(server.port())) << "connection " << i << ": " << std::strerror(errno);
    switch (i % 3) {
      case 0:
        ASSERT_TRUE(c.Send(slow_header));
        trickling.push_back(std::move(c));
        break;
      case 1:
        ASSERT_TRUE(c.Send(body_start));
        unfinished.push_back(std::move(c));
        break;
      default:
        ASSERT_TRUE(c.Send(RawRequest("GET", "/healthz", host, "", "")));
        ASSERT_EQ(c.ReadResponse(seconds(30)).status, 200) << "idle connection " << i;
        idle.push_back(std::move(c));
        break;
    }
  }
  // One byte to every trickling connection every 100 ms while the normal
  // clients run.
  std::atomic<bool> stop{false};
  std::atomic<int> trickle_failures{0};
  std::atomic<int> trickle_passes{0};
  std::thread trickler([&] {
    while (!stop.load()) {
      for (auto& c : trickling) {
        if (!c.Send("s")) trickle_failures.fetch_add(1);
      }
      trickle_passes.fetch_add(1);
      std::this_thread::sleep_for(milliseconds(100));
    }
  });

  std::atomic<int> wrong{0};
  std::vector<std::thread> clients;
  for (int k = 0; k < kNormalClients; ++k) {
    clients.emplace_back([&, k] {
      auth::Signer own;
      if (!auth::Signer::FromKeyFile(server.key_file("enterprise-root.key"), &own).ok()) {
        wrong.fetch_add(kSubmitsPerClient);
        return;
      }
      SyncNswClient c(url, std::move(own));
      const std::string enterprise = "030000000" + std::to_string(k);
      // At least kSubmitsPerClient, and on until the slow connections have
      // trickled for two seconds, so that both really interleave.
      for (int i = 0; i < kSubmitsPerClient || (trickle_passes.load() < 20 && i < 20000); ++i) {
        SubmitRequest request;
        request.set_procedure("MOIT.CO-FORM-D");
        request.set_client_ref("normal-" + std::to_string(i));
        request.set_payload("payload " + std::to_string(i));
        SubmitReply reply;
        ApiResult r = c.Submit(enterprise, request, &reply);
        Dossier dossier;
        ApiResult read = r.ok() ? c.GetDossier(enterprise, reply.dossier_id(), &dossier) : r;
        if (r.http_status != 202 || !read.ok() || dossier.client_ref() != request.client_ref()) wrong.fetch_add(1);
      }
    });
  }
  for (auto& t : clients) t.join();

  // The server still holds the slow connections (and they were not simply
  // refused): its gauge, through one more normal request.
  RawConnection probe;
  ASSERT_TRUE(probe.Connect(server.port()));
  ASSERT_TRUE(probe.Send(RawRequest("GET", "/metrics", host, "", "")));
  RawResponse metrics = probe.ReadResponse(seconds(30));
  ASSERT_EQ(metrics.status, 200);
  const int64_t rss_during = RssAnonKib(server.pid());
  stop.store(true);
  trickler.join();

  EXPECT_EQ(wrong.load(), 0) << "normal requests answered wrongly or not at all";
  EXPECT_EQ(trickle_failures.load(), 0) << "trickling connections were cut off early";
  EXPECT_GE(Gauge(metrics.body, "nsw_http_open_connections"), kSlowConnections) << metrics.body.substr(0, 4000);
  EXPECT_LT(rss_during - rss_before, kRssGrowthBoundKib)
      << "RssAnon " << rss_before << " KiB before, " << rss_during << " KiB with " << kSlowConnections
      << " slow connections";
  std::cerr << "RssAnon: " << rss_before << " KiB before, " << rss_during << " KiB with " << kSlowConnections
            << " slow connections\n";
  // None of the slow connections got an answer it should not have.
  for (auto& c : unfinished) EXPECT_TRUE(c.buffered().empty());

  trickling.clear();
  unfinished.clear();
  idle.clear();
  EXPECT_EQ(server.Stop(), 0) << server.log().substr(0, 4000);
}

}  // namespace
}  // namespace nsw::process_testing
