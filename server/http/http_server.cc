// The listener and io threads; see http_server.h.
#include "server/http/http_server.h"

#include <spdlog/logger.h>

#include <chrono>
#include <exception>
#include <optional>
#include <thread>
#include <vector>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "server/http/router.h"
#include "server/http/session.h"

namespace nsw::http {
namespace {

using Acceptor = net::basic_socket_acceptor<net::ip::tcp, Executor>;
using Timer = net::basic_waitable_timer<std::chrono::steady_clock, net::wait_traits<std::chrono::steady_clock>, Executor>;
using UseAwaitable = net::use_awaitable_t<Executor>;

// "host:port", "[v6]:port". InvalidArgument names the text.
Status ParseListen(const std::string& text, net::ip::tcp::endpoint* out) {
  std::string host, port;
  if (!text.empty() && text.front() == '[') {
    size_t close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return Status::InvalidArgument("--listen '" + text + "' is not [ipv6]:port");
    }
    host = text.substr(1, close - 1);
    port = text.substr(close + 2);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string::npos) return Status::InvalidArgument("--listen '" + text + "' is not host:port");
    host = text.substr(0, colon);
    port = text.substr(colon + 1);
  }
  if (host.empty() || host == "*") host = "0.0.0.0";
  if (host == "localhost") host = "127.0.0.1";
  boost::system::error_code ec;
  auto address = net::ip::make_address(host, ec);
  if (ec) return Status::InvalidArgument("--listen '" + text + "': '" + host + "' is not an IP address");
  if (port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos ||
      std::stoul(port) > 65535) {
    return Status::InvalidArgument("--listen '" + text + "': '" + port + "' is not a port number");
  }
  *out = net::ip::tcp::endpoint(address, static_cast<uint16_t>(std::stoul(port)));
  return Status::OK();
}

std::string EndpointText(const net::ip::tcp::endpoint& endpoint) {
  if (endpoint.address().is_v6()) return "[" + endpoint.address().to_string() + "]:" + std::to_string(endpoint.port());
  return endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
}

}  // namespace

class HttpServer::Impl {
 public:
  Impl(Router* router, HttpServerOptions options, spdlog::logger* log) : options_(std::move(options)), log_(log) {
    env_.router = router;
    env_.options = &options_;
    env_.log = log;
    env_.observers = &observers_;
  }

  ~Impl() {
    if (running_) {
      Drain();
      Stop();
    }
  }

  void AddObserver(RequestObserver* observer) { observers_.push_back(observer); }
  void SetLiveFeed(LiveFeed* feed) { env_.live = feed; }

  Status Start() {
    if (options_.threads < 1) return Status::InvalidArgument("--threads must be at least 1");
    net::ip::tcp::endpoint endpoint;
    Status s = ParseListen(options_.listen, &endpoint);
    if (!s.ok()) return s;
    if (options_.tls_cert_file.empty() != options_.tls_key_file.empty()) {
      return Status::InvalidArgument("--tls-cert and --tls-key go together");
    }
    if (!options_.tls_cert_file.empty()) {
      s = LoadTls();
      if (!s.ok()) return s;
    }
    for (int i = 0; i < options_.threads; ++i) workers_.push_back(std::make_unique<Worker>());

    boost::system::error_code ec;
    acceptor_.emplace(workers_[0]->io.get_executor());
    acceptor_->open(endpoint.protocol(), ec);
    if (!ec) acceptor_->set_option(net::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_->bind(endpoint, ec);
    if (!ec) acceptor_->listen(net::socket_base::max_listen_connections, ec);
    if (ec) {
      acceptor_.reset();
      workers_.clear();
      return Status::IoError("cannot listen on " + options_.listen + ": " + ec.message());
    }
    bound_ = acceptor_->local_endpoint(ec);

    net::co_spawn(workers_[0]->io, AcceptLoop(), [log = log_](std::exception_ptr e) {
      if (!e) return;
      try {
        std::rethrow_exception(e);
      } catch (const std::exception& x) {
        log->critical("the acceptor stopped: {}", x.what());
      }
    });
    for (auto& worker : workers_) {
      guards_.emplace_back(worker->io.get_executor());
      Worker* w = worker.get();
      threads_.emplace_back([w] { w->io.run(); });
    }
    running_ = true;
    return Status::OK();
  }

  bool Drain() {
    if (!running_ || drained_) return true;
    drained_ = true;
    net::post(workers_[0]->io, [this] {
      boost::system::error_code ignored;
      if (acceptor_) acceptor_->close(ignored);
    });
    for (auto& worker : workers_) {
      Worker* w = worker.get();
      net::post(w->io, [w] {
        w->draining = true;
        for (Worker::Slot* slot : w->sessions) {
          if (slot->idle) slot->cancel();
        }
      });
    }
    auto deadline = std::chrono::steady_clock::now() + std::chrono::microseconds(options_.shutdown_timeout_us);
    while (env_.open_connections.load() + env_.refusing_connections.load() > 0) {
      if (std::chrono::steady_clock::now() >= deadline) {
        log_->warn("{} connection(s) still open after the shutdown timeout", env_.open_connections.load());
        return false;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    return true;
  }

  void Stop() {
    if (!running_) return;
    running_ = false;
    guards_.clear();
    for (auto& worker : workers_) worker->io.stop();
    for (auto& thread : threads_) thread.join();
    threads_.clear();
    // Destroying the acceptor and the io_contexts (with any coroutine frames
    // still suspended in them) happens here, on the controlling thread, now
    // that no io thread runs.
    acceptor_.reset();
    workers_.clear();
  }

  std::string local_address() const { return EndpointText(bound_); }
  uint16_t port() const { return bound_.port(); }
  bool tls() const { return tls_.has_value(); }
  bool loopback() const { return bound_.address().is_loopback(); }
  int64_t open_connections() const { return env_.open_connections.load(); }
  uint64_t refused_connections() const { return env_.refused_connections.load(); }

 private:
  Status LoadTls() {
    try {
      tls_.emplace(net::ssl::context::tls_server);
      tls_->set_options(net::ssl::context::default_workarounds | net::ssl::context::no_sslv2 |
                        net::ssl::context::no_sslv3 | net::ssl::context::no_tlsv1 | net::ssl::context::no_tlsv1_1 |
                        net::ssl::context::single_dh_use);
      tls_->use_certificate_chain_file(options_.tls_cert_file);
    } catch (const boost::system::system_error& e) {
      tls_.reset();
      return Status::InvalidArgument("--tls-cert " + options_.tls_cert_file + ": " + e.code().message());
    }
    try {
      tls_->use_private_key_file(options_.tls_key_file, net::ssl::context::pem);
    } catch (const boost::system::system_error& e) {
      tls_.reset();
      return Status::InvalidArgument("--tls-key " + options_.tls_key_file + ": " + e.code().message());
    }
    env_.tls = &*tls_;
    return Status::OK();
  }

  net::awaitable<void, Executor> AcceptLoop() {
    size_t next = 0;
    Timer backoff(workers_[0]->io.get_executor());
    // Bounds the sockets held only to answer the limit's 503.
    const int64_t max_refusing = std::max<int64_t>(64, options_.max_connections / 8);
    for (;;) {
      Worker* worker = workers_[next++ % workers_.size()].get();
      auto [ec, socket] = co_await acceptor_->async_accept(worker->io, net::as_tuple(UseAwaitable{}));
      if (ec == net::error::operation_aborted || !acceptor_->is_open()) co_return;
      if (ec) {
        // Out of descriptors or memory: pause instead of spinning.
        log_->warn("accept failed: {}", ec.message());
        backoff.expires_after(std::chrono::milliseconds(50));
        co_await backoff.async_wait(net::as_tuple(UseAwaitable{}));
        continue;
      }
      boost::system::error_code ignored;
      socket.set_option(net::ip::tcp::no_delay(true), ignored);
      bool over_limit = env_.open_connections.load(std::memory_order_acquire) >= options_.max_connections;
      if (over_limit) {
        env_.refused_connections.fetch_add(1, std::memory_order_relaxed);
        if (env_.refusing_connections.load(std::memory_order_acquire) >= max_refusing) continue;  // closed unanswered
        env_.refusing_connections.fetch_add(1, std::memory_order_acq_rel);
      } else {
        env_.open_connections.fetch_add(1, std::memory_order_acq_rel);
      }
      SpawnSession(&env_, worker, std::move(socket), over_limit);
    }
  }

  HttpServerOptions options_;
  spdlog::logger* log_;
  std::vector<RequestObserver*> observers_;
  SessionEnv env_;
  std::optional<net::ssl::context> tls_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<net::executor_work_guard<Executor>> guards_;
  std::vector<std::thread> threads_;
  std::optional<Acceptor> acceptor_;
  net::ip::tcp::endpoint bound_;
  bool running_ = false;
  bool drained_ = false;
};

HttpServer::HttpServer(Router* router, HttpServerOptions options, spdlog::logger* log)
    : impl_(std::make_unique<Impl>(router, std::move(options), log)) {}
HttpServer::~HttpServer() = default;
void HttpServer::AddObserver(RequestObserver* observer) { impl_->AddObserver(observer); }
void HttpServer::SetLiveFeed(LiveFeed* feed) { impl_->SetLiveFeed(feed); }
Status HttpServer::Start() { return impl_->Start(); }
std::string HttpServer::local_address() const { return impl_->local_address(); }
uint16_t HttpServer::port() const { return impl_->port(); }
bool HttpServer::tls() const { return impl_->tls(); }
bool HttpServer::loopback() const { return impl_->loopback(); }
bool HttpServer::Drain() { return impl_->Drain(); }
void HttpServer::Stop() { impl_->Stop(); }
int64_t HttpServer::open_connections() const { return impl_->open_connections(); }
uint64_t HttpServer::refused_connections() const { return impl_->refused_connections(); }

}  // namespace nsw::http
