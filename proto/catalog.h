// Catalog (shared by the server and the load generator, hence in proto/):
// the validated, indexed view of a nsw::CatalogProto message (ministries
// and procedures). Loaded from text format (the built-in default or
// --catalog FILE); validation refuses duplicate codes, unknown ministries,
// outcome probabilities not summing to 1, non-positive officers or times,
// and names file, line and reason ("catalog.textproto:12: ..."), one line
// per error. Immutable after loading, so safe to share between threads.
//
// What a loaded catalog guarantees (so consumers need not re-check):
// - at least one ministry and one procedure; codes unique; a procedure code
//   is "<its ministry>.<SHORT>", both parts of [A-Za-z0-9_-];
// - officers in [1, 100000]; calendar kind and queue policy specified; every
//   calendar has utc_offset_minutes set (default 420) and, for
//   OFFICE_HOURS, open_minute and close_minute (defaults 480, 1020) with
//   0 <= open < close <= 1440; holiday lists (the catalog's and each
//   calendar's) are valid "YYYY-MM-DD" dates, sorted and without duplicates;
// - service_time, fee_payment_delay, supplement_delay and payload_bytes have
//   a kind, a finite mean > 0 and a finite cv >= 0 (> 0 for LOGNORMAL; cv is
//   ignored by FIXED and EXPONENTIAL);
// - exactly one of deadline.working_hours / working_days is > 0, the other 0;
// - outcome probabilities in [0, 1] summing to 1 within 1e-9;
//   withdraw_probability in [0, 1); fee_vnd >= 0; popularity finite > 0.
#ifndef NSW_PROTO_CATALOG_H_
#define NSW_PROTO_CATALOG_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "proto/nsw.pb.h"
#include "proto/status.h"

namespace nsw {

class Catalog {
 public:
  Catalog() = default;

  // Parses text-format `text`; `source_name` names it in errors
  // ("catalog.textproto:12: ...").
  static Status FromText(std::string_view text, std::string_view source_name, Catalog* out);
  static Status FromFile(const std::string& path, Catalog* out);
  // The embedded default (13 ministries, 198 procedures).
  static Status Default(Catalog* out);

  const CatalogProto& proto() const { return proto_; }
  int ministry_count() const { return proto_.ministries_size(); }
  int procedure_count() const { return proto_.procedures_size(); }
  const Ministry& ministry(int index) const { return proto_.ministries(index); }
  const Procedure& procedure(int index) const { return proto_.procedures(index); }
  // -1 when unknown.
  int ministry_index(std::string_view code) const;
  int procedure_index(std::string_view code) const;
  // Index of the ministry owning procedure `procedure_index`.
  int ministry_of(int procedure_index) const { return procedure_ministry_[procedure_index]; }
  // Lowercase hex SHA-256 of the deterministic serialization of the
  // normalized catalog (defaults filled, holidays sorted), so equivalent
  // files agree; stored in journal and trace headers to detect a mismatch.
  const std::string& fingerprint() const { return fingerprint_; }

 private:
  // Lets the code maps be probed with a string_view without a copy.
  struct CodeHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>()(s); }
  };
  using CodeMap = std::unordered_map<std::string, int, CodeHash, std::equal_to<>>;

  CatalogProto proto_;
  CodeMap ministry_by_code_;
  CodeMap procedure_by_code_;
  std::vector<int> procedure_ministry_;
  std::string fingerprint_;
};

}  // namespace nsw

#endif  // NSW_PROTO_CATALOG_H_
