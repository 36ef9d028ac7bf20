// IdempotencyIndex: linear probing over 8-byte slots; growth rehashes from
// the store's records.
#include "server/domain/idempotency_index.h"

namespace nsw {
namespace {

// A fixed, public key: reference hashes must be the same in every run.
constexpr SipKey kReferenceKey{0x6e73772d72656631ULL /* "nsw-ref1" */, 0x7265662d68617368ULL /* "ref-hash" */};
constexpr size_t kInitialSlots = 1024;

}  // namespace

uint64_t ReferenceHash(std::string_view client_ref) { return SipHash24(kReferenceKey, client_ref); }

IdempotencyIndex::IdempotencyIndex(const SipKey& secret, const DossierStore* store)
    : secret_(secret), store_(store), slots_(kInitialSlots, Slot{0, 0}), mask_(kInitialSlots - 1) {}

uint64_t IdempotencyIndex::KeyedHash(uint64_t tax_code, uint64_t ref_hash) const {
  char bytes[8];
  for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>(ref_hash >> (8 * i));
  return SipHash24(secret_, tax_code, std::string_view(bytes, 8));
}

void IdempotencyIndex::Place(uint64_t hash, uint32_t dossier) {
  uint64_t i = hash & mask_;
  while (slots_[i].dossier_plus_one != 0) i = (i + 1) & mask_;
  slots_[i] = Slot{dossier + 1, static_cast<uint32_t>(hash >> 32)};
}

void IdempotencyIndex::Grow() {
  std::vector<Slot> old;
  old.swap(slots_);
  slots_.assign(old.size() * 2, Slot{0, 0});
  mask_ = slots_.size() - 1;
  for (const Slot& s : old) {
    if (s.dossier_plus_one == 0) continue;
    const DossierRecord& r = store_->at(s.dossier_plus_one - 1);
    Place(KeyedHash(store_->tax_code(r.enterprise), r.ref_hash), s.dossier_plus_one - 1);
  }
}

void IdempotencyIndex::Insert(uint32_t dossier) {
  if ((size_ + 1) * 4 > slots_.size() * 3) Grow();
  const DossierRecord& r = store_->at(dossier);
  Place(KeyedHash(store_->tax_code(r.enterprise), r.ref_hash), dossier);
  ++size_;
}

void IdempotencyIndex::Find(uint32_t enterprise, uint64_t ref_hash, std::vector<uint32_t>* out) const {
  out->clear();
  const uint64_t hash = KeyedHash(store_->tax_code(enterprise), ref_hash);
  const uint32_t tag = static_cast<uint32_t>(hash >> 32);
  for (uint64_t i = hash & mask_; slots_[i].dossier_plus_one != 0; i = (i + 1) & mask_) {
    if (slots_[i].tag != tag) continue;
    const uint32_t d = slots_[i].dossier_plus_one - 1;
    const DossierRecord& r = store_->at(d);
    if (r.enterprise == enterprise && r.ref_hash == ref_hash) out->push_back(d);
  }
}

}  // namespace nsw
