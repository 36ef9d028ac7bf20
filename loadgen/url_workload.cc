// UrlWorkload (see url_workload.h).
#include "loadgen/url_workload.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "loadgen/http_outcome.h"

namespace nsw::loadgen {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

class UrlSource : public JobSource {
 public:
  UrlSource(uint64_t first, uint64_t step) : next_(first), step_(step) {}
  Status Next(Job* job, bool* end) override {
    *end = false;
    job->index = next_;
    job->kind = RequestKind::kUrl;
    next_ += step_;
    return Status::OK();
  }

 private:
  uint64_t next_, step_;
};

class UrlConnection : public WorkloadConnection {
 public:
  UrlConnection(boost::asio::io_context& io, const UrlWorkloadOptions& o) : o_(o), conn_(io, o.url, o.connection) {
    request_.method = o.method;
    request_.target = o.url.target;
    request_.body = o.body;
    for (const auto& [name, value] : o.headers) {
      if (Lower(name) == "content-type") {
        request_.content_type = value;
      } else {
        request_.headers.emplace_back(name, value);
      }
    }
    request_bytes_ = request_.method.size() + request_.target.size() + 12 + request_.body.size() +
                     o.url.host_header().size() + 8;
    for (const auto& [name, value] : request_.headers) request_bytes_ += name.size() + value.size() + 4;
  }

  void Execute(const Job& job, std::function<void(const Outcome&)> done) override {
    conn_.Send(request_, [this, done = std::move(done)](const client::HttpResult& r) {
      Outcome o;
      o.started = r.started;
      o.done = r.done;
      o.request_bytes = request_bytes_;
      if (!r.ok()) {
        FillTransportOutcome(r.error, r.error_message, &o);
      } else {
        o.transport_ok = true;
        o.status = r.status;
        o.response_bytes = r.body.size();
        const int cls = r.status / 100;
        o.ok = std::find(o_.expect_classes.begin(), o_.expect_classes.end(), cls) != o_.expect_classes.end();
        if (!o.ok) {
          o.error = ErrorForStatus(r.status);
          o.retryable = r.status == 503;
          if (!r.retry_after.empty()) o.retry_after_us = std::atoll(std::string(r.retry_after).c_str()) * 1'000'000;
        }
      }
      done(o);
    });
  }
  void Close() override { conn_.Close(); }

 private:
  const UrlWorkloadOptions& o_;
  client::HttpConnection conn_;
  client::HttpRequest request_;
  uint64_t request_bytes_ = 0;
};

}  // namespace

Status ParseHeaderFlag(std::string_view text, std::pair<std::string, std::string>* out) {
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos || colon == 0) {
    return Status::InvalidArgument("invalid --header '" + std::string(text) + "' (expected 'Name: value')");
  }
  const std::string_view name = Trim(text.substr(0, colon));
  for (char c : name) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || std::string_view("!#$%&'*+-.^_`|~").find(c) != std::string_view::npos)) {
      return Status::InvalidArgument("invalid --header '" + std::string(text) + "': bad character in the name");
    }
  }
  const std::string lower = Lower(name);
  if (lower == "host" || lower == "content-length" || lower == "user-agent") {
    return Status::InvalidArgument("--header '" + std::string(name) + "' is set by the connection itself");
  }
  const std::string_view value = Trim(text.substr(colon + 1));
  for (char c : value) {
    if (c == '\r' || c == '\n') return Status::InvalidArgument("invalid --header: line break in the value");
  }
  *out = {std::string(name), std::string(value)};
  return Status::OK();
}

Status ParseExpectClasses(std::string_view text, std::vector<int>* out) {
  out->clear();
  while (!text.empty()) {
    const size_t comma = text.find(',');
    const std::string_view item = Trim(text.substr(0, comma));
    text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
    if (item.size() != 3 || item[0] < '1' || item[0] > '5' || (item.substr(1) != "xx" && item.substr(1) != "XX")) {
      return Status::InvalidArgument("invalid --expect '" + std::string(item) + "' (expected classes like 2xx,3xx)");
    }
    out->push_back(item[0] - '0');
  }
  if (out->empty()) return Status::InvalidArgument("empty --expect");
  return Status::OK();
}

UrlWorkload::UrlWorkload(UrlWorkloadOptions options) : o_(std::move(options)) {}

Status UrlWorkload::NewSource(int thread, int threads, std::unique_ptr<JobSource>* out) {
  const uint64_t n = std::max<uint32_t>(o_.shard.count, 1);
  *out = std::make_unique<UrlSource>(o_.shard.index + n * static_cast<uint64_t>(thread),
                                     n * static_cast<uint64_t>(threads));
  return Status::OK();
}

std::unique_ptr<WorkloadConnection> UrlWorkload::NewConnection(boost::asio::io_context& io, int thread) {
  return std::make_unique<UrlConnection>(io, o_);
}

}  // namespace nsw::loadgen
