// IdempotencyIndex: linear probing over 8-byte slots; growth re-places the
// slots from the hash bits they keep.
#include "server/domain/idempotency_index.h"

namespace nsw {
namespace {

// A fixed, public key: dossier keys must be the same in every run.
constexpr SipKey kDossierKeyKey{0x6e73772d72656631ULL /* "nsw-ref1" */, 0x7265662d68617368ULL /* "ref-hash" */};
constexpr size_t kInitialSlots = 1024;

}  // namespace

uint64_t DossierKey(uint64_t tax_code, std::string_view client_ref) {
  return SipHash24(kDossierKeyKey, tax_code, client_ref);
}

IdempotencyIndex::IdempotencyIndex(const SipKey& secret, const DossierStore* store)
    : secret_(secret), store_(store), slots_(kInitialSlots, Slot{0, 0}), mask_(kInitialSlots - 1) {}

uint64_t IdempotencyIndex::KeyedHash(uint64_t key) const { return SipHash24(secret_, key, std::string_view()); }

void IdempotencyIndex::Place(uint32_t hash, uint32_t dossier) {
  uint64_t i = hash & mask_;
  while (slots_[i].dossier_plus_one != 0) i = (i + 1) & mask_;
  slots_[i] = Slot{dossier + 1, hash};
}

void IdempotencyIndex::Grow() {
  std::vector<Slot> old;
  old.swap(slots_);
  slots_.assign(old.size() * 2, Slot{0, 0});
  mask_ = slots_.size() - 1;
  for (const Slot& s : old) {
    if (s.dossier_plus_one != 0) Place(s.hash, s.dossier_plus_one - 1);
  }
}

void IdempotencyIndex::InsertKey(uint32_t dossier, uint64_t key) {
  if ((size_ + 1) * 4 > slots_.size() * 3) Grow();
  Place(static_cast<uint32_t>(KeyedHash(key)), dossier);
  ++size_;
}

void IdempotencyIndex::InsertKeys(const std::pair<uint32_t, uint64_t>* entries, size_t n) {
  constexpr size_t kAhead = 32;
  uint32_t hashes[kAhead];
  while (n > 0) {
    const size_t m = n < kAhead ? n : kAhead;
    while ((size_ + m) * 4 > slots_.size() * 3) Grow();
    for (size_t i = 0; i < m; ++i) {
      hashes[i] = static_cast<uint32_t>(KeyedHash(entries[i].second));
      __builtin_prefetch(&slots_[hashes[i] & mask_], 1);
    }
    for (size_t i = 0; i < m; ++i) Place(hashes[i], entries[i].first);
    size_ += m;
    entries += m;
    n -= m;
  }
}

void IdempotencyIndex::Find(uint32_t enterprise, uint64_t key, std::vector<uint32_t>* out) const {
  out->clear();
  const uint32_t hash = static_cast<uint32_t>(KeyedHash(key));
  for (uint64_t i = hash & mask_; slots_[i].dossier_plus_one != 0; i = (i + 1) & mask_) {
    if (slots_[i].hash != hash) continue;
    const uint32_t d = slots_[i].dossier_plus_one - 1;
    const DossierRecord& r = store_->at(d);
    if (r.enterprise == enterprise && r.key == key) out->push_back(d);
  }
}

}  // namespace nsw
