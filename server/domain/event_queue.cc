// Heaps and ring of the simulation (see event_queue.h). Sifts move a hole
// instead of swapping, so each level costs one copy.
#include "server/domain/event_queue.h"

#include <utility>

namespace nsw {

bool EventOrder::TieLess(uint32_t a, uint32_t b) const {
  if (a == b || a == kNoDossier || b == kNoDossier) return a < b;
  const uint64_t ka = store_->at(a).key, kb = store_->at(b).key;
  if (ka != kb) return ka < kb;
  return a < b;  // a 64-bit key collision: practically unreachable
}

void EventHeap::Push(const Event& e) {
  size_t hole = items_.size();
  items_.push_back(e);
  while (hole > 0) {
    const size_t parent = (hole - 1) / 4;
    if (!Less(e, items_[parent])) break;
    items_[hole] = items_[parent];
    hole = parent;
  }
  items_[hole] = e;
}

Event EventHeap::Pop() {
  const Event top = items_.front();
  const Event last = items_.back();
  items_.pop_back();
  const size_t n = items_.size();
  if (n == 0) return top;
  size_t hole = 0;
  for (;;) {
    const size_t first = 4 * hole + 1;
    if (first >= n) break;
    size_t best = first;
    const size_t end = first + 4 < n ? first + 4 : n;
    for (size_t c = first + 1; c < end; ++c) {
      if (Less(items_[c], items_[best])) best = c;
    }
    if (!Less(items_[best], last)) break;
    items_[hole] = items_[best];
    hole = best;
  }
  items_[hole] = last;
  return top;
}

void EdfHeap::Push(int64_t deadline_w, uint64_t order, uint32_t dossier) {
  const Item item{deadline_w, order, dossier};
  size_t hole = items_.size();
  items_.push_back(item);
  while (hole > 0) {
    const size_t parent = (hole - 1) / 2;
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
  size_t hole = 0;
  for (;;) {
    size_t child = 2 * hole + 1;
    if (child >= n) break;
    if (child + 1 < n && Less(items_[child + 1], items_[child])) ++child;
    if (!Less(items_[child], last)) break;
    items_[hole] = items_[child];
    hole = child;
  }
  items_[hole] = last;
  return top;
}

}  // namespace nsw
