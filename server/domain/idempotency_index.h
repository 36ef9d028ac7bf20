// IdempotencyIndex: finds the dossier an (enterprise, client reference) pair
// names, for idempotent submission and GET /v1/dossiers?client_ref=R.
//
// An open-addressing table (linear probing, power-of-two size, load <= 3/4)
// of 8-byte slots: the dossier index and the low 32 bits of a keyed 64-bit
// hash, whose lowest bits also choose the slot. The keyed hash is SipHash-2-4
// under a secret per-run key of the public dossier key (itself a hash of tax
// code and reference), so clients cannot aim collisions at the table. Since a
// slot keeps every bit that places it (tables stay below 2^32 slots), growing
// re-places slots from the slots alone, without touching the store's records
// or hashing again: a replay of millions of submissions grows the table in
// one sequential pass per doubling. Candidates are filtered
// on the record's enterprise and dossier key; the caller confirms the full
// reference against the journal
// (only the journal holds it). The secret key changes only where entries sit,
// never which dossier is found, so it cannot affect results.
// Not thread-safe: the service's mutex guards it.
#ifndef NSW_SERVER_DOMAIN_IDEMPOTENCY_INDEX_H_
#define NSW_SERVER_DOMAIN_IDEMPOTENCY_INDEX_H_

#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

#include "server/domain/dossier_store.h"
#include "server/domain/siphash.h"

namespace nsw {

// The dossier key: a public, stable 64-bit hash (SipHash-2-4 under a fixed
// key) of (tax code, client reference). It seeds the dossier's randomness and
// breaks ties between simultaneous events, so it must not depend on the
// secret, nor on anything the server assigns.
uint64_t DossierKey(uint64_t tax_code, std::string_view client_ref);

class IdempotencyIndex {
 public:
  // `store` must outlive the index.
  IdempotencyIndex(const SipKey& secret, const DossierStore* store);
  IdempotencyIndex(const IdempotencyIndex&) = delete;
  IdempotencyIndex& operator=(const IdempotencyIndex&) = delete;

  // Indexes a stored dossier under its record's dossier key.
  void Insert(uint32_t dossier) { InsertKey(dossier, store_->at(dossier).key); }
  // Indexes `dossier` under `key`, the dossier key its record holds or will
  // hold, without reading the store: recovery indexes submissions on the
  // journal's reading thread while another thread stores them.
  void InsertKey(uint32_t dossier, uint64_t key);
  // InsertKey for each (dossier, key) in order, hashing them all and
  // prefetching their slots before placing any: recovery indexes millions of
  // submissions into a table far larger than the cache, and this way their
  // cache misses overlap instead of coming one after another.
  void InsertKeys(const std::pair<uint32_t, uint64_t>* entries, size_t n);
  // Dossiers of `enterprise` (interned index) with dossier key `key`:
  // normally zero or one.
  void Find(uint32_t enterprise, uint64_t key, std::vector<uint32_t>* out) const;

  size_t size() const { return size_; }
  size_t capacity() const { return slots_.size(); }

 private:
  struct Slot {
    uint32_t dossier_plus_one;  // 0: empty
    uint32_t hash;              // low half of the keyed hash
  };
  uint64_t KeyedHash(uint64_t key) const;
  void Place(uint32_t hash, uint32_t dossier);
  void Grow();

  SipKey secret_;
  const DossierStore* store_;
  std::vector<Slot> slots_;
  uint64_t mask_ = 0;
  size_t size_ = 0;
};

}  // namespace nsw

#endif  // NSW_SERVER_DOMAIN_IDEMPOTENCY_INDEX_H_
