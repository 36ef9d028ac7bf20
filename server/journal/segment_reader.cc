// SegmentReader and FindSyncProof.
#include "server/journal/segment_reader.h"

#include <algorithm>
#include <cstring>

#include "server/journal/record_format.h"

namespace nsw {

Status SegmentReader::Peek(uint64_t offset, size_t n, const char** data, size_t* available) {
  uint64_t have_end = buf_offset_ + len_;
  uint64_t want_end = std::min<uint64_t>(size_, offset + n);
  if (offset >= size_) {
    *data = buf_.get();
    *available = 0;
    return Status::OK();
  }
  if (offset < buf_offset_ || want_end > have_end) {
    // Keep what is still ahead of `offset`, then read at least a chunk more
    // straight into the buffer.
    size_t keep = 0;
    if (offset >= buf_offset_ && offset < have_end) {
      keep = static_cast<size_t>(have_end - offset);
      std::memmove(buf_.get(), buf_.get() + (offset - buf_offset_), keep);
    }
    buf_offset_ = offset;
    len_ = keep;
    uint64_t read_from = offset + keep;
    uint64_t read_to = std::min<uint64_t>(size_, std::max<uint64_t>(want_end, read_from + chunk_));
    size_t need = static_cast<size_t>(read_to - offset);
    if (need > cap_) {
      std::unique_ptr<char[]> bigger(new char[need]);
      if (keep > 0) std::memcpy(bigger.get(), buf_.get(), keep);
      buf_ = std::move(bigger);
      cap_ = need;
    }
    if (read_to > read_from) {
      size_t want = static_cast<size_t>(read_to - read_from);
      size_t got = 0;
      Status s = file_->ReadInto(read_from, want, buf_.get() + keep, &got);
      if (!s.ok()) return s;
      len_ = keep + got;
      // A file that shrank under us reads short: report what is there.
      if (got < want) size_ = read_from + got;
    }
  }
  size_t start = static_cast<size_t>(offset - buf_offset_);
  *data = buf_.get() + start;
  *available = start <= len_ ? len_ - start : 0;
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
