// Test helpers for the simulation core: small catalogs from text, and a
// harness that owns a store, a model and a Simulation and adds dossiers the
// way the service does (interned enterprise, public dossier key).
#ifndef NSW_TESTS_SERVER_SIM_HARNESS_H_
#define NSW_TESTS_SERVER_SIM_HARNESS_H_

#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <string>

#include "proto/catalog.h"
#include "proto/units.h"
#include "server/domain/dossier_store.h"
#include "server/domain/idempotency_index.h"
#include "server/domain/sim_model.h"
#include "server/domain/simulation.h"

namespace nsw {
namespace testing {

constexpr int64_t kSecond = 1000000;
constexpr int64_t kMinute = 60 * kSecond;
constexpr int64_t kHour = 60 * kMinute;
constexpr int64_t kDay = 24 * kHour;

// A parsed, validated catalog; fails the test on a bad one.
inline std::unique_ptr<Catalog> ParseCatalog(const std::string& text) {
  auto catalog = std::make_unique<Catalog>();
  const Status s = Catalog::FromText(text, "test.textproto", catalog.get());
  EXPECT_TRUE(s.ok()) << s.ToString();
  return catalog;
}

// prefix + decimal n (also sidesteps a false -Wrestrict of g++ 12 on
// "literal" + std::string).
inline std::string Numbered(const char* prefix, int64_t n) {
  std::string s(prefix);
  s += std::to_string(n);
  return s;
}

// Local time at UTC+7 as a UTC instant.
inline int64_t Hanoi(int y, unsigned m, unsigned d, int hour, int minute = 0) {
  return DaysFromCivil(y, m, d) * kDay + hour * kHour + minute * kMinute - 7 * kHour;
}

class SimHarness {
 public:
  explicit SimHarness(const std::string& catalog_text, uint64_t seed = 1, bool simulated_enterprise = true)
      : catalog_(ParseCatalog(catalog_text)) {
    const Status s = SimModel::Create(*catalog_, &model_);
    EXPECT_TRUE(s.ok()) << s.ToString();
    sim_ = std::make_unique<Simulation>(*catalog_, model_, SimOptions{seed, simulated_enterprise}, &store_);
  }

  // Stores and schedules a dossier submitted at t.
  uint32_t Submit(const std::string& procedure, uint64_t tax_code, const std::string& client_ref, int64_t t,
                  bool late = false) {
    DossierRecord r;
    r.submitted_at = t;
    r.key = DossierKey(tax_code, client_ref);
    r.enterprise = store_.InternEnterprise(tax_code);
    const int p = catalog_->procedure_index(procedure);
    if (p < 0) throw std::invalid_argument("unknown procedure " + procedure);
    r.procedure = static_cast<uint16_t>(p);
    if (late) r.flags |= kFlagLate;
    const uint32_t d = store_.Add(r);
    sim_->Schedule(d);
    return d;
  }

  DossierState state(uint32_t d) const { return store_.at(d).dossier_state(); }
  std::vector<Transition> timeline(uint32_t d) const {
    std::vector<Transition> t;
    store_.Timeline(d, &t);
    return t;
  }
  // The instant the dossier entered `state` the last time, or -1.
  int64_t entered(uint32_t d, DossierState state) const {
    int64_t at = -1;
    for (const Transition& t : timeline(d)) {
      if (t.state() == state) at = t.at_us();
    }
    return at;
  }
  Stats stats() const {
    Stats s;
    sim_->FillStats(&s);
    return s;
  }

  const Catalog& catalog() const { return *catalog_; }
  DossierStore& store() { return store_; }
  Simulation& sim() { return *sim_; }

 private:
  std::unique_ptr<Catalog> catalog_;
  SimModel model_;
  DossierStore store_;
  std::unique_ptr<Simulation> sim_;
};

}  // namespace testing
}  // namespace nsw

#endif  // NSW_TESTS_SERVER_SIM_HARNESS_H_
