// HdrHistogram V2 encodings and interval logs (see hlog.h). Byte layouts
// follow HdrHistogram's AbstractHistogram.encodeIntoByteBuffer (V2) and
// ZigZagEncoding (LEB128 with a full ninth byte).
#include "loadgen/hlog.h"

#include <zlib.h>

#include <cerrno>
#include <cmath>
#include <cstring>
#include <ctime>

namespace nsw::loadgen {
namespace {

constexpr size_t kHeaderBytes = 40;
constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

void PutU32(std::string* out, uint32_t v) {
  for (int shift = 24; shift >= 0; shift -= 8) out->push_back(static_cast<char>((v >> shift) & 0xff));
}
void PutU64(std::string* out, uint64_t v) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>((v >> shift) & 0xff));
}
uint32_t GetU32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}
uint64_t GetU64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

void PutZigZag(std::string* out, int64_t value) {
  uint64_t v = (static_cast<uint64_t>(value) << 1) ^ static_cast<uint64_t>(value >> 63);
  for (int i = 0; i < 8; ++i) {
    if ((v >> 7) == 0) {
      out->push_back(static_cast<char>(v));
      return;
    }
    out->push_back(static_cast<char>((v & 0x7f) | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));  // the ninth byte keeps all 8 bits
}

bool GetZigZag(const char*& p, const char* end, int64_t* value) {
  uint64_t v = 0;
  int i = 0;
  for (; i < 8; ++i) {
    if (p >= end) return false;
    const uint8_t b = static_cast<uint8_t>(*p++);
    v |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
    if ((b & 0x80) == 0) break;
  }
  if (i == 8) {
    if (p >= end) return false;
    v |= static_cast<uint64_t>(static_cast<uint8_t>(*p++)) << 56;
  }
  *value = static_cast<int64_t>((v >> 1) ^ (~(v & 1) + 1));
  return true;
}

Status Inflate(std::string_view in, std::string* out) {
  z_stream zs{};
  if (inflateInit(&zs) != Z_OK) return Status::InvalidArgument("zlib inflateInit failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  out->clear();
  char chunk[16384];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(chunk);
    zs.avail_out = sizeof chunk;
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      return Status::InvalidArgument("compressed histogram does not inflate (zlib error " + std::to_string(rc) + ")");
    }
    out->append(chunk, sizeof chunk - zs.avail_out);
    if (rc == Z_OK && zs.avail_in == 0 && zs.avail_out != 0) {
      inflateEnd(&zs);
      return Status::InvalidArgument("compressed histogram is truncated");
    }
    if (out->size() > (256u << 20)) {
      inflateEnd(&zs);
      return Status::InvalidArgument("compressed histogram inflates beyond 256 MiB");
    }
  }
  inflateEnd(&zs);
  return Status::OK();
}

}  // namespace

std::string Base64Encode(std::string_view bytes) {
  std::string out;
  out.reserve((bytes.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    const uint32_t n = (static_cast<uint8_t>(bytes[i]) << 16) | (static_cast<uint8_t>(bytes[i + 1]) << 8) |
                       static_cast<uint8_t>(bytes[i + 2]);
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  const size_t rest = bytes.size() - i;
  if (rest > 0) {
    uint32_t n = static_cast<uint8_t>(bytes[i]) << 16;
    if (rest == 2) n |= static_cast<uint8_t>(bytes[i + 1]) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += rest == 2 ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

Status Base64Decode(std::string_view text, std::string* bytes) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  if (text.size() % 4 != 0) return Status::InvalidArgument("base64 length is not a multiple of 4");
  bytes->clear();
  for (size_t i = 0; i < text.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int j = 0; j < 4; ++j) {
      const char c = text[i + j];
      if (c == '=' && i + 4 == text.size() && j >= 2) {
        v[j] = 0;
        ++pad;
      } else {
        if (pad > 0) return Status::InvalidArgument("base64 data after padding");
        v[j] = value(c);
        if (v[j] < 0) return Status::InvalidArgument("invalid base64 character");
      }
    }
    const uint32_t n = (v[0] << 18) | (v[1] << 12) | (v[2] << 6) | v[3];
    bytes->push_back(static_cast<char>(n >> 16));
    if (pad < 2) bytes->push_back(static_cast<char>((n >> 8) & 0xff));
    if (pad < 1) bytes->push_back(static_cast<char>(n & 0xff));
  }
  return Status::OK();
}

std::string EncodeHistogramV2(const Histogram& h) {
  int last = -1;
  for (int i = 0; i < h.counts_length(); ++i) {
    if (h.count_at_index(i) != 0) last = i;
  }
  std::string payload;
  for (int i = 0; i <= last;) {
    const uint64_t count = h.count_at_index(i++);
    if (count == 0) {
      int64_t zeros = 1;
      while (i <= last && h.count_at_index(i) == 0) {
        ++zeros;
        ++i;
      }
      PutZigZag(&payload, zeros > 1 ? -zeros : 0);
    } else {
      PutZigZag(&payload, static_cast<int64_t>(count));
    }
  }
  std::string out;
  out.reserve(kHeaderBytes + payload.size());
  PutU32(&out, static_cast<uint32_t>(kV2EncodingCookie));
  PutU32(&out, static_cast<uint32_t>(payload.size()));
  PutU32(&out, 0);  // normalizing index offset
  PutU32(&out, static_cast<uint32_t>(h.significant_digits()));
  PutU64(&out, 1);  // lowest discernible value
  PutU64(&out, static_cast<uint64_t>(h.highest_trackable()));
  double ratio = 1.0;
  uint64_t ratio_bits;
  std::memcpy(&ratio_bits, &ratio, sizeof ratio_bits);
  PutU64(&out, ratio_bits);
  out += payload;
  return out;
}

std::string EncodeCompressedHistogram(const Histogram& h) {
  const std::string raw = EncodeHistogramV2(h);
  uLongf bound = compressBound(static_cast<uLong>(raw.size()));
  std::string compressed(bound, '\0');
  compress2(reinterpret_cast<Bytef*>(compressed.data()), &bound, reinterpret_cast<const Bytef*>(raw.data()),
            static_cast<uLong>(raw.size()), Z_DEFAULT_COMPRESSION);
  compressed.resize(bound);
  std::string out;
  PutU32(&out, static_cast<uint32_t>(kV2CompressedEncodingCookie));
  PutU32(&out, static_cast<uint32_t>(compressed.size()));
  out += compressed;
  return out;
}

Status DecodeHistogram(std::string_view bytes, std::unique_ptr<Histogram>* out) {
  if (bytes.size() < 8) return Status::InvalidArgument("encoded histogram too short");
  const uint32_t cookie = GetU32(bytes.data());
  std::string inflated;
  if ((cookie & ~0xf0u) == (static_cast<uint32_t>(kV2CompressedEncodingCookie) & ~0xf0u)) {
    const uint32_t length = GetU32(bytes.data() + 4);
    if (length > bytes.size() - 8) return Status::InvalidArgument("compressed histogram length exceeds the data");
    Status s = Inflate(bytes.substr(8, length), &inflated);
    if (!s.ok()) return s;
    bytes = inflated;
  }
  if (bytes.size() < kHeaderBytes) return Status::InvalidArgument("encoded histogram header too short");
  if ((GetU32(bytes.data()) & ~0xf0u) != (static_cast<uint32_t>(kV2EncodingCookie) & ~0xf0u)) {
    return Status::InvalidArgument("not a V2 HdrHistogram encoding (cookie " + std::to_string(GetU32(bytes.data())) + ")");
  }
  const uint32_t payload_length = GetU32(bytes.data() + 4);
  const uint32_t normalizing = GetU32(bytes.data() + 8);
  const auto digits = static_cast<int>(GetU32(bytes.data() + 12));
  const uint64_t lowest = GetU64(bytes.data() + 16);
  const auto highest = static_cast<int64_t>(GetU64(bytes.data() + 24));
  if (normalizing != 0 || lowest != 1) {
    return Status::InvalidArgument("histogram with a lowest discernible value or index offset this tool does not use");
  }
  if (digits < 1 || digits > 5 || highest < 2) return Status::InvalidArgument("histogram with an invalid layout");
  if (payload_length > bytes.size() - kHeaderBytes) return Status::InvalidArgument("histogram payload truncated");
  auto h = std::make_unique<Histogram>(highest, digits);
  const char* p = bytes.data() + kHeaderBytes;
  const char* end = p + payload_length;
  int64_t index = 0;
  while (p < end) {
    int64_t count = 0;
    if (!GetZigZag(p, end, &count)) return Status::InvalidArgument("histogram payload ends inside a count");
    if (count < 0) {
      index -= count;
    } else {
      if (index >= h->counts_length()) return Status::InvalidArgument("histogram payload beyond its counts array");
      h->AddAtIndex(static_cast<int>(index), static_cast<uint64_t>(count));
      ++index;
    }
  }
  *out = std::move(h);
  return Status::OK();
}

// ---------------------------------------------------------------- logs

Status HlogWriter::Open(const std::string& path, int64_t start_unix_us, std::unique_ptr<HlogWriter>* out) {
  std::unique_ptr<HlogWriter> w(new HlogWriter());
  w->path_ = path;
  // Intervals are whole wall-clock seconds; a base on a second boundary
  // keeps their relative start times non-negative.
  w->base_us_ = start_unix_us / 1'000'000 * 1'000'000;
  w->file_ = std::fopen(path.c_str(), "w");
  if (w->file_ == nullptr) return Status::IoError("cannot create " + path + ": " + std::strerror(errno));
  const double start = static_cast<double>(start_unix_us) / 1e6;
  const std::time_t t = static_cast<std::time_t>(start_unix_us / 1'000'000);
  char when[64];
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(when, sizeof when, "%a %b %d %H:%M:%S UTC %Y", &tm);
  std::fprintf(w->file_, "#[Logged with nsw-loadgen; values in microseconds, Interval_Max in milliseconds]\n");
  std::fprintf(w->file_, "#[Histogram log format version 1.3]\n");
  std::fprintf(w->file_, "#[StartTime: %.3f (seconds since epoch), %s]\n", start, when);
  std::fprintf(w->file_, "#[BaseTime: %.3f (seconds since epoch)]\n", static_cast<double>(w->base_us_) / 1e6);
  std::fprintf(w->file_, "\"StartTimestamp\",\"Interval_Length\",\"Interval_Max\",\"Interval_Compressed_Histogram\"\n");
  if (std::ferror(w->file_)) return Status::IoError("cannot write " + path);
  *out = std::move(w);
  return Status::OK();
}

HlogWriter::~HlogWriter() {
  if (file_ != nullptr) std::fclose(file_);
}

Status HlogWriter::WriteComment(std::string_view text) {
  std::fprintf(file_, "#%.*s\n", static_cast<int>(text.size()), text.data());
  return std::ferror(file_) ? Status::IoError("cannot write " + path_) : Status::OK();
}

Status HlogWriter::WriteInterval(int64_t start_unix_us, int64_t length_us, const Histogram& h, std::string_view tag) {
  const std::string encoded = Base64Encode(EncodeCompressedHistogram(h));
  if (!tag.empty()) std::fprintf(file_, "Tag=%.*s,", static_cast<int>(tag.size()), tag.data());
  std::fprintf(file_, "%.3f,%.3f,%.3f,%s\n", static_cast<double>(start_unix_us - base_us_) / 1e6,
               static_cast<double>(length_us) / 1e6, static_cast<double>(h.max()) / 1000.0, encoded.c_str());
  std::fflush(file_);
  return std::ferror(file_) ? Status::IoError("cannot write " + path_) : Status::OK();
}

Status HlogWriter::Close() {
  if (file_ == nullptr) return Status::OK();
  const bool ok = std::fclose(file_) == 0;
  file_ = nullptr;
  return ok ? Status::OK() : Status::IoError("cannot write " + path_);
}

Status ParseHlog(std::string_view text, std::vector<HlogInterval>* out, double* base_seconds) {
  out->clear();
  size_t line_no = 0;
  while (!text.empty()) {
    const size_t nl = text.find('\n');
    std::string_view line = text.substr(0, nl);
    text = nl == std::string_view::npos ? std::string_view() : text.substr(nl + 1);
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (line.empty()) continue;
    if (line[0] == '#') {
      constexpr std::string_view kBase = "#[BaseTime: ";
      if (base_seconds != nullptr && line.substr(0, kBase.size()) == kBase) {
        *base_seconds = std::strtod(std::string(line.substr(kBase.size())).c_str(), nullptr);
      }
      continue;
    }
    if (line[0] == '"') continue;  // legend
    auto bad = [&](const std::string& why) {
      return Status::InvalidArgument("hlog line " + std::to_string(line_no) + ": " + why);
    };
    HlogInterval interval;
    if (line.substr(0, 4) == "Tag=") {
      const size_t comma = line.find(',');
      if (comma == std::string_view::npos) return bad("tag without fields");
      interval.tag = std::string(line.substr(4, comma - 4));
      line = line.substr(comma + 1);
    }
    std::string fields[4];
    for (int i = 0; i < 4; ++i) {
      const size_t comma = i < 3 ? line.find(',') : std::string_view::npos;
      if (i < 3 && comma == std::string_view::npos) return bad("expected 4 fields");
      fields[i] = std::string(line.substr(0, comma));
      line = i < 3 ? line.substr(comma + 1) : std::string_view();
    }
    interval.start_seconds = std::strtod(fields[0].c_str(), nullptr);
    interval.length_seconds = std::strtod(fields[1].c_str(), nullptr);
    interval.max_ms = std::strtod(fields[2].c_str(), nullptr);
    std::string bytes;
    Status s = Base64Decode(fields[3], &bytes);
    if (!s.ok()) return bad(s.message());
    s = DecodeHistogram(bytes, &interval.histogram);
    if (!s.ok()) return bad(s.message());
    out->push_back(std::move(interval));
  }
  return Status::OK();
}

}  // namespace nsw::loadgen
