// The real nsw-server on a loopback port, driven by the real client library
// (and, for what the library never sends, raw HTTP): every endpoint, each
// error status, request ids, keep-alive, Expect: 100-continue refused from
// the header, and the nsw-client CLI against it. One server for the suite
// (fsync durability, wall clock, enterprise actions over HTTP, access log).
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <set>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http.hpp>

#include "client/http_connection.h"
#include "client/nsw_api.h"
#include "client/signing.h"
#include "tests/process/server_process.h"
#include "tests/process/shared_server_suite.h"

namespace nsw::process_testing {
namespace {

using client::ApiResult;
using client::SyncNswClient;

constexpr const char* kAcme = "0100000001";
constexpr const char* kOther = "0200000002";

struct RawAnswer {
  int status = 0;
  std::string body, content_type, request_id, retry_after;
};

// One request over a fresh HttpConnection (for requests NswApi never makes).
RawAnswer RawSend(const std::string& url, const client::HttpRequest& request) {
  boost::asio::io_context io;
  client::Url parsed;
  EXPECT_TRUE(client::ParseUrl(url, &parsed).ok());
  client::ConnectionOptions options;
  options.request_timeout = std::chrono::seconds(20);
  client::HttpConnection connection(io, parsed, options);
  RawAnswer answer;
  // Closed once answered: io.run() would otherwise wait out the kept-alive
  // connection's idle timer (5 s a request).
  connection.Send(request, [&answer, &connection](const client::HttpResult& r) {
    EXPECT_TRUE(r.ok()) << r.error_message;
    answer.status = r.status;
    answer.body = std::string(r.body);
    answer.content_type = std::string(r.content_type);
    answer.request_id = std::string(r.request_id);
    answer.retry_after = std::string(r.retry_after);
    connection.Close();
  });
  io.run();
  return answer;
}

class ServerApiTest : public SharedServerSuite<ServerApiTest> {
 protected:
  static void SetUpTestSuite() {
    StartSharedServer({"--enterprise-actions", "http", "--durability", "fsync", "--threads", "2", "--access-log",
                       scratch() + "/access.log"});
  }

  static SubmitRequest Submission(const std::string& ref, const std::string& payload = "payload") {
    SubmitRequest r;
    r.set_procedure("MOIT.CO-FORM-D");
    r.set_client_ref(ref);
    r.set_payload(payload);
    return r;
  }
};

TEST_F(ServerApiTest, FirstStartWritesPrivateKeyFilesAndLogsWhereTheyAre) {
  for (const char* name : {"master.key", "enterprise-root.key", "admin.key"}) {
    EXPECT_EQ(std::filesystem::status(server_->key_file(name)).permissions() & std::filesystem::perms::all,
              std::filesystem::perms::owner_read | std::filesystem::perms::owner_write)
        << name;
  }
  std::string log = server_->log();
  EXPECT_NE(log.find("keys created: " + server_->key_file("enterprise-root.key")), std::string::npos) << log;
  EXPECT_NE(log.find("durability fsync"), std::string::npos) << log;
  EXPECT_NE(log.find("clock wall"), std::string::npos) << log;
}

TEST_F(ServerApiTest, SubmitRepeatConflictStatusAndFind) {
  auto client = Client();
  SubmitReply first, repeat;
  ApiResult r = client->Submit(kAcme, Submission("api-1"), &first);
  ASSERT_TRUE(r.ok()) << r.Describe();
  EXPECT_EQ(r.http_status, 202);
  r = client->Submit(kAcme, Submission("api-1"), &repeat);
  ASSERT_TRUE(r.ok()) << r.Describe();
  EXPECT_EQ(r.http_status, 200);
  EXPECT_EQ(repeat.dossier_id(), first.dossier_id());
  SubmitReply ignored;
  r = client->Submit(kAcme, Submission("api-1", "another body"), &ignored);
  EXPECT_EQ(r.http_status, 409) << r.Describe();

  Dossier dossier;
  r = client->GetDossier(kAcme, first.dossier_id(), &dossier);
  ASSERT_TRUE(r.ok()) << r.Describe();
  EXPECT_EQ(dossier.client_ref(), "api-1");
  EXPECT_EQ(dossier.enterprise(), kAcme);
  r = client->FindDossier(kAcme, "api-1", &dossier);
  ASSERT_TRUE(r.ok()) << r.Describe();
  EXPECT_EQ(dossier.id(), first.dossier_id());

  r = client->GetDossier(kOther, first.dossier_id(), &dossier);
  EXPECT_EQ(r.http_status, 404);
  ApiResult absent = client->GetDossier(kAcme, 987654321, &dossier);
  EXPECT_EQ(absent.http_status, 404);
  EXPECT_EQ(r.error.code(), absent.error.code());
  EXPECT_EQ(r.error.message(), absent.error.message());
}

TEST_F(ServerApiTest, JsonEncodingWorksEndToEnd) {
  client::ApiOptions options;
  options.encoding = client::Encoding::kJson;
  auto client = Client("enterprise-root.key", options);
  SubmitReply reply;
  ApiResult r = client->Submit(kAcme, Submission("json-1"), &reply);
  ASSERT_TRUE(r.ok()) << r.Describe();
  Dossier dossier;
  ASSERT_TRUE(client->GetDossier(kAcme, reply.dossier_id(), &dossier).ok());
  EXPECT_EQ(dossier.procedure(), "MOIT.CO-FORM-D");
}

TEST_F(ServerApiTest, CatalogStatsAndTheAdminClock) {
  auto client = Client();
  CatalogProto catalog;
  ApiResult r = client->GetCatalog(kAcme, &catalog);
  ASSERT_TRUE(r.ok()) << r.Describe();
  EXPECT_EQ(catalog.ministries_size(), 13);
  EXPECT_EQ(catalog.procedures_size(), 198);
  Stats stats;
  r = client->GetStats(kAcme, &stats);
  ASSERT_TRUE(r.ok()) << r.Describe();
  EXPECT_EQ(stats.clock(), "wall");

  // The catalog needs no signature at all.
  client::HttpRequest plain;
  plain.target = "/v1/catalog";
  plain.set_header("Accept", "application/json");
  RawAnswer catalog_json = RawSend(server_->url(), plain);
  EXPECT_EQ(catalog_json.status, 200);
  EXPECT_EQ(catalog_json.content_type, "application/json");

  ClockRequest pause;
  pause.set_action(ClockRequest::PAUSE);
  ClockReply clock;
  r = client->AdminClock(pause, &clock);
  EXPECT_FALSE(r.ok());  // an enterprise-root key cannot sign as admin
  auto admin = Client("admin.key");
  r = admin->AdminClock(pause, &clock);
  ASSERT_TRUE(r.ok()) << r.Describe();
  EXPECT_TRUE(clock.paused());
  ClockRequest resume;
  resume.set_action(ClockRequest::RESUME);
  r = admin->AdminClock(resume, &clock);
  ASSERT_TRUE(r.ok()) << r.Describe();
  EXPECT_FALSE(clock.paused());
  // Admin may read statistics but owns no dossiers.
  ASSERT_TRUE(admin->GetStats("admin", &stats).ok());
  SubmitReply reply;
  auto master = Client("master.key");
  r = master->Submit("admin", Submission("as-admin"), &reply);
  EXPECT_EQ(r.http_status, 403) << r.Describe();
}

TEST_F(ServerApiTest, EnterpriseActionsOverHttp) {
  auto client = Client();
  SubmitReply reply;
  ASSERT_TRUE(client->Submit(kAcme, Submission("act-1"), &reply).ok());
  Dossier dossier;
  ApiResult r = client->Act(kAcme, reply.dossier_id(), client::DossierAction::kWithdraw, &dossier);
  ASSERT_TRUE(r.ok()) << r.Describe();
  EXPECT_EQ(dossier.state(), WITHDRAWN);
  r = client->Act(kAcme, reply.dossier_id(), client::DossierAction::kWithdraw, &dossier);
  EXPECT_EQ(r.http_status, 200) << r.Describe();
  r = client->Act(kAcme, reply.dossier_id(), client::DossierAction::kPay, &dossier);
  EXPECT_EQ(r.http_status, 409) << r.Describe();
}

TEST_F(ServerApiTest, SignatureFailuresAre401WithDistinctCodes) {
  client::ApiOptions stale;
  stale.unix_seconds = [] { return int64_t{1'000'000'000}; };
  Dossier dossier;
  ApiResult r = Client("enterprise-root.key", stale)->GetDossier(kAcme, 1, &dossier);
  EXPECT_EQ(r.http_status, 401);
  EXPECT_EQ(r.error.code(), "stale_signature");
  EXPECT_FALSE(r.request_id.empty());
  EXPECT_EQ(r.error.request_id(), r.request_id);

  // Another server's key: well-formed, wrong HMAC.
  auth::Key foreign{};
  foreign[0] = 1;
  client::Url url;
  ASSERT_TRUE(client::ParseUrl(server_->url(), &url).ok());
  SyncNswClient wrong(url, auth::Signer::FromMaster(foreign));
  r = wrong.GetDossier(kAcme, 1, &dossier);
  EXPECT_EQ(r.http_status, 401);
  EXPECT_EQ(r.error.code(), "bad_signature");

  SyncNswClient unsigned_client(url, auth::Signer());
  r = unsigned_client.GetDossier(kAcme, 1, &dossier);
  EXPECT_EQ(r.http_status, 401);
  EXPECT_EQ(r.error.code(), "missing_signature");
}

TEST_F(ServerApiTest, TransportErrorStatuses) {
  client::HttpRequest bad_type;
  bad_type.method = "POST";
  bad_type.target = "/v1/dossiers";
  bad_type.content_type = "text/plain";
  bad_type.body = "hello";
  bad_type.set_header("X-NSW-Enterprise", kAcme);  // not a signature: 401 comes first
  EXPECT_EQ(RawSend(server_->url(), bad_type).status, 401);
  // Signed properly, the media type is what is wrong.
  auth::Signer signer;
  ASSERT_TRUE(auth::Signer::FromKeyFile(server_->key_file("enterprise-root.key"), &signer).ok());
  std::string host = "127.0.0.1:" + std::to_string(server_->port());
  auth::RequestParts parts{bad_type.method, bad_type.target, host, bad_type.content_type, bad_type.body};
  std::string_view name;
  std::string value;
  ASSERT_TRUE(signer.Sign(kAcme, time(nullptr), parts, &name, &value).ok());
  bad_type.headers.clear();
  bad_type.set_header(name, value);
  RawAnswer media = RawSend(server_->url(), bad_type);
  EXPECT_EQ(media.status, 415) << media.body;

  client::HttpRequest wrong_method;
  wrong_method.method = "DELETE";
  wrong_method.target = "/v1/catalog";
  RawAnswer a = RawSend(server_->url(), wrong_method);
  EXPECT_EQ(a.status, 405);
  EXPECT_FALSE(a.request_id.empty());

  client::HttpRequest nowhere;
  nowhere.target = "/v2/anything";
  EXPECT_EQ(RawSend(server_->url(), nowhere).status, 404);

  client::HttpRequest huge;
  huge.method = "POST";
  huge.target = "/v1/dossiers";
  huge.content_type = "application/x-protobuf";
  huge.body.assign((1u << 20) + 1, 'x');
  EXPECT_EQ(RawSend(server_->url(), huge).status, 413);

  client::HttpRequest fat_header;
  fat_header.target = "/healthz";
  fat_header.set_header("X-Padding", std::string(20000, 'p'));
  EXPECT_EQ(RawSend(server_->url(), fat_header).status, 431);

  client::HttpRequest picky;
  picky.target = "/v1/catalog";
  picky.set_header("Accept", "text/html");
  EXPECT_EQ(RawSend(server_->url(), picky).status, 406);

  client::HttpRequest health;
  health.target = "/healthz";
  EXPECT_EQ(RawSend(server_->url(), health).status, 200);
  health.target = "/readyz";
  EXPECT_EQ(RawSend(server_->url(), health).status, 200);
}

TEST_F(ServerApiTest, UnknownProcedureIs400AndMalformedBodiesToo) {
  auto client = Client();
  SubmitRequest bad = Submission("bad-proc");
  bad.set_procedure("MOIT.NOPE");
  SubmitReply reply;
  ApiResult r = client->Submit(kAcme, bad, &reply);
  EXPECT_EQ(r.http_status, 400);
  EXPECT_EQ(r.error.code(), "unknown_procedure");
}

TEST_F(ServerApiTest, OneKeepAliveConnectionCarriesEveryCallWithDistinctRequestIds) {
  auto client = Client();
  std::set<std::string> ids;
  SubmitReply reply;
  for (int i = 0; i < 10; ++i) {
    ApiResult r = client->Submit(kAcme, Submission("ka-" + std::to_string(i)), &reply);
    ASSERT_TRUE(r.ok()) << r.Describe();
    ids.insert(r.request_id);
  }
  EXPECT_EQ(ids.size(), 10u);
  EXPECT_EQ(client->connection().connects(), 1u);
}

TEST_F(ServerApiTest, ExpectContinueWithAStaleSignatureIsRefusedBeforeTheBody) {
  namespace net = boost::asio;
  namespace bhttp = boost::beast::http;
  net::io_context io;
  // A stream with a deadline: Asio's blocking reads poll without end when a
  // server never answers, whatever SO_RCVTIMEO says.
  boost::beast::tcp_stream socket(io);
  socket.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), server_->port()));
  std::string header =
      "POST /v1/dossiers HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-protobuf\r\n"
      "Content-Length: 100000\r\nExpect: 100-continue\r\nX-Request-Id: early-refusal\r\n"
      "Authorization: NSW1-HMAC-SHA256 enterprise=0100000001, ts=1000000000, sig=" +
      std::string(64, 'a') + "\r\n\r\n";
  net::write(socket, net::buffer(header));
  boost::beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> response;
  boost::system::error_code ec;
  socket.expires_after(std::chrono::seconds(10));
  bhttp::async_read(socket, buffer, response, [&ec](boost::system::error_code e, size_t) { ec = e; });
  io.run();  // the body was never sent
  ASSERT_FALSE(ec) << ec.message();
  EXPECT_EQ(response.result_int(), 401u);
  EXPECT_EQ(response["X-Request-Id"], "early-refusal");
  EXPECT_NE(response.body().find("stale_signature"), std::string::npos);
  EXPECT_FALSE(response.keep_alive());
}

TEST_F(ServerApiTest, TheCliTalksToTheServer) {
  std::vector<std::string> base = {NSW_CLIENT_BIN, "--target", server_->url(), "--auth-key-file",
                                   server_->key_file("enterprise-root.key")};
  auto with = [&base](std::vector<std::string> more) {
    std::vector<std::string> argv = base;
    argv.insert(argv.end(), more.begin(), more.end());
    return argv;
  };
  ProgramResult submit = RunProgram(
      with({"submit", "--enterprise", kAcme, "--procedure", "MOIT.CO-FORM-D", "--client-ref", "cli-1"}),
      scratch());
  EXPECT_EQ(submit.exit_code, 0) << submit.output;
  EXPECT_NE(submit.output.find("dossier"), std::string::npos) << submit.output;
  ProgramResult find =
      RunProgram(with({"--json", "find", "--enterprise", kAcme, "--client-ref", "cli-1"}), scratch());
  EXPECT_EQ(find.exit_code, 0) << find.output;
  EXPECT_NE(find.output.find("\"clientRef\": \"cli-1\""), std::string::npos) << find.output;
  ProgramResult missing = RunProgram(with({"status", "--enterprise", kAcme, "999999"}), scratch());
  EXPECT_EQ(missing.exit_code, 1) << missing.output;
  EXPECT_NE(missing.output.find("404"), std::string::npos) << missing.output;
}

TEST_F(ServerApiTest, TheAccessLogHasOneLinePerRequest) {
  client::HttpRequest health;
  health.target = "/healthz";
  health.set_header("X-Request-Id", "access-log-probe");
  ASSERT_EQ(RawSend(server_->url(), health).status, 200);
  // Lines reach the file at least once a second while requests arrive.
  std::string text;
  for (int i = 0; i < 100 && text.find("access-log-probe") == std::string::npos; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    RawSend(server_->url(), health);
    text = ReadFile(scratch() + "/access.log");
  }
  EXPECT_NE(text.find(" access-log-probe 127.0.0.1:"), std::string::npos) << text;
  EXPECT_NE(text.find(" GET /healthz 200 "), std::string::npos) << text;
}

}  // namespace
}  // namespace nsw::process_testing
