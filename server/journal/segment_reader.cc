// FindSyncProof.
#include "server/journal/segment_reader.h"

#include "server/journal/record_format.h"

namespace nsw {

bool FindSyncProof(std::string_view tail, uint64_t damaged_sequence, size_t* proof_offset, JournalRecord* proof,
                   size_t* intact_records) {
  using namespace journal_format;
  *intact_records = 0;
  size_t pos = 1;
  while (pos + kFrameHeaderSize <= tail.size()) {
    uint32_t len = 0;
    FrameCheck check = CheckFrame(tail.data() + pos, tail.size() - pos, &len);
    if (check == FrameCheck::kOk && len >= kSyncedTrailerSize &&
        proof->ParseFromArray(tail.data() + pos + kFrameHeaderSize, static_cast<int>(len))) {
      if (proof->synced_sequence() >= damaged_sequence && proof->sequence() > proof->synced_sequence()) {
        *proof_offset = pos;
        return true;
      }
      ++*intact_records;
      pos += kFrameHeaderSize + len;
      continue;
    }
    ++pos;
  }
  return false;
}

}  // namespace nsw
