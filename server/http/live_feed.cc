// LiveFeed and the /v1/live WebSocket; see live_feed.h and live_socket.h.
// This is the one translation unit that compiles Beast's WebSocket code.
//
// A subscriber's connection runs two coroutines on its io thread: the
// writer (ServeOn) sends whatever frame the subscriber's FrameSlot holds and
// otherwise waits on a timer that the sampler's post cancels; the reader
// drains what the peer sends (pongs, its close) and ends the writer when the
// peer leaves. The sampler thread never touches a socket: it fills slots and
// posts at most one wake-up per subscriber at a time.
#include "server/http/live_feed.h"

#include <spdlog/logger.h>

#include <chrono>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <boost/beast/websocket.hpp>
#include <boost/beast/websocket/ssl.hpp>

#include "server/http/live_socket.h"

namespace nsw::http {

namespace beast = boost::beast;
namespace websocket = beast::websocket;
using Timer = net::basic_waitable_timer<std::chrono::steady_clock, net::wait_traits<std::chrono::steady_clock>,
                                        Executor>;
using UseAwaitable = net::use_awaitable_t<Executor>;

struct LiveFeed::Subscriber {
  explicit Subscriber(Executor e) : executor(std::move(e)) {}
  const Executor executor;
  std::mutex mu;
  FrameSlot slot;  // guarded by mu
  // Only on the executor's thread: the writer's wait, null once it has left.
  Timer* wake = nullptr;
};

namespace {

inline auto Tuple() { return net::as_tuple(UseAwaitable{}); }

int64_t SteadyMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// Wakes a subscriber's writer (on its own thread).
void Wake(const std::shared_ptr<LiveFeed::Subscriber>& sub) {
  net::post(sub->executor, [sub] {
    if (sub->wake) sub->wake->cancel();
  });
}

// The peer sends nothing we need; reading keeps pings answered and notices
// its close or its disappearance.
template <typename Ws>
net::awaitable<void, Executor> ReadLoop(Ws& ws) {
  beast::flat_buffer buffer;
  for (;;) {
    auto [ec, n] = co_await ws.async_read(buffer, Tuple());
    if (ec) co_return;
    buffer.consume(buffer.size());
  }
}

template <typename Next>
net::awaitable<void, Executor> ServeOn(LiveFeed* feed, Next& next, const Request& request) {
  struct Place {
    LiveFeed* feed;
    ~Place() { feed->Release(); }
  } place{feed};
  Executor executor = co_await net::this_coro::executor;
  beast::get_lowest_layer(next).expires_never();  // the WebSocket's own timeouts apply
  websocket::stream<Next&> ws(next);
  websocket::stream_base::timeout timeouts;
  timeouts.handshake_timeout = std::chrono::seconds(10);
  // A browser answers pings by itself; a peer that does not for this long is gone.
  timeouts.idle_timeout = std::chrono::seconds(30);
  timeouts.keep_alive_pings = true;
  ws.set_option(timeouts);
  ws.set_option(websocket::stream_base::decorator(
      [](websocket::response_type& response) { response.set(bhttp::field::server, "nsw-server"); }));
  ws.read_message_max(4096);
  ws.auto_fragment(false);
  ws.text(true);
  {
    auto [ec] = co_await ws.async_accept(request, Tuple());
    if (ec) co_return;
  }

  auto sub = std::make_shared<LiveFeed::Subscriber>(executor);
  Timer wake(executor);
  sub->wake = &wake;
  bool reading = true;
  net::co_spawn(executor, ReadLoop(ws), [&reading, &wake](std::exception_ptr) {
    reading = false;
    wake.cancel();
  });
  feed->Add(sub);

  bool write_failed = false;
  while (reading && !feed->stopping()) {
    std::shared_ptr<const std::string> frame;
    {
      std::lock_guard<std::mutex> lock(sub->mu);
      frame = sub->slot.Take();
    }
    if (!frame) {
      wake.expires_at(Timer::time_point::max());
      co_await wake.async_wait(Tuple());
      continue;
    }
    auto [ec, n] = co_await ws.async_write(net::buffer(*frame), Tuple());
    if (ec) {
      write_failed = true;
      break;
    }
  }
  feed->Remove(sub);
  {
    std::lock_guard<std::mutex> lock(sub->mu);
    feed->CountDropped(sub->slot.dropped());
  }

  if (reading && !write_failed) {
    // We end it (the feed stops): say so; the reader ends with the peer's reply.
    auto [ec] = co_await ws.async_close(websocket::close_reason(websocket::close_code::going_away), Tuple());
    if (ec) beast::get_lowest_layer(next).cancel();
  } else if (reading) {
    beast::get_lowest_layer(next).cancel();
  }
  // The reader refers to `ws` and to these locals: wait for it, bounded.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::seconds(2);
  while (reading) {
    if (std::chrono::steady_clock::now() >= give_up) beast::get_lowest_layer(next).cancel();
    wake.expires_after(std::chrono::milliseconds(100));
    co_await wake.async_wait(Tuple());
  }
  sub->wake = nullptr;
}

}  // namespace

bool IsLiveTarget(std::string_view target) { return target.substr(0, target.find('?')) == kLivePath; }

net::awaitable<void, Executor> ServeLive(LiveFeed* feed, LiveTcpStream& stream, const Request& request) {
  return ServeOn(feed, stream, request);
}

net::awaitable<void, Executor> ServeLive(LiveFeed* feed, LiveTlsStream& stream, const Request& request) {
  return ServeOn(feed, stream, request);
}

LiveFeed::LiveFeed(NswService* service, LiveFeedOptions options, spdlog::logger* log)
    : service_(service), options_(std::move(options)), log_(log) {}

LiveFeed::~LiveFeed() { Stop(); }

void LiveFeed::Register(Router* router) {
  router->AddRoute(bhttp::verb::get, std::string(kDashboardPath), [](const Request&, Response* response) {
    response->result(bhttp::status::ok);
    response->set(bhttp::field::content_type, "text/html; charset=utf-8");
    response->set(bhttp::field::cache_control, "no-store");
    // The page needs nothing but itself and this server: the browser enforces it.
    response->set("Content-Security-Policy",
                  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data:; "
                  "connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'");
    response->set("X-Content-Type-Options", "nosniff");
    response->body() = kDashboardHtml;
  });
}

void LiveFeed::set_listener(uint16_t port, bool tls) {
  port_.store(port, std::memory_order_release);
  tls_.store(tls, std::memory_order_release);
}

void LiveFeed::Start() {
  if (sampler_.joinable()) return;
  sampler_ = std::thread([this] { Run(); });
}

void LiveFeed::Stop() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (stop_requested_) return;
    stop_requested_ = true;
  }
  stopping_.store(true, std::memory_order_release);
  wake_.notify_all();
  if (sampler_.joinable()) sampler_.join();
  std::vector<std::shared_ptr<Subscriber>> subs;
  {
    std::lock_guard<std::mutex> lock(mu_);
    subs = subscribers_;
  }
  for (const auto& sub : subs) Wake(sub);
}

bool LiveFeed::Admit(const RequestHeader& header, bhttp::status* status, std::string* code, std::string* message) {
  if (header.method() != bhttp::verb::get) {
    *status = bhttp::status::method_not_allowed;
    *code = "method_not_allowed";
    *message = "the live feed is GET " + std::string(kLivePath) + " with a WebSocket upgrade";
    return false;
  }
  if (!websocket::is_upgrade(header)) {
    *status = bhttp::status::upgrade_required;
    *code = "websocket_required";
    *message = std::string(kLivePath) + " is a WebSocket: connect with Upgrade: websocket";
    return false;
  }
  if (!OriginAllowed(header[bhttp::field::origin], header[bhttp::field::host], port_.load(std::memory_order_acquire),
                     tls_.load(std::memory_order_acquire))) {
    *status = bhttp::status::forbidden;
    *code = "origin_forbidden";
    *message = "the live feed serves pages of this server only (Origin '" +
               std::string(header[bhttp::field::origin].substr(0, 100)) + "' is another site)";
    return false;
  }
  if (stopping()) {
    *status = bhttp::status::service_unavailable;
    *code = "stopping";
    *message = "the server is stopping";
    return false;
  }
  int places = places_.fetch_add(1, std::memory_order_acq_rel);
  if (places >= options_.max_subscribers) {
    places_.fetch_sub(1, std::memory_order_acq_rel);
    *status = bhttp::status::service_unavailable;
    *code = "too_many_subscribers";
    *message = "the live feed has its " + std::to_string(options_.max_subscribers) + " subscribers";
    return false;
  }
  return true;
}

void LiveFeed::Release() { places_.fetch_sub(1, std::memory_order_acq_rel); }

void LiveFeed::Add(const std::shared_ptr<Subscriber>& subscriber) {
  std::shared_ptr<const std::string> latest;
  {
    std::lock_guard<std::mutex> lock(mu_);
    subscribers_.push_back(subscriber);
    latest = latest_;
  }
  // Runs on the subscriber's own thread, before its writer first waits.
  if (latest) {
    std::lock_guard<std::mutex> lock(subscriber->mu);
    subscriber->slot.Put(std::move(latest));
  }
}

void LiveFeed::Remove(const std::shared_ptr<Subscriber>& subscriber) {
  std::lock_guard<std::mutex> lock(mu_);
  for (auto it = subscribers_.begin(); it != subscribers_.end(); ++it) {
    if (*it == subscriber) {
      subscribers_.erase(it);
      return;
    }
  }
}

void LiveFeed::Publish(std::shared_ptr<const std::string> frame) {
  std::vector<std::shared_ptr<Subscriber>> subs;
  {
    std::lock_guard<std::mutex> lock(mu_);
    latest_ = frame;
    subs = subscribers_;
  }
  for (const auto& sub : subs) {
    bool wake;
    {
      std::lock_guard<std::mutex> lock(sub->mu);
      wake = sub->slot.Put(frame);
    }
    // An occupied slot already has its wake-up on the way (or its writer busy).
    if (wake) Wake(sub);
  }
  frames_.fetch_add(1, std::memory_order_relaxed);
}

void LiveFeed::Run() {
  LiveModel model(service_->catalog(), options_.model);
  const auto period = std::chrono::microseconds(std::max<int64_t>(options_.period_us, 1000));
  auto next = std::chrono::steady_clock::now();
  for (;;) {
    Stats stats;
    service_->GetStats(&stats);
    // An action-less request changes nothing; its answer (given before
    // Clock returns) still carries the clock's state (paused, speed), which
    // Stats does not.
    auto clock = std::make_shared<ClockReply>();
    service_->Clock(ClockRequest(), [clock](const Result&, const ClockReply& reply) { *clock = reply; });
    Publish(std::make_shared<const std::string>(model.Next(SteadyMicros(), stats, *clock, subscribers())));

    next += period;
    std::unique_lock<std::mutex> lock(mu_);
    if (wake_.wait_until(lock, next, [this] { return stop_requested_; })) return;
    // A late frame keeps the schedule (one a period on average); a stall
    // (a stopped process) starts it afresh rather than bursting.
    if (next + period < std::chrono::steady_clock::now()) next = std::chrono::steady_clock::now();
  }
}

}  // namespace nsw::http
