// Fuzzes the CSV trace importer (loadgen/trace_csv.cc) on arbitrary files
// against the default catalog: quoting, RFC 3339 and relative instants,
// tax codes, references and sizes. Whatever it accepts must be a valid
// trace: every record within the header's tables and in time order, as
// many records as the header announces. SplitCsvLine is fuzzed on the raw
// input too.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz/fuzz_util.h"
#include "loadgen/trace_csv.h"
#include "proto/catalog.h"

namespace {

// Checks what ImportCsv hands to a trace writer.
class CheckingSink : public nsw::loadgen::TraceSink {
 public:
  nsw::Status WriteHeader(nsw::TraceHeader header) override {
    if (header_written_) std::abort();
    header_ = std::move(header);
    header_written_ = true;
    return nsw::Status::OK();
  }
  nsw::Status Append(const nsw::TraceRecord& record) override {
    if (!header_written_) std::abort();
    if (record.procedure() >= static_cast<uint32_t>(header_.procedures_size())) std::abort();
    if (record.enterprise() >= header_.enterprises()) std::abort();
    if (record.client_ref().empty() || record.client_ref().size() > nsw::loadgen::kMaxTraceClientRefBytes) std::abort();
    if (record.at_us() < 0 || (records_ > 0 && record.at_us() < last_at_)) std::abort();
    last_at_ = record.at_us();
    ++records_;
    return nsw::Status::OK();
  }
  void Finish() const {
    if (header_written_ && records_ != header_.dossiers()) std::abort();
  }

 private:
  nsw::TraceHeader header_;
  bool header_written_ = false;
  uint64_t records_ = 0;
  int64_t last_at_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool silenced = nsw::fuzz::SilenceProtobufLogs();
  (void)silenced;
  static nsw::fuzz::ScratchDir dir;
  static const nsw::Catalog catalog = [] {
    nsw::Catalog c;
    if (!nsw::Catalog::Default(&c).ok()) std::abort();
    return c;
  }();
  std::string_view text(reinterpret_cast<const char*>(data), size);
  std::vector<std::string> fields;
  (void)nsw::loadgen::SplitCsvLine(text, &fields);

  const std::string path = dir.Write("trace.csv", text);
  if (path.empty()) std::abort();
  CheckingSink sink;
  nsw::loadgen::CsvImportOptions options;
  if (nsw::loadgen::ImportCsv(path, catalog, options, &sink).ok()) sink.Finish();
  return 0;
}
