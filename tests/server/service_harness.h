// Test helpers for NswService: a small catalog, synchronous wrappers around
// the asynchronous calls, and request builders.
#ifndef NSW_TESTS_SERVER_SERVICE_HARNESS_H_
#define NSW_TESTS_SERVER_SERVICE_HARNESS_H_

#include <gtest/gtest.h>

#include <future>
#include <memory>
#include <string>

#include "server/domain/service.h"
#include "tests/server/sim_harness.h"
#include "tests/server/test_env.h"

namespace nsw {
namespace testing {

// MOT: ALWAYS, 2 officers; MOH: office hours, 1 officer, EDF.
inline const char* ServiceCatalogText() {
  return R"pb(
    name: "service-test"
    holidays: "2024-04-30"
    ministries { code: "MOT" name: "Transport" officers: 2 calendar { kind: ALWAYS } queue_policy: FIFO }
    ministries { code: "MOH" name: "Health" officers: 1 calendar { kind: OFFICE_HOURS } queue_policy: EDF }
    procedures {
      code: "MOT.SHIP" ministry: "MOT" name: "ship clearance"
      service_time { kind: EXPONENTIAL mean: 1800 }
      deadline { working_hours: 4 }
      approve_probability: 0.7 reject_probability: 0.1 supplement_probability: 0.2
      fee_payment_delay { kind: FIXED mean: 600 }
      supplement_delay { kind: EXPONENTIAL mean: 3600 }
      withdraw_probability: 0.1
      popularity: 3 payload_bytes { kind: FIXED mean: 2000 }
    }
    procedures {
      code: "MOT.PERMIT" ministry: "MOT" name: "vehicle permit"
      service_time { kind: FIXED mean: 3600 }
      deadline { working_days: 1 }
      approve_probability: 1
      fee_vnd: 200000
      fee_payment_delay { kind: FIXED mean: 7200 }
      supplement_delay { kind: FIXED mean: 3600 }
      popularity: 1 payload_bytes { kind: FIXED mean: 2000 }
    }
    procedures {
      code: "MOH.FOOD" ministry: "MOH" name: "food safety"
      service_time { kind: LOGNORMAL mean: 10800 cv: 0.5 }
      deadline { working_days: 3 }
      approve_probability: 0.8 reject_probability: 0.1 supplement_probability: 0.1
      fee_vnd: 1500000
      fee_payment_delay { kind: LOGNORMAL mean: 86400 cv: 1 }
      supplement_delay { kind: EXPONENTIAL mean: 172800 }
      withdraw_probability: 0.05
      popularity: 2 payload_bytes { kind: FIXED mean: 2000 }
    }
  )pb";
}

inline SubmitRequest Request(const std::string& procedure, const std::string& ref, int64_t at = 0,
                             const std::string& payload = "payload") {
  SubmitRequest r;
  r.set_procedure(procedure);
  r.set_client_ref(ref);
  r.set_payload(payload);
  r.set_submitted_at_us(at);
  return r;
}

struct SubmitOutcome {
  Result result;
  SubmitReply reply;
};

inline SubmitOutcome SubmitSync(NswService& service, std::string_view enterprise, const SubmitRequest& request) {
  std::promise<SubmitOutcome> promise;
  auto future = promise.get_future();
  service.Submit(enterprise, request,
                 [&promise](const Result& r, const SubmitReply& reply) { promise.set_value({r, reply}); });
  return future.get();
}

struct ActOutcome {
  Result result;
  Dossier dossier;
};

inline ActOutcome ActSync(NswService& service, std::string_view enterprise, uint64_t id, EnterpriseAction action) {
  std::promise<ActOutcome> promise;
  auto future = promise.get_future();
  service.Act(enterprise, id, action,
              [&promise](const Result& r, const Dossier& d) { promise.set_value({r, d}); });
  return future.get();
}

struct ClockOutcome {
  Result result;
  ClockReply reply;
};

inline ClockOutcome ClockSync(NswService& service, const ClockRequest& request) {
  std::promise<ClockOutcome> promise;
  auto future = promise.get_future();
  service.Clock(request, [&promise](const Result& r, const ClockReply& reply) { promise.set_value({r, reply}); });
  return future.get();
}

inline ClockRequest Advance(int64_t to_us, int64_t by_us = 0) {
  ClockRequest r;
  r.set_action(ClockRequest::ADVANCE);
  r.set_to_us(to_us);
  r.set_by_us(by_us);
  return r;
}

// Stats without the one figure that is not journalled (refusals), for
// comparing a restarted service with the original.
inline std::string JournalledStats(NswService& service) {
  Stats s;
  service.GetStats(&s);
  s.clear_refused_future();
  return s.SerializeAsString();
}

}  // namespace testing
}  // namespace nsw

#endif  // NSW_TESTS_SERVER_SERVICE_HARNESS_H_
