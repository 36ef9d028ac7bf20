// CSV export and import of traces (see trace_csv.h).
#include "loadgen/trace_csv.h"

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <fstream>
#include <unordered_map>
#include <unordered_set>

#include "loadgen/enterprises.h"
#include "loadgen/random.h"
#include "loadgen/trace_gen.h"
#include "proto/units.h"

namespace nsw::loadgen {

// ---------------------------------------------------------------- helpers

std::string CsvField(std::string_view text) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

Status SplitCsvLine(std::string_view line, std::vector<std::string>* fields) {
  fields->clear();
  size_t i = 0;
  for (;;) {
    std::string field;
    if (i < line.size() && line[i] == '"') {
      ++i;
      for (;;) {
        if (i >= line.size()) return Status::InvalidArgument("unterminated quoted field");
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field += line[i++];
      }
      if (i < line.size() && line[i] != ',') return Status::InvalidArgument("characters after a closing quote");
    } else {
      const size_t comma = line.find(',', i);
      const size_t end = comma == std::string_view::npos ? line.size() : comma;
      field.assign(line.substr(i, end - i));
      if (field.find('"') != std::string::npos) return Status::InvalidArgument("a quote inside an unquoted field");
      i = end;
    }
    fields->push_back(std::move(field));
    if (i >= line.size()) break;
    ++i;  // the comma
    if (i == line.size()) {
      fields->emplace_back();
      break;
    }
  }
  return Status::OK();
}

std::string FormatLocalInstant(int64_t micros, int utc_offset_minutes) {
  std::string text = FormatInstant(micros + int64_t{utc_offset_minutes} * 60 * kMicrosPerSecond);
  text.pop_back();  // 'Z'
  if (text.find('.') == std::string::npos) text += ".000000";
  char offset[24];
  const int m = std::abs(utc_offset_minutes);
  std::snprintf(offset, sizeof offset, "%c%02d:%02d", utc_offset_minutes < 0 ? '-' : '+', m / 60, m % 60);
  return text + offset;
}

// ---------------------------------------------------------------- writer

Status CsvTraceWriter::Open(const std::string& path, std::unique_ptr<CsvTraceWriter>* out) {
  std::unique_ptr<CsvTraceWriter> w(new CsvTraceWriter());
  w->path_ = path;
  if (path == "-") {
    w->file_ = stdout;
  } else {
    w->tmp_path_ = path + ".tmp";
    w->file_ = std::fopen(w->tmp_path_.c_str(), "w");
    if (w->file_ == nullptr) return Status::IoError("cannot create " + w->tmp_path_ + ": " + std::strerror(errno));
    std::setvbuf(w->file_, nullptr, _IOFBF, 1u << 20);
  }
  *out = std::move(w);
  return Status::OK();
}

CsvTraceWriter::~CsvTraceWriter() {
  if (file_ != nullptr && file_ != stdout) {
    std::fclose(file_);
    if (!closed_) std::remove(tmp_path_.c_str());
  }
}

Status CsvTraceWriter::WriteHeader(TraceHeader header) {
  header_ = std::move(header);
  line_.assign(kCsvHeader);
  line_ += '\n';
  if (std::fputs(line_.c_str(), file_) < 0) return Status::IoError("cannot write " + path_);
  return Status::OK();
}

Status CsvTraceWriter::Append(const TraceRecord& r) {
  line_ = FormatLocalInstant(header_.start_us() + r.at_us(), header_.utc_offset_minutes());
  line_ += ',';
  line_ += header_.enterprise_tax_codes_size() > 0 ? header_.enterprise_tax_codes(static_cast<int>(r.enterprise()))
                                                   : EnterpriseTaxCode(header_.seed(), r.enterprise());
  line_ += ',';
  line_ += CsvField(header_.procedures(static_cast<int>(r.procedure())));
  line_ += ',';
  line_ += CsvField(r.client_ref());
  line_ += ',';
  line_ += std::to_string(r.payload_bytes());
  line_ += '\n';
  if (std::fwrite(line_.data(), 1, line_.size(), file_) != line_.size()) {
    return Status::IoError("cannot write " + path_ + ": " + std::strerror(errno));
  }
  return Status::OK();
}

Status CsvTraceWriter::Close() {
  if (closed_) return Status::OK();
  if (std::fflush(file_) != 0) return Status::IoError("cannot write " + path_ + ": " + std::strerror(errno));
  if (file_ != stdout) {
    const bool ok = std::fclose(file_) == 0;
    file_ = nullptr;
    if (!ok) return Status::IoError("cannot write " + tmp_path_);
    if (std::rename(tmp_path_.c_str(), path_.c_str()) != 0) {
      return Status::IoError("cannot rename " + tmp_path_ + " to " + path_ + ": " + std::strerror(errno));
    }
  }
  closed_ = true;
  return Status::OK();
}

// ---------------------------------------------------------------- import

namespace {

struct CsvRow {
  int64_t at_us = 0;        // absolute instant
  std::string enterprise;
  int procedure = -1;
  std::string client_ref;
  uint32_t payload_bytes = 0;
};

bool IsDecimalSeconds(std::string_view text) {
  if (text.empty()) return false;
  bool dot = false, digits = false;
  for (char c : text) {
    if (c >= '0' && c <= '9') {
      digits = true;
    } else if (c == '.' && !dot) {
      dot = true;
    } else {
      return false;
    }
  }
  return digits;
}

bool IsTaxCode(std::string_view text) {
  if (text.size() != 10) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}

class CsvParser {
 public:
  CsvParser(const std::string& path, const Catalog& catalog, const CsvImportOptions& options)
      : path_(path), catalog_(catalog), options_(options) {}

  // Parses one data line. `start_us` may still be unknown (< 0) on the first
  // row; it is then fixed here.
  Status ParseRow(std::string_view line, uint64_t line_no, int64_t* start_us, CsvRow* row) {
    auto error = [&](const std::string& why) {
      return Status::InvalidArgument(path_ + ":" + std::to_string(line_no) + ": " + why);
    };
    Status s = SplitCsvLine(line, &fields_);
    if (!s.ok()) return error(s.message());
    if (fields_.size() != 5) {
      return error("expected 5 fields (" + std::string(kCsvHeader) + "), found " + std::to_string(fields_.size()));
    }
    const std::string& at = fields_[0];
    if (IsDecimalSeconds(at)) {
      if (*start_us < 0) *start_us = kDefaultTraceStartUs;
      const double seconds = std::strtod(at.c_str(), nullptr);
      if (!(seconds < 9e12)) return error("column 'at': '" + at + "' is too large");
      row->at_us = *start_us + std::llround(seconds * 1e6);
    } else {
      int64_t instant = 0;
      if (!ParseInstant(at, &instant).ok()) {
        return error("column 'at': '" + at + "' is neither RFC 3339 nor seconds from the trace start");
      }
      if (*start_us < 0) {
        const int64_t offset = int64_t{options_.utc_offset_minutes} * 60 * kMicrosPerSecond;
        const int64_t local = instant + offset;
        const int64_t day = local / kMicrosPerDay - (local % kMicrosPerDay < 0);
        const int64_t start = day * kMicrosPerDay - offset;
        // A negative start means "not known yet" to the callers (found by
        // fuzzing: it was replaced by the default start, giving records a
        // negative offset).
        if (start < 0) return error("column 'at': '" + at + "' is before the earliest trace start (1970-01-02)");
        *start_us = start;
      }
      row->at_us = instant;
    }
    row->enterprise = fields_[1];
    if (!IsTaxCode(row->enterprise)) {
      return error("column 'enterprise': '" + row->enterprise + "' is not a 10-digit tax code");
    }
    row->procedure = catalog_.procedure_index(fields_[2]);
    if (row->procedure < 0) return error("column 'procedure': unknown procedure '" + fields_[2] + "'");
    row->client_ref = fields_[3];
    if (row->client_ref.empty()) return error("column 'client_ref': empty");
    if (row->client_ref.size() > kMaxTraceClientRefBytes) {
      return error("column 'client_ref': " + std::to_string(row->client_ref.size()) + " bytes; at most " +
                   std::to_string(kMaxTraceClientRefBytes) + " (replays prefix a run id)");
    }
    for (unsigned char c : row->client_ref) {
      if (c < 0x20 || c == 0x7f) return error("column 'client_ref': contains a control character");
    }
    const std::string& size = fields_[4];
    uint64_t bytes = 0;
    auto [ptr, ec] = std::from_chars(size.data(), size.data() + size.size(), bytes);
    if (size.empty() || ec != std::errc() || ptr != size.data() + size.size()) {
      return error("column 'payload_bytes': '" + size + "' is not a non-negative integer");
    }
    if (bytes > options_.max_payload_bytes || bytes > UINT32_MAX) {
      return error("column 'payload_bytes': " + size + " is larger than the limit " +
                   std::to_string(options_.max_payload_bytes));
    }
    row->payload_bytes = static_cast<uint32_t>(bytes);
    return Status::OK();
  }

 private:
  const std::string& path_;
  const Catalog& catalog_;
  const CsvImportOptions& options_;
  std::vector<std::string> fields_;
};

// Calls `row_fn(line_no, line)` for each data line after checking the header.
template <typename RowFn>
Status ForEachCsvLine(const std::string& path, RowFn row_fn) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Status::IoError("cannot open " + path + ": " + std::strerror(errno));
  std::string line;
  uint64_t line_no = 0;
  bool header = false;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!header) {
      if (line.size() >= 3 && line.compare(0, 3, "\xEF\xBB\xBF") == 0) line.erase(0, 3);  // BOM
      if (line != kCsvHeader) {
        return Status::InvalidArgument(path + ":" + std::to_string(line_no) + ": expected the header '" +
                                       std::string(kCsvHeader) + "'");
      }
      header = true;
      continue;
    }
    if (line.empty()) continue;
    Status s = row_fn(line_no, std::string_view(line));
    if (!s.ok()) return s;
  }
  if (in.bad()) return Status::IoError("cannot read " + path);
  if (!header) return Status::InvalidArgument(path + ": empty file (expected the header '" + std::string(kCsvHeader) + "')");
  return Status::OK();
}

uint64_t RefKey(std::string_view enterprise, std::string_view ref) {
  return Mix64(std::hash<std::string_view>()(enterprise) * 31 + Mix64(std::hash<std::string_view>()(ref)));
}

}  // namespace

Status ImportCsv(const std::string& csv_path, const Catalog& catalog, const CsvImportOptions& options,
                 TraceSink* sink) {
  CsvParser parser(csv_path, catalog, options);
  // Pass 1: validate, collect enterprises in order of appearance.
  std::unordered_map<std::string, uint32_t> enterprise_index;
  std::vector<std::string> tax_codes;
  std::unordered_set<uint64_t> refs;
  int64_t start_us = options.start_us;
  int64_t previous = INT64_MIN, last = 0;
  uint64_t rows = 0;
  CsvRow row;
  Status s = ForEachCsvLine(csv_path, [&](uint64_t line_no, std::string_view line) -> Status {
    Status st = parser.ParseRow(line, line_no, &start_us, &row);
    if (!st.ok()) return st;
    auto where = [&] { return csv_path + ":" + std::to_string(line_no) + ": "; };
    if (row.at_us < previous) {
      return Status::InvalidArgument(where() + "column 'at': " + FormatLocalInstant(row.at_us, options.utc_offset_minutes) +
                                     " is earlier than the previous row (rows must be in time order)");
    }
    if (row.at_us < start_us) {
      return Status::InvalidArgument(where() + "column 'at': before the trace start " +
                                     FormatLocalInstant(start_us, options.utc_offset_minutes));
    }
    previous = last = row.at_us;
    auto [it, fresh] = enterprise_index.emplace(row.enterprise, static_cast<uint32_t>(tax_codes.size()));
    if (fresh) tax_codes.push_back(row.enterprise);
    if (!refs.insert(RefKey(row.enterprise, row.client_ref)).second) {
      return Status::InvalidArgument(where() + "column 'client_ref': '" + row.client_ref +
                                     "' repeats for enterprise " + row.enterprise + " (references are idempotency keys)");
    }
    ++rows;
    return Status::OK();
  });
  if (!s.ok()) return s;
  refs = {};
  if (start_us < 0) start_us = kDefaultTraceStartUs;

  TraceHeader header;
  header.set_seed(options.seed);
  header.set_dossiers(rows);
  header.set_enterprises(static_cast<uint32_t>(tax_codes.size()));
  header.set_days(rows == 0 ? 1 : static_cast<uint32_t>((last - start_us) / kMicrosPerDay + 1));
  header.set_start_us(start_us);
  header.set_utc_offset_minutes(options.utc_offset_minutes);
  header.set_catalog_fingerprint(catalog.fingerprint());
  for (int i = 0; i < catalog.procedure_count(); ++i) header.add_procedures(catalog.procedure(i).code());
  for (auto& code : tax_codes) header.add_enterprise_tax_codes(code);
  const size_t slash = csv_path.find_last_of('/');
  header.set_source("csv:" + (slash == std::string::npos ? csv_path : csv_path.substr(slash + 1)));
  s = sink->WriteHeader(header);
  if (!s.ok()) return s;

  // Pass 2: the same rows, now as records.
  TraceRecord record;
  return ForEachCsvLine(csv_path, [&](uint64_t line_no, std::string_view line) -> Status {
    int64_t fixed_start = start_us;
    Status st = parser.ParseRow(line, line_no, &fixed_start, &row);
    if (!st.ok()) return st;
    auto it = enterprise_index.find(row.enterprise);
    if (it == enterprise_index.end()) return Status::Corruption(csv_path + " changed while it was read");
    record.set_at_us(row.at_us - start_us);
    record.set_enterprise(it->second);
    record.set_procedure(static_cast<uint32_t>(row.procedure));
    record.set_client_ref(row.client_ref);
    record.set_payload_bytes(row.payload_bytes);
    return sink->Append(record);
  });
}

}  // namespace nsw::loadgen
