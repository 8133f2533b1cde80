// `aisle load`: the push-ingest load generator (docs/sync.md, docs/benchmarks.md).
#ifndef AISLE_TOOLS_LOAD_H_
#define AISLE_TOOLS_LOAD_H_

#include <string>
#include <vector>

namespace aisle::tools {

// Runs the load test the flags describe against a running aisled and prints
// the results; returns the process exit code.
int Load(const std::vector<std::string>& args);

}  // namespace aisle::tools

#endif  // AISLE_TOOLS_LOAD_H_
