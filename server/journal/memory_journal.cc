// MemoryJournal implementation: a deque of serialized records under a mutex.
#include "server/journal/memory_journal.h"

#include "server/journal/record_format.h"

namespace nsw {
namespace {

class MemoryJournal final : public Journal {
 public:
  Status Replay(const std::function<void(const JournalRecord&, JournalPosition)>& apply) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (replayed_) return Status::FailedPrecondition("journal Replay called twice");
    replayed_ = true;
    return Status::OK();
  }

  uint64_t last_sequence() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return last_sequence_;
  }

  Status Append(const JournalRecord& record, JournalPosition* position, DurableCallback durable) override {
    std::string bytes;
    Status s = journal_format::EncodeRecordPayload(record, &bytes);  // same limits as on disk
    if (!s.ok()) return s;
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (closed_) return Status::Unavailable("journal is closed");
      if (!replayed_) return Status::FailedPrecondition("journal Append before Replay");
      if (record.sequence() != last_sequence_ + 1) {
        return Status::InvalidArgument("journal record sequence " + std::to_string(record.sequence()) +
                                       " does not follow " + std::to_string(last_sequence_));
      }
      *position = records_.size();
      records_.push_back(std::move(bytes));
      last_sequence_ = record.sequence();
      counters_.records++;
      counters_.bytes += records_.back().size();
    }
    if (durable) durable(Status::OK());
    if (group_done_) group_done_(record.sequence(), Status::OK());
    return Status::OK();
  }

  void SetGroupCallback(GroupCallback done) override { group_done_ = std::move(done); }

  Status Read(JournalPosition position, JournalRecord* record) override {
    std::lock_guard<std::mutex> lock(mu_);
    if (position >= records_.size()) return Status::NotFound("no journal record at position " + std::to_string(position));
    if (!record->ParseFromString(records_[position])) return Status::Corruption("in-memory journal record unparseable");
    return Status::OK();
  }

  bool healthy() const override { return true; }

  void Close() override {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
  }

  Counters counters() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return counters_;
  }

 private:
  mutable std::mutex mu_;
  std::deque<std::string> records_;
  uint64_t last_sequence_ = 0;
  bool replayed_ = false;
  bool closed_ = false;
  Counters counters_;
  GroupCallback group_done_;  // set before the first Append, then read-only
};

}  // namespace

std::unique_ptr<Journal> NewMemoryJournal() { return std::make_unique<MemoryJournal>(); }

}  // namespace nsw
