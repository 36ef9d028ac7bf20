// MemoryJournal: the Journal for --durability none. Nothing touches the disk
// (no directory, no lock); records are kept serialized in memory so Read
// works for the life of the process, and each durable callback runs inside
// Append, on the caller's thread, before Append returns. A position is the
// record's index (segment 0). Thread-safe.
#ifndef NSW_SERVER_JOURNAL_MEMORY_JOURNAL_H_
#define NSW_SERVER_JOURNAL_MEMORY_JOURNAL_H_

#include <deque>
#include <memory>
#include <mutex>
#include <string>

#include "server/journal/journal.h"

namespace nsw {

std::unique_ptr<Journal> NewMemoryJournal();

}  // namespace nsw

#endif  // NSW_SERVER_JOURNAL_MEMORY_JOURNAL_H_
