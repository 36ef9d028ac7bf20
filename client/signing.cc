// NSW1-HMAC-SHA256: implementation of client/signing.h over OpenSSL's
// SHA-256, plus POSIX key files.
//
// Speed: every request is hashed and MACed twice on the server (key
// derivation, signature) and once on the load generator, so the primitives
// use OpenSSL's low-level SHA-256 interface (the same SHA-NI/AVX assembly as
// EVP) on a stack context, with HMAC (RFC 2104) written over it. OpenSSL 3's
// one-shot HMAC() and EVP_Digest() fetch the algorithm from a provider and
// allocate contexts on every call: about 2 us and 15 allocations per HMAC,
// against 0.2 us and none here. That interface is deprecated in OpenSSL 3
// but kept; its use is confined to this file.
#define OPENSSL_SUPPRESS_DEPRECATED
#include "client/signing.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <utility>
#include <vector>

namespace nsw::auth {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";
constexpr std::string_view kEnterpriseRootLabel = "nsw enterprise root v1";
constexpr std::string_view kAdminLabel = "nsw admin v1";
constexpr std::string_view kKeyFileMagic = "NSW1";
// Seconds need at most 11 digits for millennia; 18 keeps int64 arithmetic
// on |now - ts| far from overflow.
constexpr size_t kMaxTsDigits = 18;

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool IsLowerHex(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool IsUnreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '.' || c == '_' || c == '~';
}

void AppendPercentEncoded(std::string_view text, std::string* out) {
  for (unsigned char c : text) {
    if (IsUnreserved(c)) {
      out->push_back(static_cast<char>(c));
    } else {
      out->push_back('%');
      out->push_back("0123456789ABCDEF"[c >> 4]);
      out->push_back("0123456789ABCDEF"[c & 15]);
    }
  }
}

// Quotes a user-supplied value for an error message, clipped and with
// control characters escaped, so a hostile header cannot forge log lines.
std::string Quote(std::string_view text) {
  std::string out = "'";
  size_t n = std::min<size_t>(text.size(), 80);
  for (size_t i = 0; i < n; ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 || c >= 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out.push_back(static_cast<char>(c));
    }
  }
  if (text.size() > n) out += "...";
  out += "'";
  return out;
}

std::string ModeString(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "0%03o", static_cast<unsigned>(mode & 0777));
  return buf;
}

std::string ErrnoText(int err) { return std::strerror(err); }

std::string DirName(const std::string& path) {
  size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Status::IoError("write " + path + ": " + ErrnoText(errno));
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::OK();
}

Status SyncDirectory(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return Status::IoError("open directory " + dir + ": " + ErrnoText(errno));
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return Status::IoError("fsync directory " + dir + ": " + ErrnoText(err));
  return Status::OK();
}

// Temp file O_EXCL 0600, fsync, link() to the final name (fails when it
// exists: never overwrites), unlink the temp, fsync the directory.
Status PosixCreateExclusive(const std::string& path, std::string_view data) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) return Status::IoError("create " + tmp + ": " + ErrnoText(errno));
  // The umask cannot widen 0600, but a pre-existing ACL default could;
  // fchmod makes the mode exact.
  Status s = WriteAll(fd, data, tmp);
  if (s.ok() && ::fchmod(fd, 0600) != 0) s = Status::IoError("chmod " + tmp + ": " + ErrnoText(errno));
  if (s.ok() && ::fsync(fd) != 0) s = Status::IoError("fsync " + tmp + ": " + ErrnoText(errno));
  if (::close(fd) != 0 && s.ok()) s = Status::IoError("close " + tmp + ": " + ErrnoText(errno));
  if (s.ok() && ::link(tmp.c_str(), path.c_str()) != 0) {
    int err = errno;
    s = err == EEXIST ? Status::FailedPrecondition("key file " + path + " already exists; not overwriting it")
                      : Status::IoError("link " + tmp + " -> " + path + ": " + ErrnoText(err));
  }
  ::unlink(tmp.c_str());
  if (s.ok()) s = SyncDirectory(DirName(path));
  return s;
}

Status ParseTs(std::string_view text, int64_t* ts) {
  if (text.empty()) return Status::InvalidArgument("authorization: empty ts");
  if (text.size() > kMaxTsDigits) return Status::InvalidArgument("authorization: ts has too many digits");
  for (char c : text) {
    if (c < '0' || c > '9') return Status::InvalidArgument("authorization: ts " + Quote(text) + " is not decimal digits");
  }
  if (text.size() > 1 && text[0] == '0') return Status::InvalidArgument("authorization: ts " + Quote(text) + " has a leading zero");
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) {
    return Status::InvalidArgument("authorization: ts " + Quote(text) + " is out of range");
  }
  *ts = value;
  return Status::OK();
}

// Consumes `prefix` from *text or fails naming what was expected.
Status Expect(std::string_view* text, std::string_view prefix, std::string_view what) {
  if (text->substr(0, prefix.size()) != prefix) {
    return Status::InvalidArgument("authorization: expected " + std::string(what) + " at " + Quote(*text));
  }
  text->remove_prefix(prefix.size());
  return Status::OK();
}

}  // namespace

// ---------------------------------------------------------------- primitives

std::string ToHex(std::string_view bytes) {
  std::string out(bytes.size() * 2, '\0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(bytes[i]);
    out[2 * i] = kHexDigits[c >> 4];
    out[2 * i + 1] = kHexDigits[c & 15];
  }
  return out;
}

bool KeyFromHex(std::string_view hex, Key* out) {
  if (hex.size() != 2 * kKeyBytes || !IsLowerHex(hex)) return false;
  for (size_t i = 0; i < kKeyBytes; ++i) {
    (*out)[i] = static_cast<uint8_t>(HexValue(hex[2 * i]) << 4 | HexValue(hex[2 * i + 1]));
  }
  return true;
}

// RFC 2104 with a key shorter than the block: the key zero-padded to 64 bytes.
Key HmacSha256(const Key& key, std::string_view data) {
  uint8_t pad[SHA256_CBLOCK];
  SHA256_CTX ctx;
  Key inner;
  std::memset(pad, 0x36, sizeof pad);
  for (size_t i = 0; i < key.size(); ++i) pad[i] ^= key[i];
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, pad, sizeof pad);
  SHA256_Update(&ctx, data.data(), data.size());
  SHA256_Final(inner.data(), &ctx);
  for (size_t i = 0; i < sizeof pad; ++i) pad[i] ^= 0x36 ^ 0x5c;
  Key out;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, pad, sizeof pad);
  SHA256_Update(&ctx, inner.data(), inner.size());
  SHA256_Final(out.data(), &ctx);
  // Key material on the stack does not outlive the call.
  OPENSSL_cleanse(pad, sizeof pad);
  OPENSSL_cleanse(&ctx, sizeof ctx);
  OPENSSL_cleanse(inner.data(), inner.size());
  return out;
}

namespace {

// HMAC-SHA256 split at the key: the SHA-256 contexts after the inner and
// the outer padded key block. HmacFromState(HmacStateOf(key), data) equals
// HmacSha256(key, data).
struct HmacState {
  SHA256_CTX inner;
  SHA256_CTX outer;
};

HmacState HmacStateOf(const Key& key) {
  uint8_t pad[SHA256_CBLOCK];
  HmacState state;
  std::memset(pad, 0x36, sizeof pad);
  for (size_t i = 0; i < key.size(); ++i) pad[i] ^= key[i];
  SHA256_Init(&state.inner);
  SHA256_Update(&state.inner, pad, sizeof pad);
  for (size_t i = 0; i < sizeof pad; ++i) pad[i] ^= 0x36 ^ 0x5c;
  SHA256_Init(&state.outer);
  SHA256_Update(&state.outer, pad, sizeof pad);
  OPENSSL_cleanse(pad, sizeof pad);
  return state;
}

// `state`: the bytes of an HmacState (kept as bytes by Verifier).
Key HmacFromState(const unsigned char* state, std::string_view data) {
  SHA256_CTX ctx;
  std::memcpy(&ctx, state + offsetof(HmacState, inner), sizeof ctx);
  Key inner;
  SHA256_Update(&ctx, data.data(), data.size());
  SHA256_Final(inner.data(), &ctx);
  std::memcpy(&ctx, state + offsetof(HmacState, outer), sizeof ctx);
  Key out;
  SHA256_Update(&ctx, inner.data(), inner.size());
  SHA256_Final(out.data(), &ctx);
  OPENSSL_cleanse(&ctx, sizeof ctx);
  OPENSSL_cleanse(inner.data(), inner.size());
  return out;
}

// Lowercase hex of SHA-256(data) into out[0..64).
void Sha256HexInto(std::string_view data, char* out) {
  uint8_t digest[SHA256_DIGEST_LENGTH];
  SHA256_CTX ctx;
  SHA256_Init(&ctx);
  SHA256_Update(&ctx, data.data(), data.size());
  SHA256_Final(digest, &ctx);
  for (size_t i = 0; i < sizeof digest; ++i) {
    out[2 * i] = kHexDigits[digest[i] >> 4];
    out[2 * i + 1] = kHexDigits[digest[i] & 15];
  }
}

}  // namespace

std::string Sha256Hex(std::string_view data) {
  std::string out(2 * SHA256_DIGEST_LENGTH, '\0');
  Sha256HexInto(data, out.data());
  return out;
}

bool ConstantTimeEqual(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  return CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

// ---------------------------------------------------------------- keys

Key DeriveEnterpriseRoot(const Key& master) { return HmacSha256(master, kEnterpriseRootLabel); }
Key DeriveEnterpriseKey(const Key& enterprise_root, std::string_view tax_code) {
  return HmacSha256(enterprise_root, tax_code);
}
Key DeriveAdminKey(const Key& master) { return HmacSha256(master, kAdminLabel); }

bool IsValidTaxCode(std::string_view text) {
  return text.size() == 10 && std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool IsValidPrincipal(std::string_view text) { return text == kAdminPrincipal || IsValidTaxCode(text); }

namespace {
// Multiplicative (Fibonacci) hashing: bits 32 and up of code * 2^64/phi
// spread nearby codes over the table.
size_t SlotOf(uint64_t code, size_t mask) {
  return static_cast<size_t>((code * 0x9E3779B97F4A7C15ULL) >> 32) & mask;
}
}  // namespace

const Key& EnterpriseKeyCache::Get(std::string_view tax_code) {
  uint64_t code = 0;
  for (char c : tax_code) code = code * 10 + static_cast<uint64_t>(c - '0');
  if (slots_.empty()) slots_.resize(1024);
  const size_t mask = slots_.size() - 1;
  size_t i = SlotOf(code, mask);
  for (;; i = (i + 1) & mask) {
    const Slot& slot = slots_[i];
    if (slot.code == code) return keys_[slot.index];
    if (slot.code == kEmpty) break;
  }
  keys_.push_back(DeriveEnterpriseKey(root_, tax_code));
  slots_[i] = Slot{code, static_cast<uint32_t>(keys_.size() - 1)};
  if (keys_.size() * 2 > slots_.size()) Grow();
  return keys_.back();
}

void EnterpriseKeyCache::Grow() {
  std::vector<Slot> old(slots_.size() * 2);
  old.swap(slots_);
  const size_t mask = slots_.size() - 1;
  for (const Slot& slot : old) {
    if (slot.code == kEmpty) continue;
    size_t i = SlotOf(slot.code, mask);
    while (slots_[i].code != kEmpty) i = (i + 1) & mask;
    slots_[i] = slot;
  }
}

// ---------------------------------------------------------------- key files

std::string_view KeyKindName(KeyKind kind) {
  switch (kind) {
    case KeyKind::kMaster: return "master";
    case KeyKind::kEnterpriseRoot: return "enterprise-root";
    case KeyKind::kAdmin: return "admin";
  }
  return "unknown";
}

Status GenerateKey(Key* out) {
  if (RAND_bytes(out->data(), static_cast<int>(out->size())) != 1) {
    return Status::Unavailable("RAND_bytes failed: the system random generator is not available");
  }
  return Status::OK();
}

std::string FormatKeyFile(KeyKind kind, const Key& key) {
  std::string out(kKeyFileMagic);
  out += ' ';
  out += KeyKindName(kind);
  out += ' ';
  out += ToHex(key);
  out += '\n';
  return out;
}

Status ParseKeyFile(std::string_view text, std::string_view source_name, KeyKind* kind, Key* key) {
  std::string where(source_name);
  if (!text.empty() && text.back() == '\n') text.remove_suffix(1);
  if (text.find('\n') != std::string_view::npos) {
    return Status::InvalidArgument(where + ": a key file is one line \"NSW1 <kind> <64 hex>\"");
  }
  size_t sp1 = text.find(' ');
  size_t sp2 = sp1 == std::string_view::npos ? sp1 : text.find(' ', sp1 + 1);
  if (sp2 == std::string_view::npos || text.substr(0, sp1) != kKeyFileMagic) {
    return Status::InvalidArgument(where + ": not an NSW1 key file (expected \"NSW1 <kind> <64 hex>\")");
  }
  std::string_view kind_text = text.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string_view hex = text.substr(sp2 + 1);
  if (kind_text == "master") {
    *kind = KeyKind::kMaster;
  } else if (kind_text == "enterprise-root") {
    *kind = KeyKind::kEnterpriseRoot;
  } else if (kind_text == "admin") {
    *kind = KeyKind::kAdmin;
  } else {
    return Status::InvalidArgument(where + ": unknown key kind " + Quote(kind_text) +
                                   " (master, enterprise-root or admin)");
  }
  if (!KeyFromHex(hex, key)) {
    return Status::InvalidArgument(where + ": the key must be 64 lowercase hex digits");
  }
  return Status::OK();
}

Status WriteKeyFile(const std::string& path, KeyKind kind, const Key& key, const AtomicFileWriter& writer) {
  std::string content = FormatKeyFile(kind, key);
  if (!writer) return PosixCreateExclusive(path, content);
  struct stat st;
  if (::lstat(path.c_str(), &st) == 0) {
    return Status::FailedPrecondition("key file " + path + " already exists; not overwriting it");
  }
  return writer(path, content, 0600);
}

Status ReadKeyFile(const std::string& path, KeyKind* kind, Key* key) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY);
  if (fd < 0) return Status::IoError("key file " + path + ": " + ErrnoText(errno));
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    return Status::IoError("key file " + path + ": " + ErrnoText(err));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    return Status::InvalidArgument("key file " + path + " is not a regular file");
  }
  if ((st.st_mode & 077) != 0) {
    ::close(fd);
    return Status::FailedPrecondition("key file " + path + " has mode " + ModeString(st.st_mode) +
                                      ": it must not be accessible by group or others (chmod 600 " + path + ")");
  }
  std::string text;
  char buf[256];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return Status::IoError("key file " + path + ": " + ErrnoText(err));
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > 4096) break;  // a key file is ~90 bytes; don't slurp a wrong path
  }
  ::close(fd);
  Status s = ParseKeyFile(text, path, kind, key);
  OPENSSL_cleanse(text.data(), text.size());
  return s;
}

Status ReadKeyFileOfKind(const std::string& path, KeyKind expected, Key* key) {
  KeyKind kind;
  Status s = ReadKeyFile(path, &kind, key);
  if (!s.ok()) return s;
  if (kind != expected) {
    return Status::InvalidArgument("key file " + path + " holds a " + std::string(KeyKindName(kind)) +
                                   " key; expected a " + std::string(KeyKindName(expected)) + " key");
  }
  return Status::OK();
}

Status LoadOrCreateServerKeys(const std::string& dir, ServerKeys* out, bool* created,
                              const AtomicFileWriter& writer) {
  std::string base = dir.empty() || dir.back() == '/' ? dir : dir + "/";
  std::string master_path = base + std::string(kMasterKeyFileName);
  bool fresh = false;
  struct stat st;
  if (::lstat(master_path.c_str(), &st) == 0) {
    Status s = ReadKeyFileOfKind(master_path, KeyKind::kMaster, &out->master);
    if (!s.ok()) return s;
  } else if (errno == ENOENT) {
    Status s = GenerateKey(&out->master);
    if (s.ok()) s = WriteKeyFile(master_path, KeyKind::kMaster, out->master, writer);
    if (!s.ok()) return s;
    fresh = true;
  } else {
    return Status::IoError("key file " + master_path + ": " + ErrnoText(errno));
  }
  out->enterprise_root = DeriveEnterpriseRoot(out->master);
  out->admin = DeriveAdminKey(out->master);
  const std::pair<std::string_view, std::pair<KeyKind, const Key*>> derived[] = {
      {kEnterpriseRootKeyFileName, {KeyKind::kEnterpriseRoot, &out->enterprise_root}},
      {kAdminKeyFileName, {KeyKind::kAdmin, &out->admin}},
  };
  for (const auto& [name, kind_key] : derived) {
    std::string path = base + std::string(name);
    if (::lstat(path.c_str(), &st) == 0) {
      // Present: it must be ours (mode and content), else someone handed out
      // a key that does not match this server.
      Key on_disk;
      Status s = ReadKeyFileOfKind(path, kind_key.first, &on_disk);
      if (!s.ok()) return s;
      if (!ConstantTimeEqual(std::string_view(reinterpret_cast<const char*>(on_disk.data()), on_disk.size()),
                             std::string_view(reinterpret_cast<const char*>(kind_key.second->data()),
                                              kind_key.second->size()))) {
        return Status::FailedPrecondition("key file " + path + " does not match " + master_path);
      }
      continue;
    }
    Status s = WriteKeyFile(path, kind_key.first, *kind_key.second, writer);
    if (!s.ok()) return s;
  }
  if (created != nullptr) *created = fresh;
  return Status::OK();
}

// ---------------------------------------------------------------- canonical form

std::string PercentEncode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  AppendPercentEncoded(text, &out);
  return out;
}

Status PercentDecode(std::string_view text, std::string* out) {
  out->clear();
  out->reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c != '%') {
      out->push_back(c);
      continue;
    }
    if (text.size() - i < 3) {
      return Status::InvalidArgument("truncated percent escape in " + Quote(text));
    }
    int h = HexValue(text[i + 1]);
    int l = HexValue(text[i + 2]);
    if (h < 0 || l < 0) return Status::InvalidArgument("bad percent escape in " + Quote(text));
    out->push_back(static_cast<char>(h << 4 | l));
    i += 2;
  }
  return Status::OK();
}

void SplitTarget(std::string_view target, std::string_view* path, std::string_view* raw_query) {
  size_t q = target.find('?');
  if (q == std::string_view::npos) {
    *path = target;
    *raw_query = std::string_view();
  } else {
    *path = target.substr(0, q);
    *raw_query = target.substr(q + 1);
  }
}

Status CanonicalQuery(std::string_view raw_query, std::string* out) {
  out->clear();
  if (raw_query.empty()) return Status::OK();
  std::vector<std::pair<std::string, std::string>> params;
  std::string decoded;
  while (!raw_query.empty()) {
    size_t amp = raw_query.find('&');
    std::string_view piece = raw_query.substr(0, amp);
    raw_query = amp == std::string_view::npos ? std::string_view() : raw_query.substr(amp + 1);
    if (piece.empty()) continue;
    size_t eq = piece.find('=');
    std::string_view name = piece.substr(0, eq);
    std::string_view value = eq == std::string_view::npos ? std::string_view() : piece.substr(eq + 1);
    std::pair<std::string, std::string> param;
    Status s = PercentDecode(name, &decoded);
    if (!s.ok()) return Status::InvalidArgument("query: " + s.message());
    AppendPercentEncoded(decoded, &param.first);
    s = PercentDecode(value, &decoded);
    if (!s.ok()) return Status::InvalidArgument("query: " + s.message());
    AppendPercentEncoded(decoded, &param.second);
    params.push_back(std::move(param));
  }
  std::sort(params.begin(), params.end());
  for (size_t i = 0; i < params.size(); ++i) {
    if (i > 0) out->push_back('&');
    *out += params[i].first;
    out->push_back('=');
    *out += params[i].second;
  }
  return Status::OK();
}

Status CanonicalString(const RequestParts& parts, int64_t ts, std::string* out) {
  std::string_view path, raw_query;
  SplitTarget(parts.target, &path, &raw_query);
  std::string query;
  Status s = CanonicalQuery(raw_query, &query);
  if (!s.ok()) return s;
  char ts_buf[24];
  auto [end, ec] = std::to_chars(ts_buf, ts_buf + sizeof ts_buf, ts);
  (void)ec;  // 24 bytes hold any int64
  out->clear();
  out->reserve(kScheme.size() + parts.method.size() + parts.target.size() + parts.host.size() +
               parts.content_type.size() + 128);
  *out += kScheme;
  out->push_back('\n');
  *out += parts.method;
  out->push_back('\n');
  *out += path;
  out->push_back('\n');
  *out += query;
  out->push_back('\n');
  for (char c : parts.host) out->push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
  out->push_back('\n');
  *out += parts.content_type;
  out->push_back('\n');
  out->append(ts_buf, end);
  out->push_back('\n');
  const size_t at = out->size();
  out->resize(at + 2 * SHA256_DIGEST_LENGTH);
  Sha256HexInto(parts.body, out->data() + at);
  return Status::OK();
}

Status ComputeSignature(const Key& key, const RequestParts& parts, int64_t ts, std::string* sig_hex) {
  std::string canonical;
  Status s = CanonicalString(parts, ts, &canonical);
  if (!s.ok()) return s;
  *sig_hex = ToHex(HmacSha256(key, canonical));
  return Status::OK();
}

// ---------------------------------------------------------------- header

std::string FormatAuthorizationHeader(const AuthHeader& header) {
  std::string out;
  out.reserve(kScheme.size() + header.principal.size() + header.sig_hex.size() + 48);
  out += kScheme;
  out += " enterprise=";
  out += header.principal;
  out += ", ts=";
  out += std::to_string(header.ts);
  out += ", sig=";
  out += header.sig_hex;
  return out;
}

Status ParseAuthorizationHeader(std::string_view value, AuthHeader* out) {
  std::string_view rest = value;
  Status s = Expect(&rest, kScheme, "scheme \"NSW1-HMAC-SHA256\"");
  if (!s.ok()) return s;
  s = Expect(&rest, " enterprise=", "\" enterprise=\" after the scheme");
  if (!s.ok()) return s;
  size_t comma = rest.find(',');
  if (comma == std::string_view::npos) return Status::InvalidArgument("authorization: expected \", ts=\" after enterprise");
  std::string_view principal = rest.substr(0, comma);
  if (!IsValidPrincipal(principal)) {
    return Status::InvalidArgument("authorization: enterprise " + Quote(principal) +
                                   " is neither a 10-digit tax code nor \"admin\"");
  }
  rest.remove_prefix(comma);
  s = Expect(&rest, ", ts=", "\", ts=\" after enterprise");
  if (!s.ok()) return s;
  comma = rest.find(',');
  if (comma == std::string_view::npos) return Status::InvalidArgument("authorization: expected \", sig=\" after ts");
  int64_t ts = 0;
  s = ParseTs(rest.substr(0, comma), &ts);
  if (!s.ok()) return s;
  rest.remove_prefix(comma);
  s = Expect(&rest, ", sig=", "\", sig=\" after ts");
  if (!s.ok()) return s;
  if (rest.size() != 64 || !IsLowerHex(rest)) {
    return Status::InvalidArgument("authorization: sig must be exactly 64 lowercase hex digits and end the header");
  }
  out->principal.assign(principal);
  out->ts = ts;
  out->sig_hex.assign(rest);
  return Status::OK();
}

// ---------------------------------------------------------------- client side

Signer Signer::FromMaster(const Key& master) {
  Signer signer;
  signer.cache_.emplace(DeriveEnterpriseRoot(master));
  signer.admin_ = DeriveAdminKey(master);
  return signer;
}

Signer Signer::FromEnterpriseRoot(const Key& enterprise_root) {
  Signer signer;
  signer.cache_.emplace(enterprise_root);
  return signer;
}

Signer Signer::FromAdmin(const Key& admin) {
  Signer signer;
  signer.admin_ = admin;
  return signer;
}

Status Signer::FromKeyFile(const std::string& path, Signer* out) {
  KeyKind kind;
  Key key;
  Status s = ReadKeyFile(path, &kind, &key);
  if (!s.ok()) return s;
  switch (kind) {
    case KeyKind::kMaster: *out = FromMaster(key); break;
    case KeyKind::kEnterpriseRoot: *out = FromEnterpriseRoot(key); break;
    case KeyKind::kAdmin: *out = FromAdmin(key); break;
  }
  OPENSSL_cleanse(key.data(), key.size());
  return Status::OK();
}

Status Signer::Sign(std::string_view principal, int64_t ts, const RequestParts& parts,
                    std::string_view* header_name, std::string* header_value) {
  if (!IsValidPrincipal(principal)) {
    return Status::InvalidArgument("principal " + Quote(principal) + " is neither a 10-digit tax code nor \"admin\"");
  }
  if (!has_keys()) {
    *header_name = kEnterpriseHeader;
    header_value->assign(principal);
    return Status::OK();
  }
  const Key* key = nullptr;
  if (principal == kAdminPrincipal) {
    if (!admin_) return Status::FailedPrecondition("signing as admin needs the admin or master key file");
    key = &*admin_;
  } else {
    if (!cache_) return Status::FailedPrecondition("signing for an enterprise needs the enterprise-root or master key file");
    key = &cache_->Get(principal);
  }
  // FormatAuthorizationHeader's text, written into the caller's string and
  // with the canonical form in a reused one: a signature allocates nothing.
  Status s = CanonicalString(parts, ts, &canonical_);
  if (!s.ok()) return s;
  const Key mac = HmacSha256(*key, canonical_);
  char ts_buf[24];
  auto [ts_end, ec] = std::to_chars(ts_buf, ts_buf + sizeof ts_buf, ts);
  (void)ec;  // 24 bytes hold any int64
  std::string& out = *header_value;
  out.assign(kScheme);
  out += " enterprise=";
  out += principal;
  out += ", ts=";
  out.append(ts_buf, ts_end);
  out += ", sig=";
  const size_t at = out.size();
  out.resize(at + 2 * mac.size());
  for (size_t i = 0; i < mac.size(); ++i) {
    out[at + 2 * i] = kHexDigits[mac[i] >> 4];
    out[at + 2 * i + 1] = kHexDigits[mac[i] & 15];
  }
  *header_name = "Authorization";
  return Status::OK();
}

// ---------------------------------------------------------------- server side

std::string_view AuthCodeName(AuthCode code) {
  switch (code) {
    case AuthCode::kOk: return "ok";
    case AuthCode::kMissing: return "missing_signature";
    case AuthCode::kMalformed: return "malformed_signature";
    case AuthCode::kBadSignature: return "bad_signature";
    case AuthCode::kStale: return "stale_signature";
    case AuthCode::kKeyUnavailable: return "key_unavailable";
  }
  return "unknown";
}

Verifier Verifier::FromMaster(const Key& master, const VerifierOptions& options) {
  return FromKeys(DeriveEnterpriseRoot(master), DeriveAdminKey(master), options);
}

Verifier Verifier::FromKeys(std::optional<Key> enterprise_root, std::optional<Key> admin,
                            const VerifierOptions& options) {
  Verifier v;
  v.enterprise_root_ = enterprise_root;
  if (enterprise_root) {
    static_assert(sizeof(HmacState) <= sizeof(v.enterprise_root_state_));
    HmacState state = HmacStateOf(*enterprise_root);
    std::memcpy(v.enterprise_root_state_.data(), &state, sizeof state);
    OPENSSL_cleanse(&state, sizeof state);
  }
  v.admin_ = admin;
  v.options_ = options;
  return v;
}

Verifier Verifier::Unauthenticated() {
  Verifier v;
  v.authenticate_ = false;
  return v;
}

AuthVerdict Verifier::CheckHeaders(std::string_view authorization, std::string_view enterprise_header,
                                   int64_t now_unix_seconds, PendingAuth* pending) const {
  if (!authenticate_) {
    pending->verify = false;
    if (!authorization.empty()) {
      Status s = ParseAuthorizationHeader(authorization, &pending->header);
      if (!s.ok()) return {AuthCode::kMalformed, s.message()};
      return {};
    }
    if (enterprise_header.empty()) {
      return {AuthCode::kMissing, "no Authorization or X-NSW-Enterprise header names the enterprise"};
    }
    if (!IsValidPrincipal(enterprise_header)) {
      return {AuthCode::kMalformed, "X-NSW-Enterprise " + Quote(enterprise_header) +
                                        " is neither a 10-digit tax code nor \"admin\""};
    }
    pending->header.principal.assign(enterprise_header);
    pending->header.ts = now_unix_seconds;
    pending->header.sig_hex.clear();
    return {};
  }
  if (authorization.empty()) return {AuthCode::kMissing, "the request has no Authorization header"};
  pending->verify = true;
  Status s = ParseAuthorizationHeader(authorization, &pending->header);
  if (!s.ok()) return {AuthCode::kMalformed, s.message()};
  int64_t skew = now_unix_seconds - pending->header.ts;
  if (skew > options_.max_skew_seconds || -skew > options_.max_skew_seconds) {
    return {AuthCode::kStale, "signature timestamp " + std::to_string(pending->header.ts) + " is " +
                                  std::to_string(skew < 0 ? -skew : skew) + " s " + (skew < 0 ? "ahead of" : "behind") +
                                  " the server's clock (limit " + std::to_string(options_.max_skew_seconds) + " s)"};
  }
  if (pending->header.is_admin()) {
    if (!admin_) return {AuthCode::kKeyUnavailable, "this server holds no admin key"};
    pending->key = *admin_;
  } else {
    if (!enterprise_root_) return {AuthCode::kKeyUnavailable, "this server holds no enterprise key"};
    // DeriveEnterpriseKey(*enterprise_root_, principal), from the root's
    // precomputed HMAC state.
    pending->key = HmacFromState(enterprise_root_state_.data(), pending->header.principal);
  }
  return {};
}

AuthVerdict Verifier::CheckSignature(const PendingAuth& pending, const RequestParts& parts) const {
  if (!pending.verify) return {};
  // One per thread, keeping its capacity: the canonical form was a heap
  // allocation per request.
  thread_local std::string canonical;
  Status s = CanonicalString(parts, pending.header.ts, &canonical);
  if (!s.ok()) return {AuthCode::kMalformed, s.message()};
  Key expected = HmacSha256(pending.key, canonical);
  Key given;
  if (!KeyFromHex(pending.header.sig_hex, &given)) return {AuthCode::kMalformed, "sig is not 64 lowercase hex digits"};
  if (CRYPTO_memcmp(expected.data(), given.data(), expected.size()) != 0) {
    return {AuthCode::kBadSignature, "the signature does not match the request"};
  }
  return {};
}

}  // namespace nsw::auth
