// Heaps and ring of the simulation (see event_queue.h). Both heaps share one
// push and one root removal; sifts move a hole instead of swapping, so each
// level costs one copy.
#include "server/domain/event_queue.h"

#include <utility>

namespace nsw {
namespace {

// Places `item` at `hole` or above it, moving larger parents down. Forced
// inline: it ends every push, and as a call it cost a prologue each time.
template <typename T, typename Less>
[[gnu::always_inline]] inline void SiftUp(std::vector<T>& items, size_t hole, const T& item, const Less& less) {
  while (hole > 0) {
    const size_t parent = (hole - 1) / 2;
    if (!less(item, items[parent])) break;
    items[hole] = items[parent];
    hole = parent;
  }
  items[hole] = item;
}

template <typename T, typename Less>
void HeapPush(std::vector<T>& items, const T& item, const Less& less) {
  items.push_back(item);
  SiftUp(items, items.size() - 1, item, less);
}

// Moves a hole at the root down along the smaller children to a leaf of the
// first n items, and returns that leaf.
template <typename T, typename LessBranchFree>
size_t SinkRootHole(T* a, size_t n, const LessBranchFree& less_branch_free) {
  size_t hole = 0;
  size_t child = 1;
  while (child + 1 < n) {
    child += less_branch_free(a[child + 1], a[child]) ? 1 : 0;
    a[hole] = a[child];
    hole = child;
    child = 2 * hole + 1;
  }
  if (child < n) {  // an only child
    a[hole] = a[child];
    hole = child;
  }
  return hole;
}

// Fills a vacant root (REQUIRES: not empty). Bottom-up: the hole sinks to a
// leaf, then the last item rises from there.
template <typename T, typename Less, typename LessBranchFree>
void HeapRemoveRoot(std::vector<T>& items, const Less& less, const LessBranchFree& less_branch_free) {
  const T last = items.back();
  items.pop_back();
  const size_t n = items.size();
  if (n == 0) return;
  SiftUp(items, SinkRootHole(items.data(), n, less_branch_free), last, less);
}

// Puts `item` in place of a vacant root.
template <typename T, typename Less, typename LessBranchFree>
void HeapReplaceRoot(std::vector<T>& items, const T& item, const Less& less, const LessBranchFree& less_branch_free) {
  SiftUp(items, SinkRootHole(items.data(), items.size(), less_branch_free), item, less);
}

}  // namespace

bool EventOrder::TieLess(uint32_t a, uint32_t b) const {
  if (a == b || a == kNoDossier || b == kNoDossier) return a < b;
  const uint64_t ka = store_->at(a).key, kb = store_->at(b).key;
  if (ka != kb) return ka < kb;
  return a < b;  // a 64-bit key collision: practically unreachable
}

void EventHeap::Push(int64_t time, uint64_t order, uint32_t dossier, EventKind kind) {
  const Event e{time, order, dossier, kind};
  const auto less = [this](const Event& a, const Event& b) { return Less(a, b); };
  if (root_vacant_) {
    root_vacant_ = false;
    HeapReplaceRoot(items_, e, less, [this](const Event& a, const Event& b) { return LessBranchFree(a, b); });
  } else {
    HeapPush(items_, e, less);
  }
}

void EventHeap::RemoveRoot() {
  root_vacant_ = false;
  HeapRemoveRoot(
      items_, [this](const Event& a, const Event& b) { return Less(a, b); },
      [this](const Event& a, const Event& b) { return LessBranchFree(a, b); });
}

// 4-ary: a pop in a long line (thousands waiting) is a chain of cache
// misses, one per level below the cached top, and four children per node
// halve the levels; the four sit in adjacent lines, which the prefetcher
// fetches together. Three branch-free comparisons pick a node's least child.
void EdfHeap::Push(int64_t deadline_w, uint64_t order, uint32_t dossier) {
  const Item item{deadline_w, order, dossier};
  items_.push_back(item);
  SiftUpFrom(items_.size() - 1, item);
}

void EdfHeap::SiftUpFrom(size_t hole, const Item& item) {
  while (hole > 0) {
    const size_t parent = (hole - 1) / kArity;
    if (!Less(item, items_[parent])) break;
    items_[hole] = items_[parent];
    hole = parent;
  }
  items_[hole] = item;
}

uint32_t EdfHeap::Pop() {
  const uint32_t top = items_.front().dossier;
  const Item last = items_.back();
  items_.pop_back();
  const size_t n = items_.size();
  if (n == 0) return top;
  Item* a = items_.data();
  size_t hole = 0;
  for (;;) {
    const size_t first = kArity * hole + 1;
    if (first + kArity <= n) {
      size_t best = first;
      best = LessBranchFree(a[first + 1], a[best]) ? first + 1 : best;
      best = LessBranchFree(a[first + 2], a[best]) ? first + 2 : best;
      best = LessBranchFree(a[first + 3], a[best]) ? first + 3 : best;
      a[hole] = a[best];
      hole = best;
      continue;
    }
    if (first < n) {  // the one node with fewer children
      size_t best = first;
      for (size_t c = first + 1; c < n; ++c) best = LessBranchFree(a[c], a[best]) ? c : best;
      a[hole] = a[best];
      hole = best;
    }
    break;
  }
  SiftUpFrom(hole, last);
  return top;
}

}  // namespace nsw
