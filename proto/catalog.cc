// Catalog loading: text-format parsing with file:line:column syntax errors,
// semantic validation that names the line of the offending field (found
// through TextFormat's ParseInfoTree), normalization (documented defaults
// filled, holiday lists sorted and deduplicated), the code indices and the
// SHA-256 fingerprint of the normalized catalog.
#include "proto/catalog.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <limits>
#include <system_error>
#include <utility>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/tokenizer.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/text_format.h>
#include <openssl/evp.h>

#include "proto/default_catalog.h"
#include "proto/units.h"

namespace nsw {
namespace {

namespace pb = google::protobuf;
using ParseInfoTree = pb::TextFormat::ParseInfoTree;

// A catalog is a few hundred kilobytes; anything near this is a mistake (and
// the protobuf streams count in int).
constexpr size_t kMaxCatalogBytes = 64u << 20;
constexpr int kMaxOfficers = 100000;
constexpr double kProbabilityTolerance = 1e-9;

constexpr int kDefaultUtcOffsetMinutes = 420;
constexpr int kDefaultOpenMinute = 480;
constexpr int kDefaultCloseMinute = 1020;
constexpr int kMinutesPerDay = 1440;

std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.10g", v);
  return buf;
}

std::string Quote(std::string_view s) {
  // Appending (rather than "'" + std::string(s)) also keeps g++ 12's
  // -Wrestrict false positive away.
  std::string q;
  q.reserve(s.size() + 2);
  q.push_back('\'');
  q.append(s);
  q.push_back('\'');
  return q;
}

// Keeps the first syntax error as "source:line:column: message" (1-based).
class FirstErrorCollector : public pb::io::ErrorCollector {
 public:
  explicit FirstErrorCollector(std::string_view source) : source_(source) {}
  void AddError(int line, pb::io::ColumnNumber column, const std::string& message) override {
    if (!error_.empty()) return;
    error_ = source_ + ":" + std::to_string(line + 1) + ":" + std::to_string(column + 1) + ": " + message;
  }
  void AddWarning(int, pb::io::ColumnNumber, const std::string&) override {}
  const std::string& error() const { return error_; }

 private:
  std::string source_;
  std::string error_;
};

// Letters, digits, '_' and '-': codes travel in URLs, CSV traces, metric
// labels and "MINISTRY.SHORT" procedure codes, so no dots, spaces or quotes.
bool IsCodeText(std::string_view s) {
  if (s.empty()) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

bool IsValidDate(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  auto num = [&](size_t pos, size_t len) {
    int v = 0;
    for (size_t i = pos; i < pos + len; ++i) v = v * 10 + (s[i] - '0');
    return v;
  };
  const int year = num(0, 4);
  const unsigned month = static_cast<unsigned>(num(5, 2));
  const unsigned day = static_cast<unsigned>(num(8, 2));
  if (month < 1 || month > 12 || day < 1 || day > 31) return false;
  // A day past the month's end rolls over; the round trip catches it.
  int y = 0;
  unsigned m = 0, d = 0;
  CivilFromDays(DaysFromCivil(year, month, day), &y, &m, &d);
  return y == year && m == month && d == day;
}

// Finds 1-based source lines of parsed fields. TextFormat records one nested
// tree per message value, but only one location per field occurrence, so a
// list ("holidays: [a, b]") has a single location for all its values; lines
// of list elements are therefore found by looking for the value's text in
// the ranges the field occupies.
class Locator {
 public:
  Locator(std::string_view text, const ParseInfoTree* root) : text_(text), root_(root) {}

  const ParseInfoTree* root() const { return root_; }

  static const ParseInfoTree* Nested(const ParseInfoTree* tree, const pb::FieldDescriptor* f, int index) {
    if (tree == nullptr) return nullptr;
    return tree->GetTreeForNested(f, f->is_repeated() ? index : -1);
  }

  // Line of singular field `f` in `tree`, or `fallback` when it is absent.
  static int FieldLine(const ParseInfoTree* tree, const pb::FieldDescriptor* f, int fallback) {
    if (tree == nullptr) return fallback;
    const int line = tree->GetLocation(f, -1).line;
    return line >= 0 ? line + 1 : fallback;
  }

  // Line where the index-th value of repeated message field `f` of `tree`
  // starts: its own location when every value has one, else its first
  // field, else the field's first occurrence.
  int EntryLine(const ParseInfoTree* tree, const pb::FieldDescriptor* f, int index, int size) const {
    if (tree == nullptr) return 1;
    if (Occurrences(tree, f) == size) return tree->GetLocation(f, index).line + 1;
    int best = std::numeric_limits<int>::max();
    if (const ParseInfoTree* nested = tree->GetTreeForNested(f, index)) {
      const pb::Descriptor* d = f->message_type();
      for (int k = 0; k < d->field_count(); ++k) {
        const pb::FieldDescriptor* sub = d->field(k);
        const int line = nested->GetLocation(sub, sub->is_repeated() ? 0 : -1).line;
        if (line >= 0) best = std::min(best, line + 1);
      }
    }
    if (best != std::numeric_limits<int>::max()) return best;
    const int first = tree->GetLocation(f, 0).line;
    return first >= 0 ? first + 1 : 1;
  }

  // Line of the index-th value (text `value`) of repeated scalar field `f`.
  int ValueLine(const ParseInfoTree* tree, const pb::FieldDescriptor* f, int index, int size,
                std::string_view value, int fallback) const {
    if (tree == nullptr) return fallback;
    const int occurrences = Occurrences(tree, f);
    if (occurrences == size) return tree->GetLocation(f, index).line + 1;
    for (int k = 0; k < occurrences; ++k) {
      const pb::TextFormat::ParseLocationRange r = tree->GetLocationRange(f, k);
      const size_t begin = LineOffset(r.start.line);
      const size_t end = LineOffset(r.end.line + 1);
      const size_t hit = text_.substr(begin, end - begin).find(value);
      if (hit != std::string_view::npos) {
        return r.start.line + 1 + static_cast<int>(std::count(text_.begin() + begin, text_.begin() + begin + hit, '\n'));
      }
    }
    const int first = tree->GetLocation(f, 0).line;
    return first >= 0 ? first + 1 : fallback;
  }

 private:
  static int Occurrences(const ParseInfoTree* tree, const pb::FieldDescriptor* f) {
    int n = 0;
    while (tree->GetLocation(f, n).line >= 0) ++n;
    return n;
  }

  // Offset of the start of 0-based line `line` (the text's end past the last).
  size_t LineOffset(int line) const {
    size_t offset = 0;
    for (int i = 0; i < line; ++i) {
      const size_t nl = text_.find('\n', offset);
      if (nl == std::string_view::npos) return text_.size();
      offset = nl + 1;
    }
    return offset;
  }

  std::string_view text_;
  const ParseInfoTree* root_;
};

const pb::FieldDescriptor* Field(const pb::Descriptor* d, const char* name) {
  return d->FindFieldByName(name);
}

// Validates and normalizes a parsed catalog in place; the first problem is
// returned as "source:line: reason".
class Validator {
 public:
  Validator(std::string_view source, const Locator& locator) : source_(source), loc_(locator) {}

  Status Run(CatalogProto* c) {
    const pb::Descriptor* cd = CatalogProto::descriptor();
    Status s = NormalizeHolidays(c->mutable_holidays(), loc_.root(), Field(cd, "holidays"), 1, "");
    if (!s.ok()) return s;
    if (c->ministries_size() == 0) return Fail(1, "catalog has no ministries");
    for (int i = 0; i < c->ministries_size(); ++i) {
      s = CheckMinistry(c->mutable_ministries(i), i, c->ministries_size());
      if (!s.ok()) return s;
    }
    if (c->procedures_size() == 0) return Fail(1, "catalog has no procedures");
    for (int i = 0; i < c->procedures_size(); ++i) {
      s = CheckProcedure(c->procedures(i), i, c->procedures_size());
      if (!s.ok()) return s;
    }
    return Status::OK();
  }

 private:
  Status Fail(int line, const std::string& reason) const {
    return Status::InvalidArgument(source_ + ":" + std::to_string(line) + ": " + reason);
  }

  Status NormalizeHolidays(pb::RepeatedPtrField<std::string>* days, const ParseInfoTree* tree,
                           const pb::FieldDescriptor* f, int fallback_line, const std::string& context) {
    for (int k = 0; k < days->size(); ++k) {
      const std::string& day = days->Get(k);
      if (!IsValidDate(day)) {
        return Fail(loc_.ValueLine(tree, f, k, days->size(), day, fallback_line),
                    context + "holiday " + Quote(day) + " is not a date YYYY-MM-DD");
      }
    }
    // Fixed-width ISO dates sort as strings.
    std::sort(days->begin(), days->end());
    days->erase(std::unique(days->begin(), days->end()), days->end());
    return Status::OK();
  }

  Status CheckMinistry(Ministry* m, int index, int count) {
    const pb::Descriptor* md = Ministry::descriptor();
    const pb::FieldDescriptor* entry_field = Field(CatalogProto::descriptor(), "ministries");
    const ParseInfoTree* t = Locator::Nested(loc_.root(), entry_field, index);
    const int entry = loc_.EntryLine(loc_.root(), entry_field, index, count);
    const int code_line = Locator::FieldLine(t, Field(md, "code"), entry);

    if (m->code().empty()) return Fail(code_line, "ministry has an empty code");
    if (!IsCodeText(m->code())) {
      return Fail(code_line, "ministry code " + Quote(m->code()) + " must be letters, digits, '_' or '-'");
    }
    const std::string what = "ministry " + Quote(m->code()) + ": ";
    auto [it, inserted] = ministry_lines_.emplace(m->code(), code_line);
    if (!inserted) {
      return Fail(code_line, "duplicate ministry code " + Quote(m->code()) + " (first on line " +
                                 std::to_string(it->second) + ")");
    }
    const int officers_line = Locator::FieldLine(t, Field(md, "officers"), entry);
    if (m->officers() <= 0) return Fail(officers_line, what + "officers must be > 0, got " + std::to_string(m->officers()));
    if (m->officers() > kMaxOfficers) {
      return Fail(officers_line, what + "officers must be at most " + std::to_string(kMaxOfficers) + ", got " +
                                     std::to_string(m->officers()));
    }
    if (m->queue_policy() != FIFO && m->queue_policy() != EDF) {
      return Fail(Locator::FieldLine(t, Field(md, "queue_policy"), entry),
                  what + "queue_policy must be FIFO or EDF");
    }
    return CheckCalendar(m->mutable_calendar(), Locator::Nested(t, Field(md, "calendar"), -1),
                         Locator::FieldLine(t, Field(md, "calendar"), entry), what);
  }

  Status CheckCalendar(Calendar* cal, const ParseInfoTree* t, int line, const std::string& what) {
    const pb::Descriptor* d = Calendar::descriptor();
    if (cal->kind() != Calendar::ALWAYS && cal->kind() != Calendar::OFFICE_HOURS) {
      return Fail(Locator::FieldLine(t, Field(d, "kind"), line), what + "calendar kind must be ALWAYS or OFFICE_HOURS");
    }
    if (!cal->has_utc_offset_minutes()) cal->set_utc_offset_minutes(kDefaultUtcOffsetMinutes);
    // Real offsets run from UTC-12:00 to UTC+14:00.
    if (cal->utc_offset_minutes() < -720 || cal->utc_offset_minutes() > 840) {
      return Fail(Locator::FieldLine(t, Field(d, "utc_offset_minutes"), line),
                  what + "calendar utc_offset_minutes must be in [-720, 840], got " +
                      std::to_string(cal->utc_offset_minutes()));
    }
    if (cal->kind() == Calendar::OFFICE_HOURS) {
      if (!cal->has_open_minute()) cal->set_open_minute(kDefaultOpenMinute);
      if (!cal->has_close_minute()) cal->set_close_minute(kDefaultCloseMinute);
    }
    const int open_line = Locator::FieldLine(t, Field(d, "open_minute"), line);
    const int close_line = Locator::FieldLine(t, Field(d, "close_minute"), line);
    if (cal->has_open_minute() && (cal->open_minute() < 0 || cal->open_minute() >= kMinutesPerDay)) {
      return Fail(open_line, what + "calendar open_minute must be in [0, 1440), got " + std::to_string(cal->open_minute()));
    }
    if (cal->has_close_minute() && (cal->close_minute() <= 0 || cal->close_minute() > kMinutesPerDay)) {
      return Fail(close_line,
                  what + "calendar close_minute must be in (0, 1440], got " + std::to_string(cal->close_minute()));
    }
    if (cal->kind() == Calendar::OFFICE_HOURS && cal->open_minute() >= cal->close_minute()) {
      return Fail(std::max(open_line, close_line), what + "calendar open_minute " + std::to_string(cal->open_minute()) +
                                                       " must be before close_minute " +
                                                       std::to_string(cal->close_minute()));
    }
    return NormalizeHolidays(cal->mutable_holidays(), t, Field(d, "holidays"), line, what + "calendar ");
  }

  Status CheckDistribution(const Procedure& p, const char* name, const ParseInfoTree* pt, int entry,
                           const std::string& what) {
    const pb::FieldDescriptor* f = Field(Procedure::descriptor(), name);
    const int line = Locator::FieldLine(pt, f, entry);
    const pb::Reflection* r = p.GetReflection();
    if (!r->HasField(p, f)) return Fail(line, what + name + " is missing");
    const auto& dist = static_cast<const Distribution&>(r->GetMessage(p, f));
    const ParseInfoTree* t = Locator::Nested(pt, f, -1);
    const pb::Descriptor* d = Distribution::descriptor();
    const std::string field = what + name + " ";
    if (dist.kind() != Distribution::FIXED && dist.kind() != Distribution::EXPONENTIAL &&
        dist.kind() != Distribution::LOGNORMAL) {
      return Fail(Locator::FieldLine(t, Field(d, "kind"), line), field + "kind must be FIXED, EXPONENTIAL or LOGNORMAL");
    }
    if (!std::isfinite(dist.mean()) || dist.mean() <= 0) {
      return Fail(Locator::FieldLine(t, Field(d, "mean"), line), field + "mean must be > 0, got " + Num(dist.mean()));
    }
    const int cv_line = Locator::FieldLine(t, Field(d, "cv"), line);
    if (!std::isfinite(dist.cv()) || dist.cv() < 0) {
      return Fail(cv_line, field + "cv must be >= 0, got " + Num(dist.cv()));
    }
    if (dist.kind() == Distribution::LOGNORMAL && dist.cv() <= 0) {
      return Fail(cv_line, field + "is LOGNORMAL and needs cv > 0");
    }
    return Status::OK();
  }

  Status CheckProcedure(const Procedure& p, int index, int count) {
    const pb::Descriptor* pd = Procedure::descriptor();
    const pb::FieldDescriptor* entry_field = Field(CatalogProto::descriptor(), "procedures");
    const ParseInfoTree* t = Locator::Nested(loc_.root(), entry_field, index);
    const int entry = loc_.EntryLine(loc_.root(), entry_field, index, count);
    auto line_of = [&](const char* name) { return Locator::FieldLine(t, Field(pd, name), entry); };

    const int code_line = line_of("code");
    if (p.code().empty()) return Fail(code_line, "procedure has an empty code");
    const std::string what = "procedure " + Quote(p.code()) + ": ";
    if (p.ministry().empty()) return Fail(line_of("ministry"), what + "ministry is missing");
    if (ministry_lines_.count(p.ministry()) == 0) {
      return Fail(line_of("ministry"), what + "unknown ministry " + Quote(p.ministry()));
    }
    const std::string prefix = p.ministry() + ".";
    if (p.code().compare(0, prefix.size(), prefix) != 0 || !IsCodeText(std::string_view(p.code()).substr(prefix.size()))) {
      return Fail(code_line, "procedure code " + Quote(p.code()) + " must be " + Quote(prefix + "SHORT-NAME") +
                                 " (its ministry, a dot, then letters, digits, '_' or '-')");
    }
    auto [it, inserted] = procedure_lines_.emplace(p.code(), code_line);
    if (!inserted) {
      return Fail(code_line, "duplicate procedure code " + Quote(p.code()) + " (first on line " +
                                 std::to_string(it->second) + ")");
    }

    for (const char* name : {"service_time", "fee_payment_delay", "supplement_delay", "payload_bytes"}) {
      Status s = CheckDistribution(p, name, t, entry, what);
      if (!s.ok()) return s;
    }

    const int deadline_line = line_of("deadline");
    if (!p.has_deadline()) return Fail(deadline_line, what + "deadline is missing: set working_hours or working_days");
    const ParseInfoTree* dt = Locator::Nested(t, Field(pd, "deadline"), -1);
    const Deadline& dl = p.deadline();
    for (const auto& [name, value] : {std::pair{"working_hours", dl.working_hours()}, std::pair{"working_days", dl.working_days()}}) {
      if (!std::isfinite(value) || value < 0) {
        return Fail(Locator::FieldLine(dt, Field(Deadline::descriptor(), name), deadline_line),
                    what + "deadline " + name + " must be > 0, got " + Num(value));
      }
    }
    if ((dl.working_hours() > 0) == (dl.working_days() > 0)) {
      return Fail(deadline_line, what + "deadline must set exactly one of working_hours and working_days (> 0)");
    }

    const double pa = p.approve_probability(), pr = p.reject_probability(), ps = p.supplement_probability();
    for (const auto& [name, value] : {std::pair{"approve_probability", pa}, std::pair{"reject_probability", pr},
                                      std::pair{"supplement_probability", ps}}) {
      if (!std::isfinite(value) || value < 0 || value > 1) {
        return Fail(line_of(name), what + name + " must be in [0, 1], got " + Num(value));
      }
    }
    const double sum = pa + pr + ps;
    if (std::fabs(sum - 1) > kProbabilityTolerance) {
      return Fail(line_of("approve_probability"),
                  what + "outcome probabilities sum to " + Num(sum) + " (approve " + Num(pa) + " + reject " + Num(pr) +
                      " + supplement " + Num(ps) + "), not 1");
    }
    // Every review would ask for a supplement again: no dossier could ever
    // be decided.
    if (ps >= 1) return Fail(line_of("supplement_probability"), what + "supplement_probability must be < 1");

    const double w = p.withdraw_probability();
    if (!std::isfinite(w) || w < 0 || w >= 1) {
      return Fail(line_of("withdraw_probability"), what + "withdraw_probability must be in [0, 1), got " + Num(w));
    }
    if (p.fee_vnd() < 0) return Fail(line_of("fee_vnd"), what + "fee_vnd must be >= 0, got " + std::to_string(p.fee_vnd()));
    if (!std::isfinite(p.popularity()) || p.popularity() <= 0) {
      return Fail(line_of("popularity"), what + "popularity must be > 0, got " + Num(p.popularity()));
    }
    return Status::OK();
  }

  std::string source_;
  const Locator& loc_;
  std::unordered_map<std::string, int> ministry_lines_;   // code -> line of first definition
  std::unordered_map<std::string, int> procedure_lines_;
};

Status Sha256Hex(const std::string& bytes, std::string* hex) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(bytes.data(), bytes.size(), digest, &length, EVP_sha256(), nullptr) != 1) {
    return Status::IoError("catalog fingerprint: SHA-256 failed in OpenSSL");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  hex->clear();
  hex->reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) {
    hex->push_back(kHex[digest[i] >> 4]);
    hex->push_back(kHex[digest[i] & 0xf]);
  }
  return Status::OK();
}

}  // namespace

Status Catalog::FromText(std::string_view text, std::string_view source_name, Catalog* out) {
  const std::string source(source_name);
  if (text.size() > kMaxCatalogBytes) {
    return Status::InvalidArgument(source + ": catalog is larger than " + std::to_string(kMaxCatalogBytes >> 20) + " MiB");
  }
  Catalog c;
  ParseInfoTree tree;
  FirstErrorCollector errors(source);
  pb::TextFormat::Parser parser;
  parser.RecordErrorsTo(&errors);
  parser.WriteLocationsTo(&tree);
  pb::io::ArrayInputStream input(text.data(), static_cast<int>(text.size()));
  if (!parser.Parse(&input, &c.proto_)) {
    return Status::InvalidArgument(errors.error().empty() ? source + ": cannot parse the catalog" : errors.error());
  }

  Locator locator(text, &tree);
  Status s = Validator(source, locator).Run(&c.proto_);
  if (!s.ok()) return s;

  for (int i = 0; i < c.proto_.ministries_size(); ++i) c.ministry_by_code_.emplace(c.proto_.ministries(i).code(), i);
  c.procedure_ministry_.reserve(c.proto_.procedures_size());
  for (int i = 0; i < c.proto_.procedures_size(); ++i) {
    const Procedure& p = c.proto_.procedures(i);
    c.procedure_by_code_.emplace(p.code(), i);
    c.procedure_ministry_.push_back(c.ministry_by_code_.find(p.ministry())->second);
  }

  std::string bytes;
  {
    pb::io::StringOutputStream stream(&bytes);
    pb::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    if (!c.proto_.SerializeToCodedStream(&coded)) {
      return Status::InvalidArgument(source + ": catalog cannot be serialized");
    }
  }
  s = Sha256Hex(bytes, &c.fingerprint_);
  if (!s.ok()) return s;
  *out = std::move(c);
  return Status::OK();
}

Status Catalog::FromFile(const std::string& path, Catalog* out) {
  auto failure = [&](int err) {
    const std::string msg = "cannot read catalog " + Quote(path) + ": " + std::generic_category().message(err);
    return err == ENOENT ? Status::NotFound(msg) : Status::IoError(msg);
  };
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return failure(errno);
  std::string text;
  char buf[64 * 1024];
  for (;;) {
    const ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      return failure(err);
    }
    if (n == 0) break;
    text.append(buf, static_cast<size_t>(n));
    if (text.size() > kMaxCatalogBytes) {
      ::close(fd);
      return Status::InvalidArgument(path + ": catalog is larger than " + std::to_string(kMaxCatalogBytes >> 20) + " MiB");
    }
  }
  ::close(fd);
  return FromText(text, path, out);
}

Status Catalog::Default(Catalog* out) { return FromText(kDefaultCatalogText, kDefaultCatalogName, out); }

int Catalog::ministry_index(std::string_view code) const {
  const auto it = ministry_by_code_.find(code);
  return it == ministry_by_code_.end() ? -1 : it->second;
}

int Catalog::procedure_index(std::string_view code) const {
  const auto it = procedure_by_code_.find(code);
  return it == procedure_by_code_.end() ? -1 : it->second;
}

}  // namespace nsw
