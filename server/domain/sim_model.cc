// SimModel: catalog -> calendars and prepared per-procedure parameters.
#include "server/domain/sim_model.h"

#include <cmath>
#include <string>

namespace nsw {

Status SimModel::Create(const Catalog& catalog, SimModel* out) {
  SimModel m;
  const std::vector<std::string> national(catalog.proto().holidays().begin(), catalog.proto().holidays().end());
  for (int i = 0; i < catalog.ministry_count(); ++i) {
    const Ministry& ministry = catalog.ministry(i);
    MinistryModel mm;
    Status s = WorkingCalendar::Create(ministry.calendar(), national, &mm.calendar);
    if (!s.ok()) return Status::InvalidArgument(ministry.code() + ": calendar: " + s.message());
    if (ministry.officers() <= 0) return Status::InvalidArgument(ministry.code() + ": officers must be > 0");
    mm.officers = static_cast<uint32_t>(ministry.officers());
    mm.edf = ministry.queue_policy() == EDF;
    m.ministries_.push_back(std::move(mm));
  }
  for (int i = 0; i < catalog.procedure_count(); ++i) {
    const Procedure& p = catalog.procedure(i);
    ProcedureModel pm;
    pm.ministry = catalog.ministry_of(i);
    if (pm.ministry < 0 || pm.ministry >= catalog.ministry_count()) {
      return Status::InvalidArgument(p.code() + ": unknown ministry '" + p.ministry() + "'");
    }
    const std::string prefix = p.code() + ": ";
    Status s = DurationSampler::Create(p.service_time(), "service_time", &pm.service);
    if (s.ok()) s = DurationSampler::Create(p.fee_payment_delay(), "fee_payment_delay", &pm.fee_delay);
    if (s.ok()) s = DurationSampler::Create(p.supplement_delay(), "supplement_delay", &pm.supplement_delay);
    if (!s.ok()) return Status::InvalidArgument(prefix + s.message());
    const double pa = p.approve_probability(), pr = p.reject_probability(), ps = p.supplement_probability();
    if (!(pa >= 0 && pr >= 0 && ps >= 0) || std::fabs(pa + pr + ps - 1) > 1e-6) {
      return Status::InvalidArgument(prefix + "outcome probabilities must be >= 0 and sum to 1");
    }
    pm.approve_below = pa;
    pm.reject_below = pa + pr;
    if (ps == 0) pm.reject_below = 2;  // never supplement, whatever the rounding
    if (!(p.withdraw_probability() >= 0 && p.withdraw_probability() <= 1)) {
      return Status::InvalidArgument(prefix + "withdraw_probability must be in [0, 1]");
    }
    pm.withdraw_probability = p.withdraw_probability();
    pm.has_fee = p.fee_vnd() > 0;
    const double day = static_cast<double>(m.ministries_[pm.ministry].calendar.working_micros_per_day());
    const double deadline_us = p.deadline().working_hours() * 3600e6 + p.deadline().working_days() * day;
    if (!std::isfinite(deadline_us) || deadline_us < 0) {
      return Status::InvalidArgument(prefix + "deadline must be finite and >= 0");
    }
    pm.deadline_working_us = static_cast<int64_t>(std::llround(deadline_us));
    m.procedures_.push_back(pm);
  }
  *out = std::move(m);
  return Status::OK();
}

}  // namespace nsw
