// FileJournal implementation: Open (lock, fresh, headers), Replay (the
// recovery rule of file_journal.h), the writer thread (group commit,
// rotation, failure), and Read.
#include "server/journal/file_journal.h"

#include <google/protobuf/arena.h>
#include <pthread.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <map>
#include <mutex>
#include <thread>
#include <vector>

#include "server/journal/record_format.h"
#include "server/journal/segment_reader.h"

namespace nsw {
namespace {

using namespace journal_format;

// A batch buffer whose capacity grew past this (a burst) is released once
// empty rather than kept.
constexpr size_t kKeepBufferCapacity = 4u << 20;
constexpr int64_t kAsyncSyncIntervalMicros = 1000000;
// The next segment is prepared ahead as this file of zeros (preallocated up
// to this size) and renamed into place at rotation: writes into it change no
// metadata, so each group commit's fdatasync skips the inode write that a
// growing file needs (ext4: about a third less sync latency on this VM).
constexpr char kPreparedFileName[] = "journal-next.tmp";
constexpr uint64_t kMaxPreallocate = 256u << 20;
// Read() fetches this much with its first pread; most records fit.
constexpr size_t kReadGuess = 4096;
// Replay hands records from its reading thread to the applying one in
// batches of this many, with this many batches in flight; each batch parses
// its records on an arena whose first block (this size) is reused.
constexpr size_t kReplayBatchRecords = 512;
constexpr size_t kReplayBatches = 4;
constexpr size_t kReplayArenaBlock = 256u << 10;

struct SegmentFile {
  uint32_t number = 0;
  std::string path;
  uint64_t size = 0;
  bool header_ok = false;
  std::string header_damage;  // why the header is unreadable, when !header_ok
  uint64_t first_sequence = 0;
  uint64_t data_offset = 0;   // end of the header frame
};

struct Pending {
  uint64_t sequence = 0;
  JournalPosition position = 0;
  // Its frame in the batch buffer (queue_bytes_, then inflight_bytes_): the
  // 8-byte header, zero until the writer seals it, then the encoded record,
  // whose synced_sequence trailer the writer fills in first.
  size_t frame_at = 0;
  uint32_t payload_size = 0;
  std::string header_frame;  // non-empty: this record opens a new segment
  Journal::DurableCallback durable;
};

std::string Where(const std::string& path, uint64_t offset) {
  return path + ": offset " + std::to_string(offset) + ": ";
}

// Reads and checks a segment's header frame; a damaged one is reported in
// seg->header_damage, an unusable but intact one as the returned error.
Status ReadSegmentHeader(Env* env, const std::string& dir, const Fingerprint& fingerprint, SegmentFile* seg) {
  Status s = env->GetFileSize(seg->path, &seg->size);
  if (!s.ok()) return s;
  std::unique_ptr<RandomAccessFile> file;
  s = env->NewRandomAccessFile(seg->path, &file);
  if (!s.ok()) return s;
  std::string buf;
  s = file->Read(0, kFrameHeaderSize, &buf);
  if (!s.ok()) return s;
  uint32_t len = 0;
  FrameCheck check = CheckFrame(buf.data(), buf.size(), &len);
  if (check == FrameCheck::kShortPayload) {
    s = file->Read(0, kFrameHeaderSize + len, &buf);
    if (!s.ok()) return s;
    check = CheckFrame(buf.data(), buf.size(), &len);
  }
  if (check != FrameCheck::kOk) {
    seg->header_damage = "segment header: " + DescribeFrameCheck(check, len, buf.size());
    return Status::OK();
  }
  SegmentHeader header;
  if (!header.ParseFromArray(buf.data() + kFrameHeaderSize, static_cast<int>(len))) {
    return Status::Corruption(Where(seg->path, 0) + "segment header does not parse");
  }
  if (header.format_version() != kFormatVersion) {
    return Status::FailedPrecondition(seg->path + ": journal format version " +
                                      std::to_string(header.format_version()) + "; this build reads version " +
                                      std::to_string(kFormatVersion));
  }
  std::string diff = DescribeFingerprintDifference(header.fingerprint(), fingerprint);
  if (!diff.empty()) {
    return Status::FailedPrecondition("data dir " + dir + " was written with " + diff +
                                      "; use a new --data-dir or --fresh");
  }
  seg->header_ok = true;
  seg->first_sequence = header.first_sequence();
  seg->data_offset = kFrameHeaderSize + len;
  return Status::OK();
}

using ReplayFn = std::function<void(const JournalRecord&, JournalPosition)>;

// Recovery runs on two threads: a reading thread maps each segment, checks
// frames, parses records (ReplaySegment) and calls `prepare` on each, and
// the thread that called Replay applies them, in order, as batches arrive.
// The reading thread does whatever needs only the record, so that on two
// cores the applying thread, the critical path, does as little as it can.
// The reader fills a batch (records on the batch's arena) and hands it
// over; the applier gives it back once applied, so at most kReplayBatches
// are alive. Records reach `apply` exactly as a single-threaded replay would
// deliver them: in order, and every record before the first damaged one.
class ReplayPipe {
 public:
  ReplayPipe() {
    for (size_t i = 0; i < kReplayBatches; ++i) free_.push_back(std::make_unique<Batch>());
  }

  // Reader side. A fresh record on the current batch's arena, valid until
  // the batch is applied; Commit delivers it (an uncommitted one is dropped
  // with the batch).
  JournalRecord* Next() {
    if (current_ == nullptr || current_->records.size() == kReplayBatchRecords) {
      Flush();
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [&] { return !free_.empty(); });
      current_ = std::move(free_.back());
      free_.pop_back();
      lock.unlock();
      current_->arena.Reset();
      current_->records.clear();
    }
    return google::protobuf::Arena::CreateMessage<JournalRecord>(&current_->arena);
  }
  void Commit(JournalRecord* record, JournalPosition position) { current_->records.emplace_back(record, position); }
  // The reader is done: hands over the last batch and the reader's verdict.
  void Finish(const Status& status) {
    Flush();
    std::lock_guard<std::mutex> lock(mu_);
    reader_status_ = status;
    finished_ = true;
    cv_.notify_all();
  }

  // Applier side: applies batches until the reader finishes, and returns its
  // verdict.
  Status Drain(const ReplayFn& apply) {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      cv_.wait(lock, [&] { return !ready_.empty() || finished_; });
      if (ready_.empty()) return reader_status_;
      std::unique_ptr<Batch> batch = std::move(ready_.front());
      ready_.pop_front();
      lock.unlock();
      for (const auto& [record, position] : batch->records) apply(*record, position);
      lock.lock();
      free_.push_back(std::move(batch));
      cv_.notify_all();
    }
  }
 private:
  struct Batch {
    Batch() : block(new char[kReplayArenaBlock]), arena(Options(block.get())) {}
    static google::protobuf::ArenaOptions Options(char* block) {
      google::protobuf::ArenaOptions o;
      o.initial_block = block;
      o.initial_block_size = kReplayArenaBlock;
      return o;
    }
    std::unique_ptr<char[]> block;
    google::protobuf::Arena arena;
    std::vector<std::pair<JournalRecord*, JournalPosition>> records;
  };

  void Flush() {
    if (current_ == nullptr) return;
    std::lock_guard<std::mutex> lock(mu_);
    if (current_->records.empty()) {
      free_.push_back(std::move(current_));
    } else {
      ready_.push_back(std::move(current_));
    }
    current_ = nullptr;
    cv_.notify_all();
  }

  std::unique_ptr<Batch> current_;  // reader's batch being filled
  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::unique_ptr<Batch>> ready_;
  std::vector<std::unique_ptr<Batch>> free_;
  bool finished_ = false;
  Status reader_status_;
};

class FileJournal final : public Journal {
 public:
  FileJournal(Env* env, const JournalOptions& options, const Fingerprint& fingerprint, spdlog::logger* log,
              std::unique_ptr<FileLock> lock, std::vector<SegmentFile> segments)
      : env_(env),
        options_(options),
        fingerprint_(fingerprint),
        log_(log),
        lock_(std::move(lock)),
        segments_(std::move(segments)) {
    counters_.segments = segments_.size();
  }

  ~FileJournal() override { Close(); }

  Status Replay(const ReplayFn& apply) override { return ReplayPrepared(nullptr, apply); }
  // `prepare` runs on the reading thread (it may be empty).
  Status ReplayPrepared(const ReplayFn& prepare, const ReplayFn& apply) override;

  uint64_t last_sequence() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return last_sequence_;
  }

  Status Append(const JournalRecord& record, JournalPosition* position, DurableCallback durable) override;
  void SetGroupCallback(GroupCallback done) override {
    std::lock_guard<std::mutex> lock(mu_);
    group_done_ = std::move(done);
  }
  Status Read(JournalPosition position, JournalRecord* record) override;

  bool healthy() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return failed_.ok() && writing_;
  }

  void Close() override;

  Counters counters() const override {
    std::lock_guard<std::mutex> lock(mu_);
    return counters_;
  }

 private:
  void Warn(const std::string& msg) {
    if (log_ != nullptr) log_->warn("{}", msg);
  }
  void Info(const std::string& msg) {
    if (log_ != nullptr) log_->info("{}", msg);
  }

  std::string SegmentPath(uint32_t number) const { return options_.dir + "/" + SegmentFileName(number); }
  Status ReaderFor(uint32_t number, std::shared_ptr<RandomAccessFile>* out);
  void DropReader(uint32_t number);

  // Replay helpers; each may cut the final segment (recovery rule).
  Status ReplaySegments(const ReplayFn& prepare, ReplayPipe* pipe, uint64_t* expected);
  Status ReplaySegment(SegmentFile* seg, bool final, const ReplayFn& prepare, uint64_t* expected, ReplayPipe* pipe);
  // `tail`: the segment's bytes from `offset` to its end.
  Status CutTornTail(SegmentFile* seg, uint64_t offset, std::string_view tail, uint64_t expected,
                     const std::string& reason);
  Status RemoveTornSegment(const SegmentFile& seg);
  Status StartWriting(uint64_t last_sequence);

  // Writer thread and its helpers (file_, writer_* are touched only there).
  void WriterLoop();
  Status WriteBatch(const std::vector<Pending>& batch, std::string* bytes, uint64_t* syncs, uint64_t* sync_micros);
  Status SyncFile(uint64_t* syncs, uint64_t* sync_micros);
  Status OpenSegment(const Pending& first, uint64_t* syncs, uint64_t* sync_micros);
  // Preparer thread: zero-fills the next segment ahead (kPreparedFileName).
  void PrepareLoop();
  // Under mu_: asks for the next segment once the current one is half full.
  void MaybePrepareLocked();
  std::string PreparedPath() const { return options_.dir + "/" + kPreparedFileName; }

  Env* const env_;
  const JournalOptions options_;
  const Fingerprint fingerprint_;
  spdlog::logger* const log_;
  std::unique_ptr<FileLock> lock_;
  std::vector<SegmentFile> segments_;  // Open and Replay only

  mutable std::mutex mu_;
  std::condition_variable work_cv_;
  std::deque<Pending> queue_;      // appended, not yet taken by the writer
  std::vector<Pending> inflight_;  // taken by the writer; it alone mutates this
  // The frames of queue_ and of inflight_, encoded by Append straight into
  // one buffer (no allocation or copy per record; the writer takes the whole
  // buffer by swapping). While a batch is in flight the writer seals its
  // frames without mu_, touching only frame headers and trailers, which
  // Read never looks at.
  std::string queue_bytes_;
  std::string inflight_bytes_;
  GroupCallback group_done_;  // set before the first Append
  bool replay_started_ = false;
  bool writing_ = false;           // Replay succeeded and the writer runs
  bool closing_ = false;
  uint64_t last_sequence_ = 0;
  uint32_t tail_segment_ = 0;      // where the next Append goes
  uint64_t tail_offset_ = 0;
  uint64_t tail_records_ = 0;
  JournalPosition written_end_ = 0;  // every frame before this is in a file
  Status failed_;
  Counters counters_;
  std::thread writer_;
  // Preparing the next segment (guarded by mu_; the thread starts with the
  // first request, so short-lived journals never prepare anything).
  std::thread preparer_;
  std::condition_variable prepare_cv_;
  bool prepare_wanted_ = false;
  bool prepared_ = false;      // kPreparedFileName is complete and unused
  bool prepare_off_ = false;   // the Env cannot, or preparing failed: stop trying

  std::mutex readers_mu_;
  std::map<uint32_t, std::shared_ptr<RandomAccessFile>> readers_;

  // Writer-thread state.
  std::unique_ptr<WritableFile> file_;
  uint32_t file_segment_ = 0;
  bool file_reused_ = false;  // file_ was prepared: trim its unused zeros at the end
  uint64_t writer_synced_sequence_ = 0;   // covered by the last completed sync
  uint64_t writer_written_sequence_ = 0;  // last record handed to write()
  int64_t last_sync_micros_ = 0;
};

Status FileJournal::ReaderFor(uint32_t number, std::shared_ptr<RandomAccessFile>* out) {
  std::lock_guard<std::mutex> lock(readers_mu_);
  auto it = readers_.find(number);
  if (it != readers_.end()) {
    *out = it->second;
    return Status::OK();
  }
  std::unique_ptr<RandomAccessFile> file;
  Status s = env_->NewRandomAccessFile(SegmentPath(number), &file);
  if (!s.ok()) return s;
  *out = std::shared_ptr<RandomAccessFile>(std::move(file));
  readers_.emplace(number, *out);
  return Status::OK();
}

void FileJournal::DropReader(uint32_t number) {
  std::lock_guard<std::mutex> lock(readers_mu_);
  readers_.erase(number);
}

Status FileJournal::ReplayPrepared(const ReplayFn& prepare, const ReplayFn& apply) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (replay_started_) return Status::FailedPrecondition("journal Replay called twice");
    replay_started_ = true;
  }
  int64_t start = env_->MonotonicMicros();
  uint64_t expected = 1;
  ReplayPipe pipe;
  std::thread reader([this, &pipe, &expected, &prepare] { pipe.Finish(ReplaySegments(prepare, &pipe, &expected)); });
  // Drain returns once the reader has finished (it applies every batch).
  Status s = pipe.Drain(apply);
  reader.join();
  if (!s.ok()) return s;
  {
    std::lock_guard<std::mutex> lock(mu_);
    counters_.recovered_records = expected - 1;
    counters_.replay_micros = static_cast<uint64_t>(env_->MonotonicMicros() - start);
  }
  return StartWriting(expected - 1);
}

// The reading thread of Replay.
Status FileJournal::ReplaySegments(const ReplayFn& prepare, ReplayPipe* pipe, uint64_t* expected) {
  for (size_t i = 0; i < segments_.size(); ++i) {
    bool final = i + 1 == segments_.size();
    Status s = ReplaySegment(&segments_[i], final, prepare, expected, pipe);
    if (!s.ok()) return s;
  }
  return Status::OK();
}

Status FileJournal::ReplaySegment(SegmentFile* seg, bool final, const ReplayFn& prepare, uint64_t* expected,
                                  ReplayPipe* pipe) {
  // The whole segment as one view: records are checked and parsed in place,
  // without a copy through read() (the parsed records own their strings, so
  // the view can go once the segment is scanned).
  std::unique_ptr<MappedFile> map;
  Status s = env_->NewMappedFile(seg->path, &map);
  if (!s.ok()) return s;
  const std::string_view bytes = map->data();
  if (!seg->header_ok) {
    // Open refuses a damaged header anywhere but in the final segment.
    JournalRecord proof;
    size_t proof_offset = 0;
    size_t intact = 0;
    if (FindSyncProof(bytes, 0, &proof_offset, &proof, &intact)) {
      return Status::Corruption(Where(seg->path, 0) + seg->header_damage + "; an intact record (sequence " +
                                std::to_string(proof.sequence()) + ") follows at offset " +
                                std::to_string(proof_offset));
    }
    map.reset();
    return RemoveTornSegment(*seg);
  }
  if (seg->first_sequence != *expected) {
    return Status::Corruption(Where(seg->path, 0) + "segment starts at sequence " +
                              std::to_string(seg->first_sequence) + ", expected " + std::to_string(*expected));
  }
  // A file that changed size since Open is read as it is now.
  seg->size = bytes.size();
  const bool skip_payload = !options_.replay_payloads;
  uint64_t off = seg->data_offset;
  while (off < bytes.size()) {
    const char* p = bytes.data() + off;
    const size_t avail = bytes.size() - off;
    uint32_t len = 0;
    const FrameCheck check = CheckFrame(p, avail, &len);
    std::string damage;
    const bool crc_ok = check == FrameCheck::kOk;
    JournalRecord* rec = pipe->Next();
    if (!crc_ok) {
      damage = DescribeFrameCheck(check, len, avail);
    } else if (len < kSyncedTrailerSize || !ParseRecord(p + kFrameHeaderSize, len, skip_payload, rec)) {
      damage = "record does not parse";
    } else if (rec->sequence() != *expected) {
      damage = "record has sequence " + std::to_string(rec->sequence()) + ", expected " + std::to_string(*expected);
    }
    if (!damage.empty()) {
      // A frame that passes its CRC reached the disk whole: whatever is
      // wrong with it is not a torn write.
      if (!final || crc_ok) return Status::Corruption(Where(seg->path, off) + damage);
      return CutTornTail(seg, off, bytes.substr(off), *expected, damage);
    }
    const JournalPosition position = MakePosition(seg->number, off);
    if (prepare) prepare(*rec, position);
    pipe->Commit(rec, position);
    ++*expected;
    off += kFrameHeaderSize + len;
  }
  return Status::OK();
}

Status FileJournal::CutTornTail(SegmentFile* seg, uint64_t offset, std::string_view tail, uint64_t expected,
                                const std::string& reason) {
  size_t proof_offset = 0;
  size_t intact = 0;
  JournalRecord proof;
  if (FindSyncProof(tail, expected, &proof_offset, &proof, &intact)) {
    return Status::Corruption(Where(seg->path, offset) + reason + "; sequence " + std::to_string(expected) +
                              " had been synced: the intact record at offset " +
                              std::to_string(offset + proof_offset) + " (sequence " +
                              std::to_string(proof.sequence()) + ") was written after a sync through sequence " +
                              std::to_string(proof.synced_sequence()));
  }
  Warn(Where(seg->path, offset) + reason + ": torn tail after the last sync, cutting " +
       std::to_string(tail.size()) + " bytes (" + std::to_string(intact) +
       " intact but unsynced records after it dropped); the last recovered record is sequence " +
       std::to_string(expected - 1));
  Status s = env_->TruncateFile(seg->path, offset);
  if (!s.ok()) return s;
  seg->size = offset;
  std::lock_guard<std::mutex> lock(mu_);
  counters_.torn_bytes += tail.size();
  return Status::OK();
}

Status FileJournal::RemoveTornSegment(const SegmentFile& seg) {
  Warn(seg.path + ": " + seg.header_damage + " and no intact record after it: a segment torn at creation, removing it");
  DropReader(seg.number);
  Status s = env_->RemoveFile(seg.path);
  if (s.ok()) s = env_->SyncDir(options_.dir);
  if (!s.ok()) return s;
  segments_.pop_back();
  std::lock_guard<std::mutex> lock(mu_);
  counters_.torn_bytes += seg.size;
  counters_.segments = segments_.size();
  return Status::OK();
}

Status FileJournal::StartWriting(uint64_t last_sequence) {
  uint32_t tail_segment;
  uint64_t tail_offset;
  uint64_t tail_records;
  uint64_t syncs = 0, sync_micros = 0;
  if (!segments_.empty()) {
    const SegmentFile& seg = segments_.back();
    Status s = env_->NewAppendableFile(seg.path, &file_);
    // The recovered tail may still be only in the page cache (a killed
    // process, kAsync) and a cut must persist before anything follows it:
    // sync, so that synced_sequence = last_sequence is true from here on.
    if (s.ok()) s = SyncFile(&syncs, &sync_micros);
    if (!s.ok()) return s;
    file_segment_ = seg.number;
    tail_segment = seg.number;
    tail_offset = seg.size;
    tail_records = last_sequence + 1 - seg.first_sequence;
  } else {
    Pending first;
    first.sequence = last_sequence + 1;
    first.header_frame = EncodeSegmentHeaderFrame(fingerprint_, last_sequence + 1);
    first.position = MakePosition(1, first.header_frame.size());
    Status s = OpenSegment(first, &syncs, &sync_micros);
    if (!s.ok()) return s;
    tail_segment = 1;
    tail_offset = first.header_frame.size();
    tail_records = 0;
  }
  segments_.clear();  // Replay is done; the writer tracks segments from here
  writer_synced_sequence_ = last_sequence;
  writer_written_sequence_ = last_sequence;
  last_sync_micros_ = env_->MonotonicMicros();
  std::lock_guard<std::mutex> lock(mu_);
  last_sequence_ = last_sequence;
  tail_segment_ = tail_segment;
  tail_offset_ = tail_offset;
  tail_records_ = tail_records;
  written_end_ = MakePosition(tail_segment, tail_offset);
  counters_.syncs += syncs;
  counters_.sync_micros_total += sync_micros;
  writing_ = true;
  writer_ = std::thread([this] { WriterLoop(); });
  return Status::OK();
}

Status FileJournal::Append(const JournalRecord& record, JournalPosition* position, DurableCallback durable) {
  // The trailer stands for synced_sequence, so a value set here is dropped
  // (as EncodeRecordPayload does).
  JournalRecord cleared;
  const JournalRecord* source = &record;
  if (record.synced_sequence() != 0) {
    cleared = record;
    cleared.clear_synced_sequence();
    source = &cleared;
  }
  const size_t body_size = source->ByteSizeLong();  // caches the sizes serializing uses below
  if (body_size + kSyncedTrailerSize > kMaxPayload) {
    return Status::InvalidArgument("journal record of " + std::to_string(body_size + kSyncedTrailerSize) +
                                   " bytes exceeds the limit of " + std::to_string(kMaxPayload));
  }
  Pending p;
  p.sequence = record.sequence();
  p.durable = std::move(durable);
  p.payload_size = static_cast<uint32_t>(body_size + kSyncedTrailerSize);
  uint64_t frame_size = kFrameHeaderSize + p.payload_size;
  std::lock_guard<std::mutex> lock(mu_);
  if (!failed_.ok()) return failed_;
  if (closing_) return Status::Unavailable("journal is closed");
  if (!writing_) return Status::FailedPrecondition("journal Append before a successful Replay");
  if (p.sequence != last_sequence_ + 1) {
    return Status::InvalidArgument("journal record sequence " + std::to_string(p.sequence) + " does not follow " +
                                   std::to_string(last_sequence_));
  }
  if (tail_records_ > 0 && tail_offset_ + frame_size > options_.segment_size) {
    if (tail_segment_ == kMaxSegmentNumber) return Status::Unavailable("journal has run out of segment numbers");
    p.header_frame = EncodeSegmentHeaderFrame(fingerprint_, p.sequence);
    ++tail_segment_;
    tail_offset_ = p.header_frame.size();
    tail_records_ = 0;
  }
  p.frame_at = queue_bytes_.size();
  queue_bytes_.resize(p.frame_at + frame_size);  // zeros: the frame header and the trailer's value
  auto* body = reinterpret_cast<uint8_t*>(queue_bytes_.data() + p.frame_at + kFrameHeaderSize);
  source->SerializeWithCachedSizesToArray(body);
  body[body_size] = kSyncedTrailerTag;
  p.position = MakePosition(tail_segment_, tail_offset_);
  tail_offset_ += frame_size;
  ++tail_records_;
  last_sequence_ = p.sequence;
  *position = p.position;
  counters_.records++;
  counters_.bytes += frame_size;
  counters_.queued_records++;
  counters_.queued_bytes += frame_size;
  bool was_empty = queue_.empty();
  queue_.push_back(std::move(p));
  if (was_empty) work_cv_.notify_one();
  return Status::OK();
}

void FileJournal::WriterLoop() {
  // Named so that top -H and perf tell it from the io threads.
  pthread_setname_np(pthread_self(), "nsw-journal");
  const bool fsync = options_.durability == Durability::kFsync;
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    if (queue_.empty()) {
      bool unsynced = writer_written_sequence_ > writer_synced_sequence_;
      if (closing_ || !failed_.ok()) {
        if (closing_) break;
        work_cv_.wait(lock);
        continue;
      }
      if (!unsynced) {
        work_cv_.wait(lock);
        continue;
      }
      // kAsync with unsynced data: sleep until the once-a-second sync is due.
      int64_t due = last_sync_micros_ + kAsyncSyncIntervalMicros - env_->MonotonicMicros();
      if (due > 0) {
        work_cv_.wait_for(lock, std::chrono::microseconds(due));
        continue;
      }
      uint64_t syncs = 0, micros = 0;
      lock.unlock();
      Status s = SyncFile(&syncs, &micros);
      lock.lock();
      counters_.syncs += syncs;
      counters_.sync_micros_total += micros;
      if (!s.ok()) {
        failed_ = s;
        Warn("journal: periodic sync failed, no longer accepting records: " + s.message());
      }
      continue;
    }

    inflight_.assign(std::make_move_iterator(queue_.begin()), std::make_move_iterator(queue_.end()));
    queue_.clear();
    inflight_bytes_.swap(queue_bytes_);
    queue_bytes_.clear();
    if (queue_bytes_.capacity() > kKeepBufferCapacity) std::string().swap(queue_bytes_);
    lock.unlock();

    uint64_t syncs = 0, micros = 0;
    Status s = WriteBatch(inflight_, &inflight_bytes_, &syncs, &micros);
    if (s.ok() && (fsync || env_->MonotonicMicros() - last_sync_micros_ >= kAsyncSyncIntervalMicros)) {
      s = SyncFile(&syncs, &micros);
    }

    lock.lock();
    counters_.syncs += syncs;
    counters_.sync_micros_total += micros;
    std::vector<DurableCallback> callbacks;
    uint64_t bytes = 0;
    for (Pending& p : inflight_) {
      if (p.durable) callbacks.push_back(std::move(p.durable));
      bytes += kFrameHeaderSize + p.payload_size;
    }
    counters_.queued_records -= inflight_.size();
    counters_.queued_bytes -= bytes;
    uint64_t group_last = inflight_.back().sequence;
    Status result = s;
    if (s.ok()) {
      const Pending& last = inflight_.back();
      written_end_ = last.position + kFrameHeaderSize + last.payload_size;
      MaybePrepareLocked();
    } else {
      // Everything behind the failed batch fails with it; Append refuses
      // from now on, so the queue stays empty.
      failed_ = s;
      Warn("journal: write failed, no longer accepting records: " + s.message());
      for (Pending& p : queue_) {
        if (p.durable) callbacks.push_back(std::move(p.durable));
      }
      if (!queue_.empty()) group_last = queue_.back().sequence;
      counters_.queued_records = 0;
      counters_.queued_bytes = 0;
      queue_.clear();
      queue_bytes_.clear();
    }
    inflight_.clear();
    GroupCallback* group_done = group_done_ ? &group_done_ : nullptr;
    lock.unlock();
    for (DurableCallback& cb : callbacks) cb(result);
    if (group_done != nullptr) (*group_done)(group_last, result);
    lock.lock();
  }
  // Closing with an empty queue: make everything written durable, and a
  // prepared segment end at its last record (no zeros for a restart to cut).
  bool unsynced = writer_written_sequence_ > writer_synced_sequence_;
  bool ok = failed_.ok();
  lock.unlock();
  if (ok && (unsynced || file_reused_)) {
    uint64_t syncs = 0, micros = 0;
    Status s = file_reused_ ? file_->TrimToWritten() : Status::OK();
    if (s.ok()) s = SyncFile(&syncs, &micros);
    lock.lock();
    counters_.syncs += syncs;
    counters_.sync_micros_total += micros;
    if (!s.ok()) failed_ = s;
    lock.unlock();
  }
  if (file_) {
    Status s = file_->Close();
    if (!s.ok()) Warn("journal: closing the segment failed: " + s.message());
    file_.reset();
  }
}

Status FileJournal::WriteBatch(const std::vector<Pending>& batch, std::string* bytes, uint64_t* syncs,
                               uint64_t* sync_micros) {
  // One write() per segment the batch touches.
  size_t unwritten = 0;
  for (const Pending& p : batch) {
    char* frame = bytes->data() + p.frame_at;
    if (!p.header_frame.empty()) {
      Status s = file_->Append(std::string_view(bytes->data() + unwritten, p.frame_at - unwritten));
      if (s.ok()) s = OpenSegment(p, syncs, sync_micros);
      if (!s.ok()) return s;
      unwritten = p.frame_at;
    }
    SetSyncedSequence(frame + kFrameHeaderSize, p.payload_size, writer_synced_sequence_);
    SealFrameInPlace(frame, p.payload_size);
    writer_written_sequence_ = p.sequence;
  }
  return file_->Append(std::string_view(bytes->data() + unwritten, bytes->size() - unwritten));
}

Status FileJournal::SyncFile(uint64_t* syncs, uint64_t* sync_micros) {
  int64_t start = env_->MonotonicMicros();
  Status s = file_->Sync();
  int64_t end = env_->MonotonicMicros();
  ++*syncs;
  *sync_micros += static_cast<uint64_t>(end - start);
  if (!s.ok()) return s;
  writer_synced_sequence_ = writer_written_sequence_;
  last_sync_micros_ = end;
  return Status::OK();
}

Status FileJournal::OpenSegment(const Pending& first, uint64_t* syncs, uint64_t* sync_micros) {
  // The old segment is complete and synced before the next one exists, so
  // only the final segment can ever hold unsynced bytes.
  if (file_) {
    Status s = file_->TrimToWritten();
    if (s.ok()) s = SyncFile(syncs, sync_micros);
    if (s.ok()) s = file_->Close();
    if (!s.ok()) return s;
    file_.reset();
  }
  uint32_t number = PositionSegment(first.position);
  std::string path = SegmentPath(number);
  bool reuse = false;
  {
    std::lock_guard<std::mutex> lock(mu_);
    std::swap(reuse, prepared_);
  }
  // A prepared file is renamed into place; SyncDir below makes that durable
  // too. Until the header is synced it reads as a segment torn at creation.
  Status s = reuse ? env_->ReuseWritableFile(PreparedPath(), path, &file_) : env_->NewWritableFile(path, &file_);
  file_reused_ = reuse;
  if (s.ok()) s = file_->Append(first.header_frame);
  if (s.ok()) s = SyncFile(syncs, sync_micros);
  if (s.ok()) s = env_->SyncDir(options_.dir);
  if (!s.ok()) return s;
  file_segment_ = number;
  std::lock_guard<std::mutex> lock(mu_);
  counters_.segments++;
  return Status::OK();
}

Status FileJournal::Read(JournalPosition position, JournalRecord* record) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (writing_ && position >= written_end_) {
      auto by_position = [](const Pending& p, JournalPosition pos) { return p.position < pos; };
      auto it = std::lower_bound(inflight_.begin(), inflight_.end(), position, by_position);
      const Pending* found = nullptr;
      if (it != inflight_.end() && it->position == position) {
        found = &*it;
      } else {
        auto qt = std::lower_bound(queue_.begin(), queue_.end(), position, by_position);
        if (qt != queue_.end() && qt->position == position) found = &*qt;
      }
      if (found == nullptr) return Status::NotFound("no journal record at position " + std::to_string(position));
      // Without the synced_sequence trailer, which the writer may be filling
      // in right now: until written, that field is 0 anyway.
      const std::string& bytes = it != inflight_.end() && found == &*it ? inflight_bytes_ : queue_bytes_;
      if (!record->ParseFromArray(bytes.data() + found->frame_at + kFrameHeaderSize,
                                  static_cast<int>(found->payload_size - kSyncedTrailerSize))) {
        return Status::Corruption("queued journal record unparseable");
      }
      return Status::OK();
    }
  }
  uint32_t number = PositionSegment(position);
  uint64_t offset = PositionOffset(position);
  std::shared_ptr<RandomAccessFile> file;
  Status s = ReaderFor(number, &file);
  if (s.IsNotFound()) return Status::NotFound("no journal segment for position " + std::to_string(position));
  if (!s.ok()) return s;
  std::string buf;
  s = file->Read(offset, kReadGuess, &buf);
  if (!s.ok()) return s;
  if (buf.size() < kFrameHeaderSize) {
    return Status::NotFound("no journal record at position " + std::to_string(position));
  }
  uint32_t len = 0;
  FrameCheck check = CheckFrame(buf.data(), buf.size(), &len);
  if (check == FrameCheck::kShortPayload) {
    s = file->Read(offset, kFrameHeaderSize + len, &buf);
    if (!s.ok()) return s;
    check = CheckFrame(buf.data(), buf.size(), &len);
  }
  if (check != FrameCheck::kOk) {
    return Status::Corruption(Where(SegmentPath(number), offset) + DescribeFrameCheck(check, len, buf.size()));
  }
  if (!record->ParseFromArray(buf.data() + kFrameHeaderSize, static_cast<int>(len))) {
    return Status::Corruption(Where(SegmentPath(number), offset) + "record does not parse");
  }
  return Status::OK();
}

void FileJournal::MaybePrepareLocked() {
  if (!options_.preallocate || prepared_ || prepare_wanted_ || prepare_off_ || closing_) return;
  if (PositionOffset(written_end_) < options_.segment_size / 2) return;
  prepare_wanted_ = true;
  if (!preparer_.joinable()) {
    preparer_ = std::thread([this] { PrepareLoop(); });
  } else {
    prepare_cv_.notify_one();
  }
}

void FileJournal::PrepareLoop() {
  pthread_setname_np(pthread_self(), "nsw-journal-pre");
  const uint64_t size = std::min(options_.segment_size, kMaxPreallocate);
  std::unique_lock<std::mutex> lock(mu_);
  for (;;) {
    prepare_cv_.wait(lock, [&] { return closing_ || prepare_wanted_; });
    if (closing_) return;
    lock.unlock();
    Status s = env_->PreallocateFile(PreparedPath(), size);
    lock.lock();
    prepare_wanted_ = false;
    if (s.ok()) {
      prepared_ = true;
    } else {
      // Segments are then created empty and grow, as without preparing.
      prepare_off_ = true;
      if (s.code() != Status::Code::kFailedPrecondition) Warn("journal: preparing the next segment failed: " + s.message());
      return;
    }
  }
}

void FileJournal::Close() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (closing_) return;
    closing_ = true;
  }
  work_cv_.notify_all();
  prepare_cv_.notify_all();
  if (writer_.joinable()) writer_.join();
  if (preparer_.joinable()) {
    preparer_.join();
    env_->RemoveFile(PreparedPath());  // zeros nobody needs; a later run prepares afresh
  }
  std::lock_guard<std::mutex> lock(mu_);
  writing_ = false;
  lock_.reset();  // lets a new Journal open the directory in this process
}

}  // namespace

Status OpenFileJournal(Env* env, const JournalOptions& options, const Fingerprint& fingerprint,
                       spdlog::logger* log, std::unique_ptr<Journal>* out) {
  if (options.segment_size == 0 || options.segment_size > kMaxOffset - kMaxPayload - 4096) {
    return Status::InvalidArgument("--segment-size " + std::to_string(options.segment_size) +
                                   " is out of range (1 byte to 1023 GiB)");
  }
  const std::string& dir = options.dir;
  Status s = env->CreateDirIfMissing(dir);
  if (!s.ok()) return s;
  std::unique_ptr<FileLock> lock;
  s = env->LockFile(dir + "/LOCK", &lock);
  if (s.IsUnavailable()) {
    return Status::Unavailable("data dir " + dir + " is in use by another nsw-server (" + s.message() + ")");
  }
  if (!s.ok()) return s;

  std::vector<std::string> names;
  s = env->GetChildren(dir, &names);
  if (!s.ok()) return s;
  std::vector<SegmentFile> segments;
  for (const std::string& name : names) {
    uint32_t number = 0;
    if (!ParseSegmentFileName(name, &number)) continue;
    SegmentFile seg;
    seg.number = number;
    seg.path = dir + "/" + name;
    segments.push_back(std::move(seg));
  }
  std::sort(segments.begin(), segments.end(),
            [](const SegmentFile& a, const SegmentFile& b) { return a.number < b.number; });

  if (options.fresh && !segments.empty()) {
    for (const SegmentFile& seg : segments) {
      s = env->RemoveFile(seg.path);
      if (!s.ok()) return s;
    }
    s = env->SyncDir(dir);
    if (!s.ok()) return s;
    if (log != nullptr) log->warn("--fresh: removed {} journal segments from {}", segments.size(), dir);
    segments.clear();
  }

  for (size_t i = 0; i < segments.size(); ++i) {
    SegmentFile& seg = segments[i];
    uint32_t want = static_cast<uint32_t>(i + 1);
    if (seg.number != want) {
      return Status::Corruption(dir + "/" + SegmentFileName(want) + ": missing (the journal continues with " +
                                SegmentFileName(seg.number) + ")");
    }
    s = ReadSegmentHeader(env, dir, fingerprint, &seg);
    if (!s.ok()) return s;
    if (!seg.header_ok && i + 1 != segments.size()) {
      return Status::Corruption(Where(seg.path, 0) + seg.header_damage);
    }
  }
  *out = std::make_unique<FileJournal>(env, options, fingerprint, log, std::move(lock), std::move(segments));
  return Status::OK();
}

}  // namespace nsw
