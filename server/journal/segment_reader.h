// Recovery helper: FindSyncProof looks through the bytes after a damaged
// frame for an intact record proving that the damaged one had already been
// synced (see the recovery rule in file_journal.h). Segments themselves are
// scanned in place through Env::NewMappedFile. Pure function, thread-safe.
#ifndef NSW_SERVER_JOURNAL_SEGMENT_READER_H_
#define NSW_SERVER_JOURNAL_SEGMENT_READER_H_

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "proto/journal.pb.h"

namespace nsw {

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
