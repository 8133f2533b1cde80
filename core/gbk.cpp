#include "core/gbk.h"

#include <algorithm>
#include <iterator>

namespace aisle::core {
namespace {

struct GbkRange {
  uint16_t first;   // first code point of the range
  uint16_t count;   // code points in it
  uint16_t offset;  // index of the first one's code in kGbkCodes
};

#include "core/gbk_table.inc"

}  // namespace

uint16_t GbkCode(char32_t code_point) {
  if (code_point < 0x80 || code_point > 0xFFFF) return 0;
  // The last range that starts at or before the code point.
  const auto* it = std::upper_bound(std::begin(kGbkRanges), std::end(kGbkRanges), code_point,
                                    [](char32_t cp, const GbkRange& r) { return cp < r.first; });
  if (it == std::begin(kGbkRanges)) return 0;
  --it;
  if (code_point - it->first >= it->count) return 0;
  return kGbkCodes[it->offset + (code_point - it->first)];
}

}  // namespace aisle::core
