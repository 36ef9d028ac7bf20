// ReplayWorkload (see replay_workload.h).
#include "loadgen/replay_workload.h"

#include <cstdlib>
#include <random>

#include "loadgen/http_outcome.h"
#include "loadgen/random.h"

namespace nsw::loadgen {
namespace {

constexpr size_t kMaxFillerBytes = 1u << 20;  // generated payloads are clamped to this
constexpr std::string_view kRunIdChars = "abcdefghijklmnopqrstuvwxyz0123456789";
constexpr uint32_t kMaxTabledTaxCodes = 1u << 20;  // 10 MiB of codes

// Per-thread source: this thread's records of this shard, in order.
class ReplaySource : public JobSource {
 public:
  ReplaySource(std::unique_ptr<TraceReader> reader, const ReplayWorkload* w, int thread, int threads)
      : reader_(std::move(reader)), w_(w), thread_(thread), threads_(threads) {}

  Status Next(Job* job, bool* end) override {
    const auto& o = w_->options();
    for (;;) {
      const uint64_t position = reader_->position();
      if (o.limit > 0 && position >= o.limit) {
        *end = true;
        return Status::OK();
      }
      if (position % static_cast<uint64_t>(threads_) != static_cast<uint64_t>(thread_)) {
        Status s = reader_->Skip(end);
        if (!s.ok() || *end) return s;
        continue;
      }
      Status s = reader_->Next(&record_, end);
      if (!s.ok() || *end) return s;
      if (!o.shard.Owns(record_.enterprise())) continue;
      job->index = position;
      job->kind = RequestKind::kSubmit;
      job->trace_at_us = record_.at_us();
      job->enterprise = record_.enterprise();
      job->procedure = record_.procedure();
      job->payload_bytes = record_.payload_bytes();
      job->client_ref = record_.client_ref();
      job->ministry = w_->ministry_of(record_.procedure());
      job->dossier_id = 0;
      job->polls = 0;
      return Status::OK();
    }
  }

 private:
  std::unique_ptr<TraceReader> reader_;
  const ReplayWorkload* w_;
  int thread_, threads_;
  TraceRecord record_;
};

int64_t RetryAfterUs(const std::string& text) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos) return 0;
  return std::atoll(text.c_str()) * 1'000'000;
}

}  // namespace

// One keep-alive connection with the NSW API on top; lives on one worker.
class ReplayConnection : public WorkloadConnection {
 public:
  ReplayConnection(boost::asio::io_context& io, const ReplayWorkload* w, ReplayWorkload::ThreadState* thread)
      : w_(w), thread_(thread), conn_(io, w->o_.target, w->o_.connection),
        api_(&conn_, thread->signer.get(), ApiOptionsFor(w->o_)) {}

  void Execute(const Job& job, std::function<void(const Outcome&)> done) override {
    const std::string_view tax = w_->TaxCodeView(job.enterprise, &tax_scratch_);
    switch (job.kind) {
      case RequestKind::kSubmit: {
        // One request message per thread, refilled field by field (it is
        // encoded before Submit returns): its strings keep their capacity,
        // so a submission allocates nothing here, and the payload (a prefix
        // of the filler) is only cut or extended to the new size instead of
        // copied whole.
        SubmitRequest& request = thread_->submit;
        bool& payload_is_filler = thread_->payload_is_filler;
        request.set_procedure(w_->header_.procedures(static_cast<int>(job.procedure)));
        std::string& ref = *request.mutable_client_ref();
        ref.assign(w_->o_.run_id);
        ref += '-';
        ref += job.client_ref;
        std::string& payload = *request.mutable_payload();
        if (job.payload_bytes <= w_->filler_.size()) {
          if (!payload_is_filler) payload.clear();
          payload_is_filler = true;
          if (job.payload_bytes <= payload.size()) {
            payload.resize(job.payload_bytes);
          } else {
            payload.append(w_->filler_, payload.size(), job.payload_bytes - payload.size());
          }
        } else {
          payload.assign(job.payload_bytes, 'p');  // rare: imported traces only
          payload_is_filler = false;
        }
        if (w_->o_.submitted_at) {
          const int64_t at = w_->header_.start_us() + job.trace_at_us;
          request.set_submitted_at_us(at);
          int64_t seen = w_->max_submitted_at_us_.load(std::memory_order_relaxed);
          while (at > seen && !w_->max_submitted_at_us_.compare_exchange_weak(seen, at)) {
          }
        } else {
          request.clear_submitted_at_us();
        }
        submit_bytes_ = request.ByteSizeLong() + 300;
        submit_attempt_ = job.attempt;
        // The callback captures only `this` (it fits std::function's inline
        // buffer); what it needs waits in members, one call at a time.
        submit_done_ = std::move(done);
        api_.Submit(tax, request, [this](const client::ApiResult& r, const SubmitReply& reply) {
          Outcome o = Base(r, submit_bytes_);
          if (o.transport_ok && r.ok()) {
            o.dossier_id = reply.dossier_id();
            o.dossier_state = reply.state();
            if (reply.dossier_id() == 0) {
              o.ok = false;
              o.error = ErrorClass::kBadResponse;
              o.message = "submit answered without a dossier id";
            } else if (r.http_status == 200 && submit_attempt_ == 0) {
              // The server already had this reference and body.
              o.ok = w_->o_.resume;
              o.repeat = w_->o_.resume;
              if (!o.ok) {
                o.error = ErrorClass::kDuplicate;
                o.message = "submit answered 200: the server already had this client reference";
              }
            }
          }
          // `done` may start this connection's next call, which refills the members.
          std::function<void(const Outcome&)> finished = std::move(submit_done_);
          submit_done_ = nullptr;
          finished(o);
        });
        return;
      }
      case RequestKind::kPoll: {
        const uint64_t id = job.dossier_id;
        api_.GetDossier(tax, id, [this, id, done = std::move(done)](const client::ApiResult& r, const Dossier& d) {
          Outcome o = Base(r, 300);
          if (o.ok) {
            o.dossier_id = d.id();
            o.dossier_state = d.state();
            if (d.id() != id) {
              o.ok = false;
              o.error = ErrorClass::kBadResponse;
              o.message = "poll of dossier " + std::to_string(id) + " answered dossier " + std::to_string(d.id());
            }
          }
          done(o);
        });
        return;
      }
      default: {
        const client::DossierAction action = job.kind == RequestKind::kPay          ? client::DossierAction::kPay
                                             : job.kind == RequestKind::kSupplement ? client::DossierAction::kSupplement
                                                                                    : client::DossierAction::kWithdraw;
        const uint64_t id = job.dossier_id;
        api_.Act(tax, id, action, [this, id, done = std::move(done)](const client::ApiResult& r, const Dossier& d) {
          Outcome o = Base(r, 300);
          if (o.ok) {
            o.dossier_id = id;
            o.dossier_state = d.state();
          }
          done(o);
        });
        return;
      }
    }
  }

  void Close() override { conn_.Close(); }

 private:
  static client::ApiOptions ApiOptionsFor(const ReplayOptions& o) {
    client::ApiOptions a;
    a.encoding = o.encoding;
    return a;
  }

  // Transport and status classification common to every call.
  Outcome Base(const client::ApiResult& r, uint64_t request_bytes) const {
    Outcome o;
    o.started = r.started;
    o.done = r.done;
    o.request_bytes = request_bytes;
    if (r.error_class != client::ErrorClass::kOk) {
      FillTransportOutcome(r.error_class, r.status.message(), &o);
      return o;
    }
    o.transport_ok = true;
    o.status = r.http_status;
    if (r.http != nullptr) o.response_bytes = r.http->body.size();
    if (r.ok()) {
      o.ok = true;
      return o;
    }
    o.ok = false;
    o.message = r.Describe();
    if (r.http_status >= 200 && r.http_status < 300) {
      o.error = ErrorClass::kBadResponse;  // 2xx whose body did not decode
    } else {
      o.error = ErrorForStatus(r.http_status);
      o.retryable = r.http_status == 503;
      o.retry_after_us = RetryAfterUs(r.retry_after);
    }
    return o;
  }

  const ReplayWorkload* w_;
  ReplayWorkload::ThreadState* thread_;
  client::HttpConnection conn_;
  client::NswApi api_;
  std::string tax_scratch_;
  uint64_t submit_bytes_ = 0;
  int submit_attempt_ = 0;
  std::function<void(const Outcome&)> submit_done_;
};

// ---------------------------------------------------------------- workload

std::string NewRunId() {
  std::random_device device;
  std::string id;
  for (int i = 0; i < 8; ++i) id += kRunIdChars[device() % kRunIdChars.size()];
  return id;
}

Status ValidateRunId(std::string_view id) {
  if (id.empty() || id.size() > 8) return Status::InvalidArgument("--run-id must be 1 to 8 characters");
  for (char c : id) {
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '_')) {
      return Status::InvalidArgument("--run-id '" + std::string(id) + "' may hold only letters, digits and '_'");
    }
  }
  return Status::OK();
}

Status ReplayWorkload::Create(ReplayOptions options, const Catalog* catalog, std::unique_ptr<ReplayWorkload>* out) {
  std::unique_ptr<ReplayWorkload> w(new ReplayWorkload());
  w->o_ = std::move(options);
  Status s = ValidateRunId(w->o_.run_id);
  if (!s.ok()) return s;
  if (w->o_.max_polls <= 0) w->o_.max_polls = w->o_.actions ? 20 : 1;
  std::unique_ptr<TraceReader> reader;
  s = TraceReader::Open(w->o_.trace_path, &reader);
  if (!s.ok()) return s;
  w->header_ = reader->header();
  TraceRecord first;
  bool end = false;
  s = reader->Next(&first, &end);
  if (!s.ok()) return s;
  w->origin_us_ = end ? 0 : first.at_us();

  // Ministry of each procedure: the catalog's, else the code's prefix.
  std::map<std::string, int> ministry_index;
  for (const auto& code : w->header_.procedures()) {
    std::string ministry = code.substr(0, code.find('.'));
    double withdraw = 0;
    if (catalog != nullptr) {
      const int p = catalog->procedure_index(code);
      if (p >= 0) {
        ministry = catalog->ministry(catalog->ministry_of(p)).code();
        withdraw = catalog->procedure(p).withdraw_probability();
      }
    }
    auto [it, fresh] = ministry_index.emplace(ministry, static_cast<int>(w->ministry_names_.size()));
    if (fresh) w->ministry_names_.push_back(ministry);
    w->procedure_ministry_.push_back(it->second);
    w->withdraw_probability_.push_back(withdraw);
  }
  // Generated traces derive tax codes from (seed, index): derive each once
  // here (about 0.3 us apiece) rather than on every request, up to a bound
  // on the start-up time and memory (beyond it, per request as before).
  if (w->header_.enterprise_tax_codes_size() == 0 && w->header_.enterprises() <= kMaxTabledTaxCodes) {
    w->tax_codes_.reserve(size_t{w->header_.enterprises()} * kTaxCodeDigits);
    for (uint32_t e = 0; e < w->header_.enterprises(); ++e) {
      const std::string code = EnterpriseTaxCode(w->header_.seed(), e);
      w->tax_codes_ += code;
    }
  }
  // The payload only needs the right size; one shared pattern serves all.
  w->filler_.resize(kMaxFillerBytes);
  for (size_t i = 0; i < w->filler_.size(); ++i) w->filler_[i] = static_cast<char>('a' + i % 26);
  *out = std::move(w);
  return Status::OK();
}

int ReplayWorkload::ministry_of(uint32_t procedure) const {
  return procedure < procedure_ministry_.size() ? procedure_ministry_[procedure] : -1;
}

std::string_view ReplayWorkload::TaxCodeView(uint32_t enterprise, std::string* scratch) const {
  if (header_.enterprise_tax_codes_size() > 0) {
    return enterprise < static_cast<uint32_t>(header_.enterprise_tax_codes_size())
               ? std::string_view(header_.enterprise_tax_codes(static_cast<int>(enterprise)))
               : std::string_view();
  }
  if (size_t{enterprise} * kTaxCodeDigits < tax_codes_.size()) {
    return std::string_view(tax_codes_).substr(size_t{enterprise} * kTaxCodeDigits, kTaxCodeDigits);
  }
  *scratch = EnterpriseTaxCode(header_.seed(), enterprise);
  return *scratch;
}

std::string ReplayWorkload::TaxCode(uint32_t enterprise) const {
  std::string scratch;
  return std::string(TaxCodeView(enterprise, &scratch));
}

int64_t ReplayWorkload::max_submitted_unix_us() const {
  const int64_t at = max_submitted_at_us_.load();
  return at == INT64_MIN ? INT64_MIN : at;
}

Status ReplayWorkload::NewSource(int thread, int threads, std::unique_ptr<JobSource>* out) {
  std::unique_ptr<TraceReader> reader;
  Status s = TraceReader::Open(o_.trace_path, &reader);
  if (!s.ok()) return s;
  *out = std::make_unique<ReplaySource>(std::move(reader), this, thread, threads);
  return Status::OK();
}

ReplayWorkload::ThreadState* ReplayWorkload::StateFor(int thread) {
  std::lock_guard<std::mutex> lock(mu_);
  auto& state = threads_[thread];
  if (!state) {
    state = std::make_unique<ThreadState>();
    state->signer = std::make_unique<auth::Signer>(
        o_.enterprise_root ? auth::Signer::FromEnterpriseRoot(*o_.enterprise_root) : auth::Signer());
  }
  return state.get();
}

std::unique_ptr<WorkloadConnection> ReplayWorkload::NewConnection(boost::asio::io_context& io, int thread) {
  return std::make_unique<ReplayConnection>(io, this, StateFor(thread));
}

bool ReplayWorkload::Polled(uint64_t index) const {
  if (o_.poll_fraction <= 0) return false;
  if (o_.poll_fraction >= 1) return true;
  const double u = static_cast<double>(Mix64(o_.seed ^ Mix64(index ^ 0x706f6c6cULL)) >> 11) * 0x1.0p-53;
  return u < o_.poll_fraction;
}

void ReplayWorkload::FollowUps(const Job& job, const Outcome& o, int64_t done_us, std::vector<Job>* out) const {
  if (!o.ok || o.dossier_id == 0) return;
  auto next = [&](RequestKind kind) {
    Job f = job;
    f.kind = kind;
    f.primary = false;
    f.attempt = 0;
    f.dossier_id = o.dossier_id;
    f.due_us = f.intended_us = done_us + o_.poll_delay_us;
    f.client_ref.clear();
    return f;
  };
  switch (job.kind) {
    case RequestKind::kSubmit:
      if (Polled(job.index)) out->push_back(next(RequestKind::kPoll));
      return;
    case RequestKind::kPoll: {
      const auto state = static_cast<DossierState>(o.dossier_state);
      if (state == APPROVED || state == REJECTED || state == WITHDRAWN) return;
      if (o_.actions && (state == FEE_NOTIFIED || state == SUPPLEMENT_REQUESTED)) {
        const double p = job.procedure < withdraw_probability_.size() ? withdraw_probability_[job.procedure] : 0;
        const double u =
            static_cast<double>(Mix64(o_.seed ^ Mix64(job.index * 31 + static_cast<uint64_t>(job.polls))) >> 11) *
            0x1.0p-53;
        const RequestKind act = u < p ? RequestKind::kWithdraw
                                : state == FEE_NOTIFIED ? RequestKind::kPay
                                                        : RequestKind::kSupplement;
        Job f = next(act);
        f.due_us = f.intended_us = done_us;  // the enterprise acts as soon as it sees the request
        out->push_back(std::move(f));
        return;
      }
      if (job.polls + 1 < o_.max_polls) {
        Job f = next(RequestKind::kPoll);
        f.polls = job.polls + 1;
        out->push_back(std::move(f));
      }
      return;
    }
    default:
      // After an action, follow the dossier on.
      if (o_.actions && job.polls + 1 < o_.max_polls) {
        Job f = next(RequestKind::kPoll);
        f.polls = job.polls + 1;
        out->push_back(std::move(f));
      }
      return;
  }
}

}  // namespace nsw::loadgen
