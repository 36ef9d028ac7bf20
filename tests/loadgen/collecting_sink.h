// A TraceSink that keeps the header and every record in memory, so tests can
// look at what the generator or the CSV importer produced without a file.
#pragma once

#include <utility>
#include <vector>

#include "loadgen/trace_file.h"

namespace nsw::loadgen {

class CollectingSink : public TraceSink {
 public:
  Status WriteHeader(TraceHeader h) override {
    header = std::move(h);
    return Status::OK();
  }
  Status Append(const TraceRecord& r) override {
    records.push_back(r);
    return Status::OK();
  }
  TraceHeader header;
  std::vector<TraceRecord> records;
};

}  // namespace nsw::loadgen
