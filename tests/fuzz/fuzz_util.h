// Helpers shared by the libFuzzer targets of tests/fuzz: a scratch directory
// per fuzzing process (on tmpfs when there is one, since the readers under
// test take file paths) and the "chunked" input form that lets the fuzzer
// reach past checksums: [u16 little-endian length][bytes]... read until the
// input runs out, each chunk then framed by the target with a correct CRC.
// Not thread-safe; libFuzzer runs one input at a time.
#ifndef NSW_TESTS_FUZZ_FUZZ_UTIL_H_
#define NSW_TESTS_FUZZ_FUZZ_UTIL_H_

#include <google/protobuf/stubs/logging.h>
#include <stdlib.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace nsw::fuzz {

// A directory removed at exit; one per process (libFuzzer -fork/-jobs run
// several processes, each with its own).
class ScratchDir {
 public:
  ScratchDir() {
    std::filesystem::path base = std::filesystem::exists("/dev/shm") ? std::filesystem::path("/dev/shm")
                                                                      : std::filesystem::temp_directory_path();
    std::string pattern = (base / "nsw-fuzz-XXXXXX").string();
    path_ = mkdtemp(pattern.data()) ? pattern : std::string("/tmp");
  }
  ~ScratchDir() {
    std::error_code ec;
    if (path_ != "/tmp") std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }

  // Writes `data` to <dir>/<name>, replacing it; the path, or "" on failure.
  std::string Write(const std::string& name, std::string_view data) const {
    std::string file = path_ + "/" + name;
    std::FILE* f = std::fopen(file.c_str(), "wb");
    if (f == nullptr) return "";
    bool ok = std::fwrite(data.data(), 1, data.size(), f) == data.size();
    ok = std::fclose(f) == 0 && ok;
    return ok ? file : "";
  }

 private:
  std::string path_;
};

// Drops protobuf's log lines (every invalid UTF-8 string parsed logs one),
// which would drown the fuzzer's own output. Call once, from a static.
inline bool SilenceProtobufLogs() {
  google::protobuf::SetLogHandler([](google::protobuf::LogLevel, const char*, int, const std::string&) {});
  return true;
}

// Splits the chunked form; a trailing partial length prefix is dropped and a
// short last chunk keeps what there is.
inline std::vector<std::string_view> SplitChunks(std::string_view data) {
  std::vector<std::string_view> chunks;
  while (data.size() >= 2) {
    size_t n = static_cast<uint8_t>(data[0]) | static_cast<size_t>(static_cast<uint8_t>(data[1])) << 8;
    data.remove_prefix(2);
    n = std::min(n, data.size());
    chunks.push_back(data.substr(0, n));
    data.remove_prefix(n);
  }
  return chunks;
}

}  // namespace nsw::fuzz

#endif  // NSW_TESTS_FUZZ_FUZZ_UTIL_H_
