// LiveFeed: the live dashboard (GET /, the page embedded from
// dashboard.html) and its WebSocket feed (GET /v1/live). A sampler thread
// takes NswService::GetStats and the clock's state about once a second,
// LiveModel turns them into one JSON frame, and every subscriber gets that
// same frame. Each subscriber has a one-frame mailbox (FrameSlot): a
// subscriber that reads slowly misses frames (they are replaced, and
// counted) and never holds up the sampler or anyone else; memory is bounded
// by one frame per subscriber and at most max_subscribers of them.
//
// Access: GET / and GET /v1/live are unsigned, like /metrics, whose figures
// they repeat (aggregate statistics, no dossier and no enterprise), so a
// projected page works without pasting a key just to watch. The feed only
// reads; changing the clock stays POST /v1/admin/clock with the admin
// signature, which the page makes itself (WebCrypto) from a key the teacher
// pastes. What the feed does check before the upgrade: the method (GET,
// else 405), a WebSocket upgrade (else 426), the Origin (live_model.h
// OriginAllowed, else 403: a page from another site cannot read the feed
// through the visitor's browser), and the subscriber limit (503).
//
// Lifecycle: Register (adds GET / to the router) before the first request;
// set_listener once the port is bound; Start after NswService::Start (the
// sampler calls the service); Stop before NswService::Stop: it closes every
// subscriber with "going away" and joins the sampler. The WebSocket side is
// in live_socket.h (for session.cc only).
//
// Thread-safety: every method is safe from any thread after construction,
// except that Register, Start and Stop are called from one controlling thread.
#ifndef NSW_SERVER_HTTP_LIVE_FEED_H_
#define NSW_SERVER_HTTP_LIVE_FEED_H_

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "server/domain/service.h"
#include "server/http/dashboard_page.h"
#include "server/http/live_model.h"
#include "server/http/router.h"

namespace spdlog {
class logger;
}  // namespace spdlog

namespace nsw::http {

inline constexpr std::string_view kLivePath = "/v1/live";
inline constexpr std::string_view kDashboardPath = "/";

struct LiveFeedOptions {
  // Subscribers at once; one more is answered 503 before the upgrade.
  // Default 64 (a class, several projectors and a few engineers).
  int max_subscribers = 64;
  // Time between frames. Default 1 s.
  int64_t period_us = 1'000'000;
  // The frames' shape (history length, Erlang C window, auth mode).
  LiveModelOptions model;
};

class LiveFeed {
 public:
  // One subscriber's state shared between the sampler and its connection
  // (defined in live_feed.cc).
  struct Subscriber;

  // `service` and `log` must outlive the feed.
  LiveFeed(NswService* service, LiveFeedOptions options, spdlog::logger* log);
  ~LiveFeed();  // Stop()
  LiveFeed(const LiveFeed&) = delete;
  LiveFeed& operator=(const LiveFeed&) = delete;

  // Adds GET / (the page) to `router`. REQUIRES: before its first request.
  void Register(Router* router);
  // The listener's port and scheme, for the Origin check.
  void set_listener(uint16_t port, bool tls);
  void Start();
  void Stop();

  // From the request header of GET /v1/live: true reserves a subscriber
  // place (give it back with Release, which ServeLive does); false sets the
  // refusal.
  bool Admit(const RequestHeader& header, bhttp::status* status, std::string* code, std::string* message);
  void Release();

  // Called by ServeLive (live_feed.cc) for an accepted WebSocket: Add hands
  // the subscriber the newest frame at once.
  void Add(const std::shared_ptr<Subscriber>& subscriber);
  void Remove(const std::shared_ptr<Subscriber>& subscriber);
  bool stopping() const { return stopping_.load(std::memory_order_acquire); }

  int subscribers() const { return places_.load(std::memory_order_acquire); }
  uint64_t frames() const { return frames_.load(std::memory_order_relaxed); }
  uint64_t dropped_frames() const { return dropped_.load(std::memory_order_relaxed); }
  void CountDropped(uint64_t n) { dropped_.fetch_add(n, std::memory_order_relaxed); }

 private:
  void Run();
  void Publish(std::shared_ptr<const std::string> frame);

  NswService* service_;
  LiveFeedOptions options_;
  spdlog::logger* log_;
  std::atomic<uint16_t> port_{0};
  std::atomic<bool> tls_{false};
  std::atomic<int> places_{0};
  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> frames_{0};
  std::atomic<uint64_t> dropped_{0};

  std::mutex mu_;
  std::condition_variable wake_;
  std::vector<std::shared_ptr<Subscriber>> subscribers_;  // guarded by mu_
  std::shared_ptr<const std::string> latest_;             // guarded by mu_
  bool stop_requested_ = false;                           // guarded by mu_
  std::thread sampler_;
};

}  // namespace nsw::http

#endif  // NSW_SERVER_HTTP_LIVE_FEED_H_
