// `aisle seed`: fills a data folder with a synthetic chain-sized catalog and
// member base (for benchmarks such as bench/bootstrap.mjs), the same way real
// data arrives: products and members with their feed changes, opening stock at
// a store and an opening points balance per member, all in one transaction.
// Run it after `aisle demo-load` (it needs the demo locations). Idempotent:
// running it again with the same counts changes nothing.
#ifndef AISLE_TOOLS_SEED_H_
#define AISLE_TOOLS_SEED_H_

#include <string>
#include <vector>

namespace aisle::tools {

int SeedCommand(const std::vector<std::string>& args);

}  // namespace aisle::tools

#endif  // AISLE_TOOLS_SEED_H_
