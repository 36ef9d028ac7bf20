// LiveModel (the dashboard frames), FrameSlot (a subscriber's one-frame
// mailbox) and OriginAllowed (the /v1/live Origin policy), without sockets.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <regex>
#include <string>

#include "proto/catalog.h"
#include "server/domain/erlang_c.h"
#include "server/http/live_model.h"

namespace nsw::http {
namespace {

const char* kCatalog = R"pb(
  name: "live"
  ministries { code: "ALW" name: "Always \"open\"" officers: 3 calendar { kind: ALWAYS } queue_policy: FIFO }
  ministries { code: "OFF" name: "Office" officers: 2 calendar { kind: OFFICE_HOURS } queue_policy: FIFO }
  procedures {
    code: "ALW.A" ministry: "ALW" name: "a"
    service_time { kind: EXPONENTIAL mean: 60 }
    deadline { working_days: 1 }
    approve_probability: 1
    fee_payment_delay { kind: FIXED mean: 3600 } supplement_delay { kind: FIXED mean: 3600 }
    popularity: 1 payload_bytes { kind: FIXED mean: 100 }
  }
  procedures {
    code: "ALW.B" ministry: "ALW" name: "b"
    service_time { kind: EXPONENTIAL mean: 180 }
    deadline { working_days: 1 }
    approve_probability: 1
    fee_payment_delay { kind: FIXED mean: 3600 } supplement_delay { kind: FIXED mean: 3600 }
    popularity: 1 payload_bytes { kind: FIXED mean: 100 }
  }
  procedures {
    code: "OFF.C" ministry: "OFF" name: "c"
    service_time { kind: EXPONENTIAL mean: 600 }
    deadline { working_days: 1 }
    approve_probability: 1
    fee_payment_delay { kind: FIXED mean: 3600 } supplement_delay { kind: FIXED mean: 3600 }
    popularity: 1 payload_bytes { kind: FIXED mean: 100 }
  }
)pb";

constexpr int64_t kSecond = 1'000'000;
// Monday 2024-01-01 10:00 in UTC+7 (inside office hours).
constexpr int64_t kMondayTen = (1704042000LL + 10 * 3600) * kSecond;

struct Counts {
  uint64_t a = 0, b = 0, c = 0;        // arrivals per procedure
  uint64_t decided_alw = 0, decided_off = 0;
  uint64_t waits_alw = 0;
  double wait_mean_alw = 0;
};

Stats MakeStats(int64_t sim_us, const Counts& n) {
  Stats s;
  s.set_clock("wall");
  s.set_sim_time_us(sim_us);
  GroupStats* alw = s.add_ministries();
  alw->set_code("ALW");
  alw->set_officers(3);
  alw->set_busy_officers(2);
  alw->set_queue_depth(5);
  alw->set_arrivals(n.a + n.b);
  alw->set_approved(n.decided_alw);
  alw->mutable_wait()->set_count(n.waits_alw);
  alw->mutable_wait()->set_mean_seconds(n.wait_mean_alw);
  GroupStats* off = s.add_ministries();
  off->set_code("OFF");
  off->set_officers(2);
  off->set_arrivals(n.c);
  off->set_rejected(n.decided_off);
  auto* pa = s.add_procedures();
  pa->set_code("ALW.A");
  pa->set_arrivals(n.a);
  pa->set_queue_visits(n.a);  // every arrival entered the queue and started review
  auto* pb = s.add_procedures();
  pb->set_code("ALW.B");
  pb->set_arrivals(n.b);
  pb->set_queue_visits(n.b);  // every arrival entered the queue and started review
  auto* pc = s.add_procedures();
  pc->set_code("OFF.C");
  pc->set_arrivals(n.c);
  pc->set_queue_visits(n.c);  // every arrival entered the queue and started review
  GroupStats* t = s.mutable_total();
  t->set_arrivals(n.a + n.b + n.c);
  t->set_approved(n.decided_alw);
  t->set_rejected(n.decided_off);
  return s;
}

// The JSON object of ministry `code` in a frame (ministries hold no nested objects).
std::string MinistryOf(const std::string& frame, const std::string& code) {
  size_t at = frame.find("{\"code\":\"" + code + "\"");
  EXPECT_NE(at, std::string::npos) << frame;
  return frame.substr(at, frame.find('}', at) - at + 1);
}

double Number(const std::string& json, const std::string& key) {
  std::smatch m;
  std::regex re("\"" + key + "\":(null|[-0-9.e+]+)");
  if (!std::regex_search(json, m, re)) {
    ADD_FAILURE() << key << " not in " << json;
    return -1;
  }
  return m[1] == "null" ? NAN : std::stod(m[1]);
}

std::string Text(const std::string& json, const std::string& key) {
  std::smatch m;
  std::regex re("\"" + key + "\":\"([^\"]*)\"");
  return std::regex_search(json, m, re) ? m[1].str() : std::string("<absent>");
}

class LiveModelTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(Catalog::FromText(kCatalog, "live", &catalog_).ok()); }
  Catalog catalog_;
};

TEST_F(LiveModelTest, RatesArePerWallSecondBetweenSnapshots) {
  LiveModel model(catalog_, LiveModelOptions());
  ClockReply clock;
  clock.set_speed(60);
  Counts n;
  std::string f0 = model.Next(0, MakeStats(kMondayTen, n), clock, 1);
  EXPECT_EQ(Number(f0, "arrivals_per_s"), 0);  // one snapshot: no rate yet
  n.a = 30;
  n.b = 10;
  n.c = 8;
  n.decided_alw = 20;
  std::string f1 = model.Next(2 * kSecond, MakeStats(kMondayTen + 120 * kSecond, n), clock, 1);
  const size_t total = f1.find("\"total\":");
  EXPECT_EQ(Number(f1.substr(total), "arrivals_per_s"), 24);   // 48 in 2 s
  EXPECT_EQ(Number(f1.substr(total), "decisions_per_s"), 10);  // 20 in 2 s
  EXPECT_EQ(Number(MinistryOf(f1, "ALW"), "arrivals_per_s"), 20);
  EXPECT_EQ(Number(MinistryOf(f1, "OFF"), "arrivals_per_s"), 4);
  EXPECT_EQ(Number(f1, "seq"), 2);
  EXPECT_NE(f1.find("\"arrivals_per_s\":[24]"), std::string::npos) << f1;  // the history
  EXPECT_EQ(Number(f1, "speed"), 60);
  EXPECT_EQ(Text(f1, "auth"), "hmac");
  // The name is escaped.
  EXPECT_NE(f1.find(R"("name":"Always \"open\"")"), std::string::npos) << f1;
}

TEST_F(LiveModelTest, ErlangCUsesTheWindowsLoadAndWeightedServiceTime) {
  LiveModelOptions options;
  options.window_samples = 2;
  LiveModel model(catalog_, options);
  ClockReply clock;
  Counts n;
  n.waits_alw = 100;
  n.wait_mean_alw = 10;
  model.Next(0, MakeStats(kMondayTen, n), clock, 1);
  // 600 simulated seconds: 6 of A (60 s) and 2 of B (180 s) -> lambda = 8/600
  // per s, mean service (6*60 + 2*180)/8 = 90 s, a = 1.2 Erlangs on 3 officers.
  n.a = 6;
  n.b = 2;
  n.waits_alw = 110;
  n.wait_mean_alw = 12;  // ten new waits of (110*12 - 100*10)/10 = 32 s
  model.Next(kSecond, MakeStats(kMondayTen + 300 * kSecond, n), clock, 1);
  std::string f = model.Next(2 * kSecond, MakeStats(kMondayTen + 600 * kSecond, n), clock, 1);
  std::string alw = MinistryOf(f, "ALW");
  ErlangCPrediction expect;
  ASSERT_TRUE(ErlangC(8.0 / 600, 1.0 / 90, 3, &expect));
  EXPECT_EQ(Text(alw, "erlang"), "ok") << alw;
  EXPECT_NEAR(Number(alw, "erlang_wait_s"), expect.mean_wait, 1e-9);
  EXPECT_NEAR(Number(alw, "utilisation"), 0.4, 1e-12);
  EXPECT_NEAR(Number(alw, "recent_wait_s"), 32, 1e-9);
  EXPECT_NEAR(Number(alw, "wait_s"), 12, 1e-12);
  EXPECT_EQ(Number(alw, "queue"), 5);
  EXPECT_EQ(Number(alw, "busy"), 2);
  // No arrivals at OFF in the window: no prediction.
  std::string off = MinistryOf(f, "OFF");
  EXPECT_EQ(Text(off, "erlang"), "no arrivals");
  EXPECT_TRUE(std::isnan(Number(off, "erlang_wait_s")));
}

TEST_F(LiveModelTest, ErlangCDoesNotApplyWhenOverloadedClosedOrStopped) {
  LiveModelOptions options;
  options.window_samples = 1;
  LiveModel model(catalog_, options);
  ClockReply clock;
  Counts n;
  std::string first = model.Next(0, MakeStats(kMondayTen, n), clock, 1);
  EXPECT_EQ(Text(MinistryOf(first, "ALW"), "erlang"), "warming up");
  // 20 of C (600 s each) in 1000 s on 2 officers: rho = 6.
  n.c = 20;
  n.a = 1;
  std::string f = model.Next(kSecond, MakeStats(kMondayTen + 1000 * kSecond, n), clock, 1);
  std::string off = MinistryOf(f, "OFF");
  EXPECT_EQ(Text(off, "erlang"), "overloaded");
  EXPECT_TRUE(std::isnan(Number(off, "erlang_wait_s")));
  EXPECT_NEAR(Number(off, "utilisation"), 6, 1e-9);
  // Across 17:00 the office closes: the steady-state model says nothing.
  const int64_t five_to_five = kMondayTen + (7 * 3600 - 300) * kSecond;
  model.Next(2 * kSecond, MakeStats(five_to_five, n), clock, 1);
  n.c = 21;
  n.a = 2;
  f = model.Next(3 * kSecond, MakeStats(five_to_five + 600 * kSecond, n), clock, 1);
  EXPECT_EQ(Text(MinistryOf(f, "OFF"), "erlang"), "closed");
  EXPECT_EQ(Text(MinistryOf(f, "ALW"), "erlang"), "ok");  // ALWAYS never closes
  // A paused clock: no simulated time passed in the window.
  n.a = 3;
  f = model.Next(4 * kSecond, MakeStats(five_to_five + 600 * kSecond, n), clock, 1);
  EXPECT_EQ(Text(MinistryOf(f, "ALW"), "erlang"), "clock stopped");
}

TEST_F(LiveModelTest, TheLoadIsWhatEntersTheQueueNotWhatArrives) {
  LiveModelOptions options;
  options.window_samples = 1;
  LiveModel model(catalog_, options);
  ClockReply clock;
  Stats s0 = MakeStats(kMondayTen, Counts());
  model.Next(0, s0, clock, 1);
  // 60 dossiers of A arrive in 600 s but only 6 entered the queue (the rest
  // wait for their fee): lambda = 6/600 per s, S = 60 s, rho = 0.2 on 3.
  Counts n;
  n.a = 60;
  Stats s1 = MakeStats(kMondayTen + 600 * kSecond, n);
  s1.mutable_procedures(0)->set_queue_visits(4);
  s1.mutable_procedures(0)->set_queue_depth(2);
  std::string alw = MinistryOf(model.Next(kSecond, s1, clock, 1), "ALW");
  EXPECT_EQ(Text(alw, "erlang"), "ok");
  EXPECT_NEAR(Number(alw, "utilisation"), 0.2, 1e-12);
  ErlangCPrediction expect;
  ASSERT_TRUE(ErlangC(6.0 / 600, 1.0 / 60, 3, &expect));
  EXPECT_NEAR(Number(alw, "erlang_wait_s"), expect.mean_wait, 1e-9);
}

TEST_F(LiveModelTest, HistoryIsBounded) {
  LiveModelOptions options;
  options.history_points = 5;
  LiveModel model(catalog_, options);
  ClockReply clock;
  Counts n;
  std::string f;
  for (int i = 0; i < 20; ++i) {
    n.a += 1;
    f = model.Next(i * kSecond, MakeStats(kMondayTen + i * kSecond, n), clock, 1);
  }
  std::smatch m;
  ASSERT_TRUE(std::regex_search(f, m, std::regex(R"("history":\{"step_ms":1000,"arrivals_per_s":\[([^\]]*)\])")))
      << f;
  EXPECT_EQ(m[1].str(), "1,1,1,1,1");
}

TEST(FrameSlotTest, KeepsOnlyTheNewestFrameAndCountsTheDropped) {
  FrameSlot slot;
  EXPECT_EQ(slot.Take(), nullptr);
  EXPECT_TRUE(slot.Put(std::make_shared<const std::string>("1")));
  EXPECT_FALSE(slot.Put(std::make_shared<const std::string>("2")));  // a wake-up is already due
  EXPECT_FALSE(slot.Put(std::make_shared<const std::string>("3")));
  EXPECT_EQ(slot.dropped(), 2u);
  auto f = slot.Take();
  ASSERT_NE(f, nullptr);
  EXPECT_EQ(*f, "3");
  EXPECT_EQ(slot.Take(), nullptr);
  EXPECT_TRUE(slot.Put(std::make_shared<const std::string>("4")));
  EXPECT_EQ(slot.dropped(), 2u);
}

TEST(OriginTest, SameOriginAndLoopbackOfTheListeningPort) {
  EXPECT_TRUE(OriginAllowed("", "127.0.0.1:8080", 8080, false));  // not a browser
  EXPECT_TRUE(OriginAllowed("http://127.0.0.1:8080", "127.0.0.1:8080", 8080, false));
  EXPECT_TRUE(OriginAllowed("http://localhost:8080", "127.0.0.1:8080", 8080, false));
  EXPECT_TRUE(OriginAllowed("http://[::1]:8080", "127.0.0.1:8080", 8080, false));
  EXPECT_TRUE(OriginAllowed("http://LocalHost:8080", "127.0.0.1:8080", 8080, false));
  // A name the server is reached by (a classroom machine), default port.
  EXPECT_TRUE(OriginAllowed("http://nsw.school.lan", "nsw.school.lan", 80, false));
  EXPECT_TRUE(OriginAllowed("http://nsw.school.lan", "NSW.school.lan:80", 8080, false));
  EXPECT_TRUE(OriginAllowed("https://nsw.school.lan", "nsw.school.lan:443", 443, true));
  EXPECT_TRUE(OriginAllowed("http://10.0.0.5:8080", "10.0.0.5:8080", 8080, false));
}

TEST(OriginTest, EverythingElseIsRefused) {
  EXPECT_FALSE(OriginAllowed("null", "127.0.0.1:8080", 8080, false));
  EXPECT_FALSE(OriginAllowed("http://evil.example", "127.0.0.1:8080", 8080, false));
  EXPECT_FALSE(OriginAllowed("http://evil.example:8080", "127.0.0.1:8080", 8080, false));
  EXPECT_FALSE(OriginAllowed("http://localhost:9090", "127.0.0.1:8080", 8080, false));  // another local app
  EXPECT_FALSE(OriginAllowed("http://localhost", "127.0.0.1:8080", 8080, false));
  EXPECT_FALSE(OriginAllowed("https://127.0.0.1:8080", "127.0.0.1:8080", 8080, false));  // scheme differs
  EXPECT_FALSE(OriginAllowed("http://127.0.0.1:8080", "127.0.0.1:8080", 8080, true));
  EXPECT_FALSE(OriginAllowed("http://127.0.0.1.evil.example:8080", "127.0.0.1:8080", 8080, false));
  EXPECT_FALSE(OriginAllowed("http://127.0.0.1:8080/", "127.0.0.1:8080", 8080, false));
  EXPECT_FALSE(OriginAllowed("http://127.0.0.1:8080@evil", "127.0.0.1:8080", 8080, false));
  EXPECT_FALSE(OriginAllowed("http://", "127.0.0.1:8080", 8080, false));
  EXPECT_FALSE(OriginAllowed("http://a:b", "a:b", 8080, false));
  EXPECT_FALSE(OriginAllowed("ws://127.0.0.1:8080", "127.0.0.1:8080", 8080, false));
}

}  // namespace
}  // namespace nsw::http
