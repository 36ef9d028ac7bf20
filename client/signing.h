// NSW1-HMAC-SHA256 request signing: keys and their derivation, key files,
// the canonical request string, the Authorization header grammar, the
// client-side Signer and the server-side Verifier (DESIGN.md
// "Authentication"). OpenSSL only: no Asio or Beast here, so the server's
// HTTP layer and the client share exactly one implementation.
//
// Wire format (the server engineer implements the routes from this comment):
//
//   Authorization: NSW1-HMAC-SHA256 enterprise=<P>, ts=<T>, sig=<S>
//
//   P  the principal: a tax code of exactly 10 ASCII digits, or the literal
//      "admin" for requests signed with the admin key.
//   T  Unix seconds of the client's wall clock, decimal, no sign, no leading
//      zeros ("0" alone is allowed), at most 18 digits.
//   S  64 lowercase hex digits: HMAC-SHA256(key, canonical).
//   The three parameters appear exactly in this order, separated by ", "
//   (comma, one space); the scheme is followed by exactly one space. Anything
//   else is malformed.
//
//   canonical = "NSW1-HMAC-SHA256" \n method \n path \n canonical-query \n
//               host \n content-type \n T \n hex(SHA-256(body))
//   (newline-joined, no trailing newline), where
//     method         as in the request line ("GET", "POST"), case kept;
//     path           the request-target up to (not including) the first '?',
//                    byte for byte as sent (no decoding, no normalization);
//     canonical-query  the text after '?', split on '&' (empty pieces
//                    dropped), each "name=value" (a piece without '=' is a
//                    name with an empty value) percent-decoded ('+' is a
//                    literal plus, not a space), then re-encoded keeping only
//                    RFC 3986 unreserved characters (A-Z a-z 0-9 - . _ ~) and
//                    writing every other byte as %XX with uppercase hex,
//                    sorted by encoded name then encoded value (byte order),
//                    and joined as "name=value" with '&'. A bad escape ("%4",
//                    "%zz") makes the request malformed. Empty when no query;
//     host           the Host header's value, ASCII-lowercased (port kept
//                    when present: "127.0.0.1:8080");
//     content-type   the Content-Type header's value exactly as sent; empty
//                    when the request has none;
//     T              the header's ts text;
//     body hash      64 lowercase hex digits (the empty body hashes to
//                    e3b0c442...b855).
//
// Keys (32 bytes each), with domain separation:
//   enterprise root = HMAC(master, "nsw enterprise root v1")
//   enterprise key  = HMAC(enterprise root, tax code)
//   admin key       = HMAC(master, "nsw admin v1")
// Enterprise requests are signed with the enterprise key of P; admin requests
// (P = "admin") with the admin key. Load generators hold only the
// enterprise-root key file, never the master or the admin key.
//
// Which principal an endpoint accepts (server contract):
//   /v1/dossiers...          an enterprise (the dossier's owner); admin is refused
//   /v1/catalog, /v1/stats   any authenticated principal, enterprise or admin
//   /v1/admin/...            admin only
//   /metrics, /healthz, /readyz, /, /v1/live   unsigned
//
// `--auth none` (classroom demos): signatures are not checked, but the
// server still needs to know who the enterprise is. The convention: the
// principal is taken from the Authorization header when present (parsed with
// the same strict grammar, so a signing client works unchanged; ts and sig
// are not checked), otherwise from the header `X-NSW-Enterprise: <P>` (tax
// code or "admin"), which is what a client without a key file sends and what
// a teacher types with curl. Neither header present: 401 missing_signature,
// as with hmac. A malformed header is still 401 malformed_signature. Verifier implements
// this; the server just constructs Verifier::Unauthenticated().
//
// Verification is split in two so that the server can answer 401 before it
// reads a body: CheckHeaders (parse, staleness, key available) runs on the
// header, CheckSignature (needs the body hash) once the body is read. Codes
// are distinct (AuthCode) and map to 401 with the error codes given by
// AuthCodeName: missing_signature, malformed_signature, bad_signature,
// stale_signature, key_unavailable.
//
// Thread-safety: free functions are thread-safe. Verifier and Key values are
// immutable after construction and safe to share between threads.
// EnterpriseKeyCache and Signer mutate a cache: one per thread.
#ifndef NSW_CLIENT_SIGNING_H_
#define NSW_CLIENT_SIGNING_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "proto/status.h"

namespace nsw::auth {

inline constexpr std::string_view kScheme = "NSW1-HMAC-SHA256";
inline constexpr std::string_view kAdminPrincipal = "admin";
// Header a key-less client sends to name its principal (`--auth none`).
inline constexpr std::string_view kEnterpriseHeader = "X-NSW-Enterprise";
inline constexpr int64_t kDefaultMaxSkewSeconds = 300;
inline constexpr size_t kKeyBytes = 32;

// A 32-byte HMAC-SHA256 key (or an HMAC output: they have the same size).
using Key = std::array<uint8_t, kKeyBytes>;

// ---------------------------------------------------------------- primitives

// Lowercase hex of `bytes`.
std::string ToHex(std::string_view bytes);
inline std::string ToHex(const Key& key) {
  return ToHex(std::string_view(reinterpret_cast<const char*>(key.data()), key.size()));
}
// Exactly 64 lowercase hex digits into *out; false otherwise.
bool KeyFromHex(std::string_view hex, Key* out);
// Lowercase hex of SHA-256(data): 64 characters.
std::string Sha256Hex(std::string_view data);
// HMAC-SHA256(key, data).
Key HmacSha256(const Key& key, std::string_view data);
// Constant-time equality (CRYPTO_memcmp); false at once when sizes differ
// (sizes are public).
bool ConstantTimeEqual(std::string_view a, std::string_view b);

// ---------------------------------------------------------------- keys

Key DeriveEnterpriseRoot(const Key& master);
// REQUIRES: IsValidTaxCode(tax_code).
Key DeriveEnterpriseKey(const Key& enterprise_root, std::string_view tax_code);
Key DeriveAdminKey(const Key& master);

// Exactly 10 ASCII digits.
bool IsValidTaxCode(std::string_view text);
// A tax code or "admin".
bool IsValidPrincipal(std::string_view text);

// Derives enterprise keys from the enterprise root once per tax code and
// keeps them (the load generator signs for thousands of enterprises). Not
// safe for concurrent use: one per thread. Memory: ~64 bytes per tax code.
class EnterpriseKeyCache {
 public:
  explicit EnterpriseKeyCache(const Key& enterprise_root) : root_(enterprise_root) {}
  // REQUIRES: IsValidTaxCode(tax_code). The reference stays valid until the
  // cache is destroyed or cleared.
  const Key& Get(std::string_view tax_code);
  size_t size() const { return keys_.size(); }
  void Clear() {
    keys_.clear();
    slots_.clear();
  }

 private:
  // A tax code is 10 digits, so its value (< 2^34) identifies it: the table
  // is open addressing over that number, one probe in a flat array per
  // signature instead of hashing a string and chasing a node (the load
  // generator's lookups over 38,000 enterprises were 4% of its CPU).
  static constexpr uint64_t kEmpty = UINT64_MAX;
  struct Slot {
    uint64_t code = kEmpty;
    uint32_t index = 0;  // into keys_
  };
  void Grow();
  Key root_;
  std::vector<Slot> slots_;  // power-of-two size, at most half full
  std::deque<Key> keys_;     // a deque: references stay valid as it grows
};

// ---------------------------------------------------------------- key files

// A key file is one line "NSW1 <kind> <64 lowercase hex>\n" with mode 0600.
enum class KeyKind { kMaster, kEnterpriseRoot, kAdmin };
// "master", "enterprise-root", "admin".
std::string_view KeyKindName(KeyKind kind);

// 32 bytes from RAND_bytes.
Status GenerateKey(Key* out);
// The file's content, newline included.
std::string FormatKeyFile(KeyKind kind, const Key& key);
// Parses a key file's content; `source_name` names it in errors.
Status ParseKeyFile(std::string_view text, std::string_view source_name, KeyKind* kind, Key* key);

// Writes `data` to `path` atomically with permission bits `mode`. Lets the
// server route key files through its Env (Env::WriteFileAtomically).
using AtomicFileWriter = std::function<Status(const std::string& path, std::string_view data, int mode)>;

// Creates the key file at `path` with mode 0600; refuses (FailedPrecondition)
// when `path` already exists, so a master key is never overwritten. With an
// empty `writer`: plain POSIX — a temp file beside it opened
// O_CREAT|O_EXCL|O_NOFOLLOW with mode 0600, written, fsynced, then linked
// to `path` (link fails if it exists, so creation is atomic and exclusive),
// the temp removed and the directory fsynced. With a writer: the existence
// check, then writer(path, content, 0600).
Status WriteKeyFile(const std::string& path, KeyKind kind, const Key& key,
                    const AtomicFileWriter& writer = nullptr);
// Reads and parses a key file. Refuses a file whose mode grants group or
// others any access ("key file F has mode 0644: it must not be accessible by
// group or others (chmod 600 F)"), and a file that is not a regular file.
Status ReadKeyFile(const std::string& path, KeyKind* kind, Key* key);
// Same, refusing a file of another kind.
Status ReadKeyFileOfKind(const std::string& path, KeyKind expected, Key* key);

// The server's keys in its data directory: "master.key", plus
// "enterprise-root.key" and "admin.key" derived from it for handing out.
inline constexpr std::string_view kMasterKeyFileName = "master.key";
inline constexpr std::string_view kEnterpriseRootKeyFileName = "enterprise-root.key";
inline constexpr std::string_view kAdminKeyFileName = "admin.key";
struct ServerKeys {
  Key master{};
  Key enterprise_root{};
  Key admin{};
};
// On first start (no master.key in `dir`) generates the master key and
// writes all three files; later reads master.key (mode checked) and
// rewrites a missing derived file. *created (may be null) tells which
// happened. `dir` must exist.
Status LoadOrCreateServerKeys(const std::string& dir, ServerKeys* out, bool* created = nullptr,
                              const AtomicFileWriter& writer = nullptr);

// ---------------------------------------------------------------- canonical form

// Canonical query of `raw_query` (the text after '?', without it).
// InvalidArgument on a bad percent escape.
Status CanonicalQuery(std::string_view raw_query, std::string* out);
// Percent-encodes every byte except RFC 3986 unreserved characters, with
// uppercase hex: what canonical queries and the client's query strings use.
std::string PercentEncode(std::string_view text);
// Decodes %XX escapes ('+' stays '+'). InvalidArgument on a bad escape.
Status PercentDecode(std::string_view text, std::string* out);
// Splits an origin-form request-target into path and raw query.
void SplitTarget(std::string_view target, std::string_view* path, std::string_view* raw_query);

// The parts of a request that the signature covers.
struct RequestParts {
  std::string_view method;        // "POST"
  std::string_view target;        // request-target as sent: "/v1/dossiers?client_ref=a"
  std::string_view host;          // Host header as sent (lowercased here)
  std::string_view content_type;  // Content-Type as sent; empty when none
  std::string_view body;          // the body bytes (empty for GET)
};

// The canonical string for `parts` signed at Unix time `ts` (written in
// decimal, as in the header).
Status CanonicalString(const RequestParts& parts, int64_t ts, std::string* out);
// HMAC-SHA256(key, canonical) as 64 lowercase hex digits.
Status ComputeSignature(const Key& key, const RequestParts& parts, int64_t ts, std::string* sig_hex);

// ---------------------------------------------------------------- header

struct AuthHeader {
  std::string principal;  // 10-digit tax code or "admin"
  int64_t ts = 0;         // Unix seconds
  std::string sig_hex;    // 64 lowercase hex digits
  bool is_admin() const { return principal == kAdminPrincipal; }
};

// The header value "NSW1-HMAC-SHA256 enterprise=P, ts=T, sig=S".
std::string FormatAuthorizationHeader(const AuthHeader& header);
// Strict parse (grammar above). InvalidArgument names the first violation.
Status ParseAuthorizationHeader(std::string_view value, AuthHeader* out);

// ---------------------------------------------------------------- client side

// Signs requests for enterprises and/or the admin with whatever keys it was
// given: an enterprise root (any tax code), an admin key, both (from a master
// key file), or none (then requests carry X-NSW-Enterprise instead, for
// `--auth none` servers). Not safe for concurrent use (key cache): one per
// thread.
class Signer {
 public:
  // No keys: Sign produces the X-NSW-Enterprise form.
  Signer() = default;
  static Signer FromMaster(const Key& master);
  static Signer FromEnterpriseRoot(const Key& enterprise_root);
  static Signer FromAdmin(const Key& admin);
  // Reads a key file of any kind (master, enterprise-root or admin).
  static Status FromKeyFile(const std::string& path, Signer* out);

  bool can_sign_enterprise() const { return cache_.has_value(); }
  bool can_sign_admin() const { return admin_.has_value(); }
  bool has_keys() const { return can_sign_enterprise() || can_sign_admin(); }

  // Computes the header to add for `principal` (tax code or "admin") at Unix
  // time `ts`: sets *header_name to "Authorization" and *header_value to the
  // signed value; without any key, "X-NSW-Enterprise" and the principal.
  // FailedPrecondition when keys are present but not the one `principal`
  // needs (an admin call with an enterprise-root key file); InvalidArgument
  // for a bad principal or query.
  Status Sign(std::string_view principal, int64_t ts, const RequestParts& parts,
              std::string_view* header_name, std::string* header_value);

 private:
  std::optional<EnterpriseKeyCache> cache_;
  std::optional<Key> admin_;
  std::string canonical_;  // scratch for Sign, keeps its capacity
};

// ---------------------------------------------------------------- server side

enum class AuthCode {
  kOk = 0,
  kMissing,        // no Authorization (nor X-NSW-Enterprise under --auth none)
  kMalformed,      // the header breaks the grammar, or the query has a bad escape
  kBadSignature,   // well-formed but the HMAC does not match
  kStale,          // |now - ts| > max skew
  kKeyUnavailable, // the verifier holds no key for this principal
};
// "ok", "missing_signature", "malformed_signature", "bad_signature",
// "stale_signature", "key_unavailable": the nsw.Error code for the 401.
std::string_view AuthCodeName(AuthCode code);

struct AuthVerdict {
  AuthCode code = AuthCode::kOk;
  std::string message;  // one sentence for the Error body; empty when ok
  bool ok() const { return code == AuthCode::kOk; }
};

// What CheckHeaders learned, carried to CheckSignature.
struct PendingAuth {
  AuthHeader header;      // principal, ts, sig
  Key key{};              // the key that must have signed it
  bool verify = true;     // false under --auth none
  const std::string& principal() const { return header.principal; }
  bool is_admin() const { return header.is_admin(); }
};

struct VerifierOptions {
  // Refuse when |now - ts| exceeds this many seconds. Default 300.
  int64_t max_skew_seconds = kDefaultMaxSkewSeconds;
};

class Verifier {
 public:
  // hmac: the server's master key (derives the enterprise root and admin key).
  static Verifier FromMaster(const Key& master, const VerifierOptions& options = {});
  // Any subset of keys (tests; a verifier without an admin key answers
  // kKeyUnavailable to admin requests).
  static Verifier FromKeys(std::optional<Key> enterprise_root, std::optional<Key> admin,
                           const VerifierOptions& options = {});
  // --auth none: principals as in the header comment, nothing verified.
  static Verifier Unauthenticated();

  bool authenticates() const { return authenticate_; }

  // (a) Before the body is read. `authorization` and `enterprise_header` are
  // the values of Authorization and X-NSW-Enterprise (empty when absent);
  // `now_unix_seconds` is the server's wall clock. On ok, *pending is ready
  // for CheckSignature.
  AuthVerdict CheckHeaders(std::string_view authorization, std::string_view enterprise_header,
                           int64_t now_unix_seconds, PendingAuth* pending) const;
  // (b) Once the body is read: recomputes the signature over `parts` and
  // compares it in constant time. Always ok when !pending.verify.
  AuthVerdict CheckSignature(const PendingAuth& pending, const RequestParts& parts) const;

 private:
  Verifier() = default;
  bool authenticate_ = true;
  std::optional<Key> enterprise_root_;
  // HMAC with the enterprise root after its two padded key blocks: the
  // SHA-256 states (opaque here, OpenSSL's SHA256_CTX in signing.cc) from
  // which every enterprise key derivation continues, so that one costs two
  // compressions instead of four. Set with enterprise_root_.
  std::array<unsigned char, 256> enterprise_root_state_{};
  std::optional<Key> admin_;
  VerifierOptions options_;
};

}  // namespace nsw::auth

#endif  // NSW_CLIENT_SIGNING_H_
