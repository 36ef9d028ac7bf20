// Router without sockets: every endpoint, content negotiation, each error
// status with its nsw.Error code, request ids, and the authentication rules,
// over a real NswService (in-memory journal).
#include "server/http/router.h"

#include <gtest/gtest.h>

#include "tests/http/http_test_util.h"

namespace nsw::http::testing {
namespace {

using bhttp::status;
using bhttp::verb;

TEST(RouterTest, HealthzAnswersWithoutSignature) {
  RouterHarness h;
  Response r = h.Call(h.Make(verb::get, "/healthz", ""));
  EXPECT_EQ(r.result(), status::ok);
  EXPECT_EQ(r.body(), "ok\n");
  EXPECT_FALSE(r[kRequestIdHeader].empty());
}

TEST(RouterTest, ReadyzIs503WithRetryAfterUntilTheServiceHasStarted) {
  RouterHarness h({.start_service = false});
  Response r = h.Call(h.Make(verb::get, "/readyz", ""));
  EXPECT_EQ(r.result(), status::service_unavailable);
  EXPECT_EQ(r[bhttp::field::retry_after], "3");
  EXPECT_EQ(ErrorOf(r).code(), "not_ready");
  // Liveness does not wait for recovery; service routes do, without touching it.
  EXPECT_EQ(h.Call(h.Make(verb::get, "/healthz", "")).result(), status::ok);
  Response submit = h.Call(h.Post("/v1/dossiers", Submission("r1"), Encoding::kProtobuf));
  EXPECT_EQ(submit.result(), status::service_unavailable);
  EXPECT_EQ(ErrorOf(submit).code(), "not_ready");

  ASSERT_TRUE(h.service().Start().ok());
  h.router().set_service_started(true);
  Response ready = h.Call(h.Make(verb::get, "/readyz", ""));
  EXPECT_EQ(ready.result(), status::ok);
  EXPECT_EQ(ready.body(), "ready\n");
}

TEST(RouterTest, CatalogIsPublicAndServedInBothEncodings) {
  RouterHarness h;
  Response json = h.Call(h.Make(verb::get, "/v1/catalog", "", "", "", "application/json"));
  ASSERT_EQ(json.result(), status::ok);
  EXPECT_EQ(json[bhttp::field::content_type], "application/json");
  EXPECT_EQ(Decoded<CatalogProto>(json).procedures_size(), h.catalog().procedure_count());

  Response pb = h.Call(h.Make(verb::get, "/v1/catalog", "", "", "", "application/x-protobuf"));
  ASSERT_EQ(pb.result(), status::ok);
  EXPECT_EQ(pb[bhttp::field::content_type], "application/x-protobuf");
  CatalogProto catalog = Decoded<CatalogProto>(pb);
  EXPECT_EQ(catalog.ministries_size(), h.catalog().ministry_count());
  EXPECT_EQ(catalog.procedures(0).code(), h.catalog().procedure(0).code());
}

TEST(RouterTest, SubmitIs202ThenARepeatIs200WithTheSameIdAndAnotherBodyIs409) {
  RouterHarness h;
  Response first = h.Call(h.Post("/v1/dossiers", Submission("order-1"), Encoding::kProtobuf));
  ASSERT_EQ(first.result(), status::accepted) << first.body();
  EXPECT_EQ(first[bhttp::field::content_type], "application/x-protobuf");
  SubmitReply reply = Decoded<SubmitReply>(first);
  EXPECT_GT(reply.dossier_id(), 0u);

  Response repeat = h.Call(h.Post("/v1/dossiers", Submission("order-1"), Encoding::kProtobuf));
  ASSERT_EQ(repeat.result(), status::ok) << repeat.body();
  EXPECT_EQ(Decoded<SubmitReply>(repeat).dossier_id(), reply.dossier_id());

  Response conflict =
      h.Call(h.Post("/v1/dossiers", Submission("order-1", "MOIT.CO-FORM-D", "other"), Encoding::kProtobuf));
  EXPECT_EQ(conflict.result(), status::conflict);
  EXPECT_FALSE(ErrorOf(conflict).code().empty());
}

TEST(RouterTest, JsonBodyGetsAJsonReplyUnlessAcceptSaysOtherwise) {
  RouterHarness h;
  Response json = h.Call(h.Post("/v1/dossiers", Submission("j-1"), Encoding::kJson));
  ASSERT_EQ(json.result(), status::accepted) << json.body();
  EXPECT_EQ(json[bhttp::field::content_type], "application/json");
  EXPECT_NE(json.body().find("\"dossierId\""), std::string::npos) << json.body();

  std::string body;
  ASSERT_TRUE(EncodeMessage(Submission("j-2"), Encoding::kJson, &body).ok());
  Request request = h.Make(verb::post, "/v1/dossiers", kAcme, body, "application/json; charset=utf-8",
                           "application/x-protobuf");
  Response pb = h.Call(request);
  ASSERT_EQ(pb.result(), status::accepted) << pb.body();
  EXPECT_EQ(pb[bhttp::field::content_type], "application/x-protobuf");
  EXPECT_GT(Decoded<SubmitReply>(pb).dossier_id(), 0u);
}

TEST(RouterTest, UnknownProcedureIs400WithTheServiceCode) {
  RouterHarness h;
  Response r = h.Call(h.Post("/v1/dossiers", Submission("p-1", "MOIT.NO-SUCH"), Encoding::kJson));
  EXPECT_EQ(r.result(), status::bad_request);
  EXPECT_EQ(ErrorOf(r).code(), "unknown_procedure");
}

TEST(RouterTest, MalformedBodiesAre400) {
  RouterHarness h;
  Response garbage = h.Call(
      h.Make(verb::post, "/v1/dossiers", kAcme, "\xff\xff\xff", "application/x-protobuf", "application/json"));
  EXPECT_EQ(garbage.result(), status::bad_request);
  EXPECT_EQ(ErrorOf(garbage).code(), "malformed_body");

  Response bad_json =
      h.Call(h.Make(verb::post, "/v1/dossiers", kAcme, "{\"procedure\": ", "application/json", "application/json"));
  EXPECT_EQ(bad_json.result(), status::bad_request);
  EXPECT_EQ(ErrorOf(bad_json).code(), "malformed_body");

  // Strict JSON: a misspelt field is an error, not silently dropped.
  Response unknown_field = h.Call(h.Make(verb::post, "/v1/dossiers", kAcme,
                                         R"({"procedure":"MOIT.CO-FORM-D","clientRef":"x","payloadd":"AA=="})",
                                         "application/json", "application/json"));
  EXPECT_EQ(unknown_field.result(), status::bad_request);
  EXPECT_EQ(ErrorOf(unknown_field).code(), "malformed_body");
}

TEST(RouterTest, BodyWithAnotherMediaTypeIs415) {
  RouterHarness h;
  Response text = h.Call(h.Make(verb::post, "/v1/dossiers", kAcme, "procedure=x", "text/plain", "application/json"));
  EXPECT_EQ(text.result(), status::unsupported_media_type);
  EXPECT_EQ(ErrorOf(text).code(), "unsupported_media_type");

  Response none = h.Call(h.Make(verb::post, "/v1/dossiers", kAcme, "abc", "", "application/json"));
  EXPECT_EQ(none.result(), status::unsupported_media_type);
}

TEST(RouterTest, AcceptWithNeitherEncodingIs406) {
  RouterHarness h;
  Response r = h.Call(h.Make(verb::get, "/v1/catalog", "", "", "", "text/html"));
  EXPECT_EQ(r.result(), status::not_acceptable);
  EXPECT_EQ(r[bhttp::field::content_type], "application/json");
  EXPECT_EQ(ErrorOf(r).code(), "not_acceptable");
}

TEST(RouterTest, DossierIsVisibleOnlyToItsOwnerAndOthersSeeTheSameAsAbsent) {
  RouterHarness h;
  Response created = h.Call(h.Post("/v1/dossiers", Submission("mine"), Encoding::kProtobuf));
  ASSERT_EQ(created.result(), status::accepted);
  uint64_t id = Decoded<SubmitReply>(created).dossier_id();
  std::string path = "/v1/dossiers/" + std::to_string(id);

  Response own = h.Call(h.Make(verb::get, path, kAcme));
  ASSERT_EQ(own.result(), status::ok) << own.body();
  Dossier dossier = Decoded<Dossier>(own);
  EXPECT_EQ(dossier.id(), id);
  EXPECT_EQ(dossier.enterprise(), kAcme);
  EXPECT_EQ(dossier.client_ref(), "mine");
  EXPECT_GE(dossier.timeline_size(), 1);

  Response foreign = h.Call(h.Make(verb::get, path, kOther));
  Response absent = h.Call(h.Make(verb::get, "/v1/dossiers/999999", kAcme));
  EXPECT_EQ(foreign.result(), status::not_found);
  EXPECT_EQ(absent.result(), status::not_found);
  nsw::Error a = ErrorOf(foreign), b = ErrorOf(absent);
  EXPECT_EQ(a.code(), b.code());
  EXPECT_EQ(a.message(), b.message());
}

TEST(RouterTest, FindByClientRefDecodesTheQuery) {
  RouterHarness h;
  ASSERT_EQ(h.Call(h.Post("/v1/dossiers", Submission("a b/c&d+e"), Encoding::kProtobuf)).result(), status::accepted);
  Response found = h.Call(h.Make(verb::get, "/v1/dossiers?client_ref=" + auth::PercentEncode("a b/c&d+e")));
  ASSERT_EQ(found.result(), status::ok) << found.body();
  EXPECT_EQ(Decoded<Dossier>(found).client_ref(), "a b/c&d+e");

  Response other = h.Call(h.Make(verb::get, "/v1/dossiers?client_ref=" + auth::PercentEncode("a b/c&d+e"), kOther));
  EXPECT_EQ(other.result(), status::not_found);

  Response missing = h.Call(h.Make(verb::get, "/v1/dossiers?ref=x"));
  EXPECT_EQ(missing.result(), status::bad_request);
  EXPECT_EQ(ErrorOf(missing).code(), "missing_client_ref");

  Response twice = h.Call(h.Make(verb::get, "/v1/dossiers?client_ref=a&client_ref=b"));
  EXPECT_EQ(twice.result(), status::bad_request);
  EXPECT_EQ(ErrorOf(twice).code(), "invalid_query");

  // A bad escape cannot be signed canonically; the header still parses, and
  // the query is refused before anything else happens.
  Request bad = h.Make(verb::get, "/v1/dossiers?client_ref=x");
  bad.target("/v1/dossiers?client_ref=%zz");
  Response escaped = h.Call(bad);
  EXPECT_EQ(escaped.result(), status::bad_request);
  EXPECT_EQ(ErrorOf(escaped).code(), "invalid_query");
}

TEST(RouterTest, NonNumericDossierIdIs400) {
  RouterHarness h;
  Response r = h.Call(h.Make(verb::get, "/v1/dossiers/12ab"));
  EXPECT_EQ(r.result(), status::bad_request);
  EXPECT_EQ(ErrorOf(r).code(), "invalid_dossier_id");
  Response overflow = h.Call(h.Make(verb::get, "/v1/dossiers/99999999999999999999"));
  EXPECT_EQ(overflow.result(), status::bad_request);
}

TEST(RouterTest, WrongMethodIs405WithAllow) {
  RouterHarness h;
  Response del = h.Call(h.Make(verb::delete_, "/v1/dossiers"));
  EXPECT_EQ(del.result(), status::method_not_allowed);
  EXPECT_EQ(del[bhttp::field::allow], "GET, POST");
  EXPECT_EQ(ErrorOf(del).code(), "method_not_allowed");

  Response clock = h.Call(h.Make(verb::get, "/v1/admin/clock", "admin"));
  EXPECT_EQ(clock.result(), status::method_not_allowed);
  EXPECT_EQ(clock[bhttp::field::allow], "POST");

  Response pay = h.Call(h.Make(verb::get, "/v1/dossiers/1/payment"));
  EXPECT_EQ(pay.result(), status::method_not_allowed);
  EXPECT_EQ(pay[bhttp::field::allow], "POST");

  Response catalog = h.Call(h.Make(verb::post, "/v1/catalog", ""));
  EXPECT_EQ(catalog[bhttp::field::allow], "GET");
}

TEST(RouterTest, UnknownPathsAre404) {
  RouterHarness h;
  for (const char* path : {"/", "/metrics", "/v1", "/v1/dossiers/", "/v1/dossiers/1/approve", "/v1/catalog/x",
                           "/V1/catalog"}) {
    Response r = h.Call(h.Make(verb::get, path, ""));
    EXPECT_EQ(r.result(), status::not_found) << path;
    EXPECT_EQ(ErrorOf(r).code(), "not_found") << path;
  }
}

TEST(RouterTest, SignatureProblemsAre401WithDistinctCodes) {
  RouterHarness h;
  Response missing = h.Call(h.Make(verb::get, "/v1/dossiers/1", ""));
  EXPECT_EQ(missing.result(), status::unauthorized);
  EXPECT_EQ(missing[bhttp::field::www_authenticate], "NSW1-HMAC-SHA256");
  EXPECT_EQ(ErrorOf(missing).code(), "missing_signature");

  Request malformed = h.Make(verb::get, "/v1/dossiers/1", "");
  malformed.set(bhttp::field::authorization, "NSW1-HMAC-SHA256 enterprise=0100000001,ts=1,sig=00");
  EXPECT_EQ(ErrorOf(h.Call(malformed)).code(), "malformed_signature");

  Response stale = h.Call(h.Make(verb::get, "/v1/dossiers/1", kAcme, "", "", "application/json", kNow - 301));
  EXPECT_EQ(stale.result(), status::unauthorized);
  EXPECT_EQ(ErrorOf(stale).code(), "stale_signature");
  Response future = h.Call(h.Make(verb::get, "/v1/dossiers/1", kAcme, "", "", "application/json", kNow + 301));
  EXPECT_EQ(ErrorOf(future).code(), "stale_signature");
  Response edge = h.Call(h.Make(verb::get, "/v1/dossiers/1", kAcme, "", "", "application/json", kNow - 300));
  EXPECT_EQ(edge.result(), status::not_found);  // inside the window: authenticated

  // Signed for one body, sent with another.
  Request tampered = h.Post("/v1/dossiers", Submission("t-1"), Encoding::kJson);
  tampered.body() = tampered.body() + " ";
  tampered.prepare_payload();
  Response bad = h.Call(tampered);
  EXPECT_EQ(bad.result(), status::unauthorized);
  EXPECT_EQ(ErrorOf(bad).code(), "bad_signature");

  // Signed as one enterprise, claiming another.
  Request swapped = h.Make(verb::get, "/v1/dossiers/1", kAcme);
  std::string header(swapped[bhttp::field::authorization]);
  header.replace(header.find(kAcme), 10, kOther);
  swapped.set(bhttp::field::authorization, header);
  EXPECT_EQ(ErrorOf(h.Call(swapped)).code(), "bad_signature");
}

TEST(RouterTest, PrepareRefusesABadHeaderBeforeAnyBodyIsRead) {
  RouterHarness h;
  Request request = h.Post("/v1/dossiers", Submission("early"), Encoding::kProtobuf);
  Request header_only = h.Make(verb::post, "/v1/dossiers", kAcme, "", "application/x-protobuf", "", kNow - 1000);
  Exchange exchange;
  Response refusal;
  EXPECT_FALSE(h.router().Prepare(header_only, /*has_body=*/true, &exchange, &refusal));
  EXPECT_EQ(refusal.result(), status::unauthorized);
  EXPECT_EQ(ErrorOf(refusal).code(), "stale_signature");

  Exchange good;
  EXPECT_TRUE(h.router().Prepare(request, true, &good, &refusal));
  EXPECT_EQ(good.route, Route::kSubmit);
  EXPECT_EQ(good.auth.principal(), kAcme);
}

TEST(RouterTest, PrincipalsAreCheckedPerEndpoint) {
  RouterHarness h;
  Response admin_submit = h.Call(h.Post("/v1/dossiers", Submission("a-1"), Encoding::kJson, "admin"));
  EXPECT_EQ(admin_submit.result(), status::forbidden);
  EXPECT_EQ(ErrorOf(admin_submit).code(), "enterprise_required");

  ClockRequest pause;
  pause.set_action(ClockRequest::PAUSE);
  Response enterprise_clock = h.Call(h.Post("/v1/admin/clock", pause, Encoding::kJson, kAcme));
  EXPECT_EQ(enterprise_clock.result(), status::forbidden);
  EXPECT_EQ(ErrorOf(enterprise_clock).code(), "admin_required");

  Response admin_clock = h.Call(h.Post("/v1/admin/clock", pause, Encoding::kJson, "admin"));
  ASSERT_EQ(admin_clock.result(), status::ok) << admin_clock.body();
  EXPECT_TRUE(Decoded<ClockReply>(admin_clock).paused());

  ClockRequest resume;
  resume.set_action(ClockRequest::RESUME);
  Response resumed = h.Call(h.Post("/v1/admin/clock", resume, Encoding::kProtobuf, "admin"));
  ASSERT_EQ(resumed.result(), status::ok);
  EXPECT_FALSE(Decoded<ClockReply>(resumed).paused());

  ClockRequest nothing;  // ACTION_UNSPECIFIED
  Response invalid = h.Call(h.Post("/v1/admin/clock", nothing, Encoding::kJson, "admin"));
  EXPECT_EQ(invalid.result(), status::bad_request);
}

TEST(RouterTest, StatsNeedAnyAuthenticatedPrincipal) {
  RouterHarness h;
  EXPECT_EQ(h.Call(h.Make(verb::get, "/v1/stats", "")).result(), status::unauthorized);
  ASSERT_EQ(h.Call(h.Post("/v1/dossiers", Submission("s-1"), Encoding::kJson)).result(), status::accepted);
  for (const char* principal : {kAcme, "admin"}) {
    Response r = h.Call(h.Make(verb::get, "/v1/stats", principal));
    ASSERT_EQ(r.result(), status::ok) << principal;
    Stats stats = Decoded<Stats>(r);
    EXPECT_EQ(stats.dossiers(), 1u);
    EXPECT_EQ(stats.clock(), "wall");
  }
}

TEST(RouterTest, ActionsAre409WhenTheSimulationActsForEnterprises) {
  RouterHarness h;
  Response created = h.Call(h.Post("/v1/dossiers", Submission("w-1"), Encoding::kProtobuf));
  uint64_t id = Decoded<SubmitReply>(created).dossier_id();
  Response r = h.Call(h.Make(verb::post, "/v1/dossiers/" + std::to_string(id) + "/withdraw"));
  EXPECT_EQ(r.result(), status::conflict);
}

TEST(RouterTest, WithdrawOverHttpIsIdempotentAndLaterActionsConflict) {
  RouterHarness h({.enterprise_actions = EnterpriseActions::kHttp});
  Response created = h.Call(h.Post("/v1/dossiers", Submission("w-2"), Encoding::kProtobuf));
  ASSERT_EQ(created.result(), status::accepted);
  std::string base = "/v1/dossiers/" + std::to_string(Decoded<SubmitReply>(created).dossier_id());

  Response withdrawn = h.Call(h.Make(verb::post, base + "/withdraw"));
  ASSERT_EQ(withdrawn.result(), status::ok) << withdrawn.body();
  EXPECT_EQ(Decoded<Dossier>(withdrawn).state(), WITHDRAWN);
  Response again = h.Call(h.Make(verb::post, base + "/withdraw"));
  ASSERT_EQ(again.result(), status::ok) << again.body();
  EXPECT_EQ(Decoded<Dossier>(again).state(), WITHDRAWN);

  Response pay = h.Call(h.Make(verb::post, base + "/payment"));
  EXPECT_EQ(pay.result(), status::conflict);
  Response foreign = h.Call(h.Make(verb::post, base + "/supplement", kOther));
  EXPECT_EQ(foreign.result(), status::not_found);
}

TEST(RouterTest, AuthNoneTakesTheEnterpriseFromTheHeader) {
  RouterHarness h({.authenticate = false});
  std::string body;
  ASSERT_TRUE(EncodeMessage(Submission("n-1"), Encoding::kJson, &body).ok());
  Request request = h.Make(verb::post, "/v1/dossiers", "", body, "application/json");
  request.set(auth::kEnterpriseHeader, kAcme);
  Response r = h.Call(request);
  ASSERT_EQ(r.result(), status::accepted) << r.body();

  Request get = h.Make(verb::get, "/v1/dossiers?client_ref=n-1", "");
  get.set(auth::kEnterpriseHeader, kAcme);
  EXPECT_EQ(Decoded<Dossier>(h.Call(get)).enterprise(), kAcme);

  Response anonymous = h.Call(h.Make(verb::get, "/v1/dossiers?client_ref=n-1", ""));
  EXPECT_EQ(anonymous.result(), status::unauthorized);
  EXPECT_EQ(ErrorOf(anonymous).code(), "missing_signature");

  // A signing client works unchanged (the signature is not checked).
  Response signed_stale = h.Call(h.Make(verb::get, "/v1/dossiers?client_ref=n-1", kAcme, "", "", "application/json", 5));
  EXPECT_EQ(signed_stale.result(), status::ok);
}

TEST(RouterTest, AStoppedServiceIs503WithRetryAfter) {
  RouterHarness h;
  h.service().Stop();
  Response r = h.Call(h.Post("/v1/dossiers", Submission("late"), Encoding::kJson));
  EXPECT_EQ(r.result(), status::service_unavailable);
  EXPECT_EQ(r[bhttp::field::retry_after], "3");
  Response ready = h.Call(h.Make(verb::get, "/readyz", ""));
  EXPECT_EQ(ready.result(), status::service_unavailable);
}

TEST(RouterTest, EveryResponseCarriesARequestIdAndErrorsRepeatIt) {
  RouterHarness h;
  Request mine = h.Make(verb::get, "/v1/dossiers/42");
  mine.set(kRequestIdHeader, "trace-abc.123");
  Response echoed = h.Call(mine);
  EXPECT_EQ(echoed[kRequestIdHeader], "trace-abc.123");
  EXPECT_EQ(ErrorOf(echoed).request_id(), "trace-abc.123");

  Request insane = h.Make(verb::get, "/healthz", "");
  insane.set(kRequestIdHeader, "two words");
  Response replaced = h.Call(insane);
  std::string id(replaced[kRequestIdHeader]);
  EXPECT_EQ(id.rfind(h.router().request_ids().prefix() + "-", 0), 0u) << id;

  Response a = h.Call(h.Make(verb::get, "/nowhere", ""));
  Response b = h.Call(h.Make(verb::get, "/nowhere", ""));
  EXPECT_NE(a[kRequestIdHeader], b[kRequestIdHeader]);
  EXPECT_EQ(ErrorOf(a).request_id(), std::string(a[kRequestIdHeader]));
}

TEST(RouterTest, RefuseBuildsTransportErrorsWithIdsAndNegotiatedEncoding) {
  RouterHarness h;
  Request header = h.Make(verb::post, "/v1/dossiers", "", "", "", "application/x-protobuf");
  header.set(kRequestIdHeader, "big-1");
  Response r = h.router().Refuse(&header, status::payload_too_large, "body_too_large", "too big");
  EXPECT_EQ(r.result(), status::payload_too_large);
  EXPECT_EQ(r[kRequestIdHeader], "big-1");
  EXPECT_EQ(r[bhttp::field::content_type], "application/x-protobuf");
  EXPECT_EQ(ErrorOf(r).code(), "body_too_large");

  Response blind = h.router().Refuse(nullptr, status::service_unavailable, "too_many_connections", "full");
  EXPECT_EQ(blind[bhttp::field::retry_after], "3");
  EXPECT_EQ(blind[bhttp::field::content_type], "application/json");
  EXPECT_FALSE(blind[kRequestIdHeader].empty());
}

TEST(RouterTest, AddedRoutesArePublicAndGetRequestIds) {
  RouterHarness h;
  h.router().AddRoute(verb::get, "/metrics", [](const Request&, Response* response) {
    response->set(bhttp::field::content_type, "text/plain; version=0.0.4");
    response->body() = "nsw_up 1\n";
  });
  Response r = h.Call(h.Make(verb::get, "/metrics", ""));
  EXPECT_EQ(r.result(), status::ok);
  EXPECT_EQ(r.body(), "nsw_up 1\n");
  EXPECT_FALSE(r[kRequestIdHeader].empty());
  Response post = h.Call(h.Make(verb::post, "/metrics", ""));
  EXPECT_EQ(post.result(), status::method_not_allowed);
  EXPECT_EQ(post[bhttp::field::allow], "GET");
}

TEST(RouterTest, DoneIsAlwaysCalledThroughPost) {
  RouterHarness h;
  int posted = 0;
  bool done_inside_post = false;
  bool in_post = false;
  auto post = [&](std::function<void()> fn) {
    ++posted;
    in_post = true;
    fn();
    in_post = false;
  };
  auto check = [&](Response) { done_inside_post = in_post; };
  h.router().Handle(h.Make(verb::get, "/healthz", ""), post, check);
  EXPECT_EQ(posted, 1);
  EXPECT_TRUE(done_inside_post);
  done_inside_post = false;
  h.router().Handle(h.Make(verb::get, "/nowhere", ""), post, check);
  EXPECT_EQ(posted, 2);
  EXPECT_TRUE(done_inside_post);
}

}  // namespace
}  // namespace nsw::http::testing
