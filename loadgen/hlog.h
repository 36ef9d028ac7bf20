// HdrHistogram interchange: the V2 compressed histogram encoding (counts as
// ZigZag LEB128 varints with runs of zeros folded into negative counts,
// wrapped in a 40-byte big-endian header, DEFLATEd with zlib behind an
// 8-byte compressed header, then base64) and the interval log format
// ("#[Histogram log format version 1.3]", one CSV line per interval) that
// HdrHistogram's HistogramLogReader, HistogramLogAnalyzer and
// hdr-plot read. Values are microseconds; Interval_Max is written in
// milliseconds (max value unit ratio 1000). HlogWriter is not safe for
// concurrent use.
#ifndef NSW_LOADGEN_HLOG_H_
#define NSW_LOADGEN_HLOG_H_

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "proto/histogram.h"
#include "proto/status.h"

namespace nsw::loadgen {

inline constexpr int32_t kV2EncodingCookie = 0x1c849303 | 0x10;
inline constexpr int32_t kV2CompressedEncodingCookie = 0x1c849304 | 0x10;

std::string Base64Encode(std::string_view bytes);
// InvalidArgument on a character outside the alphabet or a bad length.
Status Base64Decode(std::string_view text, std::string* bytes);

// The uncompressed V2 encoding (header + payload).
std::string EncodeHistogramV2(const Histogram& h);
// The compressed V2 encoding (what "HISTF..." base64 strings hold).
std::string EncodeCompressedHistogram(const Histogram& h);
// Decodes either encoding into a histogram of the encoded layout.
Status DecodeHistogram(std::string_view bytes, std::unique_ptr<Histogram>* out);

// One interval line of a log.
struct HlogInterval {
  std::string tag;          // empty when untagged
  double start_seconds = 0; // relative to the log's base time
  double length_seconds = 0;
  double max_ms = 0;
  std::unique_ptr<Histogram> histogram;
};

class HlogWriter {
 public:
  // `start_unix_us` becomes StartTime, and rounded down to a whole second
  // BaseTime; interval start times are written relative to BaseTime.
  static Status Open(const std::string& path, int64_t start_unix_us, std::unique_ptr<HlogWriter>* out);
  ~HlogWriter();
  HlogWriter(const HlogWriter&) = delete;
  HlogWriter& operator=(const HlogWriter&) = delete;

  Status WriteComment(std::string_view text);
  Status WriteInterval(int64_t start_unix_us, int64_t length_us, const Histogram& h, std::string_view tag = {});
  Status Close();

 private:
  HlogWriter() = default;
  std::string path_;
  std::FILE* file_ = nullptr;
  int64_t base_us_ = 0;
};

// Parses a whole interval log (tests, and `report` on an hlog).
Status ParseHlog(std::string_view text, std::vector<HlogInterval>* out, double* base_seconds = nullptr);

}  // namespace nsw::loadgen

#endif  // NSW_LOADGEN_HLOG_H_
