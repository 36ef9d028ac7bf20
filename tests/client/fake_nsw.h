// FakeNsw: a stand-in NSW server for client tests: LoopbackServer plus the
// real auth::Verifier, checking each request's signature the way the real
// server does (headers first, then the body) and answering 401 with an
// nsw.Error when it fails; otherwise `route_` answers. Helpers build
// protobuf and JSON replies. Not thread-safe; test use only.
#ifndef NSW_TESTS_CLIENT_FAKE_NSW_H_
#define NSW_TESTS_CLIENT_FAKE_NSW_H_

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include <google/protobuf/message.h>
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include "client/loopback_server.h"
#include "client/signing.h"
#include "proto/nsw.pb.h"

namespace nsw::testing {

inline int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// What the fake server concluded about one request.
struct Seen {
  nsw::auth::AuthVerdict verdict;
  std::string principal;
};

// Verifies like the real server would, then hands the request to `route`.
class FakeNsw {
 public:
  using Route = std::function<LoopbackResponse(const LoopbackRequest&)>;

  FakeNsw(boost::asio::io_context& io, nsw::auth::Verifier verifier)
      : verifier_(std::move(verifier)), server_(io, [this](const LoopbackRequest& r) { return Handle(r); }) {}

  LoopbackResponse Handle(const LoopbackRequest& req) {
    Seen seen;
    nsw::auth::PendingAuth pending;
    seen.verdict = verifier_.CheckHeaders(req.header("authorization"), req.header("x-nsw-enterprise"), NowSeconds(),
                                          &pending);
    if (seen.verdict.ok()) {
      std::string ct = req.header("content-type");
      std::string host = req.header("host");
      nsw::auth::RequestParts parts{req.method, req.target, host, ct, req.body};
      seen.verdict = verifier_.CheckSignature(pending, parts);
      seen.principal = pending.principal();
    }
    seen_.push_back(seen);
    if (!seen.verdict.ok()) {
      Error error;
      error.set_code(std::string(nsw::auth::AuthCodeName(seen.verdict.code)));
      error.set_message(seen.verdict.message);
      error.set_request_id("rid-401");
      LoopbackResponse resp;
      resp.status = 401;
      resp.reason = "Unauthorized";
      resp.headers.push_back({"Content-Type", "application/x-protobuf"});
      resp.body = error.SerializeAsString();
      return resp;
    }
    return route_(req);
  }

  nsw::auth::Verifier verifier_;
  LoopbackServer server_;
  Route route_;
  std::vector<Seen> seen_;
};

inline LoopbackResponse ProtoReply(int status, const google::protobuf::Message& m) {
  LoopbackResponse resp;
  resp.status = status;
  resp.headers.push_back({"Content-Type", "application/x-protobuf"});
  resp.headers.push_back({"X-Request-Id", "rid-" + std::to_string(status)});
  resp.body = m.SerializeAsString();
  return resp;
}

inline LoopbackResponse JsonReply(int status, const google::protobuf::Message& m) {
  LoopbackResponse resp;
  resp.status = status;
  resp.headers.push_back({"Content-Type", "application/json; charset=utf-8"});
  EXPECT_TRUE(google::protobuf::util::MessageToJsonString(m, &resp.body).ok());
  return resp;
}

}  // namespace nsw::testing

#endif  // NSW_TESTS_CLIENT_FAKE_NSW_H_
