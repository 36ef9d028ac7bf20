// Connection sessions of HttpServer (internal to server/http): what a
// session needs from the server (SessionEnv, shared by every thread) and
// from its own io thread (Worker, touched only on that thread), and
// SpawnSession, which starts the coroutine that owns one accepted
// connection until it closes. A session is plain HTTP or, when the env has a
// TLS context, HTTPS; the request loop is the same template for both.
#ifndef NSW_SERVER_HTTP_SESSION_H_
#define NSW_SERVER_HTTP_SESSION_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <list>
#include <mutex>
#include <string>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include "server/http/http_server.h"
#include "server/http/observer.h"

namespace boost::asio::ssl {
class context;
}  // namespace boost::asio::ssl

namespace spdlog {
class logger;
}  // namespace spdlog

namespace nsw::http {

class Router;
class LiveFeed;

namespace net = boost::asio;
using Executor = net::io_context::executor_type;
using Socket = net::basic_stream_socket<net::ip::tcp, Executor>;

// Server-wide state every session reads; the counters are atomics.
struct SessionEnv {
  Router* router = nullptr;
  const HttpServerOptions* options = nullptr;
  spdlog::logger* log = nullptr;
  const std::vector<RequestObserver*>* observers = nullptr;
  net::ssl::context* tls = nullptr;             // null: plain HTTP
  LiveFeed* live = nullptr;                     // null: no GET /v1/live
  std::atomic<int64_t> open_connections{0};     // sessions serving requests
  std::atomic<int64_t> refusing_connections{0}; // sessions answering the limit's 503
  std::atomic<uint64_t> refused_connections{0};
  std::atomic<uint64_t> inflight_bytes{0};
};

// Completions handed to one io thread from any thread (the journal's writer
// runs the service's durable callbacks): queued under a mutex, and run by
// one posted drain per batch rather than one net::post per request, so a
// group commit of N submissions wakes the io thread once and allocates one
// operation, not N. Run() and Add() from the io thread itself also work
// (synchronous routes complete through it too).
// Thread-safety: Add from any thread; Run only on the io thread.
class CompletionQueue {
 public:
  explicit CompletionQueue(net::io_context* io) : io_(io) {}
  CompletionQueue(const CompletionQueue&) = delete;
  CompletionQueue& operator=(const CompletionQueue&) = delete;

  void Add(std::function<void()> fn);

 private:
  void Run();

  net::io_context* io_;
  std::mutex mu_;
  std::vector<std::function<void()>> queued_;  // guarded by mu_
  bool scheduled_ = false;                     // guarded by mu_: a Run is posted
  std::vector<std::function<void()>> running_; // io thread only; keeps its capacity
};

// One io thread's sessions. Only that thread touches a Worker (Drain posts
// to it), so nothing here is synchronized, except `completions`.
struct Worker {
  // What Drain needs from a session: whether it is waiting for its next
  // request, and how to stop that wait.
  struct Slot {
    bool idle = false;
    std::function<void()> cancel;
  };

  Worker() : io(1), completions(&io) {}
  bool draining = false;
  std::list<Slot*> sessions;
  // After `sessions`, so that suspended session frames it destroys still
  // unregister from `sessions`.
  net::io_context io;
  // Last, so it is destroyed first, while `io` still exists: completions
  // that never ran own the handlers of suspended session frames.
  CompletionQueue completions;
};

// Starts the session coroutine for `socket` on worker->io. The caller has
// already counted it in env->open_connections (or, with `over_limit`, in
// env->refusing_connections: the session then answers its first request 503
// and closes); the session uncounts itself when it ends.
void SpawnSession(SessionEnv* env, Worker* worker, Socket socket, bool over_limit);

}  // namespace nsw::http

#endif  // NSW_SERVER_HTTP_SESSION_H_
