// HttpConnection over Asio and Beast: lazy connect (resolve, TCP, optional
// TLS), a hand-serialized request in a reused buffer, and a response parsed
// by a basic_parser subclass that keeps only the status, the body and the
// few headers HttpResult reports, so a steady stream of requests does not
// allocate. One steady_timer enforces each request's deadline by closing the
// transport; every handler carries the Impl by shared_ptr and a request
// number, so late completions after a timeout, Close or destruction are
// recognised and ignored.
#include "client/http_connection.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/basic_parser.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>

#include <openssl/ssl.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <optional>

namespace nsw::client {

namespace net = boost::asio;
namespace ssl = boost::asio::ssl;
namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;
// Concrete executor types: the type-erased any_io_executor was copied,
// moved and destroyed several times per request (8% of a url --max
// request's instructions).
using Executor = net::io_context::executor_type;
using Socket = net::basic_stream_socket<tcp, Executor>;
using Resolver = net::ip::basic_resolver<tcp, Executor>;
using Timer = net::basic_waitable_timer<std::chrono::steady_clock, net::wait_traits<std::chrono::steady_clock>, Executor>;
using boost::system::error_code;
using beast_sv = boost::beast::string_view;

std::string_view ErrorClassName(ErrorClass error) {
  switch (error) {
    case ErrorClass::kOk: return "ok";
    case ErrorClass::kConnect: return "connect";
    case ErrorClass::kTimeout: return "timeout";
    case ErrorClass::kReset: return "reset";
    case ErrorClass::kOther: return "other";
  }
  return "other";
}

void HttpRequest::set_header(std::string_view name, std::string_view value) {
  for (auto& [n, v] : headers) {
    if (n.size() == name.size() &&
        std::equal(n.begin(), n.end(), name.begin(), [](char a, char b) {
          return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
        })) {
      v.assign(value);
      return;
    }
  }
  headers.emplace_back(std::string(name), std::string(value));
}

namespace {

bool IEquals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) == std::tolower(static_cast<unsigned char>(y));
         });
}

// Two memchr scans: find_first_of("\r\n") calls memchr on the set once per
// character of the text.
bool HasLineBreak(std::string_view text) {
  return text.find('\n') != std::string_view::npos || text.find('\r') != std::string_view::npos;
}

// Keeps the status line, the body and three headers; everything else the
// server sends is parsed (for framing and keep-alive) and dropped.
class ResponseParser final : public http::basic_parser<false> {
 public:
  struct Sink {
    int status = 0;
    std::string body;
    std::string content_type;
    std::string retry_after;
    std::string request_id;
    size_t body_limit = 0;
    void Reset() {
      status = 0;
      body.clear();
      content_type.clear();
      retry_after.clear();
      request_id.clear();
    }
  };
  explicit ResponseParser(Sink* sink) : sink_(sink) {}

 private:
  void on_request_impl(http::verb, beast_sv, beast_sv, int, error_code& ec) override {
    ec = http::error::bad_method;  // unreachable for a response parser
  }
  void on_response_impl(int code, beast_sv, int, error_code&) override { sink_->status = code; }
  void on_field_impl(http::field name, beast_sv name_string, beast_sv value,
                     error_code&) override {
    switch (name) {
      case http::field::content_type: sink_->content_type.assign(value.data(), value.size()); break;
      case http::field::retry_after: sink_->retry_after.assign(value.data(), value.size()); break;
      default:
        if (IEquals(std::string_view(name_string.data(), name_string.size()), "x-request-id")) {
          sink_->request_id.assign(value.data(), value.size());
        }
        break;
    }
  }
  void on_header_impl(error_code&) override {}
  void on_body_init_impl(const boost::optional<std::uint64_t>& content_length, error_code&) override {
    if (content_length) sink_->body.reserve(static_cast<size_t>(std::min<uint64_t>(*content_length, sink_->body_limit)));
  }
  std::size_t on_body_impl(beast_sv body, error_code&) override {
    sink_->body.append(body.data(), body.size());
    return body.size();
  }
  void on_chunk_header_impl(std::uint64_t, beast_sv, error_code&) override {}
  std::size_t on_chunk_body_impl(std::uint64_t, beast_sv body, error_code&) override {
    sink_->body.append(body.data(), body.size());
    return body.size();
  }
  void on_finish_impl(error_code&) override {}

  Sink* sink_;
};

// A closed-by-peer condition: the server went away under us.
bool IsPeerClosed(const error_code& ec) {
  return ec == http::error::end_of_stream || ec == http::error::partial_message || ec == net::error::eof ||
         ec == net::error::connection_reset || ec == net::error::broken_pipe ||
         ec == net::error::connection_aborted || ec == ssl::error::stream_truncated;
}

// `b` without its body, whose bytes are `b_body` (the tail of the
// serialized request: keeping a copy of it cost a body-sized copy per
// request).
bool SameRequest(const HttpRequest& a, const HttpRequest& b, std::string_view b_body) {
  return a.body.size() == b_body.size() && a.method == b.method && a.target == b.target &&
         a.content_type == b.content_type && a.headers == b.headers && a.body == b_body;
}

bool IsIpLiteral(const std::string& host) {
  error_code ec;
  net::ip::make_address(host, ec);
  return !ec;
}

}  // namespace

class HttpConnection::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(net::io_context& io, Url url, ConnectionOptions options)
      : io_(io), url_(std::move(url)), options_(std::move(options)), resolver_(io.get_executor()), socket_(io.get_executor()), timer_(io.get_executor()) {
    sinks_[0].body_limit = sinks_[1].body_limit = options_.max_response_body;
    host_header_ = url_.host_header();
    port_text_ = std::to_string(url_.port);
    if (url_.tls()) InitTls();
  }

  // `swap` (may be null) is &request, whose strings the connection may take
  // by swapping instead of copying.
  void Send(const HttpRequest& request, Callback done, HttpRequest* swap) {
    ++request_seq_;
    busy_ = true;
    done_ = std::move(done);
    attempts_ = 1;
    timed_out_ = false;
    closed_by_user_ = false;
    written_ = false;
    started_ = MonotonicClock::now();
    deadline_ = started_ + options_.request_timeout;
    head_request_ = request.method == "HEAD";
    parser_.reset();  // got_some() must describe this request's response only
    // A load generator sends the same request again and again (url mode):
    // the bytes from last time serve when nothing changed.
    if (!(serialized_ && SameRequest(request, last_request_, SerializedBody()))) {
      serialized_ = false;
      std::string problem = Serialize(request);
      if (!problem.empty()) return PostFailure(ErrorClass::kOther, problem);
      serialized_body_size_ = request.body.size();  // before a swap changes request
      if (tls_context_) {
        // One buffer: TLS writes each buffer of a sequence as its own record.
        write_buf_ += request.body;
      } else if (swap != nullptr) {
        body_.swap(swap->body);
      } else {
        body_.assign(request.body);
      }
      if (swap != nullptr) {
        last_request_.method.swap(swap->method);
        last_request_.target.swap(swap->target);
        last_request_.content_type.swap(swap->content_type);
        last_request_.headers.swap(swap->headers);
      } else {
        last_request_.method.assign(request.method);
        last_request_.target.assign(request.target);
        last_request_.content_type.assign(request.content_type);
        last_request_.headers = request.headers;
      }
      serialized_ = true;
    }
    if (!tls_error_.empty()) return PostFailure(ErrorClass::kConnect, tls_error_);
    if (open_) {
      reused_ = true;
      ArmTimer(deadline_);
      StartExchange();
    } else {
      Connect();
    }
  }

  void ForgetCallback() { done_ = nullptr; }
  bool busy() const { return busy_; }
  bool is_open() const { return open_; }

  void Close() {
    if (busy_) closed_by_user_ = true;
    CloseTransport();
    resolver_.cancel();
    // The lazy timer may still be pending from the last request; left alone
    // it would keep the io_context's run() going until it expires.
    timer_.cancel();
  }

  // The owner is gone: no callback may run any more.
  void Abandon() {
    done_ = nullptr;
    busy_ = false;
    ++request_seq_;
    CloseTransport();
    resolver_.cancel();
    timer_.cancel();
  }

  const Url& url() const { return url_; }
  const ConnectionOptions& options() const { return options_; }
  net::io_context& io_context() const { return io_; }
  uint64_t connects() const { return connects_; }
  uint64_t requests() const { return requests_; }

 private:
  void InitTls() {
    try {
      tls_context_.emplace(ssl::context::tls_client);
      tls_context_->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                                ssl::context::no_sslv3 | ssl::context::no_tlsv1 | ssl::context::no_tlsv1_1);
      if (options_.tls_verify) {
        if (options_.tls_ca_file.empty()) {
          tls_context_->set_default_verify_paths();
        } else {
          tls_context_->load_verify_file(options_.tls_ca_file);
        }
        tls_context_->set_verify_mode(ssl::verify_peer);
      } else {
        tls_context_->set_verify_mode(ssl::verify_none);
      }
    } catch (const boost::system::system_error& e) {
      tls_error_ = "TLS setup for " + url_.ToString() + " failed: " + e.what();
      tls_context_.reset();
    }
  }

  // Writes the request head into write_buf_; a non-empty return names a
  // header that would break the framing.
  std::string Serialize(const HttpRequest& request) {
    if (request.method.empty() || HasLineBreak(request.method) || request.method.find(' ') != std::string::npos) {
      return "invalid request method";
    }
    if (request.target.empty() || HasLineBreak(request.target) || request.target.find(' ') != std::string::npos) {
      return "invalid request target";
    }
    if (HasLineBreak(request.content_type)) return "invalid Content-Type";
    write_buf_.clear();
    write_buf_ += request.method;
    write_buf_ += ' ';
    write_buf_ += request.target;
    write_buf_ += " HTTP/1.1\r\nHost: ";
    write_buf_ += host_header_;
    write_buf_ += "\r\n";
    if (!options_.user_agent.empty()) {
      write_buf_ += "User-Agent: ";
      write_buf_ += options_.user_agent;
      write_buf_ += "\r\n";
    }
    if (!request.content_type.empty()) {
      write_buf_ += "Content-Type: ";
      write_buf_ += request.content_type;
      write_buf_ += "\r\n";
    }
    for (const auto& [name, value] : request.headers) {
      if (name.empty() || HasLineBreak(name) || HasLineBreak(value) || name.find(':') != std::string::npos) {
        return "invalid header '" + name.substr(0, 64) + "'";
      }
      write_buf_ += name;
      write_buf_ += ": ";
      write_buf_ += value;
      write_buf_ += "\r\n";
    }
    if (!request.body.empty() || request.method == "POST" || request.method == "PUT" || request.method == "PATCH") {
      write_buf_ += "Content-Length: ";
      write_buf_ += std::to_string(request.body.size());
      write_buf_ += "\r\n";
    }
    write_buf_ += "\r\n";
    return std::string();
  }

  // Sets the current request's deadline. The timer is lazy (as wrk's
  // timeouts): a wait already pending for an earlier instant is left alone
  // and, when it fires, re-arms for whatever deadline is current then; a
  // completed request leaves it pending. So a keep-alive connection under
  // load starts about one wait per timeout period instead of a wait and a
  // cancellation per request.
  void ArmTimer(MonotonicClock::time_point at) {
    deadline_now_ = at;
    if (timer_pending_ && timer_at_ <= at) return;
    StartWait(at);
  }

  void StartWait(MonotonicClock::time_point at) {
    timer_pending_ = true;
    timer_at_ = at;
    timer_.expires_at(at);  // cancels an earlier wait: its handler sees a stale generation
    timer_.async_wait([self = shared_from_this(), generation = ++timer_generation_](error_code ec) {
      if (generation != self->timer_generation_) return;
      self->timer_pending_ = false;
      if (ec == net::error::operation_aborted || !self->busy_) return;
      // Not yet due for the request in progress: wait on.
      if (MonotonicClock::now() < self->deadline_now_) return self->StartWait(self->deadline_now_);
      self->timed_out_ = true;
      self->CloseTransport();
      self->resolver_.cancel();
    });
  }

  void Connect() {
    reused_ = false;
    CloseTransport();
    auto connect_deadline = std::min(deadline_, MonotonicClock::now() + options_.connect_timeout);
    connect_phase_ends_at_deadline_ = connect_deadline == deadline_;
    connecting_ = true;
    ArmTimer(connect_deadline);
    if (!endpoints_.empty()) return ConnectTo();
    resolver_.async_resolve(url_.host, port_text_,
                            [self = shared_from_this(), seq = request_seq_](error_code ec, Resolver::results_type results) {
                              if (seq != self->request_seq_) return;
                              if (ec) return self->Fail(ec, "resolve " + self->url_.host);
                              self->endpoints_.assign(results.begin(), results.end());
                              self->ConnectTo();
                            });
  }

  void ConnectTo() {
    net::async_connect(socket_, endpoints_,
                       [self = shared_from_this(), seq = request_seq_](error_code ec, const tcp::endpoint&) {
                         if (seq != self->request_seq_) return;
                         if (ec) {
                           // Resolve again next time: the name may point elsewhere now.
                           self->endpoints_.clear();
                           return self->Fail(ec, "connect " + self->url_.host_header());
                         }
                         self->OnConnected();
                       });
  }

  void OnConnected() {
    ++connects_;
    error_code ignored;
    if (options_.no_delay) socket_.set_option(tcp::no_delay(true), ignored);
    if (!tls_context_) return OnTransportReady();
    tls_.emplace(std::move(socket_), *tls_context_);
    socket_ = Socket(io_.get_executor());
    if (!IsIpLiteral(url_.host)) SSL_set_tlsext_host_name(tls_->native_handle(), url_.host.c_str());
    if (options_.tls_verify) tls_->set_verify_callback(ssl::host_name_verification(url_.host));
    tls_->async_handshake(ssl::stream_base::client, [self = shared_from_this(), seq = request_seq_](error_code ec) {
      if (seq != self->request_seq_) return;
      if (ec) return self->Fail(ec, "TLS handshake with " + self->url_.host_header());
      self->OnTransportReady();
    });
  }

  void OnTransportReady() {
    open_ = true;
    connecting_ = false;
    ArmTimer(deadline_);
    StartExchange();
  }

  // The serialized request's body: write_buf_'s tail over TLS, else body_.
  std::string_view SerializedBody() const {
    if (tls_context_) return std::string_view(write_buf_).substr(write_buf_.size() - serialized_body_size_);
    return body_;
  }

  template <typename Stream>
  void WriteOn(Stream& stream) {
    auto on_written = [self = shared_from_this(), seq = request_seq_](error_code ec, std::size_t) {
      if (seq != self->request_seq_) return;
      // A failed write is left to the read in flight: it ends with the
      // server's early answer (a 413 or 401 before the body), or with the
      // reason the connection broke.
      if (ec) return;
      self->written_ = true;
      self->written_at_ = MonotonicClock::now();
    };
    // With a body over plain TCP, head and body go out gathered in one
    // sendmsg; otherwise (no body, or TLS, which has both in write_buf_) as
    // one buffer: Asio's single-buffer write is the cheaper path.
    if (body_.empty() || tls_context_) {
      net::async_write(stream, net::buffer(write_buf_), std::move(on_written));
    } else {
      const std::array<net::const_buffer, 2> buffers{net::buffer(write_buf_), net::buffer(body_)};
      net::async_write(stream, buffers, std::move(on_written));
    }
  }

  template <typename Stream>
  void ReadOn(Stream& stream) {
    http::async_read(stream, read_buf_, *parser_,
                     [self = shared_from_this(), seq = request_seq_](error_code ec, std::size_t) {
                       if (seq != self->request_seq_) return;
                       if (ec) return self->Fail(ec, "read from " + self->url_.host_header());
                       self->OnResponse();
                     });
  }

  // Writes the request and reads the response at the same time (one read
  // and one write in flight is allowed on TCP and TLS streams), so an answer
  // the server sends before reading the whole body is not lost.
  void StartExchange() {
    // Alternate sinks: a callback that sends the next request must still see
    // the response it was given.
    sink_index_ ^= 1;
    ResponseParser::Sink& sink = sinks_[sink_index_];
    sink.Reset();
    parser_.emplace(&sink);
    parser_->body_limit(options_.max_response_body);
    parser_->header_limit(static_cast<std::uint32_t>(std::min<size_t>(options_.max_response_header, UINT32_MAX)));
    if (head_request_) parser_->skip(true);
    if (tls_) {
      WriteOn(*tls_);
      ReadOn(*tls_);
    } else {
      WriteOn(socket_);
      ReadOn(socket_);
    }
  }

  void OnResponse() {
    // Answered before the request was fully written: where the next request
    // would start is unknown, so the connection is not reused.
    bool keep_alive = parser_->keep_alive() && written_;
    if (!keep_alive) CloseTransport();
    Complete(ErrorClass::kOk, std::string());
  }

  void Fail(const error_code& ec, const std::string& what) {
    if (timed_out_) {
      CloseTransport();
      bool in_connect = connecting_ && !connect_phase_ends_at_deadline_;
      auto limit = in_connect ? options_.connect_timeout : options_.request_timeout;
      return Complete(in_connect ? ErrorClass::kConnect : ErrorClass::kTimeout,
                      (in_connect ? "connect to " + url_.host_header() + " timed out after "
                                  : "request to " + url_.host_header() + " timed out after ") +
                          std::to_string(limit.count()) + " ms");
    }
    if (closed_by_user_) {
      CloseTransport();
      return Complete(ErrorClass::kOther, "connection closed by the caller");
    }
    if (connecting_) {
      CloseTransport();
      return Complete(ErrorClass::kConnect, what + ": " + ec.message());
    }
    bool nothing_received = !parser_ || (!parser_->got_some() && read_buf_.size() == 0);
    if (reused_ && attempts_ == 1 && options_.retry_stale && nothing_received && IsPeerClosed(ec)) {
      // The server had closed the idle connection: not this request's fault.
      attempts_ = 2;
      written_ = false;
      parser_.reset();
      ++request_seq_;  // the first attempt's write handler must not touch the second
      return Connect();
    }
    CloseTransport();
    ErrorClass error = IsPeerClosed(ec) ? ErrorClass::kReset : ErrorClass::kOther;
    Complete(error, what + ": " + ec.message());
  }

  void PostFailure(ErrorClass error, std::string message) {
    net::post(io_, [self = shared_from_this(), seq = request_seq_, error, message = std::move(message)] {
      if (seq != self->request_seq_) return;
      self->Complete(error, message);
    });
  }

  void Complete(ErrorClass error, std::string message) {
    connecting_ = false;  // (the lazy timer stays pending: see ArmTimer)
    busy_ = false;
    ++requests_;
    ++request_seq_;  // stale handlers of this request become no-ops
    if (error != ErrorClass::kOk) read_buf_.clear();
    HttpResult& r = result_;
    const ResponseParser::Sink& sink = sinks_[sink_index_];
    r.error = error;
    r.error_message = std::move(message);
    bool ok = error == ErrorClass::kOk;
    r.status = ok ? sink.status : 0;
    r.body = ok ? std::string_view(sink.body) : std::string_view();
    r.content_type = ok ? std::string_view(sink.content_type) : std::string_view();
    r.retry_after = ok ? std::string_view(sink.retry_after) : std::string_view();
    r.request_id = ok ? std::string_view(sink.request_id) : std::string_view();
    r.reused_connection = reused_;
    r.attempts = attempts_;
    r.started = started_;
    r.written = written_ ? written_at_ : started_;
    r.done = MonotonicClock::now();
    Callback done = std::move(done_);
    done_ = nullptr;
    // Keep the Impl alive through the callback even if it destroys the owner.
    auto keep = shared_from_this();
    if (done) done(r);
  }

  void CloseTransport() {
    error_code ignored;
    if (tls_) {
      tls_->lowest_layer().close(ignored);
      tls_.reset();
    }
    socket_.close(ignored);
    open_ = false;
    read_buf_.clear();
  }

  net::io_context& io_;
  Url url_;
  ConnectionOptions options_;
  std::string host_header_;
  std::string port_text_;
  Resolver resolver_;
  std::vector<tcp::endpoint> endpoints_;  // resolved once, again after a failed connect
  Socket socket_;                         // the transport for http; moved into tls_ for https
  std::optional<ssl::context> tls_context_;
  std::string tls_error_;
  std::optional<ssl::stream<Socket>> tls_;
  Timer timer_;
  bool timer_pending_ = false;                // a wait is in progress, for timer_at_
  MonotonicClock::time_point timer_at_;
  MonotonicClock::time_point deadline_now_;   // the phase's deadline (connect or request)
  uint64_t timer_generation_ = 0;

  std::string write_buf_;     // the request head; over TLS, the body too
  std::string body_;          // plain TCP: the body, written after write_buf_ (swapped in, not copied, when it can be)
  HttpRequest last_request_;  // what was serialized, when serialized_ (without the body: see SerializedBody)
  size_t serialized_body_size_ = 0;
  bool serialized_ = false;
  boost::beast::flat_buffer read_buf_;
  ResponseParser::Sink sinks_[2];
  int sink_index_ = 0;
  std::optional<ResponseParser> parser_;
  HttpResult result_;
  Callback done_;

  uint64_t request_seq_ = 0;
  bool busy_ = false;
  bool open_ = false;
  bool reused_ = false;
  bool connecting_ = false;
  bool connect_phase_ends_at_deadline_ = false;
  bool timed_out_ = false;
  bool closed_by_user_ = false;
  bool written_ = false;
  bool head_request_ = false;
  int attempts_ = 1;
  MonotonicClock::time_point started_;
  MonotonicClock::time_point written_at_;
  MonotonicClock::time_point deadline_;
  uint64_t connects_ = 0;
  uint64_t requests_ = 0;
};

HttpConnection::HttpConnection(net::io_context& io, Url url, ConnectionOptions options)
    : impl_(std::make_shared<Impl>(io, std::move(url), std::move(options))) {}

HttpConnection::~HttpConnection() { impl_->Abandon(); }

void HttpConnection::Send(const HttpRequest& request, Callback done) { impl_->Send(request, std::move(done), nullptr); }
void HttpConnection::SendSwapping(HttpRequest* request, Callback done) {
  impl_->Send(*request, std::move(done), request);
}
void HttpConnection::ForgetCallback() { impl_->ForgetCallback(); }
bool HttpConnection::busy() const { return impl_->busy(); }
void HttpConnection::Close() { impl_->Close(); }
bool HttpConnection::is_open() const { return impl_->is_open(); }
const Url& HttpConnection::url() const { return impl_->url(); }
const ConnectionOptions& HttpConnection::options() const { return impl_->options(); }
net::io_context& HttpConnection::io_context() const { return impl_->io_context(); }
uint64_t HttpConnection::connects() const { return impl_->connects(); }
uint64_t HttpConnection::requests() const { return impl_->requests(); }

}  // namespace nsw::client
