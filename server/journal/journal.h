// Journal: the durable, ordered log of every accepted input (JournalRecord,
// proto/journal.proto) in segment files under a data directory.
//
// Append is called by the sequencer in sequence order and never blocks on
// disk: it serializes the record, assigns its position, queues it, and
// returns. A dedicated writer thread frames (length + CRC32C) and writes
// queued records and, for
// kFsync, covers every record that arrived meanwhile with one fdatasync
// (group commit); then it calls each record's `durable` callback, in
// sequence order, on the writer thread, holding no journal lock (so a
// callback may call Append). kAsync calls back after write() and syncs once a
// second; kNone keeps nothing on disk and calls back at once, inside Append
// on the caller's thread (records stay readable from memory for the life of
// the process).
//
// After a failed write or sync the journal is failed: that record's and every
// later record's callback gets the error, and Append fails at once. It never
// reports durable what is not.
//
// Open() locks the directory, checks each segment's header against the
// fingerprint (refusing a mismatch unless options.fresh), and makes the
// records available to Replay(), which must run before the first Append.
// The file format and the recovery rule (what counts as a torn tail) are in
// record_format.h and file_journal.h. Thread-safe.
#ifndef NSW_SERVER_JOURNAL_JOURNAL_H_
#define NSW_SERVER_JOURNAL_JOURNAL_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "proto/journal.pb.h"
#include "proto/status.h"
#include "server/journal/env.h"

namespace spdlog { class logger; }

namespace nsw {

enum class Durability { kFsync, kAsync, kNone };

struct JournalOptions {
  std::string dir = "./nsw-data";          // --data-dir
  Durability durability = Durability::kFsync;  // --durability
  uint64_t segment_size = 64ull << 20;     // --segment-size: rotate past this
  bool fresh = false;                      // --fresh: delete old segments first
  // Prepare each next segment ahead as a file of zeros (file_journal.h), so
  // a group commit's fdatasync skips the inode write of a growing file.
  // Off: on this 2-core VM zero-filling cost 2-5 us of CPU per 2.7 KB record
  // on the preparing thread, against fdatasync latency 35-45% lower when
  // measured alone; no net gain could be shown on the loaded shared disk.
  bool preallocate = false;
  // false: Replay hands submissions over without their payload bytes (the
  // service keeps only a record's position and reads the payload back when
  // asked), which saves copying most of every record at restart.
  bool replay_payloads = true;
};

// Where a record lives: segment number in the high 24 bits, byte offset of
// its frame in the low 40 (kNone: the record's index). Assigned by Append,
// stable forever; 0 is never a file journal position.
using JournalPosition = uint64_t;

class Journal {
 public:
  using DurableCallback = std::function<void(const Status&)>;

  static Status Open(Env* env, const JournalOptions& options, const Fingerprint& fingerprint,
                     spdlog::logger* log, std::unique_ptr<Journal>* out);
  virtual ~Journal() = default;
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Calls `apply` for every recovered record in sequence order (the record
  // is valid only during the call; the journal reuses it). A torn tail
  // (damage after the last point that could have been acknowledged, in the
  // final segment) is cut off with a warning; damage elsewhere returns
  // Corruption naming file, offset and reason, and nothing is modified.
  virtual Status Replay(const std::function<void(const JournalRecord&, JournalPosition)>& apply) = 0;
  // Replay, with `prepare` also called for every record `apply` gets, in the
  // same order and each before `apply` sees it, but on whichever thread reads
  // the journal: work that needs only the records themselves then overlaps
  // applying them. `prepare` may run ahead of `apply` by a few thousand
  // records, never concurrently with itself; both are done when this
  // returns. The default calls both on the caller's thread.
  virtual Status ReplayPrepared(const std::function<void(const JournalRecord&, JournalPosition)>& prepare,
                                const std::function<void(const JournalRecord&, JournalPosition)>& apply);
  // The last sequence number recovered by Replay (0 for an empty journal).
  virtual uint64_t last_sequence() const = 0;

  // Queues `record` (its sequence must be last + 1) and returns its position.
  // `durable` runs once per the durability mode (see the file comment). When
  // Append returns an error (journal failed or closed, bad sequence, record
  // over 64 MiB), nothing was queued and `durable` is never called.
  virtual Status Append(const JournalRecord& record, JournalPosition* position,
                        DurableCallback durable) = 0;

  // Optional, set before the first Append: called once per group of records
  // answered together (one group commit, or the failure of everything
  // queued), after their own `durable` callbacks, with the group's last
  // sequence number and status, where those callbacks run and under the same
  // rules (kNone: once per record, inline in Append). A caller that tracks
  // its records by sequence can pass empty `durable` callbacks and handle a
  // whole group at once (one lock, one pass) instead of record by record.
  using GroupCallback = std::function<void(uint64_t last_sequence, const Status&)>;
  virtual void SetGroupCallback(GroupCallback done) = 0;

  // Reads back a record by position (recovered or appended; for an appended
  // one, possibly before it is durable).
  virtual Status Read(JournalPosition position, JournalRecord* record) = 0;

  // False once a write or sync has failed.
  virtual bool healthy() const = 0;
  // Stops the writer after flushing (and syncing) everything queued, and
  // releases the data directory. Not from a durable callback (it joins the
  // writer thread). Idempotent; the destructor calls it.
  virtual void Close() = 0;

  // Figures for /metrics: syncs done, records they covered, sync latency.
  struct Counters {
    uint64_t records = 0;            // appended since Open
    uint64_t bytes = 0;              // framed bytes appended since Open
    uint64_t syncs = 0;              // fdatasync calls on segments
    uint64_t sync_micros_total = 0;  // time spent in them
    uint64_t queued_records = 0;     // appended, not yet written and called back
    uint64_t queued_bytes = 0;
    uint64_t segments = 0;           // segment files in the journal now
    uint64_t recovered_records = 0;  // read by Replay
    uint64_t torn_bytes = 0;         // cut off as a torn tail by Replay
    uint64_t replay_micros = 0;      // wall time Replay took
  };
  virtual Counters counters() const = 0;

 protected:
  Journal() = default;
};

}  // namespace nsw

#endif  // NSW_SERVER_JOURNAL_JOURNAL_H_
