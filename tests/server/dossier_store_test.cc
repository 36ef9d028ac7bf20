// DossierStore: compact records, timelines inline and overflowed, enterprise
// interning, tax-code parsing.
#include "server/domain/dossier_store.h"

#include <gtest/gtest.h>

namespace nsw {
namespace {

TEST(DossierStoreTest, RecordsStayCompactAndStable) {
  EXPECT_EQ(sizeof(DossierRecord), 80u);
  DossierStore store;
  DossierRecord r;
  r.submitted_at = 1000;
  const uint32_t first = store.Add(r);
  DossierRecord* p = &store.at(first);
  for (int i = 0; i < 200000; ++i) store.Add(r);  // crosses several chunks
  EXPECT_EQ(p, &store.at(first));                 // no reallocation moved it
  EXPECT_EQ(store.size(), 200001u);
  EXPECT_EQ(store.at(150000).submitted_at, 1000);
  EXPECT_EQ(store.at(150000).last_at, 1000);
}

TEST(DossierStoreTest, TimelineRoundTripsExactly) {
  DossierStore store;
  DossierRecord r;
  r.submitted_at = 1'700'000'000'000'000;
  const uint32_t d = store.Add(r);
  const int64_t t0 = r.submitted_at;
  std::vector<Transition> timeline;
  store.Timeline(d, &timeline);
  ASSERT_EQ(timeline.size(), 1u);  // not yet received
  EXPECT_EQ(timeline[0].state(), SUBMITTED);
  // A life with a fee, as the simulation records it: the zero-delay steps
  // are implied, the timed ones stored.
  store.at(d).set(kFlagHasFee);
  store.SetState(d, RECEIVED);
  store.SetState(d, FEE_NOTIFIED);
  const int64_t paid = t0 + 86'400'000'000LL * 3 + 17, review = t0 + 86'400'000'000LL * 5,
                decided = review + 3'600'000'001LL;
  store.Transition(d, FEE_PAID, paid);
  store.SetState(d, QUEUED);
  store.Transition(d, IN_REVIEW, review);
  store.Transition(d, APPROVED, decided);
  EXPECT_EQ(store.overflowed(), 0u);
  EXPECT_EQ(store.at(d).state, APPROVED);
  EXPECT_EQ(store.at(d).last_at, decided);
  store.Timeline(d, &timeline);
  const std::vector<std::pair<DossierState, int64_t>> expect = {
      {SUBMITTED, t0}, {RECEIVED, t0}, {FEE_NOTIFIED, t0}, {FEE_PAID, paid},
      {QUEUED, paid}, {IN_REVIEW, review}, {APPROVED, decided}};
  ASSERT_EQ(timeline.size(), expect.size());
  for (size_t i = 0; i < expect.size(); ++i) {
    EXPECT_EQ(timeline[i].state(), expect[i].first) << i;
    EXPECT_EQ(timeline[i].at_us(), expect[i].second) << i;
  }
}

TEST(DossierStoreTest, LongHistoriesOverflowToTheSideTable) {
  DossierStore store;
  DossierRecord r;
  r.submitted_at = 5;
  const uint32_t a = store.Add(r);
  const uint32_t b = store.Add(r);
  int64_t t = 5;
  store.SetState(a, QUEUED);  // no fee: RECEIVED and QUEUED implied
  std::vector<std::pair<DossierState, int64_t>> expect = {{SUBMITTED, 5}, {RECEIVED, 5}, {QUEUED, 5}};
  for (int round = 0; round < 6; ++round) {  // six supplement rounds
    for (DossierState s : {IN_REVIEW, SUPPLEMENT_REQUESTED, QUEUED}) {
      t += 123'456'789'012LL + round;
      store.Transition(a, s, t);
      expect.push_back({s, t});
    }
  }
  EXPECT_EQ(store.overflowed(), 1u);
  std::vector<Transition> timeline;
  store.Timeline(a, &timeline);
  ASSERT_EQ(timeline.size(), expect.size());
  for (size_t i = 0; i < expect.size(); ++i) {
    EXPECT_EQ(timeline[i].state(), expect[i].first) << i;
    EXPECT_EQ(timeline[i].at_us(), expect[i].second) << i;
  }
  store.Timeline(b, &timeline);  // untouched neighbour
  ASSERT_EQ(timeline.size(), 1u);
  EXPECT_EQ(timeline[0].at_us(), 5);
}

TEST(DossierStoreTest, EnterprisesAreInternedDensely) {
  DossierStore store;
  EXPECT_EQ(store.FindEnterprise(101), -1);
  EXPECT_EQ(store.InternEnterprise(101), 0u);
  EXPECT_EQ(store.InternEnterprise(9999999999ULL), 1u);
  EXPECT_EQ(store.InternEnterprise(101), 0u);
  EXPECT_EQ(store.FindEnterprise(9999999999ULL), 1);
  EXPECT_EQ(store.tax_code(1), 9999999999ULL);
  EXPECT_EQ(store.enterprise_count(), 2u);
}

TEST(DossierStoreTest, TaxCodesAreTenDigits) {
  uint64_t v = 0;
  EXPECT_TRUE(ParseTaxCode("0101234567", &v));
  EXPECT_EQ(v, 101234567u);
  EXPECT_EQ(FormatTaxCode(v), "0101234567");
  EXPECT_EQ(FormatTaxCode(0), "0000000000");
  EXPECT_TRUE(ParseTaxCode("9999999999", &v));
  EXPECT_EQ(FormatTaxCode(v), "9999999999");
  EXPECT_FALSE(ParseTaxCode("010123456", &v));
  EXPECT_FALSE(ParseTaxCode("01012345678", &v));
  EXPECT_FALSE(ParseTaxCode("010123456a", &v));
  EXPECT_FALSE(ParseTaxCode("0101234567-001", &v));
  EXPECT_FALSE(ParseTaxCode("", &v));
}

}  // namespace
}  // namespace nsw
