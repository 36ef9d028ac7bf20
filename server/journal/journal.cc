// Journal::Open: picks the implementation for the durability mode (memory
// for kNone, files otherwise); the single-threaded default of ReplayPrepared.
#include "server/journal/journal.h"

#include <spdlog/spdlog.h>

#include "server/journal/file_journal.h"
#include "server/journal/memory_journal.h"

namespace nsw {

Status Journal::Open(Env* env, const JournalOptions& options, const Fingerprint& fingerprint,
                     spdlog::logger* log, std::unique_ptr<Journal>* out) {
  if (options.durability == Durability::kNone) {
    if (log != nullptr) {
      log->warn("durability none: the journal keeps nothing on disk; a restart starts from an empty state");
    }
    *out = NewMemoryJournal();
    return Status::OK();
  }
  return OpenFileJournal(env, options, fingerprint, log, out);
}

Status Journal::ReplayPrepared(const std::function<void(const JournalRecord&, JournalPosition)>& prepare,
                               const std::function<void(const JournalRecord&, JournalPosition)>& apply) {
  return Replay([&](const JournalRecord& record, JournalPosition position) {
    prepare(record, position);
    apply(record, position);
  });
}

}  // namespace nsw
