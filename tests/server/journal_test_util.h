// Helpers shared by the journal tests: a temporary directory, deterministic
// records, open-and-replay, durable appends, whole-file access, a logger that
// captures warnings, and SegmentBuilder for hand-made segment files with
// chosen synced_sequence values. Header-only; not thread-safe unless noted.
#ifndef NSW_TESTS_SERVER_JOURNAL_TEST_UTIL_H_
#define NSW_TESTS_SERVER_JOURNAL_TEST_UTIL_H_

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <condition_variable>
#include <filesystem>
#include <fstream>
#include <future>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <vector>

#include "proto/journal.pb.h"
#include "server/journal/journal.h"
#include "server/journal/record_format.h"

namespace nsw::journal_test {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "nsw-journal-XXXXXX").string();
    char* p = ::mkdtemp(tmpl.data());
    EXPECT_NE(p, nullptr);
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

inline Fingerprint TestFingerprint(uint64_t seed = 1) {
  Fingerprint f;
  f.set_seed(seed);
  f.set_catalog_hash("3f2a9c0d");
  f.set_clock("wall");
  f.set_reorder_window_us(3600000000);
  f.set_sim_start_us(1577811600000000);
  f.set_enterprise_actions("simulated");
  return f;
}

inline JournalRecord MakeRecord(uint64_t sequence, size_t payload_bytes = 100) {
  JournalRecord r;
  r.set_sequence(sequence);
  r.set_sim_time_us(static_cast<int64_t>(sequence) * 1000);
  if (sequence % 7 == 3) {
    r.mutable_action()->set_dossier_id(sequence / 2);
    r.mutable_action()->set_kind(ActionRecord::PAY);
    return r;
  }
  SubmissionRecord* s = r.mutable_submission();
  s->set_dossier_id(sequence);
  s->set_enterprise("0100" + std::to_string(100000 + sequence % 900000));
  s->set_procedure("MOIT.CO-FORM-D");
  s->set_client_ref("ref-" + std::to_string(sequence));
  std::string payload(payload_bytes, '\0');
  for (size_t i = 0; i < payload_bytes; ++i) payload[i] = static_cast<char>((sequence * 131 + i * 7) & 0xff);
  s->set_payload(payload);
  return r;
}

// Equal apart from synced_sequence, which the journal fills in.
inline bool SameRecord(JournalRecord a, JournalRecord b) {
  a.clear_synced_sequence();
  b.clear_synced_sequence();
  return a.SerializeAsString() == b.SerializeAsString();
}

struct CapturedLog {
  CapturedLog() {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(stream);
    logger = std::make_shared<spdlog::logger>("journal-test", sink);
    logger->set_level(spdlog::level::debug);
  }
  std::string text() {
    logger->flush();
    return stream.str();
  }
  std::ostringstream stream;
  std::shared_ptr<spdlog::logger> logger;
};

struct Replayed {
  std::vector<JournalRecord> records;
  std::vector<JournalPosition> positions;
};

inline JournalOptions Options(const std::string& dir, Durability durability = Durability::kFsync,
                              uint64_t segment_size = 64ull << 20) {
  JournalOptions o;
  o.dir = dir;
  o.durability = durability;
  o.segment_size = segment_size;
  return o;
}

inline Status OpenAndReplay(Env* env, const JournalOptions& options, std::unique_ptr<Journal>* journal,
                            Replayed* replayed = nullptr, spdlog::logger* log = nullptr,
                            const Fingerprint& fingerprint = TestFingerprint()) {
  Status s = Journal::Open(env, options, fingerprint, log, journal);
  if (!s.ok()) return s;
  return (*journal)->Replay([&](const JournalRecord& r, JournalPosition p) {
    if (replayed != nullptr) {
      replayed->records.push_back(r);
      replayed->positions.push_back(p);
    }
  });
}

// Counts callbacks and remembers the first error; Wait blocks until `n` ran.
class AckCounter {
 public:
  Journal::DurableCallback Callback() {
    return [this](const Status& s) {
      std::lock_guard<std::mutex> lock(mu_);
      ++done_;
      if (s.ok()) {
        ++ok_;
      } else if (first_error_.ok()) {
        first_error_ = s;
      }
      cv_.notify_all();
    };
  }
  void Wait(uint64_t n) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return done_ >= n; });
  }
  uint64_t done() {
    std::lock_guard<std::mutex> lock(mu_);
    return done_;
  }
  uint64_t ok() {
    std::lock_guard<std::mutex> lock(mu_);
    return ok_;
  }
  Status first_error() {
    std::lock_guard<std::mutex> lock(mu_);
    return first_error_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  uint64_t done_ = 0;
  uint64_t ok_ = 0;
  Status first_error_;
};

// Appends sequences [from, from + count), one at a time, each waited for, so
// each record is written after the previous one's sync.
inline Status AppendDurably(Journal* journal, uint64_t from, uint64_t count, size_t payload_bytes,
                            std::vector<JournalPosition>* positions = nullptr) {
  for (uint64_t seq = from; seq < from + count; ++seq) {
    std::promise<Status> done;
    JournalPosition pos = 0;
    Status s = journal->Append(MakeRecord(seq, payload_bytes), &pos, [&](const Status& st) { done.set_value(st); });
    if (!s.ok()) return s;
    s = done.get_future().get();
    if (!s.ok()) return s;
    if (positions != nullptr) positions->push_back(pos);
  }
  return Status::OK();
}

inline std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline void WriteWholeFile(const std::string& path, const std::string& bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline std::string SegmentPath(const std::string& dir, uint32_t number) {
  return dir + "/" + journal_format::SegmentFileName(number);
}

// Builds a segment file by hand, recording where each record's frame starts.
class SegmentBuilder {
 public:
  explicit SegmentBuilder(uint64_t first_sequence, const Fingerprint& fingerprint = TestFingerprint()) {
    bytes_ = journal_format::EncodeSegmentHeaderFrame(fingerprint, first_sequence);
  }
  // Adds `record` as the writer would have written it after a sync through
  // `synced_sequence`.
  void Add(const JournalRecord& record, uint64_t synced_sequence) {
    std::string payload;
    EXPECT_TRUE(journal_format::EncodeRecordPayload(record, &payload).ok());
    journal_format::SetSyncedSequence(payload.data(), payload.size(), synced_sequence);
    offsets_.push_back(bytes_.size());
    journal_format::AppendFrame(payload, &bytes_);
  }
  const std::string& bytes() const { return bytes_; }
  uint64_t offset(size_t i) const { return offsets_[i]; }
  size_t count() const { return offsets_.size(); }

 private:
  std::string bytes_;
  std::vector<uint64_t> offsets_;
};

}  // namespace nsw::journal_test

#endif  // NSW_TESTS_SERVER_JOURNAL_TEST_UTIL_H_
