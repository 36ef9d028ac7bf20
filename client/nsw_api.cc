// NswApi and SyncNswClient (client/nsw_api.h): builds each NSW request in a
// reused HttpRequest, signs it, sends it on the connection and decodes the
// answer into a reused reply message. The pending connection callback
// captures only a plain pointer to the Impl (so std::function stores it
// without allocating); an owner going away with a call in flight marks the
// Impl abandoned and has the connection forget that callback.
#include "client/nsw_api.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include <google/protobuf/message.h>
#include <google/protobuf/util/json_util.h>

#include <cctype>
#include <chrono>
#include <tuple>
#include <utility>

namespace nsw::client {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool IsJsonMediaType(std::string_view content_type) {
  std::string_view media = Trim(content_type.substr(0, content_type.find(';')));
  constexpr std::string_view kJson = "application/json";
  if (media.size() != kJson.size()) return false;
  for (size_t i = 0; i < media.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(media[i])) != kJson[i]) return false;
  }
  return true;
}

// A body for an error message: printable, clipped.
std::string Printable(std::string_view body) {
  std::string out;
  for (char c : body.substr(0, 200)) out.push_back(c >= 0x20 && c < 0x7f ? c : '.');
  if (body.size() > 200) out += "...";
  return out;
}

Status StatusForHttp(int http_status, std::string message) {
  switch (http_status) {
    case 404: return Status::NotFound(std::move(message));
    case 409: return Status::FailedPrecondition(std::move(message));
    case 503: return Status::Unavailable(std::move(message));
    default: break;
  }
  if (http_status >= 500) return Status::Unavailable(std::move(message));
  return Status::InvalidArgument(std::move(message));
}

int64_t SystemUnixSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

}  // namespace

Status ParseEncoding(std::string_view text, Encoding* out) {
  if (text == "protobuf" || text == "pb" || text == "proto") {
    *out = Encoding::kProtobuf;
  } else if (text == "json") {
    *out = Encoding::kJson;
  } else {
    return Status::InvalidArgument("encoding '" + std::string(text) + "' is neither protobuf nor json");
  }
  return Status::OK();
}

std::string_view ContentTypeOf(Encoding encoding) {
  return encoding == Encoding::kJson ? kJsonContentType : kProtobufContentType;
}

Status EncodeBody(const google::protobuf::Message& message, Encoding encoding, std::string* out) {
  out->clear();
  if (encoding == Encoding::kJson) {
    auto s = google::protobuf::util::MessageToJsonString(message, out);
    if (!s.ok()) return Status::InvalidArgument("cannot encode " + message.GetTypeName() + " as JSON: " + std::string(s.message()));
    return Status::OK();
  }
  if (!message.SerializeToString(out)) {
    return Status::InvalidArgument("cannot serialize " + message.GetTypeName());
  }
  return Status::OK();
}

Status DecodeBody(std::string_view body, std::string_view content_type, google::protobuf::Message* out) {
  out->Clear();
  if (IsJsonMediaType(content_type)) {
    google::protobuf::util::JsonParseOptions options;
    options.ignore_unknown_fields = true;
    auto s = google::protobuf::util::JsonStringToMessage(google::protobuf::StringPiece(body.data(), body.size()), out,
                                                         options);
    if (!s.ok()) {
      return Status::InvalidArgument("JSON body is not a valid " + out->GetTypeName() + ": " + std::string(s.message()));
    }
    return Status::OK();
  }
  if (!out->ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    return Status::InvalidArgument("body (" + std::to_string(body.size()) + " bytes, Content-Type '" +
                                   std::string(content_type) + "') is not a valid " + out->GetTypeName());
  }
  return Status::OK();
}

std::string_view DossierActionPath(DossierAction action) {
  switch (action) {
    case DossierAction::kPay: return "payment";
    case DossierAction::kSupplement: return "supplement";
    case DossierAction::kWithdraw: return "withdraw";
  }
  return "withdraw";
}

std::string ApiResult::Describe() const {
  if (status.ok()) return "HTTP " + std::to_string(http_status);
  return status.message();
}

// ---------------------------------------------------------------- NswApi

class NswApi::Impl : public std::enable_shared_from_this<Impl> {
 public:
  Impl(HttpConnection* connection, auth::Signer* signer, ApiOptions options)
      : connection_(connection), signer_(signer), options_(std::move(options)),
        host_(connection->url().host_header()) {
    if (!options_.unix_seconds) options_.unix_seconds = SystemUnixSeconds;
  }

  // `body` null: no body (and no Content-Type).
  template <typename Reply>
  void Call(std::string_view principal, const char* method, const google::protobuf::Message* body,
            Callback<Reply> done) {
    busy_ = true;
    std::get<Callback<Reply>>(callbacks_) = std::move(done);
    request_.method = method;
    request_.body.clear();
    request_.content_type.clear();
    Status s;
    if (body != nullptr) {
      s = EncodeBody(*body, options_.encoding, &request_.body);
      request_.content_type.assign(ContentTypeOf(options_.encoding));
    }
    // Two headers, Accept then the signature's, refilled in place: the
    // strings keep their capacity from one call to the next.
    request_.headers.resize(2);
    request_.headers[0].first.assign("Accept");
    request_.headers[0].second.assign(ContentTypeOf(options_.encoding));
    if (s.ok()) {
      auth::RequestParts parts{request_.method, request_.target, host_, request_.content_type, request_.body};
      std::string_view header_name;
      s = signer_->Sign(principal, options_.unix_seconds(), parts, &header_name, &request_.headers[1].second);
      if (s.ok()) request_.headers[1].first.assign(header_name);
    }
    if (!s.ok()) {
      boost::asio::post(connection_->io_context(), [self = shared_from_this(), s] {
        if (self->abandoned_) return;
        self->FinishLocal<Reply>(s);
      });
      return;
    }
    // Handed over, not copied: the next call refills every field.
    // The callback holds a plain pointer: an owning capture (a shared_ptr)
    // is not trivially copyable, so std::function would put it on the heap,
    // one allocation per call. The Impl outlives it: Abandon has the
    // connection forget it.
    in_connection_ = true;
    connection_->SendSwapping(&request_, [self = this](const HttpResult& r) {
      self->in_connection_ = false;
      if (self->abandoned_) return;
      auto keep = self->shared_from_this();  // `done` may destroy the NswApi
      self->Finish<Reply>(r);
    });
  }

  std::string& target() { return request_.target; }
  bool busy() const { return busy_; }
  void Abandon() {
    abandoned_ = true;
    if (in_connection_) connection_->ForgetCallback();
  }
  HttpConnection* connection() const { return connection_; }
  const ApiOptions& options() const { return options_; }

 private:
  template <typename Reply>
  void FinishLocal(const Status& s) {
    ResetResult();
    result_.status = s;
    result_.error_class = ErrorClass::kOther;
    result_.started = result_.written = result_.done = MonotonicClock::now();
    Deliver<Reply>();
  }

  template <typename Reply>
  void Finish(const HttpResult& r) {
    ResetResult();
    result_.http = &r;
    result_.error_class = r.error;
    result_.started = r.started;
    result_.written = r.written;
    result_.done = r.done;
    Reply& reply = std::get<Reply>(replies_);
    reply.Clear();
    if (!r.ok()) {
      result_.status = Status::Unavailable(std::string(ErrorClassName(r.error)) + " error: " + r.error_message);
      return Deliver<Reply>();
    }
    result_.http_status = r.status;
    result_.request_id.assign(r.request_id);
    result_.retry_after.assign(r.retry_after);
    if (r.status >= 200 && r.status < 300) {
      Status s = DecodeBody(r.body, r.content_type, &reply);
      if (!s.ok()) result_.status = Status::InvalidArgument("HTTP " + std::to_string(r.status) + " reply: " + s.message());
      return Deliver<Reply>();
    }
    std::string message = "HTTP " + std::to_string(r.status);
    if (!r.body.empty() && DecodeBody(r.body, r.content_type, &result_.error).ok() && !result_.error.code().empty()) {
      message += " " + result_.error.code();
      if (!result_.error.message().empty()) message += ": " + result_.error.message();
    } else {
      result_.error.Clear();
      result_.error.set_message(Printable(r.body));
      if (!r.body.empty()) message += ": " + result_.error.message();
    }
    if (result_.error.request_id().empty()) result_.error.set_request_id(std::string(r.request_id));
    result_.status = StatusForHttp(r.status, std::move(message));
    Deliver<Reply>();
  }

  template <typename Reply>
  void Deliver() {
    busy_ = false;
    Callback<Reply> done = std::move(std::get<Callback<Reply>>(callbacks_));
    std::get<Callback<Reply>>(callbacks_) = nullptr;
    // A call made from inside `done` reuses these slots only once its own
    // answer arrives, after `done` has returned.
    if (done) done(result_, std::get<Reply>(replies_));
    result_.http = nullptr;
  }

  void ResetResult() {
    result_.status = Status::OK();
    result_.error_class = ErrorClass::kOk;
    result_.http_status = 0;
    result_.error.Clear();
    result_.request_id.clear();
    result_.retry_after.clear();
    result_.http = nullptr;
  }

  HttpConnection* connection_;
  auth::Signer* signer_;
  ApiOptions options_;
  std::string host_;
  HttpRequest request_;
  ApiResult result_;
  std::tuple<SubmitCallback, DossierCallback, CatalogCallback, StatsCallback, ClockCallback> callbacks_;
  std::tuple<SubmitReply, Dossier, nsw::CatalogProto, Stats, ClockReply> replies_;
  bool busy_ = false;
  bool abandoned_ = false;
  bool in_connection_ = false;  // the connection holds this call's callback
};

NswApi::NswApi(HttpConnection* connection, auth::Signer* signer, ApiOptions options)
    : impl_(std::make_shared<Impl>(connection, signer, std::move(options))) {}

NswApi::~NswApi() { impl_->Abandon(); }

void NswApi::Submit(std::string_view enterprise, const SubmitRequest& request, SubmitCallback done) {
  impl_->target() = "/v1/dossiers";
  impl_->Call<SubmitReply>(enterprise, "POST", &request, std::move(done));
}

void NswApi::GetDossier(std::string_view enterprise, uint64_t id, DossierCallback done) {
  std::string& t = impl_->target();
  t = "/v1/dossiers/";
  t += std::to_string(id);
  impl_->Call<Dossier>(enterprise, "GET", nullptr, std::move(done));
}

void NswApi::FindDossier(std::string_view enterprise, std::string_view client_ref, DossierCallback done) {
  std::string& t = impl_->target();
  t = "/v1/dossiers?client_ref=";
  t += auth::PercentEncode(client_ref);
  impl_->Call<Dossier>(enterprise, "GET", nullptr, std::move(done));
}

void NswApi::Act(std::string_view enterprise, uint64_t id, DossierAction action, DossierCallback done) {
  std::string& t = impl_->target();
  t = "/v1/dossiers/";
  t += std::to_string(id);
  t += '/';
  t += DossierActionPath(action);
  impl_->Call<Dossier>(enterprise, "POST", nullptr, std::move(done));
}

void NswApi::GetCatalog(std::string_view principal, CatalogCallback done) {
  impl_->target() = "/v1/catalog";
  impl_->Call<nsw::CatalogProto>(principal, "GET", nullptr, std::move(done));
}

void NswApi::GetStats(std::string_view principal, StatsCallback done) {
  impl_->target() = "/v1/stats";
  impl_->Call<Stats>(principal, "GET", nullptr, std::move(done));
}

void NswApi::AdminClock(const ClockRequest& request, ClockCallback done) {
  impl_->target() = "/v1/admin/clock";
  impl_->Call<ClockReply>(auth::kAdminPrincipal, "POST", &request, std::move(done));
}

bool NswApi::busy() const { return impl_->busy(); }
HttpConnection* NswApi::connection() const { return impl_->connection(); }
const ApiOptions& NswApi::options() const { return impl_->options(); }

// ---------------------------------------------------------------- SyncNswClient

class SyncNswClient::Impl {
 public:
  Impl(Url url, auth::Signer signer, ApiOptions api_options, ConnectionOptions connection_options)
      : io_(1),
        connection_(io_, std::move(url), std::move(connection_options)),
        signer_(std::move(signer)),
        api_(&connection_, &signer_, std::move(api_options)) {}

  // Starts a call with `start(callback)` and runs the loop until it is done.
  template <typename Reply, typename Start>
  ApiResult Run(Reply* out, Start start) {
    ApiResult result;
    bool done = false;
    start([&](const ApiResult& r, const Reply& reply) {
      result.status = r.status;
      result.error_class = r.error_class;
      result.http_status = r.http_status;
      result.error = r.error;
      result.request_id = r.request_id;
      result.retry_after = r.retry_after;
      result.started = r.started;
      result.written = r.written;
      result.done = r.done;
      if (r.ok() && out != nullptr) out->CopyFrom(reply);
      done = true;
    });
    io_.restart();
    while (!done && io_.run_one() > 0) {
    }
    return result;
  }

  boost::asio::io_context io_;
  HttpConnection connection_;
  auth::Signer signer_;
  NswApi api_;
};

SyncNswClient::SyncNswClient(Url url, auth::Signer signer, ApiOptions api_options,
                             ConnectionOptions connection_options)
    : impl_(std::make_unique<Impl>(std::move(url), std::move(signer), std::move(api_options),
                                   std::move(connection_options))) {}

SyncNswClient::~SyncNswClient() = default;

ApiResult SyncNswClient::Submit(std::string_view enterprise, const SubmitRequest& request, SubmitReply* reply) {
  return impl_->Run(reply, [&](auto cb) { impl_->api_.Submit(enterprise, request, cb); });
}
ApiResult SyncNswClient::GetDossier(std::string_view enterprise, uint64_t id, Dossier* reply) {
  return impl_->Run(reply, [&](auto cb) { impl_->api_.GetDossier(enterprise, id, cb); });
}
ApiResult SyncNswClient::FindDossier(std::string_view enterprise, std::string_view client_ref, Dossier* reply) {
  return impl_->Run(reply, [&](auto cb) { impl_->api_.FindDossier(enterprise, client_ref, cb); });
}
ApiResult SyncNswClient::Act(std::string_view enterprise, uint64_t id, DossierAction action, Dossier* reply) {
  return impl_->Run(reply, [&](auto cb) { impl_->api_.Act(enterprise, id, action, cb); });
}
ApiResult SyncNswClient::GetCatalog(std::string_view principal, nsw::CatalogProto* reply) {
  return impl_->Run(reply, [&](auto cb) { impl_->api_.GetCatalog(principal, cb); });
}
ApiResult SyncNswClient::GetStats(std::string_view principal, Stats* reply) {
  return impl_->Run(reply, [&](auto cb) { impl_->api_.GetStats(principal, cb); });
}
ApiResult SyncNswClient::AdminClock(const ClockRequest& request, ClockReply* reply) {
  return impl_->Run(reply, [&](auto cb) { impl_->api_.AdminClock(request, cb); });
}

auth::Signer& SyncNswClient::signer() { return impl_->signer_; }
HttpConnection& SyncNswClient::connection() { return impl_->connection_; }

}  // namespace nsw::client
