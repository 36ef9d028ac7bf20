// HttpConnection: one asynchronous HTTP/1.1 keep-alive client connection to
// one origin (Boost.Beast underneath, hidden behind a pimpl so that callers
// do not compile Beast). General purpose: the NSW API sits on top of it, and
// the load generator's `url` mode uses it as is against any HTTP server.
//
// Behaviour:
//  - One request at a time (no pipelining); its response is read while the
//    request is being written, so a server that answers early (413 before
//    reading a large body) is heard, not seen as a reset.
//  - The TCP (or TLS) connection is opened lazily by the first Send and kept
//    alive; it is closed when the server answers "Connection: close" (or
//    HTTP/1.0 without keep-alive), on any error, and on timeout; the next
//    Send reconnects.
//  - A server may close an idle keep-alive connection at any moment. When a
//    request on a *reused* connection fails before any byte of the response
//    arrived (EOF, reset, broken pipe), it is sent once more on a new
//    connection (ConnectionOptions::retry_stale, default on) — what browsers
//    and wrk do. Safe for NSW calls: every state change is idempotent.
//  - Each request has one deadline covering connect, TLS handshake, write and
//    read (request_timeout); the connect phase alone is also bounded by
//    connect_timeout. On expiry the connection is closed and the result is
//    ErrorClass::kTimeout (kConnect when connect_timeout expired first).
//  - Buffers (serialized request, read buffer, response body) live in the
//    connection and keep their capacity across requests; response headers are
//    not stored except the few in HttpResult. Steady-state requests of a
//    similar size do not allocate in the connection.
//  - https:// uses TLS (boost::asio::ssl over OpenSSL) with SNI and, by
//    default, peer verification against the system trust store.
//
// Thread-safety: not safe for concurrent use. Every call, and every
// callback, happens on the thread running the io_context given at
// construction (one io_context per load-generator thread, concurrency hint
// 1). Destroying a connection with a request in flight cancels it; its
// callback is then never called. The io_context must outlive the connection.
#ifndef NSW_CLIENT_HTTP_CONNECTION_H_
#define NSW_CLIENT_HTTP_CONNECTION_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "proto/status.h"

namespace boost::asio {
class io_context;
}  // namespace boost::asio

namespace nsw::client {

// A parsed http:// or https:// URL. Userinfo and fragments are refused;
// IPv6 literals are written in brackets ("http://[::1]:8080/").
struct Url {
  std::string scheme;          // "http" or "https" (lowercased)
  std::string host;            // lowercased; IPv6 without the brackets
  uint16_t port = 0;           // explicit, or 80 / 443 from the scheme
  std::string target = "/";    // path and query, origin-form; "/" when empty
  bool tls() const { return scheme == "https"; }
  // The Host header: host, bracketed when IPv6, with ":port" unless it is
  // the scheme's default. Lowercase, so it is also what the signature covers.
  std::string host_header() const;
  // scheme://host[:port]target
  std::string ToString() const;
};

// "http://127.0.0.1:8080/v1/stats" -> Url. InvalidArgument naming the
// problem: missing or unsupported scheme, empty host, bad port, userinfo,
// fragment, whitespace or control characters.
Status ParseUrl(std::string_view text, Url* out);

// How a request ended, as the load generator counts errors.
enum class ErrorClass {
  kOk = 0,   // a complete HTTP response was received (any status code)
  kConnect,  // name resolution, TCP connect or TLS handshake failed
  kTimeout,  // the request's deadline passed
  kReset,    // the server closed or reset the connection before the response completed
  kOther,    // a malformed response, a body over the limit, a local error
};
// "ok", "connect", "timeout", "reset", "other".
std::string_view ErrorClassName(ErrorClass error);

using MonotonicClock = std::chrono::steady_clock;

// A request to send; the caller may keep one and refill it (clear() keeps
// the strings' capacity). The connection adds Host, Content-Length (when
// there is a body or the method is POST/PUT/PATCH) and User-Agent; headers
// listed here are sent as given, in order, and must not repeat those three.
struct HttpRequest {
  std::string method = "GET";
  std::string target = "/";            // origin-form: path and query
  std::string content_type;            // sent as Content-Type when not empty
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  std::string body;

  void clear() {
    method = "GET";
    target = "/";
    content_type.clear();
    headers.clear();
    body.clear();
  }
  // Sets (replacing) or adds a header, reusing its slot.
  void set_header(std::string_view name, std::string_view value);
};

// The outcome of one Send. Valid only during the callback (the connection
// reuses the storage; sending the next request from the callback is fine):
// copy what you keep.
struct HttpResult {
  ErrorClass error = ErrorClass::kOk;
  std::string error_message;           // empty when ok: "connect 127.0.0.1:1: Connection refused"
  int status = 0;                      // HTTP status; 0 unless error == kOk
  std::string_view body;               // response body
  std::string_view content_type;       // Content-Type of the response
  std::string_view retry_after;        // Retry-After, when present
  std::string_view request_id;         // X-Request-Id, when present
  bool reused_connection = false;      // sent on an already open connection
  int attempts = 1;                    // 2 when retried after a stale connection
  MonotonicClock::time_point started;  // when Send was called
  MonotonicClock::time_point written;  // when the request's last byte was written (else started)
  MonotonicClock::time_point done;     // when the response completed (or the error happened)
  bool ok() const { return error == ErrorClass::kOk; }
};

struct ConnectionOptions {
  // Bound on resolving, connecting and the TLS handshake. Default 5 s.
  std::chrono::milliseconds connect_timeout{5000};
  // Bound on a whole request: connect, write and read. Default 30 s.
  std::chrono::milliseconds request_timeout{30000};
  // A larger response body is an error (kOther). Default 64 MiB.
  size_t max_response_body = 64u << 20;
  // Largest response header block. Default 64 KiB.
  size_t max_response_header = 64u << 10;
  // Resend once on a new connection when a reused one turns out closed
  // before any response byte arrived. Default true.
  bool retry_stale = true;
  // TCP_NODELAY. Default true (requests are written in one piece anyway).
  bool no_delay = true;
  // https only: verify the server's certificate chain and host name.
  // Default true; false for self-signed test servers.
  bool tls_verify = true;
  // https only: PEM file of trusted CAs; empty means the system's defaults.
  std::string tls_ca_file;
  // User-Agent header; empty sends none. Default "nswsim/0.1".
  std::string user_agent = "nswsim/0.1";
};

class HttpConnection {
 public:
  using Callback = std::function<void(const HttpResult&)>;

  // `io` must outlive the connection. Nothing happens on the network until
  // the first Send. For https URLs a TLS context is created here; when it
  // cannot be (bad CA file), the first Send fails with kConnect and says why.
  HttpConnection(boost::asio::io_context& io, Url url, ConnectionOptions options = {});
  ~HttpConnection();
  HttpConnection(const HttpConnection&) = delete;
  HttpConnection& operator=(const HttpConnection&) = delete;

  // Sends `request` (copied into the connection's reusable buffer before
  // Send returns, so the caller may reuse it at once) and calls `done` on the
  // io_context's thread exactly once, never from inside Send.
  // REQUIRES: !busy().
  void Send(const HttpRequest& request, Callback done);
  // The same, but the connection may take the request's strings (the body
  // above all: the NSW API's are a few KB) by swapping them with buffers of
  // its own instead of copying them: afterwards every field of *request
  // holds an unspecified value, kept for its capacity; refill them all.
  void SendSwapping(HttpRequest* request, Callback done);
  // The request in flight, if any, completes without calling its callback
  // (an owner of the callback going away first); the connection carries on.
  void ForgetCallback();
  // A request is in flight.
  bool busy() const;
  // Closes the transport now. A request in flight completes with kOther
  // ("closed"). The next Send reconnects.
  void Close();
  // The transport is currently open.
  bool is_open() const;

  const Url& url() const;
  const ConnectionOptions& options() const;
  // The io_context everything runs on (layers above post through it).
  boost::asio::io_context& io_context() const;
  // Transport connections established so far (keep-alive reuse shows as
  // connects() << requests()).
  uint64_t connects() const;
  // Requests completed (any outcome).
  uint64_t requests() const;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;  // shared with pending handlers
};

}  // namespace nsw::client

#endif  // NSW_CLIENT_HTTP_CONNECTION_H_
