// The connection coroutine; see session.h and http_server.h. One coroutine
// per connection owns the stream, its read buffer and every request's
// parser; it runs only on its worker's io thread, so nothing in it is
// shared except the SessionEnv counters.
#include "server/http/session.h"

#include <spdlog/logger.h>

#include <algorithm>
#include <array>
#include <chrono>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include "server/http/live_socket.h"
#include "server/http/router.h"

// g++ 12 reports a false -Wmismatched-new-delete once it inlines the
// HTTPS session's coroutine frame into SpawnSession: Asio's
// awaitable_frame_base::operator new hands out its recycled (malloc'ed)
// blocks and its operator delete frees them with std::free, a matched pair
// that the warning does not recognise.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"

namespace nsw::http {
namespace {

namespace beast = boost::beast;
using TcpStream = beast::basic_stream<net::ip::tcp, Executor, beast::unlimited_rate_policy>;
using TlsStream = beast::ssl_stream<TcpStream>;
template <typename T>
using Awaitable = net::awaitable<T, Executor>;
using UseAwaitable = net::use_awaitable_t<Executor>;

template <typename Stream>
constexpr bool kIsTls = std::is_same_v<Stream, TlsStream>;

// Errors stay error_code values: every async call completes as a tuple.
inline auto Tuple() { return net::as_tuple(UseAwaitable{}); }

using RequestParser = bhttp::request_parser<bhttp::string_body>;

constexpr size_t kFirstReadBytes = 4096;
// A connection keeps its body and response buffers between requests up to
// this size (a rare large body does not stay allocated).
constexpr size_t kKeptStorageBytes = 64 * 1024;
// How long a closing connection keeps reading what the peer still sends
// (a refused body), so that our answer is not destroyed by a TCP reset.
constexpr std::chrono::seconds kLingerTime{2};
constexpr std::chrono::seconds kTlsShutdownTime{1};

std::chrono::microseconds Micros(int64_t us) { return std::chrono::microseconds(us); }

int64_t UnixMicros(std::chrono::system_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch()).count();
}

// The answer to a request that could not be read whole. False: nothing to
// answer (the peer left, or its time ran out), just close.
bool ClassifyReadError(const beast::error_code& ec, const HttpServerOptions& options, bhttp::status* status,
                       std::string_view* code, std::string* message) {
  if (ec == bhttp::error::header_limit) {
    *status = bhttp::status::request_header_fields_too_large;
    *code = "headers_too_large";
    *message = "the request header exceeds " + std::to_string(options.max_header) + " bytes (--max-header)";
    return true;
  }
  if (ec == bhttp::error::body_limit) {
    *status = bhttp::status::payload_too_large;
    *code = "body_too_large";
    *message = "the request body exceeds " + std::to_string(options.max_body) + " bytes (--max-body)";
    return true;
  }
  if (ec.category() != bhttp::make_error_code(bhttp::error::bad_method).category()) return false;
  if (ec == bhttp::error::end_of_stream || ec == bhttp::error::partial_message || ec == bhttp::error::need_more ||
      ec == bhttp::error::short_read || ec == bhttp::error::stale_parser) {
    return false;
  }
  *status = bhttp::status::bad_request;
  *code = "bad_request";
  *message = "the request is not valid HTTP/1.1: " + ec.message();
  return true;
}

bool ExpectsContinue(const Request& request) {
  return request.version() >= 11 && beast::iequals(request[bhttp::field::expect], "100-continue");
}

// Runs Router::Dispatch and resumes with its response on this io thread.
// Completions reach the thread through its CompletionQueue. Not a coroutine
// itself: the caller awaits the operation directly, with no frame of its
// own per request. The initiation runs inside that co_await, while
// `exchange` and `request` are alive.
Awaitable<Response> DispatchAsync(Router& router, Worker* worker, const Exchange& exchange, const Request& request) {
  UseAwaitable token;
  return net::async_initiate<UseAwaitable, void(Response)>(
      [&router, worker, &exchange, &request](auto handler) {
        // Router callbacks are std::functions (copyable); the handler is not.
        auto shared = std::make_shared<decltype(handler)>(std::move(handler));
        router.Dispatch(
            exchange, request, [worker](std::function<void()> fn) { worker->completions.Add(std::move(fn)); },
            [shared](Response response) { (*shared)(std::move(response)); });
      },
      token);
}

// Feeds what the buffer holds to the parser and reads from the stream only
// when the parser needs more, until `done(parser)`: a request that arrived
// whole is parsed without suspending or arming the read timer. `timeout`
// bounds all the reads of one call together (from the first), as it bounds
// one async_read_header: a peer trickling a byte at a time is still cut off.
// The errors are those of Beast's async_read_header / async_read
// (end_of_stream when the peer closes before a byte of the message,
// partial_message after).
// ReadParsed's first step without a coroutine: feeds the buffer to the
// parser. True when that settled it: `done(parser)` (*ec clear) or a parse
// error (*ec set); false when the parser needs more than the buffer holds.
template <typename Done>
bool ParseBuffered(beast::flat_buffer& buffer, RequestParser& parser, Done done, beast::error_code* ec) {
  for (;;) {
    if (done(parser)) return true;
    if (buffer.size() == 0) return false;
    const size_t used = parser.put(buffer.data(), *ec);
    buffer.consume(used);
    if (!*ec && used > 0) continue;
    if (*ec && *ec != bhttp::error::need_more) return true;
    *ec = {};
    return false;
  }
}

template <typename Stream, typename Done>
Awaitable<beast::error_code> ReadParsed(Stream& stream, beast::flat_buffer& buffer, RequestParser& parser,
                                        std::chrono::microseconds timeout, Done done) {
  auto& tcp = beast::get_lowest_layer(stream);
  beast::error_code ec;
  bool deadline_set = false;
  for (;;) {
    if (done(parser)) co_return beast::error_code();
    if (buffer.size() > 0) {
      const size_t used = parser.put(buffer.data(), ec);
      buffer.consume(used);
      if (!ec && used > 0) continue;
      if (ec && ec != bhttp::error::need_more) co_return ec;
      ec = {};
    }
    const size_t size = beast::read_size(buffer, 65536);
    if (size == 0) co_return beast::error_code(bhttp::error::buffer_overflow);
    if (!deadline_set) {
      tcp.expires_after(timeout);
      deadline_set = true;
    }
    auto [read_ec, n] = co_await stream.async_read_some(buffer.prepare(size), Tuple());
    buffer.commit(n);
    if (read_ec == net::error::eof) {
      if (!parser.got_some()) co_return beast::error_code(bhttp::error::end_of_stream);
      parser.put_eof(ec);
      if (ec) co_return ec;
      continue;
    }
    if (read_ec) co_return read_ec;
  }
}

// The response as Beast's serializer writes a message with a known length:
// status line (the reason as set, else the standard one), the fields in
// order, a blank line, the body.
void SerializeResponse(const Response& response, std::string* out) {
  const unsigned version = response.version();
  const unsigned code = response.result_int();
  std::string_view reason = response.reason();
  if (reason.empty()) reason = bhttp::obsolete_reason(static_cast<bhttp::status>(code));
  out->clear();
  const char status_line[] = {'H', 'T', 'T', 'P', '/', static_cast<char>('0' + version / 10), '.',
                              static_cast<char>('0' + version % 10), ' ', static_cast<char>('0' + code / 100 % 10),
                              static_cast<char>('0' + code / 10 % 10), static_cast<char>('0' + code % 10), ' '};
  out->append(status_line, sizeof status_line);
  out->append(reason);
  out->append("\r\n");
  for (const auto& field : response) {
    out->append(std::string_view(field.name_string()));
    out->append(": ");
    out->append(std::string_view(field.value()));
    out->append("\r\n");
  }
  out->append("\r\n");
  out->append(response.body());
}

// Writes `data`: on plain TCP first straight from this call (the socket is
// non-blocking), so a response the kernel takes whole costs no suspension
// and no timer; the rest, or everything over TLS, asynchronously with the
// read timeout.
template <typename Stream>
Awaitable<std::tuple<beast::error_code, size_t>> WriteAll(Stream& stream, std::string_view data,
                                                          std::chrono::microseconds timeout) {
  auto& tcp = beast::get_lowest_layer(stream);
  size_t written = 0;
  if constexpr (!kIsTls<Stream>) {
    beast::error_code ec;
    written = tcp.socket().write_some(net::buffer(data.data(), data.size()), ec);
    if (ec && ec != net::error::would_block && ec != net::error::try_again) co_return std::tuple(ec, written);
    if (written == data.size()) co_return std::tuple(beast::error_code(), written);
  }
  tcp.expires_after(timeout);
  auto [ec, n] = co_await net::async_write(stream, net::buffer(data.data() + written, data.size() - written), Tuple());
  co_return std::tuple(ec, written + n);
}

// The deadline of a plain-TCP connection's wait for its next request. One
// timer per connection, armed at the deadline and re-armed only when it
// fires early (the deadline moved on since): arming Beast's stream timer
// around every keep-alive wait queued a timer, cancelled it and ran its
// cancelled handler once per request. On expiry during a wait it cancels the
// socket's operations, which ends the wait with operation_aborted.
class IdleDeadline {
 public:
  explicit IdleDeadline(Socket* socket) : state_(std::make_shared<State>(socket)) {}
  IdleDeadline(const IdleDeadline&) = delete;
  IdleDeadline& operator=(const IdleDeadline&) = delete;

  // A wait starts: it may last `timeout`.
  void Begin(std::chrono::microseconds timeout) {
    State& s = *state_;
    s.deadline = std::chrono::steady_clock::now() + timeout;
    s.waiting = true;
    if (s.armed && s.timer.expiry() <= s.deadline) return;  // fires in time and looks again then
    Arm(state_);
  }
  void End() { state_->waiting = false; }

 private:
  struct State {
    explicit State(Socket* s) : socket(s), timer(s->get_executor()) {}
    Socket* socket;
    net::steady_timer timer;
    std::chrono::steady_clock::time_point deadline;
    uint64_t generation = 0;  // of the latest arming; a superseded one's handler does nothing
    bool armed = false;
    bool waiting = false;
  };

  // The handler holds the state weakly: when the session ends first, the
  // timer dies with the state and its cancelled handler finds nothing.
  static void Arm(const std::shared_ptr<State>& state) {
    State& s = *state;
    const uint64_t generation = ++s.generation;
    s.armed = true;
    s.timer.expires_at(s.deadline);
    s.timer.async_wait([weak = std::weak_ptr<State>(state), generation](const beast::error_code& ec) {
      std::shared_ptr<State> state = weak.lock();
      if (!state || state->generation != generation) return;
      State& s = *state;
      s.armed = false;
      if (ec || !s.waiting) return;  // busy with a request: the next Begin arms again
      if (std::chrono::steady_clock::now() < s.deadline) {
        Arm(state);
        return;
      }
      beast::error_code ignored;
      s.socket->cancel(ignored);
    });
  }

  std::shared_ptr<State> state_;
};

// The read after an idle plain-TCP connection turned readable: one
// non-blocking read of what has arrived. The session waits for readiness
// first (async_wait): an async_read_some would start with a speculative
// recvmsg, which fails with EAGAIN on nearly every keep-alive connection
// (its client is still reading the previous answer). The read takes the
// buffer's whole capacity, so a request larger than the first read arrives
// in one recvmsg once the buffer has grown to hold one. True when settled:
// bytes read and committed, or an error in *ec (which ends the connection,
// as before); false when nothing was there after all (a stale wakeup).
bool ReadAvailable(Socket& socket, beast::flat_buffer& buffer, beast::error_code* ec) {
  const size_t n = socket.read_some(buffer.prepare(std::max(kFirstReadBytes, buffer.capacity())), *ec);
  if (*ec == net::error::would_block || *ec == net::error::try_again) {
    *ec = {};
    return false;
  }
  if (!*ec) buffer.commit(n);
  return true;
}

template <typename Stream>
Stream MakeStream(Socket socket, SessionEnv* env) {
  if constexpr (kIsTls<Stream>) {
    return Stream(std::move(socket), *env->tls);
  } else {
    return Stream(std::move(socket));
  }
}

// shutdown(send), then, when the peer may still be sending, read and drop
// what it sends for a short while before closing.
template <typename Stream>
Awaitable<void> Close(Stream& stream, bool linger, const HttpServerOptions& options) {
  auto& tcp = beast::get_lowest_layer(stream);
  if constexpr (kIsTls<Stream>) {
    tcp.expires_after(kTlsShutdownTime);
    co_await stream.async_shutdown(Tuple());
  }
  beast::error_code ec;
  tcp.socket().shutdown(net::socket_base::shutdown_send, ec);
  if (linger && !ec) {
    tcp.expires_after(kLingerTime);
    std::array<char, 4096> scratch;
    uint64_t dropped = 0;
    for (;;) {
      auto [read_ec, n] = co_await tcp.async_read_some(net::buffer(scratch), Tuple());
      dropped += n;
      if (read_ec || dropped > options.max_body + 65536) break;
    }
  }
  tcp.close();
}

class Counted {
 public:
  explicit Counted(std::atomic<int64_t>* counter) : counter_(counter) {}
  ~Counted() { counter_->fetch_sub(1, std::memory_order_acq_rel); }
  Counted(const Counted&) = delete;
  Counted& operator=(const Counted&) = delete;

 private:
  std::atomic<int64_t>* counter_;
};

class Registered {
 public:
  Registered(Worker* worker, Worker::Slot* slot) : worker_(worker) {
    worker_->sessions.push_front(slot);
    it_ = worker_->sessions.begin();
  }
  ~Registered() { worker_->sessions.erase(it_); }
  Registered(const Registered&) = delete;
  Registered& operator=(const Registered&) = delete;

 private:
  Worker* worker_;
  std::list<Worker::Slot*>::iterator it_;
};

class InflightReservation {
 public:
  explicit InflightReservation(std::atomic<uint64_t>* total) : total_(total) {}
  ~InflightReservation() { Release(); }
  InflightReservation(const InflightReservation&) = delete;
  InflightReservation& operator=(const InflightReservation&) = delete;
  // False (nothing reserved) when `bytes` would take the total past `limit`.
  bool Reserve(uint64_t bytes, uint64_t limit) {
    uint64_t before = total_->fetch_add(bytes, std::memory_order_acq_rel);
    if (before + bytes > limit && before > 0) {
      total_->fetch_sub(bytes, std::memory_order_acq_rel);
      return false;
    }
    bytes_ = bytes;
    return true;
  }
  void Release() {
    if (bytes_) total_->fetch_sub(bytes_, std::memory_order_acq_rel);
    bytes_ = 0;
  }

 private:
  std::atomic<uint64_t>* total_;
  uint64_t bytes_ = 0;
};

template <typename Stream>
Awaitable<void> Serve(Socket socket, SessionEnv* env, Worker* worker, std::string peer, bool over_limit) {
  Counted counted(over_limit ? &env->refusing_connections : &env->open_connections);
  const HttpServerOptions& options = *env->options;
  Router& router = *env->router;
  Stream stream = MakeStream<Stream>(std::move(socket), env);
  auto& tcp = beast::get_lowest_layer(stream);
  Worker::Slot slot;
  slot.cancel = [&tcp] { tcp.cancel(); };
  Registered registered(worker, &slot);
  std::optional<IdleDeadline> idle_deadline;
  if constexpr (!kIsTls<Stream>) idle_deadline.emplace(&tcp.socket());
  beast::flat_buffer buffer;
  const auto read_timeout = Micros(options.read_timeout_us);
  // Reused across the connection's requests: the body's and the serialized
  // response's storage.
  std::string body_storage;
  std::string out;
  if constexpr (!kIsTls<Stream>) {
    beast::error_code ignored;
    tcp.socket().non_blocking(true, ignored);  // for WriteAll's direct attempt
  }

  if constexpr (kIsTls<Stream>) {
    tcp.expires_after(read_timeout);
    auto [ec, used] = co_await stream.async_handshake(net::ssl::stream_base::server, buffer.data(), Tuple());
    if (ec) {
      env->log->debug("{}: TLS handshake failed: {}", peer, ec.message());
      co_return;
    }
    buffer.consume(used);
  }

  bool first = true;
  bool linger = false;
  for (;;) {
    // Between requests the connection is idle: Drain may close it, and the
    // idle timeout applies until the next request's first byte.
    if (buffer.size() == 0) {
      if (worker->draining) break;
      slot.idle = true;
      const auto timeout = first ? read_timeout : Micros(options.idle_timeout_us);
      if constexpr (!kIsTls<Stream>) {
        // Waited here rather than in a helper coroutine: no frame of its own
        // per request. The deadline ends the wait by cancelling it.
        idle_deadline->Begin(timeout);
        beast::error_code ec;
        for (;;) {
          auto [wait_ec] = co_await tcp.socket().async_wait(net::socket_base::wait_read, Tuple());
          ec = wait_ec;
          if (ec || ReadAvailable(tcp.socket(), buffer, &ec)) break;
        }
        idle_deadline->End();
        slot.idle = false;
        if (ec) break;
      } else {
        tcp.expires_after(timeout);
        auto [ec, n] = co_await stream.async_read_some(buffer.prepare(kFirstReadBytes), Tuple());
        slot.idle = false;
        if (ec) break;
        buffer.commit(n);
      }
    }
    first = false;
    const bool observed = !env->observers->empty();
    std::chrono::system_clock::time_point started_wall;
    std::chrono::steady_clock::time_point started;
    if (observed) {
      started_wall = std::chrono::system_clock::now();
      started = std::chrono::steady_clock::now();
    }

    body_storage.clear();
    RequestParser parser(std::piecewise_construct, std::make_tuple(std::move(body_storage)));
    parser.header_limit(options.max_header);
    parser.body_limit(options.max_body);
    // A request that arrived whole is parsed here, without entering
    // ReadParsed's coroutine; ReadParsed picks up where this stopped.
    const auto header_done = [](const RequestParser& p) { return p.is_header_done(); };
    beast::error_code header_ec;
    if (!ParseBuffered(buffer, parser, header_done, &header_ec)) {
      header_ec = co_await ReadParsed(stream, buffer, parser, read_timeout, header_done);
    }

    Request& request = parser.get();
    Response response;
    Exchange exchange;
    InflightReservation reservation(&env->inflight_bytes);
    bool keep_alive = false;
    bool go_live = false;
    bhttp::status error_status = bhttp::status::bad_request;
    std::string_view error_code;
    std::string error_message;
    if (header_ec) {
      if (!ClassifyReadError(header_ec, options, &error_status, &error_code, &error_message)) break;
      response = router.Refuse(&request, error_status, error_code, error_message);
      linger = true;
    } else {
      keep_alive = request.keep_alive();
      const bool has_body = parser.content_length() ? *parser.content_length() > 0 : parser.chunked();
      bool answered = false;
      if (over_limit) {
        response = router.Refuse(&request, bhttp::status::service_unavailable, "too_many_connections",
                                 "the server is at its connection limit (--max-connections " +
                                     std::to_string(options.max_connections) + ")");
        keep_alive = false;
        linger = has_body;
        answered = true;
      } else if (env->live && IsLiveTarget(request.target())) {
        // GET /v1/live: refused from its header, or this connection becomes
        // a WebSocket of the live feed (live_feed.cc).
        bhttp::status live_status = bhttp::status::forbidden;
        std::string live_code, live_message;
        go_live = env->live->Admit(request, &live_status, &live_code, &live_message);
        if (!go_live) {
          response = router.Refuse(&request, live_status, live_code, live_message);
          keep_alive = false;
        }
        answered = true;
      } else if (!router.Prepare(request, has_body, &exchange, &response)) {
        answered = true;
      } else if (has_body &&
                 !reservation.Reserve(parser.content_length().value_or(options.max_body),
                                      options.max_inflight_bytes)) {
        response = router.Refuse(&request, bhttp::status::service_unavailable, "overloaded",
                                 "too many request bytes in flight (--max-inflight-bytes); retry later");
        answered = true;
      }
      if (answered && has_body && !parser.is_done()) {
        // The body stays unread: this connection cannot carry another request.
        keep_alive = false;
        linger = true;
      }
      if (!answered && has_body && !parser.is_done()) {
        if (ExpectsContinue(request)) {
          bhttp::response<bhttp::empty_body> proceed{bhttp::status::continue_, request.version()};
          tcp.expires_after(read_timeout);
          auto [continue_ec, continue_bytes] = co_await bhttp::async_write(stream, proceed, Tuple());
          if (continue_ec) break;
        }
        parser.eager(true);
        const auto body_done = [](const RequestParser& p) { return p.is_done(); };
        beast::error_code body_ec;
        if (!ParseBuffered(buffer, parser, body_done, &body_ec)) {
          body_ec = co_await ReadParsed(stream, buffer, parser, read_timeout, body_done);
        }
        if (body_ec) {
          if (!ClassifyReadError(body_ec, options, &error_status, &error_code, &error_message)) break;
          response = router.Refuse(&request, error_status, error_code, error_message);
          keep_alive = false;
          linger = true;
          answered = true;
        }
      }
      if (!answered) response = co_await DispatchAsync(router, worker, exchange, request);
    }
    if (go_live) {
      // A subscriber only listens: Drain may end it like an idle connection.
      slot.idle = true;
      co_await ServeLive(env->live, stream, request);
      break;
    }

    response.version(header_ec || request.version() == 0 ? 11 : request.version());
    keep_alive = keep_alive && !worker->draining;
    response.keep_alive(keep_alive);
    beast::error_code write_ec;
    size_t written = 0;
    if (response.chunked()) {  // not from the router (prepare_payload sets a length): Beast's serializer
      tcp.expires_after(read_timeout);
      std::tie(write_ec, written) = co_await bhttp::async_write(stream, response, Tuple());
    } else {
      SerializeResponse(response, &out);
      std::tie(write_ec, written) = co_await WriteAll(stream, out, read_timeout);
      if (out.capacity() > kKeptStorageBytes) std::string().swap(out);
    }
    reservation.Release();

    if (observed) {
      CompletedRequest done;
      done.started_unix_micros = UnixMicros(started_wall);
      done.duration_micros =
          std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - started).count();
      done.request_id = response[kRequestIdHeader];
      done.peer = peer;
      std::string_view method = request.method_string();
      std::string_view target = request.target();
      done.method = method.empty() ? std::string_view("-") : method;
      done.target = target.empty() ? std::string_view("-") : target;
      done.route = exchange.route;
      done.status = static_cast<int>(response.result_int());
      done.response_bytes = written;
      done.request_body_bytes = request.body().size();
      for (RequestObserver* observer : *env->observers) observer->OnRequest(done);
    }
    if (write_ec || !keep_alive) break;
    body_storage = std::move(request.body());
    if (body_storage.capacity() > kKeptStorageBytes) std::string().swap(body_storage);
  }
  co_await Close(stream, linger, options);
}

}  // namespace

void CompletionQueue::Add(std::function<void()> fn) {
  bool post = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    queued_.push_back(std::move(fn));
    post = !scheduled_;
    scheduled_ = true;
  }
  if (post) net::post(*io_, [this] { Run(); });
}

void CompletionQueue::Run() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    running_.swap(queued_);
    scheduled_ = false;
  }
  for (auto& fn : running_) fn();
  running_.clear();
}

void SpawnSession(SessionEnv* env, Worker* worker, Socket socket, bool over_limit) {
  beast::error_code ec;
  auto endpoint = socket.remote_endpoint(ec);
  std::string peer = ec ? std::string("-") : endpoint.address().to_string() + ":" + std::to_string(endpoint.port());
  auto on_exit = [log = env->log](std::exception_ptr e) {
    if (!e) return;
    try {
      std::rethrow_exception(e);
    } catch (const std::exception& x) {
      log->error("connection ended by an exception: {}", x.what());
    }
  };
  if (env->tls) {
    net::co_spawn(worker->io, Serve<TlsStream>(std::move(socket), env, worker, std::move(peer), over_limit), on_exit);
  } else {
    net::co_spawn(worker->io, Serve<TcpStream>(std::move(socket), env, worker, std::move(peer), over_limit), on_exit);
  }
}

}  // namespace nsw::http

#pragma GCC diagnostic pop
