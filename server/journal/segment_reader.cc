// SegmentReader and FindSyncProof.
#include "server/journal/segment_reader.h"

#include <algorithm>
#include <cstring>

#include "server/journal/record_format.h"

namespace nsw {

Status SegmentReader::Peek(uint64_t offset, size_t n, const char** data, size_t* available) {
  if (offset >= size_) {
    *data = buf_.data();
    *available = 0;
    return Status::OK();
  }
  uint64_t want_end = std::min<uint64_t>(size_, offset + n);
  uint64_t have_end = buf_offset_ + buf_.size();
  if (offset < buf_offset_ || want_end > have_end) {
    // Keep what is still ahead of `offset`, then read at least a chunk more.
    if (offset >= buf_offset_ && offset < have_end) {
      buf_.erase(0, static_cast<size_t>(offset - buf_offset_));
    } else {
      buf_.clear();
    }
    buf_offset_ = offset;
    uint64_t read_from = buf_offset_ + buf_.size();
    uint64_t read_to = std::min<uint64_t>(size_, std::max<uint64_t>(want_end, read_from + chunk_));
    if (read_to > read_from) {
      Status s = file_->Read(read_from, static_cast<size_t>(read_to - read_from), &scratch_);
      if (!s.ok()) return s;
      buf_.append(scratch_);
      // A file that shrank under us reads short: report what is there.
      if (scratch_.size() < read_to - read_from) size_ = read_from + scratch_.size();
    }
  }
  size_t start = static_cast<size_t>(offset - buf_offset_);
  *data = buf_.data() + start;
  *available = start <= buf_.size() ? buf_.size() - start : 0;
  return Status::OK();
}

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
