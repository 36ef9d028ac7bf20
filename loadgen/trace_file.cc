// TraceWriter and TraceReader (see trace_file.h).
#include "loadgen/trace_file.h"

#include <google/protobuf/io/coded_stream.h>
#include <zlib.h>

#include <cerrno>
#include <cstring>

#include "loadgen/enterprises.h"

namespace nsw::loadgen {
namespace {

constexpr uint32_t kMaskDelta = 0xa282ead8u;
constexpr size_t kBufferBytes = 1u << 20;

std::string Errno() { return std::strerror(errno); }

}  // namespace

uint32_t MaskedCrc32(std::string_view data) {
  const uint32_t crc = static_cast<uint32_t>(
      crc32(0L, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
  return ((crc >> 15) | (crc << 17)) + kMaskDelta;
}

// ---------------------------------------------------------------- writer

Status TraceWriter::Open(const std::string& path, std::unique_ptr<TraceWriter>* out) {
  std::unique_ptr<TraceWriter> w(new TraceWriter());
  w->path_ = path;
  if (path == "-") {
    w->file_ = stdout;
    w->is_stdout_ = true;
  } else {
    w->tmp_path_ = path + ".tmp";
    w->file_ = std::fopen(w->tmp_path_.c_str(), "wb");
    if (w->file_ == nullptr) return Status::IoError("cannot create " + w->tmp_path_ + ": " + Errno());
    std::setvbuf(w->file_, nullptr, _IOFBF, kBufferBytes);
  }
  *out = std::move(w);
  return Status::OK();
}

TraceWriter::~TraceWriter() {
  if (file_ != nullptr && !is_stdout_) {
    std::fclose(file_);
    if (!closed_) std::remove(tmp_path_.c_str());
  }
}

Status TraceWriter::WriteFrame(const google::protobuf::MessageLite& message) {
  scratch_.clear();
  if (!message.AppendToString(&scratch_)) return Status::InvalidArgument("cannot serialize a trace frame");
  uint8_t prefix[8];
  uint8_t* end = google::protobuf::io::CodedOutputStream::WriteVarint32ToArray(
      static_cast<uint32_t>(scratch_.size()), prefix);
  const uint32_t crc = MaskedCrc32(scratch_);
  uint8_t crc_bytes[4] = {static_cast<uint8_t>(crc), static_cast<uint8_t>(crc >> 8), static_cast<uint8_t>(crc >> 16),
                          static_cast<uint8_t>(crc >> 24)};
  const size_t prefix_len = static_cast<size_t>(end - prefix);
  if (std::fwrite(prefix, 1, prefix_len, file_) != prefix_len ||
      std::fwrite(scratch_.data(), 1, scratch_.size(), file_) != scratch_.size() ||
      std::fwrite(crc_bytes, 1, 4, file_) != 4) {
    return Status::IoError("cannot write " + (is_stdout_ ? std::string("stdout") : tmp_path_) + ": " + Errno());
  }
  bytes_ += prefix_len + scratch_.size() + 4;
  return Status::OK();
}

Status TraceWriter::WriteHeader(TraceHeader header) {
  if (header_written_) return Status::FailedPrecondition("trace header written twice");
  header.set_magic(std::string(kTraceMagic));
  header.set_version(kTraceVersion);
  expected_ = header.dossiers();
  header_written_ = true;
  return WriteFrame(header);
}

Status TraceWriter::Append(const TraceRecord& record) {
  if (!header_written_) return Status::FailedPrecondition("trace record before the header");
  ++records_;
  return WriteFrame(record);
}

Status TraceWriter::Close() {
  if (closed_) return Status::OK();
  if (records_ != expected_) {
    return Status::FailedPrecondition("trace has " + std::to_string(records_) + " records but its header announces " +
                                      std::to_string(expected_));
  }
  if (std::fflush(file_) != 0) return Status::IoError("cannot write " + tmp_path_ + ": " + Errno());
  if (!is_stdout_) {
    const bool ok = std::fclose(file_) == 0;
    file_ = nullptr;
    if (!ok) return Status::IoError("cannot write " + tmp_path_ + ": " + Errno());
    if (std::rename(tmp_path_.c_str(), path_.c_str()) != 0) {
      std::remove(tmp_path_.c_str());
      return Status::IoError("cannot rename " + tmp_path_ + " to " + path_ + ": " + Errno());
    }
  }
  closed_ = true;
  return Status::OK();
}

// ---------------------------------------------------------------- reader

Status TraceReader::Open(const std::string& path, std::unique_ptr<TraceReader>* out) {
  std::unique_ptr<TraceReader> r(new TraceReader());
  r->path_ = path;
  r->file_ = path == "-" ? stdin : std::fopen(path.c_str(), "rb");
  if (r->file_ == nullptr) return Status::IoError("cannot open trace " + path + ": " + Errno());
  r->buf_.resize(kBufferBytes);
  std::string_view bytes;
  bool end = false;
  Status s = r->ReadFrame(&bytes, true, &end);
  if (!s.ok()) return s;
  if (end || !r->header_.ParseFromArray(bytes.data(), static_cast<int>(bytes.size())) ||
      r->header_.magic() != kTraceMagic) {
    return Status::Corruption(path + " is not an nswsim trace (no trace header)");
  }
  if (r->header_.version() != kTraceVersion) {
    return Status::Corruption(path + ": trace format version " + std::to_string(r->header_.version()) +
                              " is not supported (this build reads version " + std::to_string(kTraceVersion) + ")");
  }
  if (r->header_.procedures_size() == 0 && r->header_.dossiers() > 0) {
    return Status::Corruption(path + ": trace header has no procedure table");
  }
  if (r->header_.enterprise_tax_codes_size() != 0 &&
      static_cast<uint32_t>(r->header_.enterprise_tax_codes_size()) != r->header_.enterprises()) {
    return Status::Corruption(path + ": trace header's tax code table does not match its enterprise count");
  }
  *out = std::move(r);
  return Status::OK();
}

TraceReader::~TraceReader() {
  if (file_ != nullptr && file_ != stdin) std::fclose(file_);
}

Status TraceReader::Fill(size_t n, bool* eof) {
  *eof = false;
  if (len_ - pos_ >= n) return Status::OK();
  // Move the unread bytes to the front and read more.
  std::memmove(buf_.data(), buf_.data() + pos_, len_ - pos_);
  len_ -= pos_;
  pos_ = 0;
  if (buf_.size() < n) buf_.resize(n);
  while (len_ < n) {
    const size_t got = std::fread(buf_.data() + len_, 1, buf_.size() - len_, file_);
    if (got == 0) {
      if (std::ferror(file_)) return Status::IoError("cannot read " + path_ + ": " + Errno());
      *eof = true;
      return Status::OK();
    }
    len_ += got;
  }
  return Status::OK();
}

Status TraceReader::ReadFrame(std::string_view* bytes, bool check_crc, bool* end) {
  *end = false;
  bool eof = false;
  Status s = Fill(5, &eof);
  if (!s.ok()) return s;
  if (len_ == pos_) {
    *end = true;
    return Status::OK();
  }
  const uint64_t frame_offset = file_offset_;
  auto damaged = [&](const std::string& why) {
    return Status::Corruption(path_ + ": damaged trace frame at byte offset " + std::to_string(frame_offset) + " (" +
                              why + ")");
  };
  // Varint32 length.
  uint32_t length = 0;
  size_t i = 0;
  for (;; ++i) {
    if (i >= 5 || pos_ + i >= len_) return damaged("bad length prefix");
    const uint8_t b = static_cast<uint8_t>(buf_[pos_ + i]);
    length |= static_cast<uint32_t>(b & 0x7f) << (7 * i);
    if ((b & 0x80) == 0) break;
  }
  const size_t prefix = i + 1;
  if (length == 0 || length > kMaxTraceFrameBytes) return damaged("implausible length " + std::to_string(length));
  s = Fill(prefix + length + 4, &eof);
  if (!s.ok()) return s;
  if (eof) return damaged("truncated: the file ends inside the frame");
  const char* data = buf_.data() + pos_ + prefix;
  if (check_crc) {
    const auto* c = reinterpret_cast<const uint8_t*>(data + length);
    const uint32_t stored = c[0] | (c[1] << 8) | (c[2] << 16) | (static_cast<uint32_t>(c[3]) << 24);
    if (stored != MaskedCrc32(std::string_view(data, length))) return damaged("checksum mismatch");
  }
  *bytes = std::string_view(data, length);
  pos_ += prefix + length + 4;
  file_offset_ += prefix + length + 4;
  return Status::OK();
}

Status TraceReader::CheckEnd() {
  if (position_ != header_.dossiers()) {
    return Status::Corruption(path_ + ": trace ends after " + std::to_string(position_) +
                              " records but its header announces " + std::to_string(header_.dossiers()) +
                              " (truncated copy?)");
  }
  return Status::OK();
}

Status TraceReader::Next(TraceRecord* record, bool* end) {
  std::string_view bytes;
  Status s = ReadFrame(&bytes, true, end);
  if (!s.ok()) return s;
  if (*end) return CheckEnd();
  if (position_ >= header_.dossiers()) {
    return Status::Corruption(path_ + ": more records than the header announces (" +
                              std::to_string(header_.dossiers()) + ")");
  }
  if (!record->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return Status::Corruption(path_ + ": record " + std::to_string(position_) + " does not parse");
  }
  if (record->procedure() >= static_cast<uint32_t>(header_.procedures_size()) ||
      record->enterprise() >= header_.enterprises()) {
    return Status::Corruption(path_ + ": record " + std::to_string(position_) +
                              " names a procedure or enterprise outside the header's tables");
  }
  ++position_;
  return Status::OK();
}

Status TraceReader::Skip(bool* end) {
  std::string_view bytes;
  Status s = ReadFrame(&bytes, false, end);
  if (!s.ok()) return s;
  if (*end) return CheckEnd();
  ++position_;
  return Status::OK();
}

std::string TraceReader::TaxCode(uint32_t e) const {
  if (header_.enterprise_tax_codes_size() > 0) {
    return e < static_cast<uint32_t>(header_.enterprise_tax_codes_size()) ? header_.enterprise_tax_codes(e)
                                                                           : std::string();
  }
  return EnterpriseTaxCode(header_.seed(), e);
}

}  // namespace nsw::loadgen
