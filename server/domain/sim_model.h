// SimModel: the catalog compiled for the simulation's hot path: one working
// calendar per ministry (with the catalog's national holidays) and, per
// procedure, prepared samplers, cumulative outcome thresholds, the deadline
// in working microseconds and the fee flag. Immutable once built; safe to
// share between threads.
#ifndef NSW_SERVER_DOMAIN_SIM_MODEL_H_
#define NSW_SERVER_DOMAIN_SIM_MODEL_H_

#include <cstdint>
#include <limits>
#include <vector>

#include "proto/catalog.h"
#include "proto/status.h"
#include "server/domain/calendar.h"
#include "server/domain/random.h"

namespace nsw {

// A deadline coordinate that is never reached.
constexpr int64_t kNoDeadline = std::numeric_limits<int64_t>::max();

struct ProcedureModel {
  int ministry = 0;
  DurationSampler service;           // working time of one review
  DurationSampler fee_delay;         // calendar time to pay
  DurationSampler supplement_delay;  // calendar time to supplement
  double approve_below = 1;          // outcome uniform < this: approve
  double reject_below = 1;           // else < this: reject; else supplement
  double withdraw_probability = 0;
  bool has_fee = false;
  int64_t deadline_working_us = 0;   // 0: no deadline
};

struct MinistryModel {
  WorkingCalendar calendar;
  uint32_t officers = 1;
  bool edf = false;
};

class SimModel {
 public:
  // Names the ministry or procedure in errors ("MOIT.CO-FORM-D: service_time: ...").
  static Status Create(const Catalog& catalog, SimModel* out);

  const std::vector<MinistryModel>& ministries() const { return ministries_; }
  const std::vector<ProcedureModel>& procedures() const { return procedures_; }

 private:
  std::vector<MinistryModel> ministries_;
  std::vector<ProcedureModel> procedures_;
};

}  // namespace nsw

#endif  // NSW_SERVER_DOMAIN_SIM_MODEL_H_
