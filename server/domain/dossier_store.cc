// DossierStore: chunked records, varint timelines, enterprise interning.
#include "server/domain/dossier_store.h"

#include <cstring>
#include <random>

#include "server/domain/random.h"

namespace nsw {
namespace {

// Appends the LEB128 varint of v; returns the byte count.
int PutVarint(uint64_t v, uint8_t* out) {
  int n = 0;
  while (v >= 0x80) {
    out[n++] = static_cast<uint8_t>(v | 0x80);
    v >>= 7;
  }
  out[n++] = static_cast<uint8_t>(v);
  return n;
}

void Append(std::vector<nsw::Transition>* out, DossierState state, int64_t at) {
  nsw::Transition t;
  t.set_state(state);
  t.set_at_us(at);
  out->push_back(t);
}

// Decodes the transitions in [p, end) after `at`, restoring implied QUEUEDs.
void DecodeTimeline(const uint8_t* p, const uint8_t* end, int64_t at, std::vector<nsw::Transition>* out) {
  while (p < end) {
    uint64_t v = 0;
    int shift = 0;
    while (p < end) {
      const uint8_t b = *p++;
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      shift += 7;
      if ((b & 0x80) == 0) break;
    }
    at += static_cast<int64_t>(v >> 4);
    const auto state = static_cast<DossierState>(v & 0xf);
    Append(out, state, at);
    if (state == FEE_PAID) Append(out, QUEUED, at);
  }
}

}  // namespace

uint32_t DossierStore::Add(const DossierRecord& record) {
  if ((size_ & kChunkMask) == 0) {
    chunks_.emplace_back(static_cast<DossierRecord*>(::operator new(sizeof(DossierRecord) * (kChunkMask + 1))));
  }
  const uint32_t index = size_++;
  DossierRecord& r = *new (&at(index)) DossierRecord(record);
  r.last_at = record.submitted_at;
  r.timeline_len = 0;
  return index;
}

DossierStore::DossierStore() : enterprise_slots_(1024, 0) {
  std::random_device rd;
  enterprise_key_ = (static_cast<uint64_t>(rd()) << 32) ^ rd();
}

size_t DossierStore::EnterpriseSlot(uint64_t tax_code) const {
  const size_t mask = enterprise_slots_.size() - 1;
  size_t i = Mix64(tax_code ^ enterprise_key_) & mask;
  while (enterprise_slots_[i] != 0 && tax_codes_[enterprise_slots_[i] - 1] != tax_code) i = (i + 1) & mask;
  return i;
}

void DossierStore::GrowEnterprises() {
  enterprise_slots_.assign(enterprise_slots_.size() * 2, 0);
  for (size_t e = 0; e < tax_codes_.size(); ++e) {
    enterprise_slots_[EnterpriseSlot(tax_codes_[e])] = static_cast<uint32_t>(e + 1);
  }
}

uint32_t DossierStore::InternEnterprise(uint64_t tax_code) {
  size_t slot = EnterpriseSlot(tax_code);
  if (enterprise_slots_[slot] != 0) return enterprise_slots_[slot] - 1;
  tax_codes_.push_back(tax_code);
  if (tax_codes_.size() * 2 > enterprise_slots_.size()) {
    GrowEnterprises();  // places the new code too
  } else {
    enterprise_slots_[slot] = static_cast<uint32_t>(tax_codes_.size());
  }
  return static_cast<uint32_t>(tax_codes_.size() - 1);
}

int64_t DossierStore::FindEnterprise(uint64_t tax_code) const {
  const uint32_t e = enterprise_slots_[EnterpriseSlot(tax_code)];
  return e == 0 ? -1 : static_cast<int64_t>(e) - 1;
}

void DossierStore::AppendLong(uint32_t index, uint64_t v) {
  DossierRecord& r = this->at(index);
  uint8_t buf[10];
  const int n = PutVarint(v, buf);
  if (r.timeline_len != kTimelineOverflow) {
    if (r.timeline_len + n <= kInlineTimeline) {
      std::memcpy(r.timeline + r.timeline_len, buf, n);
      r.timeline_len = static_cast<uint8_t>(r.timeline_len + n);
      return;
    }
    overflow_[index].assign(reinterpret_cast<const char*>(r.timeline), r.timeline_len);
    r.timeline_len = kTimelineOverflow;
  }
  overflow_[index].append(reinterpret_cast<const char*>(buf), n);
}

void DossierStore::Timeline(uint32_t index, std::vector<nsw::Transition>* out) const {
  const DossierRecord& r = at(index);
  out->clear();
  Append(out, SUBMITTED, r.submitted_at);
  if (r.state == SUBMITTED) return;
  Append(out, RECEIVED, r.submitted_at);
  Append(out, r.has(kFlagHasFee) ? FEE_NOTIFIED : QUEUED, r.submitted_at);
  if (r.timeline_len == kTimelineOverflow) {
    const std::string& s = overflow_.at(index);
    const auto* p = reinterpret_cast<const uint8_t*>(s.data());
    DecodeTimeline(p, p + s.size(), r.submitted_at, out);
  } else {
    DecodeTimeline(r.timeline, r.timeline + r.timeline_len, r.submitted_at, out);
  }
}

bool ParseTaxCode(std::string_view text, uint64_t* tax_code) {
  if (text.size() != 10) return false;
  uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  *tax_code = v;
  return true;
}

std::string FormatTaxCode(uint64_t tax_code) {
  std::string s(10, '0');
  for (int i = 9; i >= 0 && tax_code > 0; --i) {
    s[i] = static_cast<char>('0' + tax_code % 10);
    tax_code /= 10;
  }
  return s;
}

}  // namespace nsw
