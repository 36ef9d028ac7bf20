// NswService: the simulated National Single Window as the transport sees it.
// It owns the catalog view, the dossier store, the sequencer, the journal and
// the per-ministry simulations, and decides every outcome; the HTTP layer
// only decodes requests, calls one method, and encodes the Result.
//
// Threading: every method is safe to call from any io thread. Submit and Act
// complete asynchronously, once the record is durable (or at once, with an
// error): the callback runs on the journal's writer thread or on the calling
// thread, so the caller posts the reply to its own executor. The simulation
// is advanced lazily: each call first catches the simulated clock up to "now"
// (wall mode) or to the watermark (trace mode); timers only decide when that
// happens, never what happens.
//
// Semantics the transport and its users can rely on:
// - Every accepted input (submission, journalled follow-up, clock advance)
//   is a journal record; the simulation state is a function of the records,
//   so a restart that replays them reaches exactly the same state. Wall-mode
//   Stop() also journals the clock's position, so a clean restart resumes
//   there; otherwise time resumes at the last record. Refusals (400) are not
//   journalled, so Stats.refused_future counts since the process started.
// - Simultaneous events are ordered by a fixed public hash of (enterprise,
//   client reference), never by dossier id; results do not depend on thread
//   count or on the order concurrent submissions were accepted in.
// - Trace clock: simulated time follows submitted_at_us; the simulation runs
//   up to the watermark (latest accepted timestamp - reorder window, raised
//   by ADVANCE). An older submission is simulated at the watermark and
//   counted late; one more than max_jump past the latest is refused.
//   ADVANCE without to_us flushes to the latest timestamp (+ by_us).
// - Deadlines run in the ministry calendar's working time from RECEIVED and
//   stop while the enterprise must act (fee notified until paid, supplement
//   requested until supplemented). A dossier breaches when it is decided
//   (APPROVED or REJECTED) strictly after its deadline; Stats count those.
//   Dossier.deadline_breached also flags an undecided dossier already past
//   its deadline (withdrawn ones never breach).
// - Follow-ups (http enterprise actions): judged at the follow-up's own
//   simulated instant. Withdraw from QUEUED leaves the queue; from IN_REVIEW
//   frees the officer at once (the review is abandoned). A repeat of a
//   payment, supplement or withdrawal that already took effect answers kOk
//   with the current state; answers that can no longer change (a decided or
//   withdrawn dossier, a payment made or never due) are given without a
//   journal record. The API has no supplement round number, so a repeated
//   supplement that arrives after the next request answers that request.
#ifndef NSW_SERVER_DOMAIN_SERVICE_H_
#define NSW_SERVER_DOMAIN_SERVICE_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "proto/nsw.pb.h"
#include "proto/status.h"
#include "proto/catalog.h"
#include "server/journal/env.h"
#include "server/journal/journal.h"

namespace spdlog { class logger; }

namespace nsw {

enum class ClockMode { kWall, kTrace };
enum class EnterpriseActions { kSimulated, kHttp };

struct ServiceOptions {
  uint64_t seed = 1;                                // --seed: run seed of every dossier's randomness
  ClockMode clock = ClockMode::kWall;               // --clock
  double speed = 1.0;                               // --speed: simulated seconds per wall second (wall)
  int64_t sim_start_us = 1577811600LL * 1000000;    // --sim-start: 2020-01-01T00:00:00+07:00
  int64_t reorder_window_us = 3600LL * 1000000;     // --reorder-window (trace)
  int64_t max_jump_us = 7LL * 86400 * 1000000;      // --max-jump (trace)
  EnterpriseActions enterprise_actions = EnterpriseActions::kSimulated;  // --enterprise-actions
  JournalOptions journal;                           // --data-dir, --durability, --segment-size, --fresh
};

// What happened, in domain terms; the transport maps it to an HTTP status.
enum class Outcome {
  kOk,           // 200
  kCreated,      // 202: a new submission, now durable
  kInvalid,      // 400: malformed, unknown procedure, bad timestamp
  kNotFound,     // 404: absent, or not the caller's
  kConflict,     // 409: illegal transition, reference reused with another body
  kUnavailable,  // 503: not ready, journal failed, disk full
};

struct Result {
  Outcome outcome = Outcome::kOk;
  std::string code;     // machine-readable error code, empty when ok
  std::string message;  // one sentence for people
  bool ok() const { return outcome == Outcome::kOk || outcome == Outcome::kCreated; }
};

enum class EnterpriseAction { kPay, kSupplement, kWithdraw };

class NswService {
 public:
  using SubmitCallback = std::function<void(const Result&, const SubmitReply&)>;
  using DossierCallback = std::function<void(const Result&, const Dossier&)>;

  // `catalog`, `env` and `log` must outlive the service.
  NswService(const Catalog& catalog, const ServiceOptions& options, Env* env, spdlog::logger* log);
  ~NswService();
  NswService(const NswService&) = delete;
  NswService& operator=(const NswService&) = delete;

  // Opens the journal and replays it; the service is ready when this returns OK.
  Status Start();
  // Flushes the journal; later calls answer kUnavailable.
  void Stop();
  // Recovered, journal healthy, not stopped (GET /readyz).
  bool ready() const;

  // POST /v1/dossiers for `enterprise` (a 10-digit tax code, authenticated by
  // the caller). kCreated once durable; kOk with the first id for a repeat of
  // the same reference and body (after the first is durable); kConflict for
  // the same reference with another body.
  void Submit(std::string_view enterprise, const SubmitRequest& request, SubmitCallback done);
  // The same, free to take the request's payload into the journal record
  // instead of copying it (the router's decoded body is not used after).
  void Submit(std::string_view enterprise, SubmitRequest&& request, SubmitCallback done);
  // GET /v1/dossiers/{id}: kNotFound unless it exists and is `enterprise`'s.
  Result GetDossier(std::string_view enterprise, uint64_t id, Dossier* out);
  // GET /v1/dossiers?client_ref=R
  Result FindDossier(std::string_view enterprise, std::string_view client_ref, Dossier* out);
  // POST /v1/dossiers/{id}/payment|supplement|withdraw (http enterprise
  // actions only, else kConflict). A repeat that already took effect is kOk
  // with the current state; an illegal one is kConflict naming the state.
  void Act(std::string_view enterprise, uint64_t id, EnterpriseAction action, DossierCallback done);
  // GET /v1/stats
  void GetStats(Stats* out);
  // POST /v1/admin/clock (the caller has checked the admin signature).
  void Clock(const ClockRequest& request, std::function<void(const Result&, const ClockReply&)> done);

  const Catalog& catalog() const;
  const ServiceOptions& options() const;

  // Figures for /metrics.
  struct Counters {
    Journal::Counters journal;      // zero before Start
    uint64_t dossiers = 0;          // accepted and durable
    uint64_t pending_records = 0;   // appended, waiting for durability
    uint64_t events_processed = 0;  // simulation events so far
    int64_t sim_time_us = 0;        // every event before this is processed
  };
  Counters counters();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace nsw

#endif  // NSW_SERVER_DOMAIN_SERVICE_H_
