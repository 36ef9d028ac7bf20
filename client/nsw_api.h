// NswApi: the NSW HTTP API (DESIGN.md "Wire protocol") as typed calls over
// one HttpConnection, each request signed by an auth::Signer, bodies encoded
// as application/x-protobuf (default) or the protobuf JSON mapping, replies
// decoded into the nsw.* messages and error bodies into nsw.Error.
// SyncNswClient wraps it with its own io_context for the CLI and for tests.
//
// Requests (the server's routes follow this):
//   Submit      POST /v1/dossiers                       body SubmitRequest -> SubmitReply (202 new, 200 repeat)
//   GetDossier  GET  /v1/dossiers/{id}                                      -> Dossier
//   FindDossier GET  /v1/dossiers?client_ref=<percent-encoded ref>          -> Dossier
//   Act         POST /v1/dossiers/{id}/payment|supplement|withdraw  (empty body, no Content-Type) -> Dossier
//   GetCatalog  GET  /v1/catalog                                            -> CatalogProto
//   GetStats    GET  /v1/stats                                              -> Stats
//   AdminClock  POST /v1/admin/clock                    body ClockRequest -> ClockReply (signed as "admin")
// Every request carries `Accept` with the chosen encoding; requests with a
// body carry the same `Content-Type`. A reply is decoded by its own
// Content-Type (application/json -> JSON mapping, anything else ->
// protobuf), so a server answering in the other encoding still works.
//
// Thread-safety: none; an NswApi lives on its connection's io_context thread
// and shares that thread's Signer. One call at a time (the connection's).
#ifndef NSW_CLIENT_NSW_API_H_
#define NSW_CLIENT_NSW_API_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "client/http_connection.h"
#include "client/signing.h"
#include "proto/nsw.pb.h"
#include "proto/status.h"

namespace google::protobuf {
class Message;
}  // namespace google::protobuf

namespace nsw::client {

enum class Encoding { kProtobuf, kJson };
inline constexpr std::string_view kProtobufContentType = "application/x-protobuf";
inline constexpr std::string_view kJsonContentType = "application/json";
// "protobuf"/"pb" or "json".
Status ParseEncoding(std::string_view text, Encoding* out);
std::string_view ContentTypeOf(Encoding encoding);

// Serializes `message` as protobuf bytes or JSON (proto field names in
// lowerCamelCase, as the JSON mapping prints them).
Status EncodeBody(const google::protobuf::Message& message, Encoding encoding, std::string* out);
// Parses `body` into *out by `content_type`: a media type of
// application/json (parameters ignored, case-insensitive) is JSON (unknown
// fields ignored), anything else protobuf. InvalidArgument says why.
Status DecodeBody(std::string_view body, std::string_view content_type, google::protobuf::Message* out);

enum class DossierAction { kPay, kSupplement, kWithdraw };
// The path suffix: "payment", "supplement", "withdraw".
std::string_view DossierActionPath(DossierAction action);

struct ApiOptions {
  // Request bodies and Accept. Default protobuf.
  Encoding encoding = Encoding::kProtobuf;
  // Wall clock for the signature's ts, Unix seconds. Empty (the default)
  // means the system clock; tests inject one to produce stale requests.
  std::function<int64_t()> unix_seconds;
};

// The outcome of one call. ok() means a 2xx answer whose body decoded into
// the reply message. Otherwise `status` says what went wrong in one line:
// a transport error (error_class != kOk), a non-2xx answer (http_status set,
// `error` decoded from the body when possible: code, message, request id),
// a body that did not decode, or a local failure (no key for the principal).
struct ApiResult {
  Status status;
  ErrorClass error_class = ErrorClass::kOk;
  int http_status = 0;
  nsw::Error error;            // the server's error body for non-2xx answers
  std::string request_id;      // X-Request-Id
  std::string retry_after;     // Retry-After (503)
  MonotonicClock::time_point started;  // HttpResult timestamps; see there
  MonotonicClock::time_point written;
  MonotonicClock::time_point done;
  // The raw transport result; valid only inside the callback, null in
  // SyncNswClient results.
  const HttpResult* http = nullptr;
  bool ok() const { return status.ok(); }
  // "status 409 illegal_transition: dossier 7 is APPROVED" or the status.
  std::string Describe() const;
};

class NswApi {
 public:
  template <typename Reply>
  using Callback = std::function<void(const ApiResult&, const Reply&)>;
  using SubmitCallback = Callback<SubmitReply>;
  using DossierCallback = Callback<Dossier>;
  using CatalogCallback = Callback<nsw::CatalogProto>;
  using StatsCallback = Callback<Stats>;
  using ClockCallback = Callback<ClockReply>;

  // `connection` and `signer` must outlive the NswApi; all three live on
  // the same io_context thread. Destroying an NswApi with a call in flight
  // is allowed: that call's `done` is then never run.
  NswApi(HttpConnection* connection, auth::Signer* signer, ApiOptions options = {});
  ~NswApi();
  NswApi(const NswApi&) = delete;
  NswApi& operator=(const NswApi&) = delete;

  // Each call: REQUIRES !busy(). `done` runs once, on the io_context thread,
  // never inside the call (also for local failures such as a missing key).
  // The ApiResult and reply references are valid only during `done`.
  void Submit(std::string_view enterprise, const SubmitRequest& request, SubmitCallback done);
  void GetDossier(std::string_view enterprise, uint64_t id, DossierCallback done);
  void FindDossier(std::string_view enterprise, std::string_view client_ref, DossierCallback done);
  void Act(std::string_view enterprise, uint64_t id, DossierAction action, DossierCallback done);
  // `principal`: a tax code, or "admin" (needs the admin key).
  void GetCatalog(std::string_view principal, CatalogCallback done);
  void GetStats(std::string_view principal, StatsCallback done);
  void AdminClock(const ClockRequest& request, ClockCallback done);

  bool busy() const;
  HttpConnection* connection() const;
  const ApiOptions& options() const;

 private:
  class Impl;
  std::shared_ptr<Impl> impl_;  // shared with the connection's pending callback
};

// Blocking calls over one keep-alive connection and a private io_context.
// For the CLI and process-level tests; not for load. Not safe for concurrent
// use.
class SyncNswClient {
 public:
  SyncNswClient(Url url, auth::Signer signer, ApiOptions api_options = {},
                ConnectionOptions connection_options = {});
  ~SyncNswClient();
  SyncNswClient(const SyncNswClient&) = delete;
  SyncNswClient& operator=(const SyncNswClient&) = delete;

  // Each fills *reply when the result is ok.
  ApiResult Submit(std::string_view enterprise, const SubmitRequest& request, SubmitReply* reply);
  ApiResult GetDossier(std::string_view enterprise, uint64_t id, Dossier* reply);
  ApiResult FindDossier(std::string_view enterprise, std::string_view client_ref, Dossier* reply);
  ApiResult Act(std::string_view enterprise, uint64_t id, DossierAction action, Dossier* reply);
  ApiResult GetCatalog(std::string_view principal, nsw::CatalogProto* reply);
  ApiResult GetStats(std::string_view principal, Stats* reply);
  ApiResult AdminClock(const ClockRequest& request, ClockReply* reply);

  auth::Signer& signer();
  HttpConnection& connection();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nsw::client

#endif  // NSW_CLIENT_NSW_API_H_
