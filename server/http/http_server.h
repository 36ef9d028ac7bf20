// HttpServer: the listener, the io threads and the connections of
// nsw-server. `threads` io threads each run their own io_context
// (concurrency hint 1, no strands); one acceptor, on the first of them,
// hands each accepted socket to the threads round-robin, and the
// connection then lives on that thread only, as one C++20 coroutine
// (session.cc): a fresh parser per request with body and header limits,
// a deadline before every read (idle_timeout between keep-alive requests,
// read_timeout within a request), `Expect: 100-continue` answered only after
// the router accepted the header, keep-alive decided from the message.
// Past max_connections a connection is answered 503 with Retry-After and
// closed. Routing and the domain are the Router's; Asio and Beast stay
// behind this pimpl.
//
// Lifecycle: Start() binds and starts the threads; Drain() stops accepting,
// closes idle keep-alive connections at once and lets requests in progress
// finish (their responses say Connection: close) for up to
// shutdown_timeout; Stop() stops the io threads. The Router and observers
// must outlive the server; after Drain() the caller stops the NswService,
// then calls Stop() (late service callbacks still find the io threads).
//
// Thread-safety: Start, Drain and Stop are called from one controlling
// thread; the accessors are safe from any thread.
#ifndef NSW_SERVER_HTTP_HTTP_SERVER_H_
#define NSW_SERVER_HTTP_HTTP_SERVER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "proto/status.h"
#include "server/http/observer.h"

namespace spdlog {
class logger;
}  // namespace spdlog

namespace nsw::http {

class LiveFeed;
class Router;

struct HttpServerOptions {
  // --listen: "host:port" ("[::1]:port" for IPv6); port 0 picks a free port
  // (see local_address()). Default "127.0.0.1:8080".
  std::string listen = "127.0.0.1:8080";
  // --threads: io threads, >= 1. Default 1.
  int threads = 1;
  // --max-body: a larger request body is answered 413. Default 1 MiB.
  uint64_t max_body = 1u << 20;
  // --max-header: a larger request header block is answered 431. Default 16 KiB.
  uint32_t max_header = 16u << 10;
  // --max-connections: open connections beyond this are answered 503 and
  // closed. Default 10000.
  int64_t max_connections = 10000;
  // --max-inflight-bytes: request bodies held at once (read, not yet
  // answered) across the server; a request that would exceed it is answered
  // 503 before its body is read. Default 256 MiB.
  uint64_t max_inflight_bytes = 256ull << 20;
  // --read-timeout: bound on reading one request (header, then body) and on
  // writing its response. Default 30 s.
  int64_t read_timeout_us = 30'000'000;
  // --idle-timeout: how long a keep-alive connection may wait for its next
  // request. Default 60 s.
  int64_t idle_timeout_us = 60'000'000;
  // --shutdown-timeout: Drain() waits at most this long for requests in
  // progress. Default 10 s.
  int64_t shutdown_timeout_us = 10'000'000;
  // --tls-cert / --tls-key: PEM certificate chain and private key; both set
  // serves HTTPS only. Default empty (plain HTTP).
  std::string tls_cert_file;
  std::string tls_key_file;
};

class HttpServer {
 public:
  // `router` and `log` must outlive the server.
  HttpServer(Router* router, HttpServerOptions options, spdlog::logger* log);
  ~HttpServer();  // Drain() and Stop() when still running
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // REQUIRES: before Start. `observer` must outlive the server.
  void AddObserver(RequestObserver* observer);
  // Serves GET /v1/live (WebSocket) from `feed`. REQUIRES: before Start;
  // `feed` outlives the server.
  void SetLiveFeed(LiveFeed* feed);

  // Loads the TLS files, binds, listens and starts the io threads.
  // InvalidArgument for a bad listen address or TLS file, IoError when the
  // address cannot be bound.
  Status Start();
  // "127.0.0.1:8080", with the port actually bound. Valid after Start.
  std::string local_address() const;
  uint16_t port() const;
  bool tls() const;
  // The bound address is a loopback address.
  bool loopback() const;

  // See the file comment. True when every connection closed in time.
  bool Drain();
  // Stops the io threads and joins them. Idempotent.
  void Stop();

  // Connections being served (not counting ones being refused).
  int64_t open_connections() const;
  // Connections refused for the limit, since Start.
  uint64_t refused_connections() const;

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nsw::http

#endif  // NSW_SERVER_HTTP_HTTP_SERVER_H_
