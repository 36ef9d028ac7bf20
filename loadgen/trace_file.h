// Trace files (proto/trace.proto): TraceWriter streams a header and records
// to a file, TraceReader streams them back. Frames are protobuf's
// length-delimited encoding (varint32 length, message bytes) followed by a
// little-endian masked CRC-32 of the message bytes (masked as leveldb does,
// so zero bytes never carry a valid checksum). The header is frame 0; the
// reader refuses a file without the magic, a damaged frame (naming its
// byte offset), and a file holding fewer or more records than the header
// announces (a truncated copy). Writers write to "<path>.tmp" and rename on
// Close, so a trace file is complete or absent. Neither class is safe for
// concurrent use; several readers of one file are fine.
#ifndef NSW_LOADGEN_TRACE_FILE_H_
#define NSW_LOADGEN_TRACE_FILE_H_

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "proto/status.h"
#include "proto/trace.pb.h"

namespace nsw::loadgen {

inline constexpr std::string_view kTraceMagic = "nswsim-trace";
inline constexpr uint32_t kTraceVersion = 1;
// A frame larger than this is damage, not data.
inline constexpr uint32_t kMaxTraceFrameBytes = 256u << 20;

// Masked CRC-32 (zlib's polynomial) of `data`.
uint32_t MaskedCrc32(std::string_view data);

// Where a trace goes as it is produced: the binary writer, the CSV writer,
// or a test's collector.
class TraceSink {
 public:
  virtual ~TraceSink() = default;
  virtual Status WriteHeader(TraceHeader header) = 0;
  virtual Status Append(const TraceRecord& record) = 0;
};

class TraceWriter : public TraceSink {
 public:
  // Opens "<path>.tmp" for writing ("-" writes to stdout directly).
  static Status Open(const std::string& path, std::unique_ptr<TraceWriter>* out);
  ~TraceWriter();  // removes the temp file unless Close succeeded
  TraceWriter(const TraceWriter&) = delete;
  TraceWriter& operator=(const TraceWriter&) = delete;

  // First call; sets magic and version.
  Status WriteHeader(TraceHeader header) override;
  Status Append(const TraceRecord& record) override;
  // Flushes, checks the record count against the header, renames into place.
  Status Close();
  uint64_t records() const { return records_; }
  uint64_t bytes() const { return bytes_; }

 private:
  TraceWriter() = default;
  Status WriteFrame(const google::protobuf::MessageLite& message);
  std::string path_, tmp_path_;
  std::FILE* file_ = nullptr;
  bool is_stdout_ = false;
  bool header_written_ = false;
  bool closed_ = false;
  uint64_t expected_ = 0, records_ = 0, bytes_ = 0;
  std::string scratch_;
};

class TraceReader {
 public:
  // Opens `path` and reads the header.
  static Status Open(const std::string& path, std::unique_ptr<TraceReader>* out);
  ~TraceReader();
  TraceReader(const TraceReader&) = delete;
  TraceReader& operator=(const TraceReader&) = delete;

  const TraceHeader& header() const { return header_; }
  // Reads the next record. At the end, sets *end (record untouched) after
  // checking the count against the header.
  Status Next(TraceRecord* record, bool* end);
  // Skips the next record without parsing or checking it (another thread
  // or shard owns it). Sets *end at the end.
  Status Skip(bool* end);
  // Index of the record the next Next/Skip returns.
  uint64_t position() const { return position_; }
  // Tax code of enterprise index `e` (from the header's table, or derived).
  std::string TaxCode(uint32_t e) const;
  const std::string& path() const { return path_; }

 private:
  TraceReader() = default;
  // Makes `n` bytes available at buf_[pos_]; false at a clean end of file.
  Status Fill(size_t n, bool* eof);
  // Reads one frame's bytes into view; *end at a clean end.
  Status ReadFrame(std::string_view* bytes, bool check_crc, bool* end);
  Status CheckEnd();
  std::string path_;
  std::FILE* file_ = nullptr;
  std::vector<char> buf_;
  size_t pos_ = 0, len_ = 0;
  uint64_t file_offset_ = 0;  // offset of buf_[pos_]
  TraceHeader header_;
  uint64_t position_ = 0;
};

}  // namespace nsw::loadgen

#endif  // NSW_LOADGEN_TRACE_FILE_H_
