// The journal's on-disk format, shared by the writer, recovery and tests.
//
// A segment file is named "journal-%08u.log" (numbers from 1, consecutive)
// and is a sequence of frames:
//
//   [length u32 LE][masked CRC32C u32 LE of payload][payload: length bytes]
//
// The first frame's payload is a SegmentHeader (format version, fingerprint,
// first sequence); every later payload is a serialized JournalRecord whose
// last 9 bytes are its synced_sequence field (tag 0x79, fixed64 LE), which
// the writer fills in just before computing the CRC. All zeros never form a
// valid frame: the masked CRC of an empty payload is not zero, and a
// zero length is refused.
//
// A JournalPosition is (segment number << 40) | byte offset of the frame; 0
// is never a valid position. Pure functions, thread-safe.
#ifndef NSW_SERVER_JOURNAL_RECORD_FORMAT_H_
#define NSW_SERVER_JOURNAL_RECORD_FORMAT_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "proto/journal.pb.h"
#include "proto/status.h"
#include "server/journal/journal.h"

namespace nsw::journal_format {

constexpr uint32_t kFormatVersion = 1;
constexpr size_t kFrameHeaderSize = 8;
// Larger frames are refused on append and treated as damage on read, which
// also bounds what a corrupted length field can make recovery look at.
constexpr uint32_t kMaxPayload = 64u << 20;
constexpr size_t kSyncedTrailerSize = 9;
constexpr unsigned char kSyncedTrailerTag = (15 << 3) | 1;  // field 15, fixed64

constexpr int kOffsetBits = 40;
constexpr uint64_t kMaxOffset = (uint64_t{1} << kOffsetBits) - 1;
constexpr uint32_t kMaxSegmentNumber = (uint32_t{1} << 24) - 1;

inline JournalPosition MakePosition(uint32_t segment, uint64_t offset) {
  return (static_cast<uint64_t>(segment) << kOffsetBits) | offset;
}
inline uint32_t PositionSegment(JournalPosition p) { return static_cast<uint32_t>(p >> kOffsetBits); }
inline uint64_t PositionOffset(JournalPosition p) { return p & kMaxOffset; }

// "journal-00000001.log"
std::string SegmentFileName(uint32_t number);
// True (and *number set) for a name SegmentFileName produces.
bool ParseSegmentFileName(std::string_view name, uint32_t* number);

// Serializes `record` followed by a synced_sequence trailer of 0 (any value
// the caller set is dropped). InvalidArgument if it exceeds kMaxPayload.
Status EncodeRecordPayload(const JournalRecord& record, std::string* payload);
// Overwrites the trailer of an encoded record payload.
void SetSyncedSequence(char* payload, size_t n, uint64_t synced_sequence);

// Appends the frame (header and payload) for `payload` to *out.
void AppendFrame(std::string_view payload, std::string* out);
// Writes the 8-byte frame header for a payload already at frame[8..8+n),
// computing its CRC in place (the writer builds frames in its buffer).
void SealFrameInPlace(char* frame, size_t payload_size);
// The header frame that opens a segment.
std::string EncodeSegmentHeaderFrame(const Fingerprint& fingerprint, uint64_t first_sequence);

enum class FrameCheck {
  kOk,
  kShortHeader,   // fewer than 8 bytes left
  kBadLength,     // zero, or over kMaxPayload
  kShortPayload,  // runs past the end of the data
  kBadCrc,
};
// Examines the frame at data[0..n) (n = bytes available there). On kOk,
// *payload_size is its length and the payload is data[8..8+*payload_size).
// On kBadCrc and kShortPayload, *payload_size is the length field.
FrameCheck CheckFrame(const char* data, size_t n, uint32_t* payload_size);
// Parses a record payload exactly as JournalRecord::ParseFromArray does (the
// same inputs succeed, with the same fields), except that with
// `skip_payload` a submission's payload bytes are checked for framing but not
// copied (the field is left empty): recovery has no use for them, and they
// are most of every record. The usual shape (one submission, fields in
// their plain encoding, ASCII strings) is decoded here; anything else
// (actions, clock records, unknown fields, long varints, non-ASCII text) goes
// to protobuf.
bool ParseRecord(const char* data, size_t n, bool skip_payload, JournalRecord* record);

// "checksum mismatch", ...; `payload_size` and `available` feed the message.
std::string DescribeFrameCheck(FrameCheck check, uint32_t payload_size, size_t available);

inline uint32_t LoadLe32(const char* p) {
  const unsigned char* u = reinterpret_cast<const unsigned char*>(p);
  return static_cast<uint32_t>(u[0]) | static_cast<uint32_t>(u[1]) << 8 | static_cast<uint32_t>(u[2]) << 16 |
         static_cast<uint32_t>(u[3]) << 24;
}
inline void StoreLe32(char* p, uint32_t v) {
  for (int i = 0; i < 4; ++i) p[i] = static_cast<char>((v >> (8 * i)) & 0xff);
}

// Names the fields in which `stored` and `wanted` differ:
// "seed 7 (this run: 8), clock \"wall\" (this run: \"trace\")".
std::string DescribeFingerprintDifference(const Fingerprint& stored, const Fingerprint& wanted);

}  // namespace nsw::journal_format

#endif  // NSW_SERVER_JOURNAL_RECORD_FORMAT_H_
