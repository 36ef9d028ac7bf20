// Limits and timeouts of the real nsw-server, driven over raw sockets
// (raw_http.h): authentication from the header before any body is read
// (401, and 413 for a body announced over --max-body, neither waiting for
// the body), 431 over --max-header, the connection limit (503, then
// closed), pipelining (answered in order; a client that never reads is cut
// off instead of being buffered for), 503 + Retry-After past
// --max-inflight-bytes, and the three ways a slow client is cut off:
// headers trickled past --read-timeout, a body never finished, a keep-alive
// connection idle past --idle-timeout. Timeouts are 1 s; every wait allows
// ten times that, so the tests assert what happens, not how fast.
#include <gtest/gtest.h>
#include <fcntl.h>

#include <chrono>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "client/signing.h"
#include "tests/process/raw_http.h"
#include "tests/process/server_process.h"
#include "tests/process/shared_server_suite.h"

namespace nsw::process_testing {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

constexpr const char* kAcme = "0100000001";
constexpr uint64_t kMaxBody = 64 << 10;
constexpr uint64_t kMaxInflight = 100000;

// RssAnon of `pid` in KiB (0 when unreadable).
int64_t RssAnonKib(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("RssAnon:", 0) == 0) return std::atoll(line.c_str() + 8);
  }
  return 0;
}

// A JSON submission whose body is exactly `size` bytes: the payload (base64,
// whole quads) fills it, blanks after the brace make up the rest.
std::string SubmissionJson(const std::string& ref, size_t size) {
  std::string head = "\"procedure\":\"MOIT.CO-FORM-D\",\"clientRef\":\"" + ref + "\",\"payload\":\"";
  std::string tail = "\"}";
  size_t pad = size - 1 - head.size() - tail.size();
  pad -= pad % 4;
  std::string rest = head + std::string(pad, 'A') + tail;
  std::string body(size - rest.size(), ' ');
  body[0] = '{';
  body += rest;
  return body;
}

class ServerLimitsTest : public SharedServerSuite<ServerLimitsTest> {
 protected:
  static void SetUpTestSuite() {
    StartSharedServer({"--durability", "none", "--threads", "2", "--max-body", std::to_string(kMaxBody),
                       "--max-header", "8k", "--max-inflight-bytes", std::to_string(kMaxInflight),
                       "--read-timeout", "1s", "--idle-timeout", "1s"});
  }

  static std::string Host() { return "127.0.0.1:" + std::to_string(server_->port()); }
  static RawConnection Connect() {
    RawConnection c;
    EXPECT_TRUE(c.Connect(server_->port()));
    return c;
  }
  // The header block of a signed JSON submission announcing `length` bytes
  // (signed over `body`, which may never be sent whole).
  static std::string SignedPostHeader(const std::string& body, size_t length) {
    std::string auth = SignFor(*signer_, kAcme, "POST", "/v1/dossiers", Host(), "application/json", body);
    std::string request = RawRequest("POST", "/v1/dossiers", Host(),
                                     "Content-Type: application/json\r\nAuthorization: " + auth + "\r\n", "",
                                     static_cast<int64_t>(length));
    return request;
  }
};


TEST_F(ServerLimitsTest, AnUnsignedBodyIsRefused401FromTheHeaderWithoutWaitingForTheBody) {
  RawConnection c = Connect();
  // No Expect: 100-continue: the server must still answer from the header.
  ASSERT_TRUE(c.Send(RawRequest("POST", "/v1/dossiers", Host(), "Content-Type: application/json\r\n", "", 60000)));
  RawResponse r = c.ReadResponse(seconds(10));
  ASSERT_TRUE(r.complete) << "no answer before the body: the server waited for it";
  EXPECT_EQ(r.status, 401);
  EXPECT_NE(r.body.find("missing_signature"), std::string::npos) << r.body;
  EXPECT_FALSE(r.header("x-request-id").empty());
  // The unread body makes the connection unusable: it is closed.
  EXPECT_TRUE(c.WaitClosed(seconds(10)));
}

TEST_F(ServerLimitsTest, ABodyAnnouncedOverMaxBodyIs413BeforeItIsSent) {
  RawConnection c = Connect();
  std::string body(kMaxBody + 1, 'x');
  ASSERT_TRUE(c.Send(SignedPostHeader(body, body.size())));
  RawResponse r = c.ReadResponse(seconds(10));
  ASSERT_TRUE(r.complete);
  EXPECT_EQ(r.status, 413);
  EXPECT_NE(r.body.find("body_too_large"), std::string::npos) << r.body;
  EXPECT_TRUE(c.WaitClosed(seconds(10)));
}

TEST_F(ServerLimitsTest, AHeaderOverMaxHeaderIs431) {
  RawConnection c = Connect();
  ASSERT_TRUE(c.Send(RawRequest("GET", "/healthz", Host(), "X-Padding: " + std::string(9000, 'p') + "\r\n", "")));
  RawResponse r = c.ReadResponse(seconds(10));
  ASSERT_TRUE(r.complete);
  EXPECT_EQ(r.status, 431);
  EXPECT_NE(r.body.find("headers_too_large"), std::string::npos) << r.body;
  // Just under the limit is fine.
  RawConnection d = Connect();
  ASSERT_TRUE(d.Send(RawRequest("GET", "/healthz", Host(), "X-Padding: " + std::string(7000, 'p') + "\r\n", "")));
  EXPECT_EQ(d.ReadResponse(seconds(10)).status, 200);
}

TEST_F(ServerLimitsTest, PipelinedRequestsAreAnsweredInOrder) {
  RawConnection c = Connect();
  std::string batch;
  constexpr int kRequests = 200;
  for (int i = 0; i < kRequests; ++i) {
    batch += RawRequest("GET", i % 2 ? "/healthz" : "/nowhere", Host(),
                        "X-Request-Id: pipelined-" + std::to_string(i) + "\r\n", "");
  }
  ASSERT_TRUE(c.Send(batch));
  for (int i = 0; i < kRequests; ++i) {
    RawResponse r = c.ReadResponse(seconds(10));
    ASSERT_TRUE(r.complete) << i;
    EXPECT_EQ(r.status, i % 2 ? 200 : 404) << i;
    EXPECT_EQ(r.header("x-request-id"), "pipelined-" + std::to_string(i));
  }
}

TEST_F(ServerLimitsTest, APipeliningClientThatNeverReadsIsCutOffNotBufferedFor) {
  const int64_t rss_before = RssAnonKib(server_->pid());
  RawConnection c = Connect();
  ::fcntl(c.fd(), F_SETFL, ::fcntl(c.fd(), F_GETFL) | O_NONBLOCK);
  // Catalog requests (each answer is tens of KB) sent for 3 s without
  // reading a byte: the server must stop reading once its writes block,
  // and cut the connection when a write stalls past --read-timeout.
  const std::string request = RawRequest("GET", "/v1/catalog", Host(), "Accept: application/json\r\n", "");
  int64_t sent_requests = 0;
  size_t partial = 0;
  auto until = std::chrono::steady_clock::now() + seconds(3);
  bool peer_gone = false;
  while (std::chrono::steady_clock::now() < until && !peer_gone) {
    ssize_t n = ::send(c.fd(), request.data() + partial, request.size() - partial, MSG_NOSIGNAL);
    if (n > 0) {
      partial += static_cast<size_t>(n);
      if (partial == request.size()) {
        partial = 0;
        ++sent_requests;
      }
    } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      std::this_thread::sleep_for(milliseconds(20));
    } else {
      peer_gone = true;
    }
  }
  const int64_t rss_during = RssAnonKib(server_->pid());
  ::fcntl(c.fd(), F_SETFL, ::fcntl(c.fd(), F_GETFL) & ~O_NONBLOCK);
  // Now read what there is: some answers, then the end of the stream.
  int answered = 0;
  for (;;) {
    RawResponse r = c.ReadResponse(seconds(10));
    if (!r.complete) break;
    EXPECT_EQ(r.status, 200);
    ++answered;
  }
  EXPECT_GT(sent_requests, 0);
  EXPECT_LT(answered, sent_requests) << "every request was answered: the connection was never cut off";
  // Generous: what a stalled connection may cost is a read buffer, not
  // its backlog.
  EXPECT_LT(rss_during - rss_before, 64 * 1024) << "RssAnon grew from " << rss_before << " to " << rss_during
                                                << " KiB";
  // The server is fine afterwards.
  RawConnection d = Connect();
  ASSERT_TRUE(d.Send(RawRequest("GET", "/healthz", Host(), "", "")));
  EXPECT_EQ(d.ReadResponse(seconds(10)).status, 200);
}

TEST_F(ServerLimitsTest, PastMaxInflightBytesA503WithRetryAfterUntilTheHolderIsCutOff) {
  // A holds a reservation of 60000 announced bytes and sends only 10.
  std::string held(60000, '{');
  RawConnection a = Connect();
  ASSERT_TRUE(a.Send(SignedPostHeader(held, held.size()) + held.substr(0, 10)));
  std::this_thread::sleep_for(milliseconds(500));  // the server reads A's header meanwhile

  const std::string body = SubmissionJson("inflight-1", 50000);
  const std::string request = SignedPostHeader(body, body.size()) + body;
  RawConnection b = Connect();
  ASSERT_TRUE(b.Send(request));
  RawResponse refused = b.ReadResponse(seconds(10));
  ASSERT_TRUE(refused.complete);
  EXPECT_EQ(refused.status, 503) << refused.body;
  EXPECT_NE(refused.body.find("overloaded"), std::string::npos) << refused.body;
  EXPECT_FALSE(refused.header("retry-after").empty());

  // A is cut off at its read timeout, which frees its bytes.
  EXPECT_TRUE(a.WaitClosed(seconds(10)));
  RawResponse accepted;
  for (int attempt = 0; attempt < 50 && accepted.status != 202; ++attempt) {
    RawConnection retry = Connect();
    ASSERT_TRUE(retry.Send(SignedPostHeader(body, body.size()) + body));
    accepted = retry.ReadResponse(seconds(10));
    if (accepted.status != 202) std::this_thread::sleep_for(milliseconds(100));
  }
  EXPECT_EQ(accepted.status, 202) << accepted.body;
}

TEST_F(ServerLimitsTest, AHeaderTrickledAByteAtATimeIsCutOffAfterTheReadTimeout) {
  RawConnection c = Connect();
  const std::string request =
      RawRequest("GET", "/healthz", Host(), "X-Slow: " + std::string(200, 's') + "\r\n", "");
  auto start = std::chrono::steady_clock::now();
  bool closed = false;
  size_t sent = 0;
  // 100 ms per byte: the whole header would take 20 s; the server allows 1.
  for (; sent < request.size() && !closed; ++sent) {
    if (!c.Send(request.substr(sent, 1))) {
      closed = true;
      break;
    }
    closed = c.WaitClosed(milliseconds(100));
  }
  EXPECT_TRUE(closed) << "still open after " << sent << " bytes";
  EXPECT_LT(std::chrono::steady_clock::now() - start, seconds(15));
  EXPECT_EQ(c.buffered().find("200 OK"), std::string::npos) << "answered a request it never got whole";
}

TEST_F(ServerLimitsTest, ABodyNeverFinishedIsCutOffAfterTheReadTimeout) {
  const std::string body = SubmissionJson("unfinished-1", 1000);
  RawConnection c = Connect();
  ASSERT_TRUE(c.Send(SignedPostHeader(body, body.size()) + body.substr(0, 100)));
  EXPECT_TRUE(c.WaitClosed(seconds(10)));
  EXPECT_EQ(c.buffered().find("202"), std::string::npos) << c.buffered();
}

TEST_F(ServerLimitsTest, AnIdleKeepAliveConnectionIsCutOffAfterTheIdleTimeout) {
  RawConnection c = Connect();
  ASSERT_TRUE(c.Send(RawRequest("GET", "/healthz", Host(), "", "")));
  RawResponse r = c.ReadResponse(seconds(10));
  ASSERT_TRUE(r.complete);
  EXPECT_EQ(r.status, 200);
  EXPECT_NE(r.header("connection"), "close");
  EXPECT_TRUE(c.WaitClosed(seconds(10)));
  // And a connection that never sends anything at all.
  RawConnection silent = Connect();
  EXPECT_TRUE(silent.WaitClosed(seconds(10)));
  EXPECT_TRUE(silent.buffered().empty());
}

TEST(ServerConnectionLimitTest, PastMaxConnectionsA503IsAnsweredAndTheConnectionClosed) {
  ScratchDir scratch;
  ServerProcess server(scratch.path() + "/data");
  ASSERT_TRUE(server.Start({"--durability", "none", "--max-connections", "2"}));
  const std::string host = "127.0.0.1:" + std::to_string(server.port());
  std::vector<RawConnection> held(2);
  for (auto& c : held) {
    ASSERT_TRUE(c.Connect(server.port()));
    ASSERT_TRUE(c.Send(RawRequest("GET", "/healthz", host, "", "")));
    ASSERT_EQ(c.ReadResponse(seconds(10)).status, 200);  // served, and held open (keep-alive)
  }
  RawConnection third;
  ASSERT_TRUE(third.Connect(server.port()));
  ASSERT_TRUE(third.Send(RawRequest("GET", "/healthz", host, "", "")));
  RawResponse r = third.ReadResponse(seconds(10));
  ASSERT_TRUE(r.complete);
  EXPECT_EQ(r.status, 503);
  EXPECT_NE(r.body.find("too_many_connections"), std::string::npos) << r.body;
  EXPECT_FALSE(r.header("retry-after").empty());
  EXPECT_EQ(r.header("connection"), "close");
  EXPECT_TRUE(third.WaitClosed(seconds(10)));

  held[0].Close();
  RawResponse later;
  for (int attempt = 0; attempt < 100 && later.status != 200; ++attempt) {
    RawConnection c;
    ASSERT_TRUE(c.Connect(server.port()));
    ASSERT_TRUE(c.Send(RawRequest("GET", "/healthz", host, "", "")));
    later = c.ReadResponse(seconds(10));
    if (later.status != 200) std::this_thread::sleep_for(milliseconds(20));
  }
  EXPECT_EQ(later.status, 200);
  EXPECT_EQ(server.Stop(), 0) << server.log();
}

}  // namespace
}  // namespace nsw::process_testing
