// DossierStore: every accepted dossier as a compact 80-byte record, indexed
// by dossier id - 1, plus the interned enterprise table. Payloads, client
// references and anything else recoverable from the journal stay there; the
// record keeps what the simulation touches on its hot path (state, times,
// deadline, the dossier key that seeds randomness and breaks ties) and a
// compact timeline: one varint per timed transition holding (delta from the
// previous transition << 4 | state), inline up to kInlineTimeline bytes (a
// typical life with a fee takes about 17) and moved to a side table only for
// long histories (supplement rounds). Transitions that always happen at the
// same instant as the one before are implied, not stored: RECEIVED and then
// FEE_NOTIFIED or QUEUED at submission, and QUEUED right after FEE_PAID.
//
// Records live in fixed chunks, so growing never copies or doubles memory,
// and references to records stay valid. Enterprises are interned in an
// open-addressing table of 4-byte slots over the dense tax-code array, placed
// by a bijective 64-bit mix of the tax code and a per-store random key (tax
// codes come from clients, who cannot aim collisions at a key they do not
// know): one cache line per lookup, where a node-based map costs a miss per
// node on every submission and every replayed record. Not thread-safe: the
// service's mutex guards it.
#ifndef NSW_SERVER_DOMAIN_DOSSIER_STORE_H_
#define NSW_SERVER_DOMAIN_DOSSIER_STORE_H_

#include <cstdint>
#include <memory>
#include <new>
#include <type_traits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "proto/nsw.pb.h"

namespace nsw {

enum DossierFlag : uint8_t {
  kFlagPending = 1 << 0,         // sequenced, not yet durable and applied
  kFlagFailed = 1 << 1,          // its journal write failed, or an id gap: invisible
  kFlagLate = 1 << 2,            // trace mode: arrived behind the watermark
  kFlagDeadlineStopped = 1 << 3, // the enterprise must act: deadline_w holds the remaining working time
  kFlagBreached = 1 << 4,        // decided after its deadline
  kFlagFeePaid = 1 << 5,
  kFlagSupplemented = 1 << 6,
  kFlagHasFee = 1 << 7,          // its procedure charges a fee (set on arrival)
};

constexpr int kInlineTimeline = 30;
constexpr uint8_t kTimelineOverflow = 0xff;

struct DossierRecord {
  int64_t submitted_at = 0;  // simulated instant the sequencer assigned
  int64_t last_at = 0;       // instant of the latest transition
  // Working-time coordinate (WorkingCalendar) of the deadline while its clock
  // runs; the remaining working time while kFlagDeadlineStopped.
  int64_t deadline_w = 0;
  uint64_t key = 0;           // DossierKey(tax code, client reference): randomness and tie-breaks
  uint64_t journal_pos = 0;   // JournalPosition of the submission record
  uint32_t enterprise = 0;    // DossierStore::tax_code(enterprise)
  uint16_t procedure = 0;     // catalog index
  uint8_t state = SUBMITTED;  // DossierState
  uint8_t flags = 0;          // DossierFlag bits
  uint8_t rounds = 0;         // reviews started (saturates at 255)
  uint8_t timeline_len = 0;   // bytes used in timeline, or kTimelineOverflow
  uint8_t timeline[kInlineTimeline] = {};

  DossierState dossier_state() const { return static_cast<DossierState>(state); }
  bool has(DossierFlag f) const { return (flags & f) != 0; }
  void set(DossierFlag f) { flags |= f; }
  void clear(DossierFlag f) { flags &= static_cast<uint8_t>(~f); }
};
static_assert(sizeof(DossierRecord) == 80, "keep the record compact: see DESIGN.md Memory");
static_assert(std::is_trivially_destructible_v<DossierRecord>, "chunks are freed without destructors");

class DossierStore {
 public:
  DossierStore();
  DossierStore(const DossierStore&) = delete;
  DossierStore& operator=(const DossierStore&) = delete;

  uint32_t size() const { return size_; }
  DossierRecord& at(uint32_t index) { return chunks_[index >> kChunkBits].get()[index & kChunkMask]; }
  const DossierRecord& at(uint32_t index) const { return chunks_[index >> kChunkBits].get()[index & kChunkMask]; }
  // Appends a record (its timeline empty) and returns its index.
  uint32_t Add(const DossierRecord& record);

  // Dense index of a tax code (10 digits as a number), interning new ones.
  uint32_t InternEnterprise(uint64_t tax_code);
  // -1 when the tax code was never seen.
  int64_t FindEnterprise(uint64_t tax_code) const;
  uint64_t tax_code(uint32_t enterprise) const { return tax_codes_[enterprise]; }
  uint32_t enterprise_count() const { return static_cast<uint32_t>(tax_codes_.size()); }

  // Records a timed transition: state, last_at and the timeline. Inline:
  // the simulation makes about three per lifecycle, nearly all with room
  // left in the record.
  void Transition(uint32_t index, DossierState state, int64_t at) {
    DossierRecord& r = this->at(index);
    const uint64_t v = (static_cast<uint64_t>(at - r.last_at) << 4) | static_cast<uint64_t>(state);
    r.state = static_cast<uint8_t>(state);
    r.last_at = at;
    if (__builtin_expect(r.timeline_len <= kInlineTimeline - 10, 1)) {  // room for any varint: write in place
      uint64_t rest = v;
      uint8_t* out = r.timeline + r.timeline_len;
      int n = 0;
      while (rest >= 0x80) {
        out[n++] = static_cast<uint8_t>(rest | 0x80);
        rest >>= 7;
      }
      out[n++] = static_cast<uint8_t>(rest);
      r.timeline_len = static_cast<uint8_t>(r.timeline_len + n);
      return;
    }
    AppendLong(index, v);
  }
  // Changes the state without a timeline entry, for the implied transitions.
  void SetState(uint32_t index, DossierState state) { at(index).state = static_cast<uint8_t>(state); }
  // The full timeline: SUBMITTED at submitted_at; once the state has left
  // SUBMITTED, RECEIVED and FEE_NOTIFIED (kFlagHasFee) or QUEUED at the same
  // instant; then every recorded transition, FEE_PAID followed by QUEUED.
  void Timeline(uint32_t index, std::vector<nsw::Transition>* out) const;
  // Records whose timeline moved to the side table (for tests and metrics).
  size_t overflowed() const { return overflow_.size(); }

 private:
  static constexpr int kChunkBits = 16;
  static constexpr uint32_t kChunkMask = (1u << kChunkBits) - 1;

  // Raw storage: a record is constructed when added, so a new chunk costs
  // no initialisation pass (DossierRecord is trivially destructible).
  struct ChunkDeleter {
    void operator()(DossierRecord* p) const { ::operator delete(p); }
  };
  std::vector<std::unique_ptr<DossierRecord, ChunkDeleter>> chunks_;
  uint32_t size_ = 0;
  // Transition's tail once the record may be out of room: appends the
  // varint `v` inline if it fits, else in the side table.
  void AppendLong(uint32_t index, uint64_t v);
  // The slot holding `tax_code`'s index + 1, or the empty slot where it goes.
  size_t EnterpriseSlot(uint64_t tax_code) const;
  void GrowEnterprises();

  std::vector<uint64_t> tax_codes_;
  std::vector<uint32_t> enterprise_slots_;  // power of two, at most half full; 0 = empty
  uint64_t enterprise_key_ = 0;
  std::unordered_map<uint32_t, std::string> overflow_;  // full timelines of long histories
};

// "0101234567" -> 101234567; false unless exactly 10 ASCII digits.
bool ParseTaxCode(std::string_view text, uint64_t* tax_code);
// 101234567 -> "0101234567".
std::string FormatTaxCode(uint64_t tax_code);

}  // namespace nsw

#endif  // NSW_SERVER_DOMAIN_DOSSIER_STORE_H_
