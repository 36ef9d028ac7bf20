// CSV form of traces, for people and other tools. Header
// `at,enterprise,procedure,client_ref,payload_bytes`; `at` is RFC 3339
// (written in the trace's local offset with microseconds) or, on import,
// also decimal seconds from the trace start; `enterprise` is the tax code;
// `procedure` the catalog code. Fields containing a comma or quote are
// quoted as RFC 4180 says. Import reads the file twice (validate and
// collect the enterprise table, then write), so it streams whatever the
// size; a bad row is refused as "FILE:LINE: column 'x': reason".
#ifndef NSW_LOADGEN_TRACE_CSV_H_
#define NSW_LOADGEN_TRACE_CSV_H_

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "loadgen/trace_file.h"
#include "proto/catalog.h"
#include "proto/status.h"

namespace nsw::loadgen {

inline constexpr std::string_view kCsvHeader = "at,enterprise,procedure,client_ref,payload_bytes";
// Client references in traces leave room for the replay's run-id prefix
// ("<8 characters>-") inside the server's 64-byte limit.
inline constexpr size_t kMaxTraceClientRefBytes = 55;

// Writes a trace as CSV ("-" is stdout). Not safe for concurrent use.
class CsvTraceWriter : public TraceSink {
 public:
  static Status Open(const std::string& path, std::unique_ptr<CsvTraceWriter>* out);
  ~CsvTraceWriter() override;
  Status WriteHeader(TraceHeader header) override;
  Status Append(const TraceRecord& record) override;
  Status Close();

 private:
  CsvTraceWriter() = default;
  std::string path_, tmp_path_;
  std::FILE* file_ = nullptr;
  bool closed_ = false;
  TraceHeader header_;
  std::string line_;
};

// Splits one CSV line into fields (RFC 4180 quotes). InvalidArgument for
// an unterminated quote or characters after a closing quote.
Status SplitCsvLine(std::string_view line, std::vector<std::string>* fields);
// Quotes a field when it needs it.
std::string CsvField(std::string_view text);
// An instant in RFC 3339 at a UTC offset: "2020-01-02T09:13:05.123456+07:00".
std::string FormatLocalInstant(int64_t micros_since_epoch, int utc_offset_minutes);

struct CsvImportOptions {
  // Instant of offset 0 (--start). Negative: local midnight of the first
  // row when it is RFC 3339, else 2020-01-01T00:00:00+07:00.
  int64_t start_us = -1;
  int utc_offset_minutes = 420;      // local time of the trace
  uint64_t seed = 0;                 // recorded in the header
  uint64_t max_payload_bytes = 64u << 20;  // larger payload_bytes are refused
};

// Reads `csv_path`, validates every row against `catalog` and writes the
// trace to `sink`. Rows must be in non-decreasing time; a reference may
// appear once per enterprise.
Status ImportCsv(const std::string& csv_path, const Catalog& catalog, const CsvImportOptions& options,
                 TraceSink* sink);

}  // namespace nsw::loadgen

#endif  // NSW_LOADGEN_TRACE_CSV_H_
