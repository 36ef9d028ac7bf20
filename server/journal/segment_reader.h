// Recovery helpers: SegmentReader streams one segment file front to back in
// large chunks (one pread per chunk, not per record), and FindSyncProof looks
// through the bytes after a damaged frame for an intact record proving that
// the damaged one had already been synced (see the recovery rule in
// file_journal.h). Not thread-safe; one reader per scan.
#ifndef NSW_SERVER_JOURNAL_SEGMENT_READER_H_
#define NSW_SERVER_JOURNAL_SEGMENT_READER_H_

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "proto/journal.pb.h"
#include "proto/status.h"
#include "server/journal/env.h"

namespace nsw {

class SegmentReader {
 public:
  explicit SegmentReader(size_t chunk_bytes = 8u << 20) : chunk_(chunk_bytes) {}

  // Starts on another file (keeping the buffer): `file` must outlive its
  // use; `size` is the file's size.
  void Reset(const RandomAccessFile* file, uint64_t size) {
    file_ = file;
    size_ = size;
    len_ = 0;
    buf_offset_ = 0;
  }

  uint64_t size() const { return size_; }

  // Makes bytes [offset, offset + n) available (fewer at end of file):
  // *data points at offset's byte, *available is how many follow it (at least
  // min(n, size - offset) unless the read fails). Offsets must not go back
  // before the previous call's offset. Pointers stay valid until the next call.
  Status Peek(uint64_t offset, size_t n, const char** data, size_t* available);

 private:
  const RandomAccessFile* file_ = nullptr;
  uint64_t size_ = 0;
  size_t chunk_;
  std::unique_ptr<char[]> buf_;
  size_t cap_ = 0;
  size_t len_ = 0;           // bytes of buf_ holding file data
  uint64_t buf_offset_ = 0;  // file offset of buf_[0]
};

// `tail` holds the file's bytes from a damaged frame's offset to the end.
// Scans every byte offset after the first for a frame that passes its CRC
// and parses as a JournalRecord with synced_sequence >= `damaged_sequence`
// (and sequence > synced_sequence): proof that the damaged record had been
// synced before that one was written. Intact frames are skipped whole and
// counted in *intact_records. On success sets *proof_offset (relative to
// tail) and *proof.
bool FindSyncProof(std::string_view tail, uint64_t damaged_sequence, size_t* proof_offset, JournalRecord* proof,
                   size_t* intact_records);

}  // namespace nsw

#endif  // NSW_SERVER_JOURNAL_SEGMENT_READER_H_
