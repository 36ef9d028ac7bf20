// Tests of client/nsw_api.h against a fake NSW server (LoopbackServer plus
// the real Verifier): every call's method, path, encoding and signature as
// the server sees them, reply and error decoding, local failures, the
// `--auth none` header, and the synchronous wrapper.
#include "client/nsw_api.h"

#include <boost/asio/io_context.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <thread>

#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include "client/fake_nsw.h"
#include "client/loopback_server.h"

namespace nsw::client {
namespace {

using nsw::testing::LoopbackRequest;
using nsw::testing::LoopbackResponse;
using nsw::testing::LoopbackServer;
using nsw::testing::FakeNsw;
using nsw::testing::JsonReply;
using nsw::testing::NowSeconds;
using nsw::testing::ProtoReply;
using nsw::testing::Seen;

auth::Key TestMaster() {
  auth::Key key;
  for (size_t i = 0; i < key.size(); ++i) key[i] = static_cast<uint8_t>(0xa0 + i);
  return key;
}

class NswApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    fake_ = std::make_unique<FakeNsw>(io_, auth::Verifier::FromMaster(TestMaster()));
    ASSERT_TRUE(ParseUrl(fake_->server_.url(), &url_).ok());
    connection_ = std::make_unique<HttpConnection>(io_, url_);
  }

  void MakeApi(ApiOptions options = {}) { api_ = std::make_unique<NswApi>(connection_.get(), &signer_, options); }

  void RunUntil(const std::function<bool()>& done) {
    auto guard = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (!done() && std::chrono::steady_clock::now() < guard) io_.run_one_for(std::chrono::milliseconds(50));
    ASSERT_TRUE(done());
  }

  // Runs one call; returns the result with the reply copied into *out.
  template <typename Reply, typename Start>
  ApiResult Call(Reply* out, Start start) {
    std::optional<ApiResult> result;
    start([&](const ApiResult& r, const Reply& reply) {
      EXPECT_FALSE(api_->busy());
      result = r;
      result->http = nullptr;
      out->CopyFrom(reply);
    });
    EXPECT_TRUE(api_->busy());
    RunUntil([&] { return result.has_value(); });
    return result.value_or(ApiResult{});
  }

  const LoopbackRequest& Last() { return fake_->server_.requests().back(); }

  boost::asio::io_context io_;
  std::unique_ptr<FakeNsw> fake_;
  Url url_;
  std::unique_ptr<HttpConnection> connection_;
  auth::Signer signer_ = auth::Signer::FromMaster(TestMaster());
  std::unique_ptr<NswApi> api_;
};

TEST_F(NswApiTest, SubmitIsSignedEncodedAndDecoded) {
  MakeApi();
  fake_->route_ = [](const LoopbackRequest& req) {
    SubmitRequest in;
    EXPECT_TRUE(in.ParseFromString(req.body));
    EXPECT_EQ(in.procedure(), "MOIT.CO-FORM-D");
    SubmitReply out;
    out.set_dossier_id(77);
    out.set_state(SUBMITTED);
    out.set_accepted_at_us(123);
    return ProtoReply(202, out);
  };
  SubmitRequest req;
  req.set_procedure("MOIT.CO-FORM-D");
  req.set_client_ref("run-1");
  req.set_payload(std::string("\0\1\2", 3));
  SubmitReply reply;
  ApiResult r = Call(&reply, [&](auto cb) { api_->Submit("0101234567", req, cb); });
  ASSERT_TRUE(r.ok()) << r.Describe();
  EXPECT_EQ(r.http_status, 202);
  EXPECT_EQ(r.request_id, "rid-202");
  EXPECT_EQ(reply.dossier_id(), 77u);
  EXPECT_EQ(reply.state(), SUBMITTED);
  EXPECT_LE(r.started, r.written);
  EXPECT_LE(r.written, r.done);
  ASSERT_EQ(fake_->seen_.size(), 1u);
  EXPECT_TRUE(fake_->seen_[0].verdict.ok());
  EXPECT_EQ(fake_->seen_[0].principal, "0101234567");
  EXPECT_EQ(Last().method, "POST");
  EXPECT_EQ(Last().target, "/v1/dossiers");
  EXPECT_EQ(Last().header("content-type"), "application/x-protobuf");
  EXPECT_EQ(Last().header("accept"), "application/x-protobuf");
  EXPECT_TRUE(Last().header("authorization").rfind("NSW1-HMAC-SHA256 enterprise=0101234567, ts=", 0) == 0);
}

TEST_F(NswApiTest, JsonEncodingBothWays) {
  ApiOptions options;
  options.encoding = Encoding::kJson;
  MakeApi(options);
  fake_->route_ = [](const LoopbackRequest& req) {
    ClockRequest in;
    EXPECT_TRUE(google::protobuf::util::JsonStringToMessage(req.body, &in).ok()) << req.body;
    EXPECT_EQ(in.action(), ClockRequest::ADVANCE);
    EXPECT_EQ(in.by_us(), 3600LL * 1000000);
    ClockReply out;
    out.set_sim_time_us(42);
    out.set_clock("trace");
    return JsonReply(200, out);
  };
  ClockRequest req;
  req.set_action(ClockRequest::ADVANCE);
  req.set_by_us(3600LL * 1000000);
  ClockReply reply;
  ApiResult r = Call(&reply, [&](auto cb) { api_->AdminClock(req, cb); });
  ASSERT_TRUE(r.ok()) << r.Describe();
  EXPECT_EQ(reply.sim_time_us(), 42);
  EXPECT_EQ(reply.clock(), "trace");
  EXPECT_EQ(fake_->seen_[0].principal, "admin");
  EXPECT_EQ(Last().target, "/v1/admin/clock");
  EXPECT_EQ(Last().header("content-type"), "application/json");
  EXPECT_EQ(Last().header("accept"), "application/json");
  EXPECT_NE(Last().body.find("\"ADVANCE\""), std::string::npos);
}

TEST_F(NswApiTest, PathsOfEveryCall) {
  MakeApi();
  fake_->route_ = [](const LoopbackRequest& req) {
    Dossier d;
    d.set_id(7);
    d.set_state(FEE_PAID);
    return ProtoReply(200, d);
  };
  Dossier dossier;
  ASSERT_TRUE(Call(&dossier, [&](auto cb) { api_->GetDossier("0101234567", 7, cb); }).ok());
  EXPECT_EQ(Last().method, "GET");
  EXPECT_EQ(Last().target, "/v1/dossiers/7");
  EXPECT_FALSE(Last().has_header("content-type"));
  EXPECT_EQ(dossier.state(), FEE_PAID);

  const std::pair<DossierAction, std::string> actions[] = {
      {DossierAction::kPay, "/v1/dossiers/7/payment"},
      {DossierAction::kSupplement, "/v1/dossiers/7/supplement"},
      {DossierAction::kWithdraw, "/v1/dossiers/7/withdraw"},
  };
  for (const auto& [action, path] : actions) {
    ApiResult r = Call(&dossier, [&](auto cb) { api_->Act("0101234567", 7, action, cb); });
    ASSERT_TRUE(r.ok()) << r.Describe();
    EXPECT_EQ(Last().method, "POST");
    EXPECT_EQ(Last().target, path);
    EXPECT_EQ(Last().header("content-length"), "0");
    EXPECT_FALSE(Last().has_header("content-type"));
  }

  // A reference with reserved bytes is percent-encoded and still verifies.
  ApiResult r = Call(&dossier, [&](auto cb) { api_->FindDossier("0101234567", "run 1/é&x=y", cb); });
  ASSERT_TRUE(r.ok()) << r.Describe();
  EXPECT_EQ(Last().target, "/v1/dossiers?client_ref=run%201%2F%C3%A9%26x%3Dy");

  nsw::CatalogProto catalog;
  fake_->route_ = [](const LoopbackRequest&) {
    nsw::CatalogProto c;
    c.set_name("test");
    c.add_ministries()->set_code("MOIT");
    return ProtoReply(200, c);
  };
  r = Call(&catalog, [&](auto cb) { api_->GetCatalog("0101234567", cb); });
  ASSERT_TRUE(r.ok()) << r.Describe();
  EXPECT_EQ(Last().target, "/v1/catalog");
  EXPECT_EQ(catalog.ministries(0).code(), "MOIT");

  Stats stats;
  fake_->route_ = [](const LoopbackRequest&) {
    Stats s;
    s.set_dossiers(5);
    return ProtoReply(200, s);
  };
  r = Call(&stats, [&](auto cb) { api_->GetStats("admin", cb); });
  ASSERT_TRUE(r.ok()) << r.Describe();
  EXPECT_EQ(Last().target, "/v1/stats");
  EXPECT_EQ(stats.dossiers(), 5u);
  for (const Seen& s : fake_->seen_) EXPECT_TRUE(s.verdict.ok()) << s.verdict.message;
  EXPECT_EQ(connection_->connects(), 1u);
}

TEST_F(NswApiTest, ErrorBodiesAreDecoded) {
  MakeApi();
  fake_->route_ = [](const LoopbackRequest&) {
    Error e;
    e.set_code("illegal_transition");
    e.set_message("dossier 7 is APPROVED");
    e.set_request_id("abc");
    return ProtoReply(409, e);
  };
  Dossier dossier;
  ApiResult r = Call(&dossier, [&](auto cb) { api_->Act("0101234567", 7, DossierAction::kWithdraw, cb); });
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.error_class, ErrorClass::kOk);
  EXPECT_EQ(r.http_status, 409);
  EXPECT_EQ(r.status.code(), Status::Code::kFailedPrecondition);
  EXPECT_EQ(r.error.code(), "illegal_transition");
  EXPECT_EQ(r.error.request_id(), "abc");
  EXPECT_EQ(r.Describe(), "HTTP 409 illegal_transition: dossier 7 is APPROVED");

  // JSON errors, and bodies that are not nsw.Error at all (a proxy's page).
  fake_->route_ = [](const LoopbackRequest&) {
    Error e;
    e.set_code("overloaded");
    e.set_message("try later");
    LoopbackResponse resp = JsonReply(503, e);
    resp.headers.push_back({"Retry-After", "3"});
    return resp;
  };
  r = Call(&dossier, [&](auto cb) { api_->GetDossier("0101234567", 7, cb); });
  EXPECT_EQ(r.status.code(), Status::Code::kUnavailable);
  EXPECT_EQ(r.error.code(), "overloaded");
  EXPECT_EQ(r.retry_after, "3");
  fake_->route_ = [](const LoopbackRequest&) {
    LoopbackResponse resp;
    resp.status = 502;
    resp.reason = "Bad Gateway";
    resp.headers.push_back({"Content-Type", "text/html"});
    resp.body = "<html>bad gateway</html>";
    return resp;
  };
  r = Call(&dossier, [&](auto cb) { api_->GetDossier("0101234567", 7, cb); });
  EXPECT_EQ(r.http_status, 502);
  EXPECT_NE(r.Describe().find("bad gateway"), std::string::npos) << r.Describe();

  // A 2xx whose body is not the expected message.
  fake_->route_ = [](const LoopbackRequest&) {
    LoopbackResponse resp;
    resp.headers.push_back({"Content-Type", "application/json"});
    resp.body = "{not json";
    return resp;
  };
  r = Call(&dossier, [&](auto cb) { api_->GetDossier("0101234567", 7, cb); });
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.http_status, 200);
  EXPECT_TRUE(r.status.IsInvalidArgument());
}

TEST_F(NswApiTest, StaleClockIsRefusedByTheServer) {
  ApiOptions options;
  options.unix_seconds = [] { return NowSeconds() - 1000; };
  MakeApi(options);
  Stats stats;
  ApiResult r = Call(&stats, [&](auto cb) { api_->GetStats("0101234567", cb); });
  EXPECT_EQ(r.http_status, 401);
  EXPECT_EQ(r.error.code(), "stale_signature");
}

TEST_F(NswApiTest, MissingKeyFailsLocallyAndAsynchronously) {
  signer_ = auth::Signer::FromEnterpriseRoot(auth::DeriveEnterpriseRoot(TestMaster()));
  MakeApi();
  ClockReply reply;
  ApiResult r = Call(&reply, [&](auto cb) { api_->AdminClock(ClockRequest{}, cb); });
  EXPECT_EQ(r.status.code(), Status::Code::kFailedPrecondition);
  EXPECT_EQ(r.http_status, 0);
  EXPECT_TRUE(fake_->server_.requests().empty());
  // A bad enterprise is refused the same way.
  Dossier dossier;
  r = Call(&dossier, [&](auto cb) { api_->GetDossier("12345", 1, cb); });
  EXPECT_TRUE(r.status.IsInvalidArgument());
  EXPECT_TRUE(fake_->server_.requests().empty());
}

TEST_F(NswApiTest, TransportErrorsAreReported) {
  MakeApi();
  fake_->server_.Stop();
  Stats stats;
  ApiResult r = Call(&stats, [&](auto cb) { api_->GetStats("0101234567", cb); });
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(r.error_class, ErrorClass::kConnect);
  EXPECT_EQ(r.http_status, 0);
}

TEST(NswApiAuthNone, KeylessClientNamesItsEnterprise) {
  boost::asio::io_context io;
  FakeNsw fake(io, auth::Verifier::Unauthenticated());
  fake.route_ = [](const LoopbackRequest&) { return ProtoReply(200, Stats()); };
  Url url;
  ASSERT_TRUE(ParseUrl(fake.server_.url(), &url).ok());
  HttpConnection connection(io, url);
  auth::Signer none;
  NswApi api(&connection, &none);
  bool done = false;
  api.GetStats("0101234567", [&](const ApiResult& r, const Stats&) {
    EXPECT_TRUE(r.ok()) << r.Describe();
    done = true;
  });
  while (!done) io.run_one_for(std::chrono::milliseconds(50));
  const LoopbackRequest& req = fake.server_.requests().back();
  EXPECT_FALSE(req.has_header("authorization"));
  EXPECT_EQ(req.header("x-nsw-enterprise"), "0101234567");
  EXPECT_EQ(fake.seen_.back().principal, "0101234567");
}

TEST_F(NswApiTest, DestroyedWithACallInFlightNeverCallsBack) {
  MakeApi();
  fake_->route_ = [](const LoopbackRequest&) {
    LoopbackResponse resp;
    resp.mode = LoopbackResponse::Mode::kNoAnswer;
    return resp;
  };
  bool called = false;
  api_->GetStats("0101234567", [&](const ApiResult&, const Stats&) { called = true; });
  RunUntil([&] { return fake_->server_.requests().size() == 1; });
  api_.reset();
  connection_->Close();
  io_.run_for(std::chrono::milliseconds(30));
  EXPECT_FALSE(called);
}

TEST(SyncNswClientTest, BlockingCallsOverOneConnection) {
  boost::asio::io_context server_io;
  FakeNsw fake(server_io, auth::Verifier::FromMaster(TestMaster()));
  fake.route_ = [](const LoopbackRequest& req) {
    if (req.target == "/v1/catalog") {
      nsw::CatalogProto c;
      c.set_name("sync");
      return ProtoReply(200, c);
    }
    Error e;
    e.set_code("not_found");
    e.set_message("no such dossier");
    return ProtoReply(404, e);
  };
  std::string url = fake.server_.url();
  std::thread server_thread([&] { server_io.run(); });

  Url parsed;
  ASSERT_TRUE(ParseUrl(url, &parsed).ok());
  SyncNswClient client(parsed, auth::Signer::FromMaster(TestMaster()));
  nsw::CatalogProto catalog;
  ApiResult r = client.GetCatalog("admin", &catalog);
  EXPECT_TRUE(r.ok()) << r.Describe();
  EXPECT_EQ(catalog.name(), "sync");
  Dossier dossier;
  r = client.GetDossier("0101234567", 99, &dossier);
  EXPECT_TRUE(r.status.IsNotFound());
  EXPECT_EQ(r.error.code(), "not_found");
  EXPECT_EQ(r.http, nullptr);
  r = client.GetCatalog("admin", &catalog);
  EXPECT_TRUE(r.ok());
  EXPECT_EQ(client.connection().connects(), 1u);

  server_io.stop();
  server_thread.join();
  EXPECT_EQ(fake.server_.accepted(), 1);
  for (const Seen& s : fake.seen_) EXPECT_TRUE(s.verdict.ok()) << s.verdict.message;
}

}  // namespace
}  // namespace nsw::client
