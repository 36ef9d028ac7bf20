// Regression tests for what fuzzing the load generator's parsers found
// (tests/fuzz/trace_csv_fuzz.cc, trace_reader_fuzz.cc). Each crashing input
// also sits in tests/fuzz/corpus/<target>/, replayed by scripts/fuzz.sh.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "loadgen/trace_csv.h"
#include "proto/catalog.h"
#include "tests/loadgen/collecting_sink.h"

namespace nsw::loadgen {
namespace {

class CsvFile {
 public:
  explicit CsvFile(const std::string& text)
      : path_((std::filesystem::temp_directory_path() / ("nsw-csv-regression-" + std::to_string(getpid()) + ".csv"))
                  .string()) {
    std::ofstream(path_, std::ios::binary) << text;
  }
  ~CsvFile() { std::remove(path_.c_str()); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

const Catalog& DefaultCatalog() {
  static const Catalog catalog = [] {
    Catalog c;
    EXPECT_TRUE(Catalog::Default(&c).ok());
    return c;
  }();
  return catalog;
}

// Found by trace_csv_fuzz: a first row before 1970 gave a negative trace
// start, which the importer takes for "not set yet" and replaced by the
// default start (2020), so every record got a negative offset.
TEST(CsvImportRegression, AFirstRowBeforeTheEarliestStartIsRefusedNotShifted) {
  const std::string header = std::string(kCsvHeader) + "\n";
  for (const char* first : {"1010-01-02T05:46:42.350552+07:00", "1970-01-01T03:00:00Z"}) {
    CsvFile csv(header + first + ",2790705759,MOIT.CO-FORM-D,d0,4624\n" +
                "2020-01-02T00:07:48+07:00,5616097087,MOIT.CO-FORM-D,d1,3686\n");
    CollectingSink sink;
    Status s = ImportCsv(csv.path(), DefaultCatalog(), CsvImportOptions(), &sink);
    ASSERT_FALSE(s.ok()) << first;
    EXPECT_NE(s.message().find(":2: column 'at'"), std::string::npos) << s.message();
    EXPECT_TRUE(sink.records.empty());
  }
  // The earliest day that can start a trace in UTC+7 imports with offsets >= 0.
  CsvFile csv(header + "1970-01-02T00:00:00+07:00,2790705759,MOIT.CO-FORM-D,d0,1\n");
  CollectingSink sink;
  Status s = ImportCsv(csv.path(), DefaultCatalog(), CsvImportOptions(), &sink);
  ASSERT_TRUE(s.ok()) << s.ToString();
  ASSERT_EQ(sink.records.size(), 1u);
  EXPECT_EQ(sink.records[0].at_us(), 0);
  EXPECT_GE(sink.header.start_us(), 0);
}

}  // namespace
}  // namespace nsw::loadgen
