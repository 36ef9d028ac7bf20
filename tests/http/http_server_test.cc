// HttpServer in-process on a loopback port, driven by a raw HTTP/1.1 client
// so that the connection-level behaviour is visible: keep-alive, pipelining,
// Expect: 100-continue refused or accepted from the header, 413, 431, 400,
// the connection limit's 503, the idle timeout, draining, observers.
#include "server/http/http_server.h"

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/buffers_to_string.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "tests/http/http_test_util.h"

namespace nsw::http::testing {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;
using bhttp::status;
using bhttp::verb;

struct Seen {
  std::string request_id, method, target;
  Route route;
  int status;
  uint64_t bytes;
};

class Recorder : public RequestObserver {
 public:
  void OnRequest(const CompletedRequest& r) override {
    std::lock_guard<std::mutex> lock(mu_);
    seen_.push_back({std::string(r.request_id), std::string(r.method), std::string(r.target), r.route, r.status,
                     r.response_bytes});
  }
  std::vector<Seen> seen() {
    std::lock_guard<std::mutex> lock(mu_);
    return seen_;
  }
  // Observers run after the response is written, so a client can read it
  // first: wait (at most 5 s) for `n` records.
  std::vector<Seen> WaitFor(size_t n) {
    for (int i = 0; i < 500 && seen().size() < n; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return seen();
  }

 private:
  std::mutex mu_;
  std::vector<Seen> seen_;
};

// A blocking client whose every read gives up after 5 s.
class RawClient {
 public:
  explicit RawClient(uint16_t port) : socket_(io_) {
    boost::system::error_code ec;
    socket_.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port), ec);
    EXPECT_FALSE(ec) << ec.message();
    timeval tv{5, 0};
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  }

  void Send(const std::string& bytes) {
    boost::system::error_code ec;
    net::write(socket_, net::buffer(bytes), ec);
    EXPECT_FALSE(ec) << ec.message();
  }
  void Send(Request request) {
    request.prepare_payload();
    boost::system::error_code ec;
    bhttp::write(socket_, request, ec);
    EXPECT_FALSE(ec) << ec.message();
  }
  // The next response (an interim 100 included); a failed read gives 0.
  bhttp::response<bhttp::string_body> Read() {
    bhttp::response_parser<bhttp::string_body> parser;
    parser.body_limit(64 << 20);
    boost::system::error_code ec;
    bhttp::read(socket_, buffer_, parser, ec);
    if (ec) {
      last_error_ = ec;
      return bhttp::response<bhttp::string_body>{static_cast<status>(0), 11};
    }
    return parser.release();
  }
  // True when the server has closed the connection (EOF or reset), within 5 s.
  bool Closed() {
    if (buffer_.size() > 0) return false;
    char byte;
    boost::system::error_code ec;
    socket_.read_some(net::buffer(&byte, 1), ec);
    return ec == net::error::eof || ec == net::error::connection_reset;
  }
  // Whatever bytes arrive next, unparsed (empty on a failed read).
  std::string ReadRaw() {
    std::string out;
    if (buffer_.size() > 0) {
      out = boost::beast::buffers_to_string(buffer_.data());
      buffer_.consume(buffer_.size());
      return out;
    }
    char chunk[4096];
    boost::system::error_code ec;
    size_t n = socket_.read_some(net::buffer(chunk), ec);
    return std::string(chunk, ec ? 0 : n);
  }
  boost::system::error_code last_error() const { return last_error_; }

 private:
  net::io_context io_;
  tcp::socket socket_;
  boost::beast::flat_buffer buffer_;
  boost::system::error_code last_error_;
};

class ServerTest : public ::testing::Test {
 protected:
  void StartServer(HttpServerOptions options = {}) {
    options.listen = "127.0.0.1:0";
    if (options.threads == 1) options.threads = 2;
    server_ = std::make_unique<HttpServer>(&harness_.router(), options, log_.get());
    server_->AddObserver(&recorder_);
    Status s = server_->Start();
    ASSERT_TRUE(s.ok()) << s.ToString();
    ASSERT_TRUE(server_->loopback());
    ASSERT_GT(server_->port(), 0);
  }
  void TearDown() override {
    if (server_) {
      server_->Drain();
      server_->Stop();
    }
  }
  uint16_t port() const { return server_->port(); }

  static std::string Healthz(const char* extra = "") {
    return std::string("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n") + extra + "\r\n";
  }

  std::shared_ptr<spdlog::logger> log_ = SilentLogger();
  RouterHarness harness_;
  Recorder recorder_;
  std::unique_ptr<HttpServer> server_;
};

TEST_F(ServerTest, KeepAliveCarriesManyRequestsAndPipelinedOnesAnswerInOrder) {
  StartServer();
  RawClient client(port());
  for (int i = 0; i < 3; ++i) {
    client.Send(Healthz());
    auto r = client.Read();
    ASSERT_EQ(r.result(), status::ok) << client.last_error().message();
    EXPECT_TRUE(r.keep_alive());
    EXPECT_FALSE(r[kRequestIdHeader].empty());
  }
  client.Send(Healthz("X-Request-Id: first\r\n") + Healthz("X-Request-Id: second\r\n"));
  EXPECT_EQ(client.Read()[kRequestIdHeader], "first");
  EXPECT_EQ(client.Read()[kRequestIdHeader], "second");
  EXPECT_EQ(server_->open_connections(), 1);
  std::vector<Seen> seen = recorder_.WaitFor(5);
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen[0].route, Route::kHealthz);
  EXPECT_EQ(seen[0].status, 200);
  EXPECT_EQ(seen[4].request_id, "second");
  EXPECT_GT(seen[0].bytes, 0u);
}

TEST_F(ServerTest, SignedRequestsWorkOverTheWireInBothEncodings) {
  StartServer();
  RawClient client(port());
  client.Send(harness_.Post("/v1/dossiers", Submission("wire-1"), Encoding::kProtobuf));
  auto created = client.Read();
  ASSERT_EQ(created.result(), status::accepted) << created.body();
  SubmitReply reply;
  ASSERT_TRUE(reply.ParseFromString(created.body()));
  client.Send(harness_.Make(verb::get, "/v1/dossiers/" + std::to_string(reply.dossier_id())));
  auto got = client.Read();
  ASSERT_EQ(got.result(), status::ok) << got.body();
  EXPECT_EQ(got[bhttp::field::content_type], "application/json");
  EXPECT_NE(got.body().find("wire-1"), std::string::npos);
}

TEST_F(ServerTest, ARequestTrickledInSmallPiecesIsAnsweredAsAWholeOne) {
  // The session parses what it has and reads only when the parser needs
  // more: a header split mid-line and a body split anywhere must still make
  // one request, on a connection that then carries the next one.
  StartServer();
  Request request = harness_.Post("/v1/dossiers", Submission("trickled", "MOIT.CO-FORM-D", std::string(3000, 'p')),
                                  Encoding::kProtobuf);
  request.prepare_payload();
  std::ostringstream wire;
  wire << request;
  const std::string bytes = wire.str();
  RawClient client(port());
  for (size_t at = 0; at < bytes.size(); at += 701) {
    client.Send(bytes.substr(at, 701));
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
  auto created = client.Read();
  ASSERT_EQ(created.result(), status::accepted) << created.body();
  client.Send(Healthz());
  EXPECT_EQ(client.Read().result(), status::ok);
}

TEST_F(ServerTest, ResponsesAreSerializedAsBeastWouldWriteThem) {
  // The session writes responses itself (status line, fields in order, a
  // blank line, the body); the raw bytes must be exactly Beast's.
  StartServer();
  RawClient client(port());
  client.Send("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Request-Id: raw-1\r\n\r\n");
  std::string raw;
  const std::string expected_body = "ok\n";
  while (raw.find("\r\n\r\n") == std::string::npos || raw.size() < raw.find("\r\n\r\n") + 4 + expected_body.size()) {
    std::string more = client.ReadRaw();
    ASSERT_FALSE(more.empty()) << "got only: " << raw;
    raw += more;
  }
  Response expected{status::ok, 11};
  expected.set(bhttp::field::content_type, "text/plain; charset=utf-8");
  expected.set(kRequestIdHeader, "raw-1");
  expected.body() = expected_body;
  expected.prepare_payload();
  expected.keep_alive(true);
  std::ostringstream beast_bytes;
  beast_bytes << expected;
  EXPECT_EQ(raw, beast_bytes.str());
}

TEST_F(ServerTest, HttpOneZeroWithoutKeepAliveIsClosedAfterTheResponse) {
  StartServer();
  RawClient client(port());
  client.Send("GET /healthz HTTP/1.0\r\n\r\n");
  auto r = client.Read();
  EXPECT_EQ(r.result(), status::ok);
  EXPECT_EQ(r.version(), 10);
  EXPECT_TRUE(client.Closed());
}

TEST_F(ServerTest, ExpectContinueWithAStaleSignatureIsRefusedBeforeTheBodyIsSent) {
  StartServer();
  Request request = harness_.Make(verb::post, "/v1/dossiers", kAcme, std::string(50, 'x'),
                                  "application/x-protobuf", "application/json", kNow - 1000);
  request.set(bhttp::field::expect, "100-continue");
  request.prepare_payload();
  std::ostringstream header;
  header << request.base();  // the header only: the client waits for 100 Continue
  RawClient client(port());
  client.Send(header.str());
  auto r = client.Read();
  ASSERT_EQ(r.result(), status::unauthorized) << client.last_error().message();
  EXPECT_NE(r.body().find("stale_signature"), std::string::npos) << r.body();
  EXPECT_FALSE(r.keep_alive());
  EXPECT_TRUE(client.Closed());
  EXPECT_EQ(recorder_.WaitFor(1).at(0).status, 401);
}

TEST_F(ServerTest, ExpectContinueWithAGoodHeaderGets100ThenTheAnswer) {
  StartServer();
  Request request = harness_.Post("/v1/dossiers", Submission("continue-1"), Encoding::kJson);
  request.set(bhttp::field::expect, "100-continue");
  std::ostringstream header;
  header << request.base();
  RawClient client(port());
  client.Send(header.str());
  auto interim = client.Read();
  ASSERT_EQ(interim.result(), status::continue_) << client.last_error().message();
  client.Send(request.body());
  auto r = client.Read();
  EXPECT_EQ(r.result(), status::accepted) << r.body();
  EXPECT_TRUE(r.keep_alive());
}

TEST_F(ServerTest, ABodyOverMaxBodyIs413WithoutReadingIt) {
  HttpServerOptions options;
  options.max_body = 1000;
  StartServer(options);
  RawClient client(port());
  client.Send(
      "POST /v1/dossiers HTTP/1.1\r\nHost: h\r\nContent-Type: application/json\r\nContent-Length: 1001\r\n"
      "X-Request-Id: big\r\n\r\n");
  auto r = client.Read();
  EXPECT_EQ(r.result(), status::payload_too_large);
  EXPECT_EQ(r[kRequestIdHeader], "big");
  EXPECT_NE(r.body().find("body_too_large"), std::string::npos);
  EXPECT_TRUE(client.Closed());
}

TEST_F(ServerTest, AChunkedBodyOverMaxBodyIs413) {
  HttpServerOptions options;
  options.max_body = 1000;
  StartServer(options);
  std::string chunk(800, 'a');
  // Correctly signed, so only the size is wrong; the length is unknown from
  // the header, so the limit strikes while the body is read.
  Request signed_request = harness_.Make(verb::post, "/v1/dossiers", kAcme, chunk + chunk, "application/json");
  RawClient client(port());
  client.Send("POST /v1/dossiers HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nContent-Type: application/json\r\n"
              "Transfer-Encoding: chunked\r\nAuthorization: " +
              std::string(signed_request[bhttp::field::authorization]) + "\r\n\r\n320\r\n" + chunk +
              "\r\n320\r\n" + chunk + "\r\n0\r\n\r\n");
  auto r = client.Read();
  EXPECT_EQ(r.result(), status::payload_too_large) << r.body();
  EXPECT_TRUE(client.Closed());
}

TEST_F(ServerTest, AHeaderOverMaxHeaderIs431) {
  HttpServerOptions options;
  options.max_header = 1024;
  StartServer(options);
  RawClient client(port());
  client.Send(Healthz(("X-Padding: " + std::string(2000, 'p') + "\r\n").c_str()));
  auto r = client.Read();
  EXPECT_EQ(r.result(), status::request_header_fields_too_large);
  EXPECT_NE(r.body().find("headers_too_large"), std::string::npos);
  EXPECT_FALSE(r[kRequestIdHeader].empty());
}

TEST_F(ServerTest, GarbageIs400AndClosed) {
  StartServer();
  RawClient client(port());
  client.Send("HELLO\x01 THERE\r\n\r\n");
  auto r = client.Read();
  EXPECT_EQ(r.result(), status::bad_request);
  EXPECT_NE(r.body().find("bad_request"), std::string::npos);
  EXPECT_TRUE(client.Closed());
}

TEST_F(ServerTest, PastTheConnectionLimitA503WithRetryAfterIsAnsweredAndClosed) {
  HttpServerOptions options;
  options.max_connections = 2;
  StartServer(options);
  RawClient a(port()), b(port());
  for (RawClient* c : {&a, &b}) {
    c->Send(Healthz());
    ASSERT_EQ(c->Read().result(), status::ok);
  }
  RawClient c(port());
  c.Send(Healthz());
  auto refused = c.Read();
  EXPECT_EQ(refused.result(), status::service_unavailable);
  EXPECT_EQ(refused[bhttp::field::retry_after], "3");  // the router's option
  EXPECT_NE(refused.body().find("too_many_connections"), std::string::npos);
  EXPECT_FALSE(refused.keep_alive());
  EXPECT_TRUE(c.Closed());
  EXPECT_EQ(server_->refused_connections(), 1u);

  // The open ones keep working.
  a.Send(Healthz());
  EXPECT_EQ(a.Read().result(), status::ok);
}

TEST_F(ServerTest, AnIdleKeepAliveConnectionIsClosedAfterTheIdleTimeout) {
  HttpServerOptions options;
  options.idle_timeout_us = 200'000;
  StartServer(options);
  RawClient client(port());
  client.Send(Healthz());
  ASSERT_EQ(client.Read().result(), status::ok);
  auto before = std::chrono::steady_clock::now();
  EXPECT_TRUE(client.Closed());
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(4));
}

TEST_F(ServerTest, DrainClosesIdleConnectionsAndStopsAccepting) {
  StartServer();
  RawClient client(port());
  client.Send(Healthz());
  ASSERT_EQ(client.Read().result(), status::ok);
  EXPECT_TRUE(server_->Drain());
  EXPECT_EQ(server_->open_connections(), 0);
  EXPECT_TRUE(client.Closed());
  net::io_context io;
  tcp::socket late(io);
  boost::system::error_code ec;
  late.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port()), ec);
  EXPECT_TRUE(ec) << "still accepting after Drain";
}

// Sends `request`'s header with Expect: 100-continue and waits for the 100.
void StartUpload(RawClient* client, Request request) {
  request.set(bhttp::field::expect, "100-continue");
  request.prepare_payload();
  std::ostringstream header;
  header << request.base();
  client->Send(header.str());
  ASSERT_EQ(client->Read().result(), status::continue_) << client->last_error().message();
}

TEST_F(ServerTest, RequestBodiesPastMaxInflightBytesAre503BeforeTheBodyIsRead) {
  HttpServerOptions options;
  options.max_inflight_bytes = 100;
  StartServer(options);
  Request first = harness_.Post("/v1/dossiers", Submission("inflight-1", "MOIT.CO-FORM-D", std::string(40, 'a')),
                                Encoding::kProtobuf);
  ASSERT_GT(first.body().size(), 50u);
  RawClient holder(port());
  StartUpload(&holder, first);  // its body is now reserved, not yet sent

  RawClient second(port());
  second.Send(harness_.Post("/v1/dossiers", Submission("inflight-2", "MOIT.CO-FORM-D", std::string(40, 'b')),
                            Encoding::kProtobuf));
  auto refused = second.Read();
  EXPECT_EQ(refused.result(), status::service_unavailable);
  EXPECT_NE(refused.body().find("overloaded"), std::string::npos) << refused.body();
  EXPECT_FALSE(refused[bhttp::field::retry_after].empty());

  holder.Send(first.body());
  EXPECT_EQ(holder.Read().result(), status::accepted);
  // Released: the same request now goes through.
  RawClient third(port());
  third.Send(harness_.Post("/v1/dossiers", Submission("inflight-3"), Encoding::kProtobuf));
  EXPECT_EQ(third.Read().result(), status::accepted);
}

TEST_F(ServerTest, DrainLetsARequestInProgressFinishAndClosesItsConnection) {
  StartServer();
  Request request = harness_.Post("/v1/dossiers", Submission("drain-1"), Encoding::kJson);
  RawClient client(port());
  StartUpload(&client, request);
  std::atomic<bool> drained{false};
  std::thread drainer([&] { drained = server_->Drain(); });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_EQ(server_->open_connections(), 1);  // waiting for this request
  client.Send(request.body());
  auto r = client.Read();
  EXPECT_EQ(r.result(), status::accepted) << r.body();
  EXPECT_FALSE(r.keep_alive());
  drainer.join();
  EXPECT_TRUE(drained.load());
  EXPECT_TRUE(client.Closed());
}

TEST_F(ServerTest, ServiceCompletionsFromAnotherThreadReachTheConnection) {
  StartServer();
  // Many connections at once, each submitting: completions arrive from the
  // journal side and must resume each connection on its own thread.
  // Signed up front: the harness's Signer is not safe for concurrent use
  // (ThreadSanitizer caught the threads sharing its key cache).
  std::vector<std::vector<Request>> requests(4);
  for (int t = 0; t < 4; ++t) {
    for (int i = 0; i < 10; ++i) {
      requests[t].push_back(harness_.Post(
          "/v1/dossiers", Submission("m-" + std::to_string(t) + "-" + std::to_string(i)), Encoding::kProtobuf));
    }
  }
  std::vector<std::thread> threads;
  std::atomic<int> accepted{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      RawClient client(port());
      for (const Request& request : requests[t]) {
        client.Send(request);
        if (client.Read().result() == status::accepted) accepted.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(accepted.load(), 40);
}

TEST(ServerStartTest, BadListenAddressesAndTlsFilesAreRefused) {
  RouterHarness harness;
  auto log = SilentLogger();
  for (const char* listen : {"nohost", "127.0.0.1:99999", "not-an-ip:80", "[::1:80"}) {
    HttpServerOptions options;
    options.listen = listen;
    HttpServer server(&harness.router(), options, log.get());
    Status s = server.Start();
    EXPECT_TRUE(s.IsInvalidArgument()) << listen << ": " << s.ToString();
  }
  HttpServerOptions tls;
  tls.listen = "127.0.0.1:0";
  tls.tls_cert_file = "/nonexistent/cert.pem";
  tls.tls_key_file = "/nonexistent/key.pem";
  HttpServer server(&harness.router(), tls, log.get());
  Status s = server.Start();
  EXPECT_TRUE(s.IsInvalidArgument()) << s.ToString();
  EXPECT_NE(s.message().find("--tls-cert"), std::string::npos) << s.message();
}

TEST(ServerStartTest, AnAddressInUseIsAnIoError) {
  RouterHarness harness;
  auto log = SilentLogger();
  HttpServerOptions options;
  options.listen = "127.0.0.1:0";
  HttpServer first(&harness.router(), options, log.get());
  ASSERT_TRUE(first.Start().ok());
  options.listen = first.local_address();
  HttpServer second(&harness.router(), options, log.get());
  Status s = second.Start();
  EXPECT_TRUE(s.IsIoError()) << s.ToString();
}

}  // namespace
}  // namespace nsw::http::testing
