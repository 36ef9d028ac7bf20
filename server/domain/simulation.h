// Simulation: every ministry's discrete-event simulation over one dossier
// store, and the statistics across them (DESIGN.md "Simulation"). It is the
// deterministic core: given the same dossiers scheduled and the same actions
// applied at the same instants, it reaches the same state and the same Stats
// whatever the spacing of the AdvanceTo calls. The service feeds it in
// sequence order; tests and benchmarks drive it directly.
//
// REQUIRES: a dossier is scheduled, or an action applied, no earlier than the
// instant already reached (now()). Not thread-safe.
#ifndef NSW_SERVER_DOMAIN_SIMULATION_H_
#define NSW_SERVER_DOMAIN_SIMULATION_H_

#include <cstdint>
#include <limits>
#include <memory>
#include <vector>

#include "proto/journal.pb.h"
#include "proto/nsw.pb.h"
#include "server/domain/dossier_store.h"
#include "server/domain/group_stats.h"
#include "server/domain/lifecycle.h"
#include "server/domain/ministry_sim.h"
#include "server/domain/sim_model.h"

namespace nsw {

struct SimOptions {
  uint64_t seed = 1;                // run seed of every dossier's randomness
  bool simulated_enterprise = true; // false: pay/supplement/withdraw come from Act()
};

class Simulation {
 public:
  // `catalog`, `model` and `store` must outlive the simulation.
  Simulation(const Catalog& catalog, const SimModel& model, const SimOptions& options, DossierStore* store);
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  // Schedules a stored dossier's arrival at its submitted_at (>= now()).
  void Schedule(uint32_t dossier);
  // Processes every event with time < t in every ministry; now() becomes
  // max(now(), t).
  void AdvanceTo(int64_t t);
  // An enterprise follow-up at t (>= now()): advances to t, processes the
  // dossier's ministry up to the follow-up's place among the events at t,
  // then judges and applies it.
  ActionVerdict Act(uint32_t dossier, ActionRecord::Kind action, int64_t t);

  // Every event before now() has been processed in every ministry.
  int64_t now() const { return now_; }
  // Statistics as of now(): total, ministries, procedures and sim_time_us.
  // The caller fills the service-level fields (clock, dossiers, refused).
  void FillStats(Stats* out) const;

  const GroupAccumulator& procedure_group(int procedure) const { return procedure_groups_[procedure]; }
  uint64_t events_processed() const;
  size_t pending_events() const;

 private:
  const Catalog& catalog_;
  const SimModel& model_;
  DossierStore* store_;
  std::vector<GroupAccumulator> procedure_groups_;
  std::vector<std::unique_ptr<MinistrySim>> ministries_;
  int64_t now_ = std::numeric_limits<int64_t>::min();
};

}  // namespace nsw

#endif  // NSW_SERVER_DOMAIN_SIMULATION_H_
