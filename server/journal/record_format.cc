// Encoding and checking of frames, segment names and the fingerprint
// comparison message.
#include "server/journal/record_format.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/text_format.h>

#include <cstdio>

#include "server/journal/crc32c.h"

namespace nsw::journal_format {

std::string SegmentFileName(uint32_t number) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "journal-%08u.log", number);
  return buf;
}

bool ParseSegmentFileName(std::string_view name, uint32_t* number) {
  constexpr std::string_view kPrefix = "journal-";
  constexpr std::string_view kSuffix = ".log";
  if (name.size() != kPrefix.size() + 8 + kSuffix.size()) return false;
  if (name.substr(0, kPrefix.size()) != kPrefix || name.substr(name.size() - kSuffix.size()) != kSuffix) return false;
  uint64_t n = 0;
  for (char c : name.substr(kPrefix.size(), 8)) {
    if (c < '0' || c > '9') return false;
    n = n * 10 + static_cast<uint64_t>(c - '0');
  }
  if (n == 0 || n > kMaxSegmentNumber) return false;
  *number = static_cast<uint32_t>(n);
  return true;
}

Status EncodeRecordPayload(const JournalRecord& record, std::string* payload) {
  payload->clear();
  bool ok;
  if (record.synced_sequence() != 0) {
    JournalRecord copy = record;
    copy.clear_synced_sequence();
    ok = copy.SerializeToString(payload);
  } else {
    ok = record.SerializeToString(payload);
  }
  if (!ok) return Status::InvalidArgument("journal record does not serialize");
  payload->push_back(static_cast<char>(kSyncedTrailerTag));
  payload->append(8, '\0');
  if (payload->size() > kMaxPayload) {
    return Status::InvalidArgument("journal record of " + std::to_string(payload->size()) +
                                   " bytes exceeds the limit of " + std::to_string(kMaxPayload));
  }
  return Status::OK();
}

void SetSyncedSequence(char* payload, size_t n, uint64_t synced_sequence) {
  char* p = payload + n - 8;
  for (int i = 0; i < 8; ++i) p[i] = static_cast<char>((synced_sequence >> (8 * i)) & 0xff);
}

void AppendFrame(std::string_view payload, std::string* out) {
  size_t at = out->size();
  out->resize(at + kFrameHeaderSize);
  out->append(payload);
  SealFrameInPlace(out->data() + at, payload.size());
}

void SealFrameInPlace(char* frame, size_t payload_size) {
  StoreLe32(frame, static_cast<uint32_t>(payload_size));
  StoreLe32(frame + 4, crc32c::Mask(crc32c::Value(frame + kFrameHeaderSize, payload_size)));
}

std::string EncodeSegmentHeaderFrame(const Fingerprint& fingerprint, uint64_t first_sequence) {
  SegmentHeader header;
  header.set_format_version(kFormatVersion);
  *header.mutable_fingerprint() = fingerprint;
  header.set_first_sequence(first_sequence);
  std::string frame;
  AppendFrame(header.SerializeAsString(), &frame);
  return frame;
}

FrameCheck CheckFrame(const char* data, size_t n, uint32_t* payload_size) {
  if (n < kFrameHeaderSize) return FrameCheck::kShortHeader;
  uint32_t len = LoadLe32(data);
  *payload_size = len;
  if (len == 0 || len > kMaxPayload) return FrameCheck::kBadLength;
  if (n - kFrameHeaderSize < len) return FrameCheck::kShortPayload;
  uint32_t stored = crc32c::Unmask(LoadLe32(data + 4));
  if (crc32c::Value(data + kFrameHeaderSize, len) != stored) return FrameCheck::kBadCrc;
  return FrameCheck::kOk;
}

std::string DescribeFrameCheck(FrameCheck check, uint32_t payload_size, size_t available) {
  switch (check) {
    case FrameCheck::kOk:
      return "ok";
    case FrameCheck::kShortHeader:
      return "truncated frame header (" + std::to_string(available) + " bytes left)";
    case FrameCheck::kBadLength:
      return "bad frame length " + std::to_string(payload_size);
    case FrameCheck::kShortPayload:
      return "frame of " + std::to_string(payload_size) + " bytes runs past the end of the file (" +
             std::to_string(available > kFrameHeaderSize ? available - kFrameHeaderSize : 0) + " left)";
    case FrameCheck::kBadCrc:
      return "checksum mismatch";
  }
  return "unknown frame check";
}

std::string DescribeFingerprintDifference(const Fingerprint& stored, const Fingerprint& wanted) {
  const google::protobuf::Descriptor* d = Fingerprint::descriptor();
  std::string out;
  for (int i = 0; i < d->field_count(); ++i) {
    const google::protobuf::FieldDescriptor* f = d->field(i);
    std::string a, b;
    google::protobuf::TextFormat::PrintFieldValueToString(stored, f, -1, &a);
    google::protobuf::TextFormat::PrintFieldValueToString(wanted, f, -1, &b);
    if (a == b) continue;
    if (!out.empty()) out += ", ";
    out += f->name() + " " + a + " (this run: " + b + ")";
  }
  return out;
}

}  // namespace nsw::journal_format
