// Simulation: fan-out to the ministries and the statistics snapshot.
#include "server/domain/simulation.h"

#include <algorithm>

namespace nsw {

Simulation::Simulation(const Catalog& catalog, const SimModel& model, const SimOptions& options,
                       DossierStore* store)
    : catalog_(catalog), model_(model), store_(store) {
  procedure_groups_.reserve(model.procedures().size());
  for (size_t i = 0; i < model.procedures().size(); ++i) procedure_groups_.emplace_back(kProcedureDigits);
  for (size_t m = 0; m < model.ministries().size(); ++m) {
    ministries_.push_back(std::make_unique<MinistrySim>(static_cast<int>(m), &model, options.seed,
                                                        options.simulated_enterprise, store, &procedure_groups_));
  }
}

void Simulation::Schedule(uint32_t dossier) {
  const DossierRecord& r = store_->at(dossier);
  ministries_[model_.procedures()[r.procedure].ministry]->Schedule(dossier, r);
}

void Simulation::AdvanceTo(int64_t t) {
  for (auto& m : ministries_) m->Advance(t);
  now_ = std::max(now_, t);
}

ActionVerdict Simulation::Act(uint32_t dossier, ActionRecord::Kind action, int64_t t) {
  AdvanceTo(t);  // keeps every ministry at one instant, for consistent statistics
  const DossierRecord& r = store_->at(dossier);
  return ministries_[model_.procedures()[r.procedure].ministry]->Act(dossier, action, t);
}

uint64_t Simulation::events_processed() const {
  uint64_t n = 0;
  for (const auto& m : ministries_) n += m->events_processed();
  return n;
}

size_t Simulation::pending_events() const {
  size_t n = 0;
  for (const auto& m : ministries_) n += m->pending_events();
  return n;
}

void Simulation::FillStats(Stats* out) const {
  const int64_t now = now_;
  out->set_sim_time_us(now);
  out->clear_ministries();
  out->clear_procedures();
  // Ministries and the total are merged from their procedures.
  std::vector<std::vector<const GroupAccumulator*>> by_ministry(ministries_.size());
  std::vector<const GroupAccumulator*> all;
  for (size_t p = 0; p < procedure_groups_.size(); ++p) {
    const int m = model_.procedures()[p].ministry;
    by_ministry[m].push_back(&procedure_groups_[p]);
    all.push_back(&procedure_groups_[p]);
    FillGroupStats({&procedure_groups_[p]}, now, catalog_.procedure(static_cast<int>(p)).code(),
                   ministries_[m]->officers(), out->add_procedures());
  }
  uint32_t officers = 0;
  for (size_t m = 0; m < ministries_.size(); ++m) {
    officers += ministries_[m]->officers();
    FillGroupStats(by_ministry[m], now, catalog_.ministry(static_cast<int>(m)).code(), ministries_[m]->officers(),
                   out->add_ministries());
  }
  FillGroupStats(all, now, "total", officers, out->mutable_total());
}

}  // namespace nsw
