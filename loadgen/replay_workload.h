// ReplayWorkload: `nsw-loadgen replay`: the trace's submissions as signed
// NSW API calls, each worker thread streaming its own reader over the trace
// (records i with i % threads == thread, of the enterprises its shard
// owns), plus follow-ups: status polls of a deterministic fraction of the
// submitted dossiers and, against a server in http enterprise-actions mode
// (`--actions`), the enterprise's payments, supplements and withdrawals as
// the polls reveal them. Client references are "<run id>-<trace ref>"; a
// 200 to a first submit attempt means the server already had the dossier:
// a duplicate (the run fails), or with a resumed run id a repeat.
// Immutable after Create except the per-thread signers (created under a
// lock, one per worker thread, with the thread's scratch request).
#ifndef NSW_LOADGEN_REPLAY_WORKLOAD_H_
#define NSW_LOADGEN_REPLAY_WORKLOAD_H_

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "client/http_connection.h"
#include "client/nsw_api.h"
#include "client/signing.h"
#include "loadgen/engine.h"
#include "loadgen/trace_file.h"
#include "proto/catalog.h"

namespace nsw::loadgen {

struct ReplayOptions {
  std::string trace_path;                       // positional TRACE
  client::Url target;                           // --target
  std::string run_id;                           // --run-id, or a random one
  bool resume = false;                          // --run-id was given: 200 on submit is a repeat
  std::optional<auth::Key> enterprise_root;     // --auth-key-file; none: X-NSW-Enterprise (--auth none servers)
  client::Encoding encoding = client::Encoding::kProtobuf;  // --encoding
  bool submitted_at = false;                    // send record timestamps (trace-clock servers)
  double poll_fraction = 0;                     // --poll: share of submitted dossiers polled
  int64_t poll_delay_us = 1'000'000;            // --poll-delay: after the submit (or action) completes
  bool actions = false;                         // --actions: pay / supplement / withdraw as polls reveal
  int max_polls = 0;                            // --max-polls per dossier; 0: 1, or 20 with --actions
  uint64_t seed = 1;                            // --seed: which dossiers are polled, withdrawal choices
  uint64_t limit = 0;                           // --limit (global record index bound); 0 none
  Shard shard;                                  // --shard
  client::ConnectionOptions connection;         // --timeout, --insecure
};

// Generates a run id: 8 characters of [a-z0-9] from the OS's randomness.
std::string NewRunId();
// 1..8 characters of [A-Za-z0-9_].
Status ValidateRunId(std::string_view id);

class ReplayWorkload : public Workload {
 public:
  // Opens the trace (header and first record) and prepares the procedure
  // and ministry tables; `catalog` (may be null) names each procedure's
  // ministry and withdrawal probability.
  static Status Create(ReplayOptions options, const Catalog* catalog, std::unique_ptr<ReplayWorkload>* out);

  Status NewSource(int thread, int threads, std::unique_ptr<JobSource>* out) override;
  std::unique_ptr<WorkloadConnection> NewConnection(boost::asio::io_context& io, int thread) override;
  void FollowUps(const Job& job, const Outcome& outcome, int64_t done_us, std::vector<Job>* out) const override;
  const std::vector<std::string>& ministry_names() const override { return ministry_names_; }
  int64_t trace_origin_us() const override { return origin_us_; }

  const TraceHeader& header() const { return header_; }
  const ReplayOptions& options() const { return o_; }
  // Instant (us since the epoch) of the latest record submitted so far;
  // INT64_MIN before any.
  int64_t max_submitted_unix_us() const;
  std::string TaxCode(uint32_t enterprise) const;
  // The same without a copy: a view of the workload's table (or, for a huge
  // generated trace, of *scratch, derived now).
  std::string_view TaxCodeView(uint32_t enterprise, std::string* scratch) const;
  // Index into ministry_names() of header procedure `procedure`; -1 unknown.
  int ministry_of(uint32_t procedure) const;

 private:
  friend class ReplayConnection;
  ReplayWorkload() = default;
  // What the connections of one worker thread share (they run one at a
  // time): its signer, and the submit message each request refills, so that
  // its payload stays in cache from one request to the next.
  struct ThreadState {
    std::unique_ptr<auth::Signer> signer;
    SubmitRequest submit;
    bool payload_is_filler = true;  // submit's payload is a prefix of filler_
  };
  ThreadState* StateFor(int thread);
  bool Polled(uint64_t index) const;

  ReplayOptions o_;
  TraceHeader header_;
  int64_t origin_us_ = 0;
  mutable std::atomic<int64_t> max_submitted_at_us_{INT64_MIN};
  std::vector<int> procedure_ministry_;     // header procedure -> ministry_names_ index
  std::vector<double> withdraw_probability_;  // header procedure -> probability
  std::vector<std::string> ministry_names_;
  std::string filler_;                      // payload bytes (prefixes of it)
  static constexpr size_t kTaxCodeDigits = 10;
  std::string tax_codes_;                   // generated traces: enterprise e's code at [10 e, 10 e + 10)
  std::mutex mu_;
  std::map<int, std::unique_ptr<ThreadState>> threads_;
};

}  // namespace nsw::loadgen

#endif  // NSW_LOADGEN_REPLAY_WORKLOAD_H_
