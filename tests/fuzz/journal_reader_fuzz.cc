// Fuzzes journal recovery (server/journal: segment_reader.cc,
// record_format.cc, file_journal.cc's Replay) on arbitrary segment files,
// and, in one mode, the whole start-up path that applies every recovered
// record to the simulation (NswService::Start). Whatever the bytes, recovery
// must end in OK (possibly cutting a torn tail) or a Corruption naming the
// place, and never crash or read out of bounds. In chunked mode every chunk
// is also parsed by ParseRecord and protobuf, which must agree.
//
// Byte 0 of the input holds flags, the rest is the journal:
//   bit 0: chunked (fuzz_util.h): each chunk is a frame payload, sealed here
//          with its length and CRC32C, so mutations reach record parsing;
//          otherwise the bytes are the segment file as is;
//   bit 1: start a NswService with default options over it (the segment
//          header's fingerprint must then match, as the seeds' does);
//          otherwise open the journal alone, with the fingerprint taken from
//          the input's own header so that records get read;
//   bit 2: the journal is split in two segment files at the offset in
//          bytes 1..2 (the first is then "not final": damage there is never
//          a torn tail).
#include <spdlog/logger.h>
#include <spdlog/sinks/null_sink.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "fuzz/fuzz_util.h"
#include "proto/catalog.h"
#include "server/domain/service.h"
#include "server/journal/env.h"
#include "server/journal/file_journal.h"
#include "server/journal/record_format.h"

namespace {

namespace jf = nsw::journal_format;

struct Globals {
  nsw::fuzz::ScratchDir dir;
  std::shared_ptr<spdlog::logger> log =
      std::make_shared<spdlog::logger>("fuzz", std::make_shared<spdlog::sinks::null_sink_mt>());
  std::unique_ptr<nsw::Env> env = nsw::NewPosixEnv();
  nsw::Catalog catalog;
  Globals() {
    if (!nsw::Catalog::Default(&catalog).ok()) std::abort();
  }
};

void ClearDir(const std::string& dir) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) std::filesystem::remove(entry.path(), ec);
}

bool WriteFile(const std::string& path, std::string_view data) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return false;
  bool ok = std::fwrite(data.data(), 1, data.size(), f) == data.size();
  return std::fclose(f) == 0 && ok;
}

void ExpectCleanStatus(const nsw::Status& s) {
  // Recovery reports damage as Corruption (or a refused header as
  // InvalidArgument / FailedPrecondition); an I/O error on tmpfs would be
  // ours, not the input's.
  if (!s.ok() && s.IsIoError()) std::abort();
}

// ParseRecord (the fast path recovery uses) must accept exactly what
// protobuf accepts, with the same fields less the payload when skipping it.
void CheckParseRecord(std::string_view payload) {
  nsw::JournalRecord want, got;
  const bool ok = want.ParseFromArray(payload.data(), static_cast<int>(payload.size()));
  for (bool skip : {false, true}) {
    if (jf::ParseRecord(payload.data(), payload.size(), skip, &got) != ok) std::abort();
    if (!ok) continue;
    nsw::JournalRecord expected = want;
    if (skip && expected.has_submission()) expected.mutable_submission()->clear_payload();
    if (got.SerializeAsString() != expected.SerializeAsString()) std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const bool silenced = nsw::fuzz::SilenceProtobufLogs();
  (void)silenced;
  static Globals g;
  if (size < 1) return 0;
  const uint8_t flags = data[0];
  std::string_view rest(reinterpret_cast<const char*>(data + 1), size - 1);
  size_t split = 0;
  if (flags & 4) {
    if (rest.size() < 2) return 0;
    split = static_cast<uint8_t>(rest[0]) | static_cast<size_t>(static_cast<uint8_t>(rest[1])) << 8;
    rest.remove_prefix(2);
  }

  std::string journal;
  if (flags & 1) {
    for (std::string_view chunk : nsw::fuzz::SplitChunks(rest)) {
      if (chunk.empty()) continue;  // a zero length is a bad frame by definition; raw mode covers it
      CheckParseRecord(chunk);
      jf::AppendFrame(chunk, &journal);
    }
  } else {
    journal.assign(rest);
  }

  const std::string dir = g.dir.path() + "/data";
  std::filesystem::create_directories(dir);
  ClearDir(dir);
  std::string first = journal, second;
  if (flags & 4) {
    split = journal.empty() ? 0 : split % (journal.size() + 1);
    first = journal.substr(0, split);
    second = journal.substr(split);
  }
  if (!WriteFile(dir + "/" + jf::SegmentFileName(1), first)) std::abort();
  if ((flags & 4) && !WriteFile(dir + "/" + jf::SegmentFileName(2), second)) std::abort();

  if (flags & 2) {
    nsw::ServiceOptions options;
    options.journal.dir = dir;
    options.journal.durability = nsw::Durability::kAsync;  // tmpfs; no fsync per input
    nsw::NswService service(g.catalog, options, g.env.get(), g.log.get());
    ExpectCleanStatus(service.Start());
    service.Stop();
    return 0;
  }

  // The fingerprint the input's own header carries, when it has one.
  nsw::Fingerprint fingerprint;
  uint32_t payload_size = 0;
  if (jf::CheckFrame(first.data(), first.size(), &payload_size) == jf::FrameCheck::kOk) {
    nsw::SegmentHeader header;
    if (header.ParseFromArray(first.data() + jf::kFrameHeaderSize, static_cast<int>(payload_size))) {
      fingerprint = header.fingerprint();
    }
  }
  nsw::JournalOptions options;
  options.dir = dir;
  options.durability = nsw::Durability::kAsync;
  std::unique_ptr<nsw::Journal> journal_reader;
  nsw::Status s = nsw::OpenFileJournal(g.env.get(), options, fingerprint, g.log.get(), &journal_reader);
  ExpectCleanStatus(s);
  if (!s.ok()) return 0;
  uint64_t expected = 0;
  s = journal_reader->Replay([&expected](const nsw::JournalRecord& record, nsw::JournalPosition) {
    // Replay hands records over in sequence, without gaps.
    if (expected != 0 && record.sequence() != expected) std::abort();
    expected = record.sequence() + 1;
  });
  ExpectCleanStatus(s);
  journal_reader->Close();
  return 0;
}
