// The simulation's ordered containers: the event heap of one ministry and its
// waiting line (FIFO ring or earliest-deadline-first heap).
//
// Order is total and never uses a server-assigned id except as a last resort
// that 64-bit hashes make practically unreachable: events sort on (time,
// priority, dossier key), the dossier key being a fixed public hash of
// (enterprise, client reference), so simultaneous events are ordered by what
// the clients sent, whatever the order they were accepted in. Priority puts
// review ends (departures) before arrivals and enterprise reactions at equal
// times, and office-opening wake-ups last. Priority and the top 62 bits of
// the key are packed with the time in 16 bytes, so the common comparison is
// two integer compares, or one unsigned 128-bit compare (a compare and a
// borrow, no data-dependent branch) where a heap picks a child; the full key
// comes from the store only on a tie. An event is 24 bytes and the containers reuse their
// storage, so the hot path allocates nothing once they have grown. Not
// thread-safe.
#ifndef NSW_SERVER_DOMAIN_EVENT_QUEUE_H_
#define NSW_SERVER_DOMAIN_EVENT_QUEUE_H_

#include <cstdint>
#include <vector>

#include "server/domain/dossier_store.h"

namespace nsw {

enum class EventKind : uint8_t {
  kReviewApprove,               // review ends: approve
  kReviewReject,                // review ends: reject
  kReviewSupplement,            // review ends: ask for a supplement (enterprise will supplement)
  kReviewSupplementWithdraw,    // review ends: ask for a supplement (enterprise will withdraw)
  kArrive,                      // the submission reaches the ministry: RECEIVED
  kPay,                         // the simulated enterprise pays the fee
  kSupplement,                  // the simulated enterprise supplements
  kWithdraw,                    // the simulated enterprise withdraws
  kWake,                        // office hours begin: officers take queued dossiers
};

enum EventPriority : uint64_t { kPriorityDeparture = 0, kPriorityArrival = 1, kPriorityWake = 2 };

inline EventPriority PriorityOf(EventKind kind) {
  if (kind <= EventKind::kReviewSupplementWithdraw) return kPriorityDeparture;
  if (kind == EventKind::kWake) return kPriorityWake;
  return kPriorityArrival;
}

// priority (2 bits) | dossier key top 62 bits.
inline uint64_t PackOrder(EventPriority priority, uint64_t dossier_key) {
  return (static_cast<uint64_t>(priority) << 62) | (dossier_key >> 2);
}

constexpr uint32_t kNoDossier = 0xffffffffu;

struct Event {
  int64_t time;
  uint64_t order;
  uint32_t dossier;  // kNoDossier for wake-ups
  EventKind kind;
};
static_assert(sizeof(Event) == 24, "events stay compact");

// (time, order) as one unsigned 128-bit number with the same order: the
// time's sign bit flipped, so negative instants still sort first.
inline unsigned __int128 PackedKey(int64_t time, uint64_t order) {
  return (static_cast<unsigned __int128>(static_cast<uint64_t>(time) ^ (uint64_t{1} << 63)) << 64) | order;
}

// Orders events and EDF entries; consults the store only on a packed tie.
class EventOrder {
 public:
  explicit EventOrder(const DossierStore* store) : store_(store) {}
  // Branches on the time first: cheapest where the outcome is predictable
  // (a sift-up of a late event, the lane against the heap).
  bool Less(int64_t ta, uint64_t oa, uint32_t da, int64_t tb, uint64_t ob, uint32_t db) const {
    if (ta != tb) return ta < tb;
    if (oa != ob) return oa < ob;
    return TieLess(da, db);
  }
  // The same order without a data-dependent branch, for a heap's choice
  // between two children (a coin toss for the branch predictor).
  bool LessBranchFree(int64_t ta, uint64_t oa, uint32_t da, int64_t tb, uint64_t ob, uint32_t db) const {
    const unsigned __int128 a = PackedKey(ta, oa), b = PackedKey(tb, ob);
    if (__builtin_expect(a == b, 0)) return TieLess(da, db);
    return a < b;
  }

 private:
  bool TieLess(uint32_t a, uint32_t b) const;
  const DossierStore* store_;
};

// A binary min-heap of events. A pop moves the hole from the root down the
// smaller children to a leaf (one branch-free comparison per level) and
// lifts the last event from there, which rarely climbs: it came from the
// bottom, so it is usually among the latest.
//
// Most events, once processed, schedule the next one of their dossier or
// officer, so the removal of the root can wait (TakeTop): a Push while the
// root is vacant sinks the hole and places the new event in one pass instead
// of a pop and a push; otherwise Settle fills the root with the last event.
// The set of events, and so the order they come out in, is the same either
// way.
class EventHeap {
 public:
  explicit EventHeap(const DossierStore* store) : order_(store) {}
  // Events held, not counting a vacant root.
  size_t size() const { return items_.size() - (root_vacant_ ? 1 : 0); }
  bool empty() const { return size() == 0; }
  // REQUIRES: settled, not empty.
  const Event& top() const { return items_.front(); }
  // Takes the fields, not an Event: a caller's Event built field by field in
  // memory and then copied whole stalls on store forwarding.
  void Push(int64_t time, uint64_t order, uint32_t dossier, EventKind kind);
  // REQUIRES: settled, not empty.
  Event Pop() {
    const Event e = TakeTop();
    Settle();
    return e;
  }
  // The minimum; its slot stays vacant until the next Push or Settle.
  // REQUIRES: settled, not empty.
  Event TakeTop() {
    root_vacant_ = true;
    return items_.front();
  }
  // Completes a TakeTop that no Push followed.
  void Settle() {
    if (root_vacant_) RemoveRoot();
  }
  bool root_vacant() const { return root_vacant_; }
  // Calls f with the dossier of every event that may come out next.
  template <typename F>
  void ForEachNextDossier(const F& f) const {
    if (!root_vacant_) {
      if (!items_.empty()) f(items_[0].dossier);
      return;
    }
    if (items_.size() > 1) f(items_[1].dossier);
    if (items_.size() > 2) f(items_[2].dossier);
  }
  bool Less(const Event& a, const Event& b) const {
    return order_.Less(a.time, a.order, a.dossier, b.time, b.order, b.dossier);
  }
  bool LessBranchFree(const Event& a, const Event& b) const {
    return order_.LessBranchFree(a.time, a.order, a.dossier, b.time, b.order, b.dossier);
  }
  const EventOrder& order() const { return order_; }

 private:
  void RemoveRoot();

  EventOrder order_;
  std::vector<Event> items_;
  bool root_vacant_ = false;
};

// A growable FIFO ring (power-of-two capacity; storage is reused).
template <typename T>
class Ring {
 public:
  bool empty() const { return head_ == tail_; }
  size_t size() const { return tail_ - head_; }
  const T& front() const { return items_[head_ & mask_]; }
  const T& back() const { return items_[(tail_ - 1) & mask_]; }
  void Push(const T& item) {
    if (__builtin_expect(tail_ - head_ == capacity_, 0)) Grow();
    items_[tail_++ & mask_] = item;
  }
  T Pop() { return items_[head_++ & mask_]; }

 private:
  // Out of line: inlined, its registers would cost every push a spill.
  [[gnu::noinline]] void Grow() {
    const size_t old_size = items_.size();
    std::vector<T> grown(old_size == 0 ? 64 : old_size * 2);
    for (size_t i = 0; i < old_size; ++i) grown[i] = items_[(head_ + i) & mask_];
    items_.swap(grown);
    head_ = 0;
    tail_ = old_size;
    capacity_ = items_.size();
    mask_ = capacity_ - 1;
  }

  std::vector<T> items_;
  uint64_t head_ = 0, tail_ = 0, mask_ = 0, capacity_ = 0;
};

// The FIFO waiting line.
using DossierRing = Ring<uint32_t>;

// All pending events of a ministry: a heap, plus a FIFO lane for arrivals
// scheduled in order (always in wall mode, nearly always in trace mode), so
// the common arrival costs a ring push instead of a heap push and pop. The
// two are merged on the same total order, so where an event waits never
// changes when it is processed.
class EventQueue {
 public:
  explicit EventQueue(const DossierStore* store) : heap_(store) {}
  bool empty() const { return heap_.empty() && lane_.empty(); }
  size_t size() const { return heap_.size() + lane_.size(); }
  const Event& top() {
    heap_.Settle();
    return FromLane() ? lane_.front() : heap_.top();
  }
  Event Pop() {
    heap_.Settle();
    return FromLane() ? lane_.Pop() : heap_.Pop();
  }
  // Pops the first event if it is before `t`; false (and nothing popped)
  // when there is none. One comparison of the two sources per event. An
  // event from the heap leaves its slot vacant for the next Push.
  bool PopBefore(int64_t t, Event* out) {
    heap_.Settle();
    if (FromLane()) {
      if (lane_.front().time >= t) return false;
      *out = lane_.Pop();
      return true;
    }
    if (heap_.empty() || heap_.top().time >= t) return false;
    *out = heap_.TakeTop();
    return true;
  }
  void Push(int64_t time, uint64_t order, uint32_t dossier, EventKind kind) {
    heap_.Push(time, order, dossier, kind);
  }
  // An arrival: into the lane when it does not precede the lane's last.
  void PushArrival(int64_t time, uint64_t order, uint32_t dossier) {
    if (lane_.empty() || !LaneBackPrecedes(time, order, dossier)) {
      lane_.Push(Event{time, order, dossier, EventKind::kArrive});
    } else {
      heap_.Push(time, order, dossier, EventKind::kArrive);
    }
  }
  bool Less(const Event& a, const Event& b) const { return heap_.Less(a, b); }
  // Calls f with the dossier (kNoDossier for a wake-up) of every event that
  // may come out next: cheaper to prefetch them all than to order them.
  template <typename F>
  void ForEachNextDossier(const F& f) const {
    if (!lane_.empty()) f(lane_.front().dossier);
    heap_.ForEachNextDossier(f);
  }

 private:
  // REQUIRES: the heap is settled.
  bool FromLane() const { return !lane_.empty() && (heap_.empty() || heap_.Less(lane_.front(), heap_.top())); }
  bool LaneBackPrecedes(int64_t time, uint64_t order, uint32_t dossier) const {
    const Event& b = lane_.back();
    return heap_.order().Less(time, order, dossier, b.time, b.order, b.dossier);
  }
  EventHeap heap_;
  Ring<Event> lane_;
};

// The EDF waiting line: a 4-ary min-heap on (deadline coordinate, order),
// popped bottom-up like EventHeap (the hole sinks along the least children
// to a leaf, then the last item rises from there).
class EdfHeap {
 public:
  explicit EdfHeap(const DossierStore* store) : order_(store) {}
  bool empty() const { return items_.empty(); }
  size_t size() const { return items_.size(); }
  void Push(int64_t deadline_w, uint64_t order, uint32_t dossier);
  uint32_t Pop();
  uint32_t top() const { return items_.front().dossier; }

 private:
  static constexpr size_t kArity = 4;
  struct Item {
    int64_t deadline_w;
    uint64_t order;
    uint32_t dossier;
  };
  void SiftUpFrom(size_t hole, const Item& item);
  bool Less(const Item& a, const Item& b) const {
    return order_.Less(a.deadline_w, a.order, a.dossier, b.deadline_w, b.order, b.dossier);
  }
  bool LessBranchFree(const Item& a, const Item& b) const {
    return order_.LessBranchFree(a.deadline_w, a.order, a.dossier, b.deadline_w, b.order, b.dossier);
  }
  EventOrder order_;
  std::vector<Item> items_;
};

}  // namespace nsw

#endif  // NSW_SERVER_DOMAIN_EVENT_QUEUE_H_
