// Fuzzes the binary trace reader (loadgen/trace_file.cc): the header checks,
// frame lengths and CRCs, record parsing and the index checks that let the
// replay engine use a record's enterprise and procedure without bounds
// checks of its own (which this target then does, as the engine would).
// Byte 0 holds flags, the rest is the trace:
//   bit 0: chunked (fuzz_util.h): each chunk is a frame payload, framed here
//          with its varint length and masked CRC, so mutations reach the
//          header and record parsing; otherwise the bytes are the file as is;
//   bit 1: every other record is skipped (Skip: another shard's record).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <memory>
#include <string>
#include <string_view>

#include "fuzz/fuzz_util.h"
#include "loadgen/trace_file.h"

namespace {

constexpr int kMaxRecords = 100000;

void AppendFrame(std::string_view payload, std::string* out) {
  uint32_t n = static_cast<uint32_t>(payload.size());
  do {
    uint8_t b = n & 0x7f;
    n >>= 7;
    out->push_back(static_cast<char>(n ? (b | 0x80) : b));
  } while (n);
  out->append(payload);
  const uint32_t crc = nsw::loadgen::MaskedCrc32(payload);
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((crc >> (8 * i)) & 0xff));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool silenced = nsw::fuzz::SilenceProtobufLogs();
  (void)silenced;
  static nsw::fuzz::ScratchDir dir;
  if (size < 1) return 0;
  const uint8_t flags = data[0];
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  std::string file;
  if (flags & 1) {
    for (std::string_view chunk : nsw::fuzz::SplitChunks(rest)) AppendFrame(chunk, &file);
  } else {
    file.assign(rest);
  }
  const std::string path = dir.Write("trace.pb", file);
  if (path.empty()) std::abort();

  std::unique_ptr<nsw::loadgen::TraceReader> reader;
  if (!nsw::loadgen::TraceReader::Open(path, &reader).ok()) return 0;
  const nsw::TraceHeader& header = reader->header();
  for (int i = 0; i < kMaxRecords; ++i) {
    bool end = false;
    if ((flags & 2) && i % 2 == 1) {
      if (!reader->Skip(&end).ok() || end) break;
      continue;
    }
    nsw::TraceRecord record;
    if (!reader->Next(&record, &end).ok() || end) break;
    // What the replay engine does with a record it was given.
    if (record.procedure() >= static_cast<uint32_t>(header.procedures_size())) std::abort();
    const std::string& procedure = header.procedures(static_cast<int>(record.procedure()));
    std::string tax_code = reader->TaxCode(record.enterprise());
    if (procedure.data() == nullptr || tax_code.data() == nullptr) std::abort();
  }
  return 0;
}
