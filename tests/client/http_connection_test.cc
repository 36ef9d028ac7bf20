// Tests of client/http_connection.h against LoopbackServer (plain Asio on
// 127.0.0.1, one thread): keep-alive reuse, reconnects after the server
// closes, the stale-connection retry, error classes (timeout, connect
// refused, reset, other), framing (chunked, HEAD, body limit), timestamps,
// and lifetime rules (Close and destruction with a request in flight).
// Also URL parsing.
#include "client/http_connection.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <gtest/gtest.h>

#include "client/loopback_server.h"

namespace nsw::client {
namespace {

using nsw::testing::LoopbackRequest;
using nsw::testing::LoopbackResponse;
using nsw::testing::LoopbackServer;
using Mode = LoopbackResponse::Mode;

// ---------------------------------------------------------------- URL

TEST(UrlTest, ParsesTheUsualForms) {
  Url url;
  ASSERT_TRUE(ParseUrl("http://127.0.0.1:8080/v1/stats?x=1", &url).ok());
  EXPECT_EQ(url.scheme, "http");
  EXPECT_EQ(url.host, "127.0.0.1");
  EXPECT_EQ(url.port, 8080);
  EXPECT_EQ(url.target, "/v1/stats?x=1");
  EXPECT_FALSE(url.tls());
  EXPECT_EQ(url.host_header(), "127.0.0.1:8080");
  EXPECT_EQ(url.ToString(), "http://127.0.0.1:8080/v1/stats?x=1");

  ASSERT_TRUE(ParseUrl("HTTPS://NSW.Example.org", &url).ok());
  EXPECT_EQ(url.scheme, "https");
  EXPECT_EQ(url.host, "nsw.example.org");
  EXPECT_EQ(url.port, 443);
  EXPECT_EQ(url.target, "/");
  EXPECT_TRUE(url.tls());
  EXPECT_EQ(url.host_header(), "nsw.example.org");

  ASSERT_TRUE(ParseUrl("http://localhost:80?q", &url).ok());
  EXPECT_EQ(url.host_header(), "localhost");
  EXPECT_EQ(url.target, "/?q");

  ASSERT_TRUE(ParseUrl("http://[::1]:9000/x", &url).ok());
  EXPECT_EQ(url.host, "::1");
  EXPECT_EQ(url.port, 9000);
  EXPECT_EQ(url.host_header(), "[::1]:9000");
}

TEST(UrlTest, RefusesWithAReason) {
  const std::pair<const char*, const char*> bad[] = {
      {"", "scheme"},
      {"127.0.0.1:8080", "scheme"},
      {"ftp://host/", "unsupported scheme"},
      {"http://", "empty host"},
      {"http:///path", "empty host"},
      {"http://:80/", "empty host"},
      {"http://host:0/", "bad port"},
      {"http://host:65536/", "bad port"},
      {"http://host:/", "bad port"},
      {"http://host:8o/", "bad port"},
      {"http://user:pw@host/", "user information"},
      {"http://host/#frag", "fragment"},
      {"http://ho st/", "whitespace"},
      {"http://host/a\nb", "whitespace"},
      {"http://[::1/", "IPv6"},
      {"http://[xyz]/", "IPv6"},
      {"http://ho$t/", "bad character"},
  };
  for (const auto& [text, reason] : bad) {
    Url url;
    Status s = ParseUrl(text, &url);
    ASSERT_TRUE(s.IsInvalidArgument()) << text;
    EXPECT_NE(s.message().find(reason), std::string::npos) << text << " -> " << s.message();
  }
}

// ---------------------------------------------------------------- connection

ConnectionOptions WithRequestTimeout(std::chrono::milliseconds timeout) {
  ConnectionOptions options;
  options.request_timeout = timeout;
  return options;
}

ConnectionOptions WithConnectTimeout(std::chrono::milliseconds timeout) {
  ConnectionOptions options;
  options.connect_timeout = timeout;
  return options;
}

struct Saved {
  ErrorClass error = ErrorClass::kOther;
  std::string error_message;
  int status = 0;
  std::string body, content_type, retry_after, request_id;
  bool reused = false;
  int attempts = 0;
  MonotonicClock::time_point started, written, done;
};

Saved Save(const HttpResult& r) {
  Saved s;
  s.error = r.error;
  s.error_message = r.error_message;
  s.status = r.status;
  s.body = std::string(r.body);
  s.content_type = std::string(r.content_type);
  s.retry_after = std::string(r.retry_after);
  s.request_id = std::string(r.request_id);
  s.reused = r.reused_connection;
  s.attempts = r.attempts;
  s.started = r.started;
  s.written = r.written;
  s.done = r.done;
  return s;
}

class ConnectionTest : public ::testing::Test {
 protected:
  // Answers "n=<count>" with a request id; the mode for each request comes
  // from `next_modes_` (front first), then kNormal.
  LoopbackResponse Handle(const LoopbackRequest& req) {
    LoopbackResponse resp;
    resp.body = "n=" + std::to_string(server_->requests().size()) + " " + req.method + " " + req.target;
    resp.headers.push_back({"X-Request-Id", "req-" + std::to_string(server_->requests().size())});
    resp.headers.push_back({"Content-Type", "text/plain"});
    if (!next_modes_.empty()) {
      resp.mode = next_modes_.front();
      next_modes_.erase(next_modes_.begin());
    }
    if (handler_) handler_(req, &resp);
    return resp;
  }

  void SetUp() override {
    server_ = std::make_unique<LoopbackServer>(io_, [this](const LoopbackRequest& r) { return Handle(r); });
    ASSERT_TRUE(ParseUrl(server_->url(), &url_).ok());
  }

  std::unique_ptr<HttpConnection> Connect(ConnectionOptions options = {}) {
    if (options.request_timeout == ConnectionOptions{}.request_timeout) options.request_timeout = std::chrono::seconds(5);
    return std::make_unique<HttpConnection>(io_, url_, options);
  }

  // Runs the loop until `done` or a generous guard (a hang fails the test
  // instead of hanging the suite).
  void RunUntil(const std::function<bool()>& done) {
    auto guard = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done() && std::chrono::steady_clock::now() < guard) io_.run_one_for(std::chrono::milliseconds(50));
    ASSERT_TRUE(done()) << "timed out waiting";
  }

  Saved Roundtrip(HttpConnection& conn, const HttpRequest& req) {
    std::optional<Saved> saved;
    conn.Send(req, [&](const HttpResult& r) { saved = Save(r); });
    EXPECT_TRUE(conn.busy());
    RunUntil([&] { return saved.has_value(); });
    EXPECT_FALSE(conn.busy());
    return saved.value_or(Saved{});
  }

  Saved Get(HttpConnection& conn, const std::string& target = "/") {
    HttpRequest req;
    req.target = target;
    return Roundtrip(conn, req);
  }

  // Lets pending I/O (a FIN, a close) be processed.
  void Drain() { io_.run_for(std::chrono::milliseconds(30)); }

  boost::asio::io_context io_;
  std::unique_ptr<LoopbackServer> server_;
  Url url_;
  std::vector<Mode> next_modes_;
  std::function<void(const LoopbackRequest&, LoopbackResponse*)> handler_;
};

TEST_F(ConnectionTest, KeepAliveReusesOneConnection) {
  auto conn = Connect();
  EXPECT_FALSE(conn->is_open());
  for (int i = 1; i <= 25; ++i) {
    Saved r = Get(*conn, "/item/" + std::to_string(i));
    ASSERT_EQ(r.error, ErrorClass::kOk) << r.error_message;
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "n=" + std::to_string(i) + " GET /item/" + std::to_string(i));
    EXPECT_EQ(r.request_id, "req-" + std::to_string(i));
    EXPECT_EQ(r.content_type, "text/plain");
    EXPECT_EQ(r.reused, i > 1);
    EXPECT_EQ(r.attempts, 1);
  }
  EXPECT_EQ(conn->connects(), 1u);
  EXPECT_EQ(conn->requests(), 25u);
  EXPECT_EQ(server_->accepted(), 1);
  EXPECT_TRUE(conn->is_open());
}

TEST_F(ConnectionTest, SendsHostLengthTypeAndHeaders) {
  handler_ = [](const LoopbackRequest& req, LoopbackResponse* resp) {
    resp->status = 503;
    resp->reason = "Service Unavailable";
    resp->headers.push_back({"Retry-After", "2"});
    resp->body = req.body;
  };
  auto conn = Connect();
  HttpRequest req;
  req.method = "POST";
  req.target = "/v1/dossiers?a=1";
  req.content_type = "application/x-protobuf";
  req.set_header("X-Test", "one");
  req.set_header("x-test", "two");  // replaces, case-insensitively
  req.body = std::string("\0binary\r\n\r\nbody", 16);
  Saved r = Roundtrip(*conn, req);
  ASSERT_EQ(r.error, ErrorClass::kOk) << r.error_message;
  EXPECT_EQ(r.status, 503);  // any complete answer is transport-ok
  EXPECT_EQ(r.retry_after, "2");
  EXPECT_EQ(r.body, req.body);
  ASSERT_EQ(server_->requests().size(), 1u);
  const LoopbackRequest& seen = server_->requests()[0];
  EXPECT_EQ(seen.method, "POST");
  EXPECT_EQ(seen.target, "/v1/dossiers?a=1");
  EXPECT_EQ(seen.header("host"), "127.0.0.1:" + std::to_string(server_->port()));
  EXPECT_EQ(seen.header("content-type"), "application/x-protobuf");
  EXPECT_EQ(seen.header("content-length"), "16");
  EXPECT_EQ(seen.header("x-test"), "two");
  EXPECT_EQ(seen.header("user-agent"), "nswsim/0.1");
  EXPECT_EQ(seen.body, req.body);

  // An empty POST still says Content-Length: 0; a GET says nothing.
  req.body.clear();
  req.content_type.clear();
  req.headers.clear();
  Roundtrip(*conn, req);
  EXPECT_EQ(server_->requests()[1].header("content-length"), "0");
  EXPECT_FALSE(server_->requests()[1].has_header("content-type"));
  Get(*conn);
  EXPECT_FALSE(server_->requests()[2].has_header("content-length"));
}

// The connection reuses the bytes of an identical previous request; any
// change, even one of the same size, is serialized anew.
TEST_F(ConnectionTest, RepeatedRequestsReuseBytesAndChangesAreSent) {
  handler_ = [](const LoopbackRequest& req, LoopbackResponse* resp) { resp->body = req.body; };
  auto conn = Connect();
  HttpRequest req;
  req.method = "POST";
  req.target = "/a";
  req.set_header("X-N", "1");
  req.body = "body-1";
  for (int i = 0; i < 3; ++i) ASSERT_EQ(Roundtrip(*conn, req).body, "body-1");
  req.set_header("X-N", "2");
  Roundtrip(*conn, req);
  req.body = "body-2";
  Roundtrip(*conn, req);
  req.target = "/b";
  Roundtrip(*conn, req);
  const auto& seen = server_->requests();
  ASSERT_EQ(seen.size(), 6u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(seen[i].header("x-n"), "1");
    EXPECT_EQ(seen[i].body, "body-1");
  }
  EXPECT_EQ(seen[3].header("x-n"), "2");
  EXPECT_EQ(seen[3].body, "body-1");
  EXPECT_EQ(seen[4].body, "body-2");
  EXPECT_EQ(seen[4].target, "/a");
  EXPECT_EQ(seen[5].target, "/b");
  EXPECT_EQ(conn->connects(), 1u);
}

// SendSwapping takes the request's strings instead of copying them, so the
// caller refills every field; what is sent is what was filled in, also when
// it equals the previous request (its serialized bytes are reused) and when
// a stale connection makes it go out twice.
TEST_F(ConnectionTest, SendSwappingSendsWhatWasFilledIn) {
  handler_ = [](const LoopbackRequest& req, LoopbackResponse* resp) { resp->body = req.body; };
  auto conn = Connect();
  HttpRequest req;
  auto send = [&](const std::string& target, const std::string& n, const std::string& body) {
    req.method = "POST";
    req.target = target;
    req.content_type = "text/plain";
    req.headers.resize(1);
    req.headers[0] = {"X-N", n};
    req.body = body;
    std::optional<Saved> saved;
    conn->SendSwapping(&req, [&](const HttpResult& r) { saved = Save(r); });
    RunUntil([&] { return saved.has_value(); });
    return saved.value_or(Saved{});
  };
  const std::string big(5000, 'x');
  EXPECT_EQ(send("/a", "1", "body-1").body, "body-1");
  EXPECT_EQ(send("/a", "1", "body-1").body, "body-1");
  EXPECT_EQ(send("/b", "2", big).body, big);
  server_->CloseAll();
  Drain();
  Saved retried = send("/c", "3", "body-3");
  EXPECT_EQ(retried.attempts, 2);
  EXPECT_EQ(retried.body, "body-3");
  EXPECT_EQ(send("/d", "4", "").body, "");
  const auto& seen = server_->requests();
  ASSERT_EQ(seen.size(), 5u);
  const char* targets[] = {"/a", "/a", "/b", "/c", "/d"};
  const char* ns[] = {"1", "1", "2", "3", "4"};
  const std::string bodies[] = {"body-1", "body-1", big, "body-3", ""};
  for (size_t i = 0; i < seen.size(); ++i) {
    EXPECT_EQ(seen[i].method, "POST") << i;
    EXPECT_EQ(seen[i].target, targets[i]) << i;
    EXPECT_EQ(seen[i].header("x-n"), ns[i]) << i;
    EXPECT_EQ(seen[i].header("content-type"), "text/plain") << i;
    EXPECT_EQ(seen[i].body, bodies[i]) << i;
  }
}

// The lazy request timer must not outlive Close: an owner that closes the
// connection and then runs its io_context until it is out of work would
// otherwise wait out the request timeout.
TEST_F(ConnectionTest, CloseLeavesNoPendingWorkBehind) {
  ConnectionOptions long_timeouts = WithRequestTimeout(std::chrono::seconds(25));
  long_timeouts.connect_timeout = std::chrono::seconds(25);
  auto conn = Connect(long_timeouts);
  Saved r = Get(*conn);
  ASSERT_EQ(r.error, ErrorClass::kOk) << r.error_message;
  conn->Close();
  server_.reset();  // the loop now holds only what the connection left
  auto started = std::chrono::steady_clock::now();
  io_.run_for(std::chrono::seconds(20));  // returns as soon as there is no work
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(10));
}

TEST_F(ConnectionTest, ReconnectsAfterConnectionClose) {
  next_modes_ = {Mode::kConnectionClose, Mode::kNormal};
  auto conn = Connect();
  Saved first = Get(*conn);
  ASSERT_EQ(first.error, ErrorClass::kOk) << first.error_message;
  EXPECT_FALSE(conn->is_open());  // honoured "Connection: close"
  Saved second = Get(*conn);
  ASSERT_EQ(second.error, ErrorClass::kOk) << second.error_message;
  EXPECT_FALSE(second.reused);
  EXPECT_EQ(second.attempts, 1);
  EXPECT_EQ(conn->connects(), 2u);
  EXPECT_EQ(server_->accepted(), 2);
}

TEST_F(ConnectionTest, RetriesOnceWhenTheServerClosedTheIdleConnection) {
  auto conn = Connect();
  ASSERT_EQ(Get(*conn).error, ErrorClass::kOk);
  server_->CloseAll();  // the server's idle timeout, say
  Drain();
  Saved r = Get(*conn, "/after-close");
  ASSERT_EQ(r.error, ErrorClass::kOk) << r.error_message;
  EXPECT_EQ(r.attempts, 2);
  EXPECT_FALSE(r.reused);
  EXPECT_EQ(conn->connects(), 2u);
  EXPECT_EQ(server_->requests().back().target, "/after-close");
  EXPECT_EQ(server_->requests().back().connection, 2);
}

TEST_F(ConnectionTest, RetriesWhenTheServerClosesRightAfterAnswering) {
  next_modes_ = {Mode::kCloseAfter};
  auto conn = Connect();
  ASSERT_EQ(Get(*conn).error, ErrorClass::kOk);
  // Sent at once: the FIN may or may not have arrived yet; both end in one retry.
  Saved r = Get(*conn);
  ASSERT_EQ(r.error, ErrorClass::kOk) << r.error_message;
  EXPECT_EQ(r.attempts, 2);
  EXPECT_EQ(conn->connects(), 2u);
}

TEST_F(ConnectionTest, WithoutRetryAStaleConnectionIsAReset) {
  ConnectionOptions options;
  options.retry_stale = false;
  auto conn = Connect(options);
  ASSERT_EQ(Get(*conn).error, ErrorClass::kOk);
  server_->CloseAll();
  Drain();
  Saved r = Get(*conn);
  EXPECT_EQ(r.error, ErrorClass::kReset) << r.error_message;
  EXPECT_EQ(r.status, 0);
  // And the connection recovers on the next request.
  EXPECT_EQ(Get(*conn).error, ErrorClass::kOk);
}

TEST_F(ConnectionTest, TimeoutIsClassifiedAndTheConnectionRecovers) {
  next_modes_ = {Mode::kNoAnswer};
  ConnectionOptions options;
  options.request_timeout = std::chrono::milliseconds(200);
  auto conn = Connect(options);
  Saved r = Get(*conn);
  EXPECT_EQ(r.error, ErrorClass::kTimeout) << r.error_message;
  EXPECT_NE(r.error_message.find("timed out"), std::string::npos);
  EXPECT_GE(r.done - r.started, std::chrono::milliseconds(200));
  EXPECT_FALSE(conn->is_open());
  Saved next = Get(*conn);
  EXPECT_EQ(next.error, ErrorClass::kOk) << next.error_message;
  EXPECT_EQ(conn->connects(), 2u);
}

TEST_F(ConnectionTest, TimeoutOnAReusedConnectionIsNotRetried) {
  auto conn = Connect(WithRequestTimeout(std::chrono::milliseconds(150)));
  ASSERT_EQ(Get(*conn).error, ErrorClass::kOk);
  next_modes_ = {Mode::kNoAnswer};
  Saved r = Get(*conn);
  EXPECT_EQ(r.error, ErrorClass::kTimeout);
  EXPECT_EQ(r.attempts, 1);
  EXPECT_EQ(server_->requests().size(), 2u);
}

TEST_F(ConnectionTest, ConnectRefusedIsClassified) {
  // A port that was just free: bind, note it, close.
  uint16_t port;
  {
    boost::asio::ip::tcp::acceptor a(io_, {boost::asio::ip::make_address("127.0.0.1"), 0});
    port = a.local_endpoint().port();
  }
  Url url;
  ASSERT_TRUE(ParseUrl("http://127.0.0.1:" + std::to_string(port) + "/", &url).ok());
  HttpConnection conn(io_, url);
  Saved r = Get(conn);
  EXPECT_EQ(r.error, ErrorClass::kConnect) << r.error_message;
  EXPECT_NE(r.error_message.find("connect 127.0.0.1:" + std::to_string(port)), std::string::npos) << r.error_message;
  EXPECT_EQ(conn.connects(), 0u);
  EXPECT_EQ(ErrorClassName(r.error), "connect");
}

// A listener whose accept queue is full drops new SYNs (Linux), so a
// connect hangs: the connect phase's own timeout classifies it as kConnect,
// and a shorter request deadline as kTimeout.
class FullBacklog {
 public:
  explicit FullBacklog(boost::asio::io_context& io) : acceptor_(io) {
    using boost::asio::ip::tcp;
    tcp::endpoint ep(boost::asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(ep.protocol());
    acceptor_.bind(ep);
    acceptor_.listen(0);
    port_ = acceptor_.local_endpoint().port();
    // Fill the queue with raw non-blocking connects that are never accepted
    // (Asio's synchronous connect would wait for them).
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port_);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    for (int i = 0; i < 4; ++i) {
      int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
      if (fd < 0) continue;
      (void)::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
      fillers_.push_back(fd);
    }
  }
  ~FullBacklog() {
    for (int fd : fillers_) ::close(fd);
  }
  uint16_t port() const { return port_; }

 private:
  boost::asio::ip::tcp::acceptor acceptor_;
  std::vector<int> fillers_;
  uint16_t port_ = 0;
};

TEST_F(ConnectionTest, ConnectTimeoutIsAConnectErrorRequestDeadlineATimeout) {
  FullBacklog full(io_);
  Drain();
  Url url;
  ASSERT_TRUE(ParseUrl("http://127.0.0.1:" + std::to_string(full.port()) + "/", &url).ok());
  ConnectionOptions options;
  options.connect_timeout = std::chrono::milliseconds(150);
  options.request_timeout = std::chrono::seconds(5);
  HttpConnection conn(io_, url, options);
  Saved r = Get(conn);
  if (r.error == ErrorClass::kOk || conn.connects() > 0) GTEST_SKIP() << "this kernel accepted past the backlog";
  EXPECT_EQ(r.error, ErrorClass::kConnect) << r.error_message;
  EXPECT_NE(r.error_message.find("timed out"), std::string::npos) << r.error_message;

  options.connect_timeout = std::chrono::seconds(5);
  options.request_timeout = std::chrono::milliseconds(150);
  HttpConnection conn2(io_, url, options);
  r = Get(conn2);
  EXPECT_EQ(r.error, ErrorClass::kTimeout) << r.error_message;
}

TEST_F(ConnectionTest, UnresolvableHostIsAConnectError) {
  Url url;
  ASSERT_TRUE(ParseUrl("http://nsw-no-such-host.invalid:80/", &url).ok());
  HttpConnection conn(io_, url, WithConnectTimeout(std::chrono::seconds(3)));
  Saved r = Get(conn);
  EXPECT_EQ(r.error, ErrorClass::kConnect) << r.error_message;
}

TEST_F(ConnectionTest, TruncatedBodyIsAReset) {
  next_modes_ = {Mode::kTruncated};
  auto conn = Connect();
  Saved r = Get(*conn);
  EXPECT_EQ(r.error, ErrorClass::kReset) << r.error_message;
  EXPECT_EQ(r.attempts, 1);  // part of a response arrived: never resent
}

TEST_F(ConnectionTest, ImmediateCloseOnAFreshConnectionIsAReset) {
  next_modes_ = {Mode::kResetNow};
  auto conn = Connect();
  Saved r = Get(*conn);
  EXPECT_EQ(r.error, ErrorClass::kReset) << r.error_message;
  EXPECT_EQ(r.attempts, 1);
}

TEST_F(ConnectionTest, ChunkedBodyIsReassembled) {
  next_modes_ = {Mode::kChunked, Mode::kNormal};
  handler_ = [](const LoopbackRequest&, LoopbackResponse* resp) { resp->body = "chunked response body!"; };
  auto conn = Connect();
  Saved r = Get(*conn);
  ASSERT_EQ(r.error, ErrorClass::kOk) << r.error_message;
  EXPECT_EQ(r.body, "chunked response body!");
  Saved again = Get(*conn);
  EXPECT_EQ(again.error, ErrorClass::kOk);
  EXPECT_EQ(conn->connects(), 1u);
}

TEST_F(ConnectionTest, BodyOverTheLimitIsOther) {
  handler_ = [](const LoopbackRequest&, LoopbackResponse* resp) { resp->body = std::string(5000, 'x'); };
  ConnectionOptions options;
  options.max_response_body = 1000;
  auto conn = Connect(options);
  Saved r = Get(*conn);
  EXPECT_EQ(r.error, ErrorClass::kOther) << r.error_message;
  EXPECT_FALSE(conn->is_open());
}

TEST_F(ConnectionTest, HeadResponseHasNoBody) {
  // The answer to HEAD announces 100 bytes and sends none: the client must
  // not wait for them, and the connection stays in sync for the next request.
  handler_ = [](const LoopbackRequest& req, LoopbackResponse* resp) {
    if (req.method == "HEAD") {
      resp->body = std::string(100, 'x');
      resp->mode = Mode::kHeadersOnly;
    }
  };
  auto conn = Connect(WithRequestTimeout(std::chrono::seconds(2)));
  HttpRequest req;
  req.method = "HEAD";
  Saved r = Roundtrip(*conn, req);
  ASSERT_EQ(r.error, ErrorClass::kOk) << r.error_message;
  EXPECT_EQ(r.body, "");
  Saved next = Get(*conn, "/next");
  ASSERT_EQ(next.error, ErrorClass::kOk) << next.error_message;
  EXPECT_EQ(next.body, "n=2 GET /next");
  EXPECT_EQ(conn->connects(), 1u);
}

TEST_F(ConnectionTest, AnAnswerBeforeTheBodyIsReadIsNotLost) {
  // 8 MiB cannot sit in the socket buffers: the write is still going when
  // the server answers 413 and stops reading.
  server_->set_early_handler([](const LoopbackRequest& req) -> std::optional<LoopbackResponse> {
    if (req.method != "POST") return std::nullopt;
    LoopbackResponse resp;
    resp.status = 413;
    resp.reason = "Payload Too Large";
    resp.body = "too large";
    return resp;
  });
  auto conn = Connect();
  HttpRequest req;
  req.method = "POST";
  req.body.assign(8u << 20, 'b');
  Saved r = Roundtrip(*conn, req);
  ASSERT_EQ(r.error, ErrorClass::kOk) << r.error_message;
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.body, "too large");
  EXPECT_FALSE(conn->is_open());
  EXPECT_EQ(Get(*conn).error, ErrorClass::kOk);
  EXPECT_EQ(conn->connects(), 2u);
}

TEST_F(ConnectionTest, TimestampsAreOrdered) {
  auto conn = Connect();
  Saved r = Get(*conn);
  ASSERT_EQ(r.error, ErrorClass::kOk);
  EXPECT_LE(r.started, r.written);
  EXPECT_LE(r.written, r.done);
  EXPECT_GT(r.done, r.started);
}

TEST_F(ConnectionTest, CallbackMaySendTheNextRequest) {
  auto conn = Connect();
  int completed = 0;
  HttpRequest req;
  std::function<void(const HttpResult&)> next = [&](const HttpResult& r) {
    EXPECT_EQ(r.error, ErrorClass::kOk);
    std::string body(r.body);  // still valid here, before Send
    ++completed;
    if (completed < 10) {
      conn->Send(req, next);
      EXPECT_EQ(r.body, body);  // Send does not clobber the result being handled
    }
  };
  conn->Send(req, next);
  RunUntil([&] { return completed == 10; });
  EXPECT_EQ(conn->connects(), 1u);
}

TEST_F(ConnectionTest, InvalidHeaderFailsWithoutSending) {
  auto conn = Connect();
  HttpRequest req;
  req.set_header("X-Evil", "a\r\nInjected: yes");
  bool called_inside = true;
  std::optional<Saved> saved;
  conn->Send(req, [&](const HttpResult& r) { saved = Save(r); });
  called_inside = saved.has_value();
  RunUntil([&] { return saved.has_value(); });
  EXPECT_FALSE(called_inside);
  EXPECT_EQ(saved->error, ErrorClass::kOther);
  EXPECT_TRUE(server_->requests().empty());
}

TEST_F(ConnectionTest, CloseDuringARequestCompletesIt) {
  next_modes_ = {Mode::kNoAnswer};
  auto conn = Connect();
  std::optional<Saved> saved;
  HttpRequest req;
  conn->Send(req, [&](const HttpResult& r) { saved = Save(r); });
  RunUntil([&] { return server_->requests().size() == 1; });
  conn->Close();
  RunUntil([&] { return saved.has_value(); });
  EXPECT_EQ(saved->error, ErrorClass::kOther);
  EXPECT_EQ(Get(*conn).error, ErrorClass::kOk);
}

TEST_F(ConnectionTest, DestroyingWithARequestInFlightNeverCallsBack) {
  next_modes_ = {Mode::kNoAnswer};
  auto conn = Connect();
  bool called = false;
  conn->Send(HttpRequest{}, [&](const HttpResult&) { called = true; });
  RunUntil([&] { return server_->requests().size() == 1; });
  conn.reset();
  Drain();
  EXPECT_FALSE(called);
}

TEST_F(ConnectionTest, DestroyingFromInsideTheCallbackIsSafe) {
  auto conn = Connect();
  bool called = false;
  conn->Send(HttpRequest{}, [&](const HttpResult&) {
    called = true;
    conn.reset();
  });
  RunUntil([&] { return called; });
  Drain();
  EXPECT_EQ(conn, nullptr);
}

}  // namespace
}  // namespace nsw::client
