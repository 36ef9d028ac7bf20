// FileJournal: the Journal for --durability fsync and async, in segment files
// under the data directory (format: record_format.h).
//
// Writing. Append serializes the record straight into a shared batch buffer
// (no allocation per record), assigns its position (deciding rotation, so
// positions never change) and returns. One writer thread takes the whole
// buffer, seals its frames in place, writes it with one write() per segment
// it touches, and then:
//   kFsync: one fdatasync for the whole batch (group commit), then the durable
//           callbacks in sequence order and the group callback, no lock held;
//   kAsync: the callbacks right after write(); an fdatasync at least once a
//           second while anything is unsynced, and at Close.
// Rotation happens when a record would take the segment past segment_size
// (a segment always takes at least one record): the old segment is synced in
// full and closed, the new one is created, its header written and synced, and
// the directory synced, all before any record goes into it.
// Preparing (options.preallocate, off by default: see journal.h): once a
// segment is half full, a second thread writes the next one ahead as a
// synced file of zeros (journal-next.tmp), which rotation renames into
// place. Records then overwrite allocated blocks, so a group commit's
// fdatasync writes data pages and flushes, without the inode write a
// growing file costs (ext4). A clean Close trims the zeros after the last
// record; after a crash they are unsynced bytes like any others: a torn tail.
// Envs without PreallocateFile (test wrappers) get segments that grow.
// A failed write or sync fails the journal for good (no retry: after a failed
// fsync the kernel may have dropped the dirty pages): the batch and everything
// queued behind it get the error, healthy() turns false, Append fails at once.
//
// What a crash can leave. Bytes written before a completed sync are durable.
// Bytes written after the last completed sync (the in-flight window) may
// survive in part, in any pattern of pages, and the file may end anywhere in
// it. kFsync acknowledges a record only after a sync covering it; kAsync
// acknowledges after write(), which a killed process keeps (page cache) but a
// power loss may not. Only the final segment can have an in-flight window
// (the previous one is synced before the next exists), and the final
// segment's header is durable before any record is written after it. Each
// record carries synced_sequence: the last sequence covered by a completed
// sync when the writer wrote that record. So an intact record R with
// R.synced_sequence >= s proves record s had been synced - and could have
// been acknowledged - before R was written.
//
// Recovery rule (Replay). Segments are read in order, front to back, checking
// the header (format version, fingerprint, first sequence following on),
// every frame (length, CRC32C), that the payload parses, and sequence
// continuity. Let X be the offset of the first damaged frame and s the
// sequence expected there.
//   - X in a segment other than the final one, or any gap in segment
//     numbers: Corruption.
//   - The frame at X passes its CRC but does not parse or has the wrong
//     sequence: a torn write cannot produce that: Corruption.
//   - Otherwise the rest of the final segment after X is scanned at every byte
//     offset for an intact record with synced_sequence >= s. If there is one,
//     s was synced and its damage is not a crash artefact: Corruption. If
//     there is none, X lies in the in-flight window: a torn tail. The file is
//     truncated at X (and synced), with a warning giving the bytes cut and any
//     intact records dropped after X - records after X belong to the same
//     unsynced window, and cannot be applied without s anyway.
//   - A damaged header of the final segment: torn if no intact record
//     follows it (the file is removed), Corruption otherwise.
// Corruption names "<file>: offset N: <reason>" and nothing is modified: the
// cut, the only modification recovery makes, happens after every earlier
// segment has been verified. Limit: media damage to the last synced batch,
// when nothing was written after its sync, looks exactly like a torn write
// and is cut as one; nothing in the file can tell them apart.
//
// Reading back: Read(position) serves records not yet written from the
// in-memory queue and others with one pread (two for records over 4 KB)
// through a RandomAccessFile cached per segment.
//
// Thread-safe. Callbacks run on the writer thread and may call Append.
#ifndef NSW_SERVER_JOURNAL_FILE_JOURNAL_H_
#define NSW_SERVER_JOURNAL_FILE_JOURNAL_H_

#include <memory>

#include "server/journal/journal.h"

namespace nsw {

// Locks options.dir, applies options.fresh, and checks every segment header
// (format version and fingerprint); the records are read by Replay.
Status OpenFileJournal(Env* env, const JournalOptions& options, const Fingerprint& fingerprint,
                       spdlog::logger* log, std::unique_ptr<Journal>* out);

}  // namespace nsw

#endif  // NSW_SERVER_JOURNAL_FILE_JOURNAL_H_
