// nsw-server killed with SIGKILL at random moments while concurrent signed
// clients submit and retry: after every restart, each dossier the server
// acknowledged is there exactly once (same id for its reference, one dossier
// per reference), and a retry of an unanswered submission either finds the
// first (200, its id) or creates it (202) - never a second dossier.
#include <gtest/gtest.h>
#include <signal.h>

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "client/http_connection.h"
#include "client/nsw_api.h"
#include "client/signing.h"
#include "tests/process/server_process.h"

namespace nsw::process_testing {
namespace {

using client::ApiResult;
using client::SyncNswClient;

constexpr int kSenders = 4;
constexpr int kRounds = 4;
const char* const kEnterprises[kSenders] = {"0100000001", "0100000002", "0100000003", "0100000004"};

std::unique_ptr<SyncNswClient> ClientFor(const ServerProcess& server) {
  auth::Signer signer;
  Status s = auth::Signer::FromKeyFile(server.key_file("enterprise-root.key"), &signer);
  EXPECT_TRUE(s.ok()) << s.ToString();
  client::Url url;
  EXPECT_TRUE(client::ParseUrl(server.url(), &url).ok());
  client::ConnectionOptions connection;
  connection.request_timeout = std::chrono::seconds(10);
  connection.retry_stale = false;  // a retry is the test's decision, not the connection's
  return std::make_unique<SyncNswClient>(url, std::move(signer), client::ApiOptions{}, connection);
}

SubmitRequest Submission(int sender, int index) {
  SubmitRequest r;
  r.set_procedure("MOIT.CO-FORM-D");
  r.set_client_ref("crash-" + std::to_string(sender) + "-" + std::to_string(index));
  r.set_payload("manifest " + std::to_string(index));
  return r;
}

// One sender's history across rounds: the acknowledged ids by reference, and
// the submission in flight when the server died (to be retried first).
struct SenderState {
  int next = 0;
  bool pending = false;
  std::map<std::string, uint64_t> acknowledged;
  std::vector<std::string> problems;
};

TEST(ServerCrashTest, KillNineAtRandomMomentsLosesAndDuplicatesNoAcknowledgedDossier) {
  ScratchDir scratch;
  ServerProcess server(scratch.path() + "/data");
  const unsigned seed = std::random_device{}();
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937 random(seed);
  std::vector<SenderState> senders(kSenders);

  for (int round = 0; round < kRounds; ++round) {
    ASSERT_TRUE(server.Start({"--durability", "fsync", "--threads", "2"}));
    std::atomic<int> answered{0};
    std::vector<std::thread> threads;
    for (int t = 0; t < kSenders; ++t) {
      threads.emplace_back([&, t] {
        SenderState& state = senders[t];
        auto client = ClientFor(server);
        for (;;) {
          SubmitRequest request = Submission(t, state.next);
          const bool retry = state.pending;
          state.pending = true;
          SubmitReply reply;
          ApiResult r = client->Submit(kEnterprises[t], request, &reply);
          if (!r.ok()) return;  // killed: this one stays pending
          const int expected = retry ? 0 : 202;
          if (expected != 0 && r.http_status != expected) {
            state.problems.push_back(request.client_ref() + ": first submission answered " +
                                     std::to_string(r.http_status));
          }
          if (r.http_status != 200 && r.http_status != 202) {
            state.problems.push_back(request.client_ref() + ": answered " + std::to_string(r.http_status));
          }
          state.acknowledged[request.client_ref()] = reply.dossier_id();
          state.pending = false;
          ++state.next;
          answered.fetch_add(1);
        }
      });
    }
    // Kill at a random moment once some work is in flight.
    std::uniform_int_distribution<int> wait_ms(20, 400);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (answered.load() < 20 && std::chrono::steady_clock::now() < deadline) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(wait_ms(random)));
    EXPECT_EQ(server.Stop(SIGKILL), 128 + SIGKILL);
    for (auto& thread : threads) thread.join();
  }

  // The final restart: every acknowledged reference maps to its one id.
  ASSERT_TRUE(server.Start({"--durability", "fsync", "--threads", "2"}));
  auto client = ClientFor(server);
  size_t acknowledged = 0;
  uint64_t present = 0;
  for (int t = 0; t < kSenders; ++t) {
    for (const std::string& problem : senders[t].problems) ADD_FAILURE() << problem;
    acknowledged += senders[t].acknowledged.size();
    for (int i = 0; i <= senders[t].next; ++i) {
      const std::string ref = Submission(t, i).client_ref();
      Dossier dossier;
      ApiResult r = client->FindDossier(kEnterprises[t], ref, &dossier);
      auto acked = senders[t].acknowledged.find(ref);
      if (acked != senders[t].acknowledged.end()) {
        ASSERT_TRUE(r.ok()) << "acknowledged " << ref << " lost after kill -9: " << r.Describe();
        EXPECT_EQ(dossier.id(), acked->second) << ref;
      }
      if (r.ok()) ++present;
    }
  }
  ASSERT_GT(acknowledged, 0u);
  // Exactly once: the server holds no dossier beyond one per reference sent.
  Stats stats;
  ApiResult r = client->GetStats(kEnterprises[0], &stats);
  ASSERT_TRUE(r.ok()) << r.Describe();
  EXPECT_EQ(stats.dossiers(), present);
  EXPECT_EQ(server.Stop(SIGTERM), 0) << server.log();
}

}  // namespace
}  // namespace nsw::process_testing
