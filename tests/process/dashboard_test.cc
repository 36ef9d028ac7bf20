// The live dashboard against the real nsw-server: GET / serves the
// self-contained page; GET /v1/live is a WebSocket whose frames change while
// dossiers are submitted; a foreign Origin is refused with 403 before the
// upgrade; the subscriber limit answers 503 and subscribers that never read
// hold up no one; the clock buttons' call (JSON, signed as admin, or
// X-NSW-Enterprise under --auth none) is accepted and an unsigned one is
// not; stopping the server closes subscribers with "going away". The
// WebSocket client is a few lines over a blocking loopback socket (no Beast
// WebSocket code in the tests), every read bounded by a receive timeout.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <chrono>
#include <ctime>
#include <memory>
#include <optional>
#include <regex>
#include <string>
#include <vector>

#include "client/nsw_api.h"
#include "client/signing.h"
#include "tests/process/server_process.h"
#include "tests/process/shared_server_suite.h"

namespace nsw::process_testing {
namespace {

constexpr const char* kAcme = "0100000001";

// A blocking loopback TCP connection with a receive timeout; TLS (any
// certificate) when `tls`.
class Socket {
 public:
  explicit Socket(uint16_t port, int timeout_ms = 5000, bool tls = false) {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    timeval tv{timeout_ms / 1000, (timeout_ms % 1000) * 1000};
    setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
    if (connected_ && tls) {
      ctx_ = SSL_CTX_new(TLS_client_method());
      ssl_ = SSL_new(ctx_);
      SSL_set_fd(ssl_, fd_);
      connected_ = SSL_connect(ssl_) == 1;
    }
  }
  ~Socket() {
    if (ssl_) SSL_free(ssl_);
    if (ctx_) SSL_CTX_free(ctx_);
    if (fd_ >= 0) close(fd_);
  }
  Socket(const Socket&) = delete;
  Socket& operator=(const Socket&) = delete;

  bool connected() const { return connected_; }
  bool Send(const std::string& bytes) {
    size_t off = 0;
    while (off < bytes.size()) {
      ssize_t n = ssl_ ? SSL_write(ssl_, bytes.data() + off, static_cast<int>(bytes.size() - off))
                       : send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
      if (n <= 0) return false;
      off += static_cast<size_t>(n);
    }
    return true;
  }
  // Exactly n bytes (after what is buffered); false on timeout or close.
  bool Read(size_t n, std::string* out) {
    while (buffer_.size() < n) {
      char chunk[16384];
      ssize_t got = Receive(chunk, sizeof chunk);
      if (got <= 0) return false;
      buffer_.append(chunk, static_cast<size_t>(got));
    }
    *out = buffer_.substr(0, n);
    buffer_.erase(0, n);
    return true;
  }
  // Up to and including "\r\n\r\n".
  bool ReadHead(std::string* out) {
    for (;;) {
      size_t end = buffer_.find("\r\n\r\n");
      if (end != std::string::npos) {
        *out = buffer_.substr(0, end + 4);
        buffer_.erase(0, end + 4);
        return true;
      }
      char chunk[4096];
      ssize_t got = Receive(chunk, sizeof chunk);
      if (got <= 0) return false;
      buffer_.append(chunk, static_cast<size_t>(got));
    }
  }
  std::string& buffer() { return buffer_; }

 private:
  ssize_t Receive(char* to, size_t n) {
    return ssl_ ? SSL_read(ssl_, to, static_cast<int>(n)) : recv(fd_, to, n, 0);
  }

  int fd_ = -1;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  bool connected_ = false;
  std::string buffer_;
};

int StatusOf(const std::string& head) {
  std::smatch m;
  static const std::regex kStatus(R"(^HTTP/1\.1 (\d{3}))");
  return std::regex_search(head, m, kStatus) ? std::stoi(m[1]) : 0;
}

std::string HeaderOf(const std::string& head, const std::string& name) {
  std::smatch m;
  std::regex re("\r\n" + name + ": ([^\r]*)\r\n", std::regex::icase);
  return std::regex_search(head, m, re) ? m[1].str() : std::string();
}

// A plain HTTP/1.1 request on a fresh connection: status, head and body
// (Content-Length framed; the server always sends it).
struct Answer {
  int status = 0;
  std::string head, body;
};
Answer Http(uint16_t port, const std::string& request) {
  Answer a;
  Socket s(port);
  if (!s.connected() || !s.Send(request) || !s.ReadHead(&a.head)) return a;
  a.status = StatusOf(a.head);
  std::string length = HeaderOf(a.head, "Content-Length");
  if (!length.empty()) s.Read(std::stoul(length), &a.body);
  return a;
}

std::string Host(uint16_t port) { return "127.0.0.1:" + std::to_string(port); }

// A WebSocket subscriber of /v1/live.
class LiveClient {
 public:
  LiveClient(uint16_t port, const std::string& origin, int timeout_ms = 5000, bool tls = false)
      : socket_(port, timeout_ms, tls) {
    std::string request = "GET /v1/live HTTP/1.1\r\nHost: " + Host(port) +
                          "\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                          "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n";
    if (!origin.empty()) request += "Origin: " + origin + "\r\n";
    request += "\r\n";
    if (!socket_.connected() || !socket_.Send(request) || !socket_.ReadHead(&head_)) return;
    status_ = StatusOf(head_);
    std::string length = HeaderOf(head_, "Content-Length");
    if (status_ != 101 && !length.empty()) socket_.Read(std::stoul(length), &body_);
  }
  int status() const { return status_; }
  const std::string& body() const { return body_; }

  // The next text frame; nullopt on timeout, close (sets close_code) or error.
  std::optional<std::string> NextText() {
    for (;;) {
      std::string h;
      if (!socket_.Read(2, &h)) return std::nullopt;
      const int opcode = h[0] & 0x0f;
      uint64_t length = static_cast<uint8_t>(h[1]) & 0x7f;
      if (static_cast<uint8_t>(h[1]) & 0x80) return std::nullopt;  // servers never mask
      std::string ext;
      if (length == 126 || length == 127) {
        if (!socket_.Read(length == 126 ? 2 : 8, &ext)) return std::nullopt;
        length = 0;
        for (char c : ext) length = (length << 8) | static_cast<uint8_t>(c);
      }
      std::string payload;
      if (length > (64u << 20) || !socket_.Read(static_cast<size_t>(length), &payload)) return std::nullopt;
      if (opcode == 1) return payload;
      if (opcode == 8) {
        close_code_ = payload.size() >= 2 ? (static_cast<uint8_t>(payload[0]) << 8) | static_cast<uint8_t>(payload[1])
                                          : 1005;
        return std::nullopt;
      }
      if (opcode == 9) SendFrame(0xA, payload);  // pong
    }
  }
  int close_code() const { return close_code_; }

 private:
  // A masked client frame (mask 0: the bytes go out as they are).
  void SendFrame(int opcode, const std::string& payload) {
    std::string frame;
    frame.push_back(static_cast<char>(0x80 | opcode));
    frame.push_back(static_cast<char>(0x80 | payload.size()));
    frame.append(4, '\0');
    frame += payload;
    socket_.Send(frame);
  }

  Socket socket_;
  std::string head_, body_;
  int status_ = 0;
  int close_code_ = 0;
};

// A number in a frame, found by a regex whose first group is the number.
double Field(const std::string& frame, const std::string& pattern) {
  std::smatch m;
  std::regex re(pattern);
  if (!std::regex_search(frame, m, re)) {
    ADD_FAILURE() << "no " << pattern << " in " << frame.substr(0, 400);
    return -1;
  }
  return std::stod(m[1]);
}
double TotalArrivals(const std::string& f) { return Field(f, R"("total":\{"arrivals":(\d+))"); }
double Seq(const std::string& f) { return Field(f, R"("seq":(\d+))"); }

class DashboardTest : public SharedServerSuite<DashboardTest> {
 protected:
  static void SetUpTestSuite() { StartSharedServer({"--durability", "async", "--clock", "wall", "--speed", "60"}); }
  static uint16_t port() { return server_->port(); }
  static std::string origin() { return "http://" + Host(port()); }
};

TEST_F(DashboardTest, RootServesTheSelfContainedPage) {
  Answer a = Http(port(), "GET / HTTP/1.1\r\nHost: " + Host(port()) + "\r\n\r\n");
  ASSERT_EQ(a.status, 200) << a.head;
  EXPECT_EQ(HeaderOf(a.head, "Content-Type"), "text/html; charset=utf-8");
  EXPECT_NE(HeaderOf(a.head, "Content-Security-Policy").find("default-src 'none'"), std::string::npos);
  EXPECT_NE(a.body.find("<!DOCTYPE html>"), std::string::npos);
  EXPECT_NE(a.body.find("</html>"), std::string::npos);  // the whole embedded page
  EXPECT_NE(a.body.find("/v1/live"), std::string::npos);
  EXPECT_NE(a.body.find("<svg"), std::string::npos);
  EXPECT_NE(a.body.find("/v1/admin/clock"), std::string::npos);
  // Nothing to fetch from anywhere else: no absolute URL, no protocol-relative one.
  EXPECT_EQ(a.body.find("http://"), std::string::npos);
  EXPECT_EQ(a.body.find("https://"), std::string::npos);
  EXPECT_EQ(a.body.find("src=\"//"), std::string::npos);
  EXPECT_EQ(a.body.find("href=\"//"), std::string::npos);
  EXPECT_EQ(a.body.find("<link"), std::string::npos);
  EXPECT_EQ(a.body.find("<script src"), std::string::npos);
}

TEST_F(DashboardTest, FramesComeEverySecondAndChangeWhileDossiersAreSubmitted) {
  LiveClient live(port(), origin());
  ASSERT_EQ(live.status(), 101);
  std::optional<std::string> first = live.NextText();
  ASSERT_TRUE(first) << "no frame within 5 s";
  for (const char* key : {"\"clock\":{", "\"sim_time_us\":", "\"ministries\":[", "\"history\":{",
                          "\"erlang_wait_s\":", "\"code\":\"MOIT\"", "\"auth\":\"hmac\""}) {
    EXPECT_NE(first->find(key), std::string::npos) << key << " in " << first->substr(0, 300);
  }
  const double arrivals_before = TotalArrivals(*first);

  auto client = Client("enterprise-root.key");
  const std::string run = std::to_string(::time(nullptr));
  for (int i = 0; i < 20; ++i) {
    SubmitRequest r;
    r.set_procedure(i % 2 ? "MOIT.CO-FORM-D" : "MOH.FOOD-IMPORT-TIGHT");
    r.set_client_ref("live-" + run + "-" + std::to_string(i));
    r.set_payload("x");
    SubmitReply reply;
    client::ApiResult result = client->Submit(kAcme, r, &reply);
    ASSERT_TRUE(result.ok()) << result.Describe();
  }

  // Within a few frames the totals show the 20 and a non-zero arrival rate.
  bool counted = false, rate_seen = false;
  double last_seq = Seq(*first);
  for (int i = 0; i < 6 && !(counted && rate_seen); ++i) {
    std::optional<std::string> f = live.NextText();
    ASSERT_TRUE(f) << "frames stopped";
    EXPECT_GT(Seq(*f), last_seq);
    last_seq = Seq(*f);
    counted |= TotalArrivals(*f) >= arrivals_before + 20;
    rate_seen |= Field(*f, R"("total":\{[^}]*"arrivals_per_s":([0-9.e+-]+))") > 0;
  }
  EXPECT_TRUE(counted);
  EXPECT_TRUE(rate_seen);
}

TEST_F(DashboardTest, AForeignOriginIsRefusedWith403BeforeTheUpgrade) {
  const std::string p = std::to_string(port());
  for (const std::string& bad : std::vector<std::string>{std::string("http://evil.example"), std::string("null"),
                                 "http://evil.example:" + p, "https://127.0.0.1:" + p, std::string("http://127.0.0.1:1"),
                                 "http://127.0.0.1.evil.example:" + p}) {
    LiveClient live(port(), bad);
    EXPECT_EQ(live.status(), 403) << bad;
    EXPECT_NE(live.body().find("origin_forbidden"), std::string::npos) << live.body();
  }
  for (const std::string& good : std::vector<std::string>{origin(), "http://localhost:" + p, "http://LOCALHOST:" + p, ""}) {
    LiveClient live(port(), good);
    EXPECT_EQ(live.status(), 101) << good;
  }
}

TEST_F(DashboardTest, OnlyAWebSocketGetIsTheFeed) {
  Answer plain = Http(port(), "GET /v1/live HTTP/1.1\r\nHost: " + Host(port()) + "\r\n\r\n");
  EXPECT_EQ(plain.status, 426);
  Answer post = Http(port(), "POST /v1/live HTTP/1.1\r\nHost: " + Host(port()) + "\r\nContent-Length: 0\r\n\r\n");
  EXPECT_EQ(post.status, 405);
}

TEST_F(DashboardTest, SubscriberLimitAndSilentSubscribersHoldUpNoOne) {
  // 63 subscribers that never read, one that does: the limit is 64.
  std::vector<std::unique_ptr<LiveClient>> silent;
  for (int i = 0; i < 63; ++i) {
    silent.push_back(std::make_unique<LiveClient>(port(), origin()));
    ASSERT_EQ(silent.back()->status(), 101) << i;
  }
  LiveClient reader(port(), origin());
  ASSERT_EQ(reader.status(), 101);
  LiveClient one_too_many(port(), origin());
  EXPECT_EQ(one_too_many.status(), 503);
  EXPECT_NE(one_too_many.body().find("too_many_subscribers"), std::string::npos) << one_too_many.body();

  std::optional<std::string> a = reader.NextText();
  ASSERT_TRUE(a);
  std::optional<std::string> b = reader.NextText();
  std::optional<std::string> c = reader.NextText();
  ASSERT_TRUE(b && c) << "the reading subscriber stopped getting frames";
  EXPECT_GT(Seq(*c), Seq(*b));
  EXPECT_EQ(Field(*c, R"("subscribers":(\d+))"), 64);

  // A place freed is a place to take (the server notices the close at once).
  silent.clear();
  std::optional<int> status;
  for (int i = 0; i < 50 && status != 101; ++i) {
    LiveClient again(port(), origin());
    status = again.status();
    if (status != 101) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  EXPECT_EQ(status, 101);
}

TEST_F(DashboardTest, ClockButtonsCallIsSignedAsAdminAndUnsignedIsRefused) {
  const std::string body = R"({"action":"PAUSE"})";
  const std::string head = "POST /v1/admin/clock HTTP/1.1\r\nHost: " + Host(port()) +
                           "\r\nContent-Type: application/json\r\nAccept: application/json\r\nContent-Length: " +
                           std::to_string(body.size()) + "\r\n";
  Answer unsigned_call = Http(port(), head + "\r\n" + body);
  EXPECT_EQ(unsigned_call.status, 401);
  Answer claimed = Http(port(), head + "X-NSW-Enterprise: admin\r\n\r\n" + body);
  EXPECT_EQ(claimed.status, 401);  // that form is for --auth none only

  // The page's call: JSON body, the Host as the browser sends it, admin key.
  auth::Signer admin;
  ASSERT_TRUE(auth::Signer::FromKeyFile(server_->key_file("admin.key"), &admin).ok());
  auth::RequestParts parts;
  parts.method = "POST";
  parts.target = "/v1/admin/clock";
  const std::string host = Host(port());
  parts.host = host;
  parts.content_type = "application/json";
  parts.body = body;
  std::string_view header_name;
  std::string header_value;
  ASSERT_TRUE(admin.Sign("admin", ::time(nullptr), parts, &header_name, &header_value).ok());
  Answer paused = Http(port(), head + std::string(header_name) + ": " + header_value + "\r\n\r\n" + body);
  ASSERT_EQ(paused.status, 200) << paused.body;
  EXPECT_NE(paused.body.find("\"paused\":true"), std::string::npos) << paused.body;

  // The feed shows the paused clock, then the resumed one.
  LiveClient live(port(), origin());
  ASSERT_EQ(live.status(), 101);
  bool saw_paused = false;
  for (int i = 0; i < 3 && !saw_paused; ++i) {
    std::optional<std::string> f = live.NextText();
    ASSERT_TRUE(f);
    saw_paused = f->find("\"paused\":true") != std::string::npos;
  }
  EXPECT_TRUE(saw_paused);
  ClockRequest resume;
  resume.set_action(ClockRequest::RESUME);
  ClockReply reply;
  ASSERT_TRUE(Client("admin.key")->AdminClock(resume, &reply).ok());
  bool saw_running = false;
  for (int i = 0; i < 3 && !saw_running; ++i) {
    std::optional<std::string> f = live.NextText();
    ASSERT_TRUE(f);
    saw_running = f->find("\"paused\":false") != std::string::npos;
  }
  EXPECT_TRUE(saw_running);
}

TEST(DashboardAuthNoneTest, ThePageNeedsNoKeyAndStoppingClosesSubscribersPromptly) {
  ScratchDir scratch;
  ServerProcess server(scratch.path() + "/data");
  ASSERT_TRUE(server.Start({"--auth", "none", "--durability", "none", "--clock", "wall"}));
  const std::string host = Host(server.port());
  LiveClient live(server.port(), "http://" + host);
  ASSERT_EQ(live.status(), 101);
  std::optional<std::string> f = live.NextText();
  ASSERT_TRUE(f);
  EXPECT_NE(f->find("\"auth\":\"none\""), std::string::npos);

  const std::string body = R"({"action":"SPEED","speed":540})";
  Answer a = Http(server.port(), "POST /v1/admin/clock HTTP/1.1\r\nHost: " + host +
                                     "\r\nContent-Type: application/json\r\nX-NSW-Enterprise: admin\r\n"
                                     "Content-Length: " +
                                     std::to_string(body.size()) + "\r\n\r\n" + body);
  ASSERT_EQ(a.status, 200) << a.body;
  EXPECT_NE(a.body.find("540"), std::string::npos) << a.body;

  const auto before = std::chrono::steady_clock::now();
  EXPECT_EQ(server.Stop(), 0) << server.log();
  // Well inside the 10 s shutdown timeout: subscribers do not hold up Drain.
  EXPECT_LT(std::chrono::steady_clock::now() - before, std::chrono::seconds(5));
  while (live.NextText()) {
  }
  EXPECT_EQ(live.close_code(), 1001);  // going away
}

}  // namespace
}  // namespace nsw::process_testing

namespace nsw::process_testing {
namespace {

TEST(DashboardTlsTest, TheFeedWorksOverHttpsAndWantsAnHttpsOrigin) {
  ScratchDir scratch;
  std::string cert = scratch.path() + "/cert.pem", key = scratch.path() + "/key.pem";
  ProgramResult gen = RunProgram({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                                  "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
                                  "-subj", "/CN=127.0.0.1"},
                                 scratch.path());
  ASSERT_EQ(gen.exit_code, 0) << gen.output;
  ServerProcess server(scratch.path() + "/data");
  ASSERT_TRUE(server.Start({"--durability", "none", "--tls-cert", cert, "--tls-key", key}));
  const std::string host = Host(server.port());
  LiveClient plain_origin(server.port(), "http://" + host, 5000, /*tls=*/true);
  EXPECT_EQ(plain_origin.status(), 403);
  LiveClient live(server.port(), "https://" + host, 5000, /*tls=*/true);
  ASSERT_EQ(live.status(), 101);
  std::optional<std::string> f = live.NextText();
  ASSERT_TRUE(f);
  EXPECT_NE(f->find("\"ministries\":["), std::string::npos);
  EXPECT_EQ(server.Stop(), 0) << server.log();
  while (live.NextText()) {
  }
  EXPECT_EQ(live.close_code(), 1001);
}

}  // namespace
}  // namespace nsw::process_testing
