// Encoding and checking of frames, segment names and the fingerprint
// comparison message.
#include "server/journal/record_format.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>
#include <google/protobuf/text_format.h>

#include <algorithm>
#include <cstdio>
#include <limits>
#include <string_view>

#include "server/journal/crc32c.h"

namespace nsw::journal_format {
namespace {

// The fast path of ParseRecord. Every construct it accepts, protobuf accepts
// and decodes the same way; it returns false on anything else, and the
// caller falls back to protobuf, which has the last word.
class FastRecordParser {
 public:
  FastRecordParser(const char* data, size_t n)
      : p_(reinterpret_cast<const uint8_t*>(data)), end_(p_ + n) {}

  bool Parse(bool skip_payload, JournalRecord* record) {
    bool have_submission = false;
    while (p_ < end_) {
      const uint8_t tag = *p_++;  // every field here has a one-byte tag
      uint64_t v = 0;
      switch (tag) {
        case (1 << 3) | 0:  // sequence
          if (!Varint(&v)) return false;
          record->set_sequence(v);
          break;
        case (2 << 3) | 0:  // sim_time_us
          if (!Varint(&v)) return false;
          record->set_sim_time_us(static_cast<int64_t>(v));
          break;
        case (3 << 3) | 2: {  // submission (twice would merge: protobuf's job)
          const uint8_t* sub_end = nullptr;
          if (have_submission || !Length(&sub_end)) return false;
          have_submission = true;
          if (!Submission(sub_end, skip_payload, record->mutable_submission())) return false;
          break;
        }
        case (15 << 3) | 1:  // synced_sequence, fixed64
          if (end_ - p_ < 8) return false;
          v = 0;
          for (int i = 7; i >= 0; --i) v = v << 8 | p_[i];
          p_ += 8;
          record->set_synced_sequence(v);
          break;
        default:
          return false;
      }
    }
    return true;
  }

 private:
  // At most 9 bytes (63 bits): longer ones, negative int64s among them, go
  // to protobuf.
  bool Varint(uint64_t* out) {
    uint64_t v = 0;
    for (int shift = 0; shift < 63 && p_ < end_; shift += 7) {
      const uint8_t b = *p_++;
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if (b < 0x80) {
        *out = v;
        return true;
      }
    }
    return false;
  }
  // A length prefix of at most 3 bytes whose bytes are all present.
  bool Length(const uint8_t** field_end) {
    uint64_t len = 0;
    const uint8_t* start = p_;
    if (!Varint(&len) || p_ - start > 3 || len > static_cast<uint64_t>(end_ - p_)) return false;
    *field_end = p_ + len;
    return true;
  }
  // A length-delimited field's bytes, which it steps over.
  bool Bytes(std::string_view* out) {
    const uint8_t* field_end = nullptr;
    if (!Length(&field_end)) return false;
    *out = std::string_view(reinterpret_cast<const char*>(p_), static_cast<size_t>(field_end - p_));
    p_ = field_end;
    return true;
  }
  // A proto3 string: protobuf checks UTF-8; ASCII needs no more checking.
  bool Text(std::string_view* out) {
    if (!Bytes(out)) return false;
    return std::all_of(out->begin(), out->end(), [](char c) { return static_cast<uint8_t>(c) < 0x80; });
  }

  bool Submission(const uint8_t* sub_end, bool skip_payload, SubmissionRecord* sub) {
    const uint8_t* outer_end = end_;
    end_ = sub_end;
    while (p_ < end_) {
      const uint8_t tag = *p_++;
      uint64_t v = 0;
      std::string_view bytes;
      switch (tag) {
        case (1 << 3) | 0:  // dossier_id
          if (!Varint(&v)) return false;
          sub->set_dossier_id(v);
          break;
        case (6 << 3) | 0:  // late
          if (!Varint(&v)) return false;
          sub->set_late(v != 0);
          break;
        case (2 << 3) | 2:  // enterprise
          if (!Text(&bytes)) return false;
          sub->set_enterprise(bytes.data(), bytes.size());
          break;
        case (3 << 3) | 2:  // procedure
          if (!Text(&bytes)) return false;
          sub->set_procedure(bytes.data(), bytes.size());
          break;
        case (4 << 3) | 2:  // client_ref
          if (!Text(&bytes)) return false;
          sub->set_client_ref(bytes.data(), bytes.size());
          break;
        case (5 << 3) | 2:  // payload
          if (!Bytes(&bytes)) return false;
          if (!skip_payload) sub->set_payload(bytes.data(), bytes.size());
          break;
        default:
          return false;
      }
    }
    end_ = outer_end;
    return p_ == sub_end;
  }

  const uint8_t* p_;
  const uint8_t* end_;
};

}  // namespace

bool ParseRecord(const char* data, size_t n, bool skip_payload, JournalRecord* record) {
  record->Clear();
  FastRecordParser fast(data, n);
  if (fast.Parse(skip_payload, record)) return true;
  if (n > static_cast<size_t>(std::numeric_limits<int>::max()) ||
      !record->ParseFromArray(data, static_cast<int>(n))) {
    return false;
  }
  if (skip_payload && record->has_submission()) record->mutable_submission()->clear_payload();
  return true;
}

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
