// The simulation's event queue against a reference order: whatever mix of
// pops, deferred root removals (TakeTop then Push or Settle), lane arrivals
// and ties on time and packed order, events come out in (time, priority,
// dossier key, id) order; and the EDF line pops by (deadline, order).
#include "server/domain/event_queue.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>
#include <tuple>
#include <vector>

#include "server/domain/random.h"

namespace nsw {
namespace {

using Key = std::tuple<int64_t, uint64_t, uint64_t, uint32_t>;  // time, order, full key, dossier

Key KeyOf(const DossierStore& store, const Event& e) {
  return {e.time, e.order, e.dossier == kNoDossier ? 0 : store.at(e.dossier).key, e.dossier};
}

TEST(EventQueueTest, EventsComeOutInTotalOrderWhateverTheOperations) {
  DossierStore store;
  // Keys that collide in the packed order (equal top 62 bits) force the
  // tie-break on the full key, and equal full keys the one on the id.
  for (uint32_t d = 0; d < 4000; ++d) {
    DossierRecord r;
    r.key = d < 100 ? (Mix64(d / 4) & ~uint64_t{3}) | (3 - d % 4) : Mix64(d);
    if (d >= 100 && d < 110) r.key = 0x1234;
    store.Add(r);
  }
  EventQueue q(&store);
  std::vector<Key> pending;  // the reference: sorted on pop
  uint64_t state = 7;
  auto next = [&state](uint64_t n) { return Mix64(state++) % n; };
  int64_t now = 0;
  int64_t last_arrival = 0;
  std::vector<Key> popped;
  for (int step = 0; step < 30000; ++step) {
    const uint64_t op = next(10);
    if (op < 3 || pending.empty()) {  // push: times on a coarse grid, so ties are common
      const uint32_t d = static_cast<uint32_t>(next(4000));
      const auto kind = static_cast<EventKind>(next(9));
      const int64_t time = now + static_cast<int64_t>(next(5)) * 10;
      const uint64_t order = kind == EventKind::kWake ? PackOrder(kPriorityWake, 0)
                                                      : PackOrder(PriorityOf(kind), store.at(d).key);
      const uint32_t dossier = kind == EventKind::kWake ? kNoDossier : d;
      q.Push(time, order, dossier, kind);
      pending.push_back(KeyOf(store, Event{time, order, dossier, kind}));
    } else if (op < 5) {  // an arrival, mostly in order (the lane), sometimes not
      const uint32_t d = static_cast<uint32_t>(next(4000));
      const int64_t time = std::max(now, last_arrival + static_cast<int64_t>(next(3)) * 10 - 10);
      last_arrival = std::max(last_arrival, time);
      const uint64_t order = PackOrder(kPriorityArrival, store.at(d).key);
      q.PushArrival(time, order, d);
      pending.push_back(KeyOf(store, Event{time, order, d, EventKind::kArrive}));
    } else {  // pop what is due before a horizon, sometimes through Pop
      const int64_t horizon = now + static_cast<int64_t>(next(4)) * 10;
      Event e;
      if (op == 9 && !q.empty()) {
        e = q.Pop();
      } else if (!q.PopBefore(horizon, &e)) {
        continue;
      }
      const auto least = std::min_element(pending.begin(), pending.end());
      ASSERT_EQ(KeyOf(store, e), *least) << "step " << step;
      pending.erase(least);
      now = std::max(now, e.time);
      popped.push_back(KeyOf(store, e));
    }
    ASSERT_EQ(q.size(), pending.size());
  }
  // Not sorted as a whole: an event may be pushed at the current instant
  // ahead of one already processed there (a review ending at once), as in
  // the simulation; but time never goes back.
  EXPECT_GT(popped.size(), 5000u);
  for (size_t i = 1; i < popped.size(); ++i) ASSERT_LE(std::get<0>(popped[i - 1]), std::get<0>(popped[i]));
}

TEST(EventQueueTest, EdfPopsByDeadlineThenOrder) {
  DossierStore store;
  for (uint32_t d = 0; d < 1000; ++d) {
    DossierRecord r;
    r.key = Mix64(d);
    store.Add(r);
  }
  EdfHeap edf(&store);
  std::vector<std::pair<int64_t, uint64_t>> expect;
  for (uint32_t d = 0; d < 1000; ++d) {
    const int64_t deadline = static_cast<int64_t>(Mix64(d + 5000) % 50);
    const uint64_t order = PackOrder(kPriorityArrival, store.at(d).key);
    edf.Push(deadline, order, d);
    expect.emplace_back(deadline, order);
  }
  std::sort(expect.begin(), expect.end());
  for (const auto& [deadline, order] : expect) {
    ASSERT_FALSE(edf.empty());
    const uint32_t d = edf.Pop();
    EXPECT_EQ(PackOrder(kPriorityArrival, store.at(d).key), order);
  }
  EXPECT_TRUE(edf.empty());
}

// Pushes and pops interleaved, the line growing to thousands (several levels
// of the heap, partial last nodes) and shrinking back: every pop is the
// least (deadline, order) held, ties on the deadline broken by the order.
TEST(EventQueueTest, EdfInterleavedAgreesWithSortedReference) {
  DossierStore store;
  constexpr uint32_t kDossiers = 20000;
  for (uint32_t d = 0; d < kDossiers; ++d) {
    DossierRecord r;
    r.key = Mix64(d + 1);
    store.Add(r);
  }
  EdfHeap edf(&store);
  std::set<std::pair<int64_t, uint64_t>> pending;
  uint32_t next = 0;
  size_t pops = 0;
  for (uint64_t step = 0; next < kDossiers || !pending.empty(); ++step) {
    // Grow for the first half, then drain; some steps pop a run.
    const uint64_t r = Mix64(step + 77);
    const bool push = next < kDossiers && (r % 100) < (next < kDossiers / 2 ? 70u : 30u);
    if (push) {
      const int64_t deadline = static_cast<int64_t>(Mix64(next + 9000) % 400) + static_cast<int64_t>(step / 8);
      const uint64_t order = PackOrder(kPriorityArrival, store.at(next).key);
      edf.Push(deadline, order, next);
      pending.emplace(deadline, order);
      ++next;
      continue;
    }
    for (uint64_t k = 0; k < 1 + (r >> 40) % 3 && !pending.empty(); ++k) {
      ASSERT_EQ(edf.size(), pending.size());
      const uint32_t d = edf.Pop();
      ASSERT_EQ(PackOrder(kPriorityArrival, store.at(d).key), pending.begin()->second) << "pop " << pops;
      pending.erase(pending.begin());
      ++pops;
    }
  }
  EXPECT_EQ(pops, kDossiers);
  EXPECT_TRUE(edf.empty());
}

}  // namespace
}  // namespace nsw
