// Catalog (shared by the server and the load generator, hence in proto/):
// the validated, indexed view of a nsw::Catalog message (ministries
// and procedures). Loaded from text format (the built-in default or
// --catalog FILE); validation refuses duplicate codes, unknown ministries,
// outcome probabilities not summing to 1, non-positive officers or times,
// and names file, line and reason. Immutable after loading, so safe to share
// between threads.
#ifndef NSW_PROTO_CATALOG_H_
#define NSW_PROTO_CATALOG_H_

#include <cstdint>
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

  const nsw::Catalog& proto() const { return proto_; }
  int ministry_count() const { return proto_.ministries_size(); }
  int procedure_count() const { return proto_.procedures_size(); }
  const Ministry& ministry(int index) const { return proto_.ministries(index); }
  const Procedure& procedure(int index) const { return proto_.procedures(index); }
  // -1 when unknown.
  int ministry_index(std::string_view code) const;
  int procedure_index(std::string_view code) const;
  // Index of the ministry owning procedure `procedure_index`.
  int ministry_of(int procedure_index) const { return procedure_ministry_[procedure_index]; }
  // Hex digest of the catalog's deterministic serialization; stored in
  // journal and trace headers to detect a mismatched catalog.
  const std::string& fingerprint() const { return fingerprint_; }

 private:
  nsw::Catalog proto_;
  std::unordered_map<std::string, int> ministry_by_code_;
  std::unordered_map<std::string, int> procedure_by_code_;
  std::vector<int> procedure_ministry_;
  std::string fingerprint_;
};

}  // namespace nsw

#endif  // NSW_PROTO_CATALOG_H_
