// Abuse of the real nsw-server's authentication and authorization, and its
// TLS: the 401 matrix (missing, malformed, forged, stale either way, wrong
// key, a signature replayed on another path, with another body or for
// another enterprise), dossiers of one enterprise invisible and untouchable
// to another (404, state unchanged), an enterprise-root key that cannot
// sign admin calls however it is used, key files others can read refused by
// the server, nsw-client and nsw-loadgen, and HTTPS used by nsw-client and
// nsw-loadgen (with the warning for a non-loopback address without TLS).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <ctime>
#include <filesystem>
#include <memory>
#include <string>

#include "client/http_connection.h"
#include "client/nsw_api.h"
#include "client/signing.h"
#include "tests/process/raw_http.h"
#include "tests/process/server_process.h"
#include "tests/process/shared_server_suite.h"

namespace nsw::process_testing {
namespace {

using client::ApiResult;
using client::SyncNswClient;
using std::chrono::seconds;

constexpr const char* kAcme = "0100000001";
constexpr const char* kOther = "0200000002";

int64_t Now() { return static_cast<int64_t>(std::time(nullptr)); }

class ServerAbuseTest : public SharedServerSuite<ServerAbuseTest> {
 protected:
  static void SetUpTestSuite() {
    StartSharedServer({"--durability", "none", "--enterprise-actions", "http", "--threads", "2"});
  }

  static std::string Host() { return "127.0.0.1:" + std::to_string(server_->port()); }
  // One request on a fresh connection, with `authorization` verbatim
  // (none when empty).
  static RawResponse Send(const std::string& method, const std::string& target, const std::string& authorization,
                          const std::string& body = "", const std::string& content_type = "") {
    std::string headers;
    if (!content_type.empty()) headers += "Content-Type: " + content_type + "\r\n";
    if (!authorization.empty()) headers += "Authorization: " + authorization + "\r\n";
    headers += "Accept: application/json\r\n";
    RawConnection c;
    EXPECT_TRUE(c.Connect(server_->port()));
    EXPECT_TRUE(c.Send(RawRequest(method, target, Host(), headers, body)));
    return c.ReadResponse(seconds(20));
  }
  static std::string Code(const RawResponse& r) {
    size_t at = r.body.find("\"code\":\"");
    if (at == std::string::npos) return "";
    at += 8;
    return r.body.substr(at, r.body.find('"', at) - at);
  }
  static uint64_t SubmitAs(const std::string& enterprise, const std::string& ref) {
    SubmitRequest request;
    request.set_procedure("MOIT.CO-FORM-D");
    request.set_client_ref(ref);
    request.set_payload("payload of " + ref);
    SubmitReply reply;
    ApiResult r = Client()->Submit(enterprise, request, &reply);
    EXPECT_TRUE(r.ok()) << r.Describe();
    return reply.dossier_id();
  }
};

TEST_F(ServerAbuseTest, EveryBadSignatureIs401WithItsCode) {
  const uint64_t id = SubmitAs(kAcme, "matrix-1");
  const std::string path = "/v1/dossiers/" + std::to_string(id);
  const std::string good = SignFor(*signer_, kAcme, "GET", path, Host(), "", "");
  ASSERT_EQ(Send("GET", path, good).status, 200);

  RawResponse r = Send("GET", path, "");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(Code(r), "missing_signature") << r.body;

  // Malformed: the grammar is strict (no blanks after the commas, a short
  // signature, an unknown scheme, a non-numeric ts).
  auth::AuthHeader parsed;
  ASSERT_TRUE(auth::ParseAuthorizationHeader(good, &parsed).ok());
  for (const std::string& bad :
       {"NSW1-HMAC-SHA256 enterprise=" + parsed.principal + ",ts=" + std::to_string(parsed.ts) + ",sig=" + parsed.sig_hex,
        "NSW1-HMAC-SHA256 enterprise=" + parsed.principal + ", ts=" + std::to_string(parsed.ts) + ", sig=abc",
        "AWS4-HMAC-SHA256 enterprise=" + parsed.principal + ", ts=" + std::to_string(parsed.ts) + ", sig=" +
            parsed.sig_hex,
        "NSW1-HMAC-SHA256 enterprise=" + parsed.principal + ", ts=soon, sig=" + parsed.sig_hex}) {
    r = Send("GET", path, bad);
    EXPECT_EQ(r.status, 401) << bad;
    EXPECT_EQ(Code(r), "malformed_signature") << bad << ": " << r.body;
  }

  // Forged: well-formed, any other 64 hex digits.
  auth::AuthHeader forged = parsed;
  forged.sig_hex = std::string(64, parsed.sig_hex[0] == 'a' ? 'b' : 'a');
  r = Send("GET", path, auth::FormatAuthorizationHeader(forged));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(Code(r), "bad_signature") << r.body;

  // Stale, either way of the 300 s window; just inside it is fine.
  for (int64_t skew : {-301, 301}) {
    r = Send("GET", path, SignFor(*signer_, kAcme, "GET", path, Host(), "", "", Now() + skew));
    EXPECT_EQ(r.status, 401) << skew;
    EXPECT_EQ(Code(r), "stale_signature") << skew << ": " << r.body;
  }
  EXPECT_EQ(Send("GET", path, SignFor(*signer_, kAcme, "GET", path, Host(), "", "", Now() - 240)).status, 200);

  // Another server's keys.
  auth::Key foreign{};
  foreign[3] = 99;
  auth::Signer wrong = auth::Signer::FromMaster(foreign);
  r = Send("GET", path, SignFor(wrong, kAcme, "GET", path, Host(), "", ""));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(Code(r), "bad_signature") << r.body;

  // Replayed on another path, and with the principal swapped.
  const std::string other_path = "/v1/dossiers/" + std::to_string(id + 1000);
  r = Send("GET", other_path, good);
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(Code(r), "bad_signature") << r.body;
  auth::AuthHeader swapped = parsed;
  swapped.principal = kOther;
  r = Send("GET", path, auth::FormatAuthorizationHeader(swapped));
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(Code(r), "bad_signature") << r.body;
}

TEST_F(ServerAbuseTest, ASignatureReplayedWithAnotherBodyIs401AndCreatesNothing) {
  const std::string body_a = R"({"procedure":"MOIT.CO-FORM-D","clientRef":"replay-a","payload":"YQ=="})";
  const std::string body_b = R"({"procedure":"MOIT.CO-FORM-D","clientRef":"replay-b","payload":"Yg=="})";
  const std::string auth_a = SignFor(*signer_, kAcme, "POST", "/v1/dossiers", Host(), "application/json", body_a);
  RawResponse r = Send("POST", "/v1/dossiers", auth_a, body_b, "application/json");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(Code(r), "bad_signature") << r.body;
  Dossier dossier;
  EXPECT_EQ(Client()->FindDossier(kAcme, "replay-b", &dossier).http_status, 404);
  // The signature is good for its own body (and a replay of that changes
  // nothing: the submission is idempotent).
  EXPECT_EQ(Send("POST", "/v1/dossiers", auth_a, body_a, "application/json").status, 202);
  EXPECT_EQ(Send("POST", "/v1/dossiers", auth_a, body_a, "application/json").status, 200);
}

TEST_F(ServerAbuseTest, AnEnterpriseCanNeitherReadNorChangeAnotherEnterprisesDossier) {
  const uint64_t id = SubmitAs(kAcme, "private-1");
  auto client = Client();
  Dossier dossier;
  ApiResult r = client->GetDossier(kOther, id, &dossier);
  EXPECT_EQ(r.http_status, 404) << r.Describe();
  r = client->FindDossier(kOther, "private-1", &dossier);
  EXPECT_EQ(r.http_status, 404) << r.Describe();
  // Indistinguishable from a dossier that does not exist.
  Dossier absent;
  ApiResult none = client->GetDossier(kOther, id + 100000, &absent);
  EXPECT_EQ(none.http_status, 404);
  EXPECT_EQ(none.error.code(), r.error.code());
  for (auto action : {client::DossierAction::kWithdraw, client::DossierAction::kPay,
                      client::DossierAction::kSupplement}) {
    r = client->Act(kOther, id, action, &dossier);
    EXPECT_EQ(r.http_status, 404) << r.Describe();
  }
  r = client->GetDossier(kAcme, id, &dossier);
  ASSERT_TRUE(r.ok()) << r.Describe();
  EXPECT_NE(dossier.state(), WITHDRAWN);
  for (const auto& t : dossier.timeline()) EXPECT_NE(t.state(), WITHDRAWN);
}

TEST_F(ServerAbuseTest, AnEnterpriseRootKeyCannotSignAdminCalls) {
  const std::string body = R"({"action":"PAUSE"})";
  // Signed as an enterprise: the wrong kind of principal.
  RawResponse r = Send("POST", "/v1/admin/clock",
                       SignFor(*signer_, kAcme, "POST", "/v1/admin/clock", Host(), "application/json", body), body,
                       "application/json");
  EXPECT_EQ(r.status, 403) << r.body;
  // Claiming to be the admin, with an HMAC under the enterprise root key or
  // under the key it would derive for "admin".
  auth::Key root;
  ASSERT_TRUE(auth::ReadKeyFileOfKind(server_->key_file("enterprise-root.key"), auth::KeyKind::kEnterpriseRoot, &root)
                  .ok());
  const std::string host = Host();  // RequestParts holds views
  auth::RequestParts parts{"POST", "/v1/admin/clock", host, "application/json", body};
  for (const auth::Key& key : {root, auth::DeriveEnterpriseKey(root, "admin")}) {
    auth::AuthHeader header;
    header.principal = "admin";
    header.ts = Now();
    ASSERT_TRUE(auth::ComputeSignature(key, parts, header.ts, &header.sig_hex).ok());
    r = Send("POST", "/v1/admin/clock", auth::FormatAuthorizationHeader(header), body, "application/json");
    EXPECT_EQ(r.status, 401) << r.body;
    EXPECT_EQ(Code(r), "bad_signature") << r.body;
  }
  // The library will not even try, and the CLI fails.
  auth::Signer signer;
  ASSERT_TRUE(auth::Signer::FromKeyFile(server_->key_file("enterprise-root.key"), &signer).ok());
  std::string_view name;
  std::string value;
  EXPECT_FALSE(signer.Sign("admin", Now(), parts, &name, &value).ok());
  ProgramResult cli = RunProgram({NSW_CLIENT_BIN, "--target", server_->url(), "--auth-key-file",
                                  server_->key_file("enterprise-root.key"), "admin", "clock", "pause"},
                                 scratch());
  EXPECT_NE(cli.exit_code, 0) << cli.output;
  // The clock still runs: the admin key can read it and nobody paused it.
  ProgramResult admin = RunProgram({NSW_CLIENT_BIN, "--target", server_->url(), "--auth-key-file",
                                    server_->key_file("admin.key"), "admin", "clock", "resume"},
                                   scratch());
  EXPECT_EQ(admin.exit_code, 0) << admin.output;
  EXPECT_NE(admin.output.find("running"), std::string::npos) << admin.output;
}

TEST_F(ServerAbuseTest, KeyFilesOthersCanReadAreRefusedByClientAndLoadGenerator) {
  const std::string copy = scratch() + "/shared-root.key";
  std::filesystem::copy_file(server_->key_file("enterprise-root.key"), copy,
                             std::filesystem::copy_options::overwrite_existing);
  ASSERT_EQ(::chmod(copy.c_str(), 0644), 0);
  ProgramResult cli = RunProgram(
      {NSW_CLIENT_BIN, "--target", server_->url(), "--auth-key-file", copy, "find", "--enterprise", kAcme, "--client-ref", "x"},
      scratch());
  EXPECT_NE(cli.exit_code, 0) << cli.output;
  EXPECT_NE(cli.output.find("0644"), std::string::npos) << cli.output;

  const std::string trace = scratch() + "/tiny.trace";
  ProgramResult gen = RunProgram({NSW_LOADGEN_BIN, "gen", "--out", trace, "--dossiers", "5", "--enterprises", "2",
                                  "--days", "1"},
                                 scratch());
  ASSERT_EQ(gen.exit_code, 0) << gen.output;
  ProgramResult replay = RunProgram({NSW_LOADGEN_BIN, "replay", trace, "--target", server_->url(),
                                     "--auth-key-file", copy, "--rate", "100", "--quiet"},
                                    scratch());
  EXPECT_NE(replay.exit_code, 0) << replay.output;
  EXPECT_NE(replay.output.find("0644"), std::string::npos) << replay.output;

  // And the server refuses a master key file given with --auth-key-file.
  ScratchDir other;
  const std::string master = other.path() + "/master.key";
  auth::Key key{};
  key[1] = 7;
  ASSERT_TRUE(auth::WriteKeyFile(master, auth::KeyKind::kMaster, key).ok());
  ASSERT_EQ(::chmod(master.c_str(), 0604), 0);
  ProgramResult server = RunProgram({NSW_SERVER_BIN, "--data-dir", other.path() + "/data", "--listen",
                                     "127.0.0.1:0", "--durability", "none", "--auth-key-file", master},
                                    other.path());
  EXPECT_EQ(server.exit_code, 1) << server.output;
  EXPECT_NE(server.output.find("0604"), std::string::npos) << server.output;
}

TEST(ServerTlsTest, ClientAndLoadGeneratorUseHttpsAndOnlyPlainHttpBeyondLoopbackWarns) {
  ScratchDir scratch;
  const std::string cert = scratch.path() + "/cert.pem", key = scratch.path() + "/key.pem";
  ProgramResult openssl = RunProgram({"/usr/bin/openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                                      "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert, "-days", "1",
                                      "-subj", "/CN=nswsim test", "-addext", "subjectAltName=IP:127.0.0.1"},
                                     scratch.path());
  ASSERT_EQ(openssl.exit_code, 0) << openssl.output;
  ASSERT_EQ(::chmod(key.c_str(), 0600), 0);

  ServerProcess server(scratch.path() + "/data");
  // Every address, with TLS: no warning.
  ASSERT_TRUE(server.Start({"--listen", "0.0.0.0:0", "--durability", "none", "--tls-cert", cert, "--tls-key", key}));
  EXPECT_EQ(server.log().find("without TLS"), std::string::npos) << server.log();
  const std::string https = "https://127.0.0.1:" + std::to_string(server.port());
  const std::string root_key = server.key_file("enterprise-root.key");

  ProgramResult submit = RunProgram({NSW_CLIENT_BIN, "--target", https, "--ca-file", cert, "--auth-key-file",
                                     root_key, "submit", "--enterprise", kAcme, "--procedure", "MOIT.CO-FORM-D",
                                     "--client-ref", "tls-1", "--payload", "over TLS"},
                                    scratch.path());
  EXPECT_EQ(submit.exit_code, 0) << submit.output;
  EXPECT_NE(submit.output.find("new submission"), std::string::npos) << submit.output;
  // Without the CA the certificate is refused; plain HTTP gets no answer.
  ProgramResult unverified = RunProgram({NSW_CLIENT_BIN, "--target", https, "--auth-key-file", root_key, "find",
                                         "--enterprise", kAcme, "--client-ref", "tls-1"},
                                        scratch.path());
  EXPECT_NE(unverified.exit_code, 0) << unverified.output;
  ProgramResult plain = RunProgram({NSW_CLIENT_BIN, "--target", server.url(), "--timeout", "3s", "--auth-key-file",
                                    root_key, "find", "--enterprise", kAcme, "--client-ref", "tls-1"},
                                   scratch.path());
  EXPECT_NE(plain.exit_code, 0) << plain.output;

  const std::string trace = scratch.path() + "/tls.trace", results = scratch.path() + "/tls.json";
  ProgramResult gen = RunProgram({NSW_LOADGEN_BIN, "gen", "--out", trace, "--dossiers", "40", "--enterprises", "5",
                                  "--days", "1"},
                                 scratch.path());
  ASSERT_EQ(gen.exit_code, 0) << gen.output;
  ProgramResult replay = RunProgram({NSW_LOADGEN_BIN, "replay", trace, "--target", https, "--ca-file", cert,
                                     "--auth-key-file", root_key, "--rate", "200", "-c", "2", "--out", results,
                                     "--threshold", "errors==0", "--quiet"},
                                    scratch.path());
  EXPECT_EQ(replay.exit_code, 0) << replay.output;
  const std::string json = ReadFile(results);
  EXPECT_NE(json.find("\"202\""), std::string::npos) << json.substr(0, 2000);
  EXPECT_EQ(server.Stop(), 0) << server.log();

  // Every address without TLS: the warning.
  ServerProcess open(scratch.path() + "/data2");
  ASSERT_TRUE(open.Start({"--listen", "0.0.0.0:0", "--durability", "none"}));
  EXPECT_NE(open.log().find("without TLS"), std::string::npos) << open.log();
  EXPECT_EQ(open.Stop(), 0);
  // Loopback without TLS: no warning.
  ServerProcess local(scratch.path() + "/data3");
  ASSERT_TRUE(local.Start({"--durability", "none"}));
  EXPECT_EQ(local.log().find("without TLS"), std::string::npos) << local.log();
  EXPECT_EQ(local.Stop(), 0);
}

}  // namespace
}  // namespace nsw::process_testing
