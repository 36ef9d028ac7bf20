// Journal micro-benchmarks: append throughput per durability mode (records/s,
// syncs per second, records per sync), with unbounded and bounded numbers of
// records in flight (a bound models N clients each waiting for its ack);
// recovery time per million records; random Read; bytes per record for a
// typical submission with a 1 KB payload; CRC32C hardware vs table.
// Files go to $NSW_BENCH_DIR (default: the system temp directory), so the
// fsync figures are those of that file system.
#include <benchmark/benchmark.h>
#include <stdlib.h>

#include <condition_variable>
#include <cstdlib>
#include <filesystem>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "server/journal/crc32c.h"
#include "server/journal/env.h"
#include "server/journal/journal.h"

namespace nsw {
namespace {

std::string MakeTempDir() {
  const char* base = std::getenv("NSW_BENCH_DIR");
  std::string tmpl = (base != nullptr ? std::string(base) : std::filesystem::temp_directory_path().string()) +
                     "/nsw-journal-bench-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
  return tmpl;
}

Fingerprint BenchFingerprint() {
  Fingerprint f;
  f.set_seed(1);
  f.set_catalog_hash("0123456789abcdef0123456789abcdef");
  f.set_clock("trace");
  f.set_reorder_window_us(3600000000);
  f.set_enterprise_actions("simulated");
  return f;
}

// A submission as the load generator sends it: 10-digit tax code, a
// procedure code, a run-prefixed client reference, `payload` bytes.
JournalRecord Submission(uint64_t seq, size_t payload) {
  JournalRecord r;
  r.set_sequence(seq);
  r.set_sim_time_us(1577811600000000 + static_cast<int64_t>(seq) * 37000000);
  SubmissionRecord* s = r.mutable_submission();
  s->set_dossier_id(seq);
  s->set_enterprise(std::to_string(100000000 + seq % 38000) + "7");
  s->set_procedure("MOIT.CO-FORM-D");
  s->set_client_ref("r7f3a9c2e-" + std::to_string(seq));
  s->set_payload(std::string(payload, static_cast<char>('a' + seq % 26)));
  return r;
}

std::unique_ptr<Journal> OpenJournal(Env* env, const std::string& dir, Durability d) {
  JournalOptions o;
  o.dir = dir;
  o.durability = d;
  std::unique_ptr<Journal> j;
  Status s = Journal::Open(env, o, BenchFingerprint(), nullptr, &j);
  if (s.ok()) s = j->Replay([](const JournalRecord&, JournalPosition) {});
  if (!s.ok()) {
    std::fprintf(stderr, "journal bench: %s\n", s.message().c_str());
    std::abort();
  }
  return j;
}

// Bounds records in flight; 0 = unbounded.
class InFlight {
 public:
  explicit InFlight(int64_t limit) : limit_(limit) {}
  void Acquire() {
    std::unique_lock<std::mutex> lock(mu_);
    if (limit_ > 0) cv_.wait(lock, [&] { return outstanding_ < limit_; });
    ++outstanding_;
  }
  void Release() {
    std::lock_guard<std::mutex> lock(mu_);
    --outstanding_;
    cv_.notify_all();
  }
  void Drain() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return outstanding_ == 0; });
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  int64_t limit_;
  int64_t outstanding_ = 0;
};

// Args: durability (0 fsync, 1 async, 2 none), records in flight (0 = no bound).
void BM_JournalAppend(benchmark::State& state) {
  const auto durability = static_cast<Durability>(state.range(0));
  auto env = NewPosixEnv();
  std::string dir = MakeTempDir();
  auto journal = OpenJournal(env.get(), dir, durability);
  InFlight inflight(state.range(1));
  uint64_t seq = 0;
  // Records are built outside the timed loop's allocation noise: one template.
  JournalRecord record = Submission(1, 1024);
  Journal::Counters before = journal->counters();
  for (auto _ : state) {
    record.set_sequence(++seq);
    record.mutable_submission()->set_dossier_id(seq);
    inflight.Acquire();
    JournalPosition pos;
    Status s = journal->Append(record, &pos, [&inflight](const Status& st) {
      if (!st.ok()) std::abort();
      inflight.Release();
    });
    if (!s.ok()) {
      state.SkipWithError(s.message().c_str());
      break;
    }
  }
  inflight.Drain();
  Journal::Counters after = journal->counters();
  journal->Close();
  uint64_t syncs = after.syncs - before.syncs;
  state.SetItemsProcessed(static_cast<int64_t>(seq));
  state.SetBytesProcessed(static_cast<int64_t>(after.bytes - before.bytes));
  state.counters["syncs_per_s"] = benchmark::Counter(static_cast<double>(syncs), benchmark::Counter::kIsRate);
  state.counters["records_per_sync"] = syncs == 0 ? 0.0 : static_cast<double>(seq) / static_cast<double>(syncs);
  state.counters["sync_us"] =
      syncs == 0 ? 0.0 : static_cast<double>(after.sync_micros_total - before.sync_micros_total) / syncs;
  journal.reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_JournalAppend)
    ->ArgNames({"durability", "inflight"})
    ->Args({0, 0})
    ->Args({0, 1})
    ->Args({0, 64})
    ->Args({0, 1024})
    ->Args({1, 0})
    ->Args({1, 64})
    ->UseRealTime()
    ->MinTime(1.0);
// kNone keeps every record in memory: a fixed count bounds the footprint.
BENCHMARK(BM_JournalAppend)->ArgNames({"durability", "inflight"})->Args({2, 0})->UseRealTime()->Iterations(300000);

// Arg: records in the journal. Replays the whole journal per iteration (warm
// page cache: the CPU side of start-up) and reports seconds per million.
void BM_JournalReplay(benchmark::State& state) {
  const uint64_t n = static_cast<uint64_t>(state.range(0));
  const size_t payload = static_cast<size_t>(state.range(1));
  auto env = NewPosixEnv();
  std::string dir = MakeTempDir();
  {
    auto journal = OpenJournal(env.get(), dir, Durability::kAsync);
    for (uint64_t seq = 1; seq <= n; ++seq) {
      JournalPosition pos;
      if (!journal->Append(Submission(seq, payload), &pos, nullptr).ok()) std::abort();
    }
    journal->Close();
  }
  uint64_t replayed = 0;
  uint64_t bytes = 0;
  for (auto _ : state) {
    auto journal = OpenJournal(env.get(), dir, Durability::kFsync);  // Replay inside
    replayed += journal->counters().recovered_records;
    journal->Close();
  }
  {
    // Bytes read per replay: the sum of the segment sizes.
    for (const auto& e : std::filesystem::directory_iterator(dir)) {
      if (e.path().extension() == ".log") bytes += e.file_size();
    }
  }
  state.SetItemsProcessed(static_cast<int64_t>(replayed));
  state.SetBytesProcessed(static_cast<int64_t>(bytes * state.iterations()));
  // (records / 1e6) per second, inverted: seconds per million records.
  state.counters["s_per_million"] = benchmark::Counter(static_cast<double>(replayed) / 1e6,
                                                       benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_JournalReplay)
    ->ArgNames({"records", "payload"})
    ->Args({200000, 1024})
    ->Args({1000000, 100})
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();

// Random reads by position, as idempotency hits and status queries do.
void BM_JournalRandomRead(benchmark::State& state) {
  const uint64_t n = 100000;
  auto env = NewPosixEnv();
  std::string dir = MakeTempDir();
  auto journal = OpenJournal(env.get(), dir, Durability::kAsync);
  std::vector<JournalPosition> positions(n);
  for (uint64_t seq = 1; seq <= n; ++seq) {
    if (!journal->Append(Submission(seq, 1024), &positions[seq - 1], nullptr).ok()) std::abort();
  }
  std::mt19937_64 rng(1);
  JournalRecord record;
  // Let the writer drain so reads go to the file.
  while (journal->counters().queued_records > 0) std::this_thread::yield();
  for (auto _ : state) {
    if (!journal->Read(positions[rng() % n], &record).ok()) std::abort();
    benchmark::DoNotOptimize(record);
  }
  state.SetItemsProcessed(state.iterations());
  journal->Close();
  journal.reset();
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_JournalRandomRead);

// On-disk bytes per record for a typical submission (1 KB payload): frame
// header, protobuf fields and the synced_sequence trailer.
void BM_JournalBytesPerRecord(benchmark::State& state) {
  auto env = NewPosixEnv();
  std::string dir = MakeTempDir();
  auto journal = OpenJournal(env.get(), dir, Durability::kNone);
  uint64_t seq = 0;
  for (auto _ : state) {
    JournalPosition pos;
    if (!journal->Append(Submission(++seq, 1024), &pos, nullptr).ok()) std::abort();
  }
  Journal::Counters c = journal->counters();
  state.counters["bytes_per_record"] = static_cast<double>(c.bytes) / static_cast<double>(c.records);
  state.counters["overhead_bytes"] = static_cast<double>(c.bytes) / static_cast<double>(c.records) - 1024.0;
  std::filesystem::remove_all(dir);
}
BENCHMARK(BM_JournalBytesPerRecord)->Iterations(10000);

// Arg: 1 = the run-time choice (SSE4.2 where available), 0 = the table.
void BM_Crc32c(benchmark::State& state) {
  std::string data(static_cast<size_t>(state.range(1)), 'x');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i * 131);
  const bool hw = state.range(0) == 1;
  for (auto _ : state) {
    uint32_t c = hw ? crc32c::Value(data.data(), data.size()) : crc32c::ExtendPortable(0, data.data(), data.size());
    benchmark::DoNotOptimize(c);
  }
  state.SetBytesProcessed(static_cast<int64_t>(state.iterations()) * static_cast<int64_t>(data.size()));
  state.SetLabel(hw && crc32c::HardwareAccelerated() ? "sse4.2" : "table");
}
BENCHMARK(BM_Crc32c)->ArgNames({"hw", "bytes"})->Args({1, 1100})->Args({0, 1100})->Args({1, 1 << 20})->Args({0, 1 << 20});

}  // namespace
}  // namespace nsw
