#include "core/gbk.h"

#include <algorithm>
#include <iterator>

namespace aisle::core {
namespace {

struct GbkRange {
  uint16_t first;   // first code point of the range
  uint16_t count;   // code points in it
  uint16_t offset;  // index of the first one's entry
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
  // Walk the entry's block of 64 from its start (see the head of gbk_table.inc).
  const size_t entry = it->offset + (code_point - it->first);
  const size_t block = entry / 64;
  size_t next_explicit = kGbkBlocks[2 * block];
  uint16_t previous = kGbkBlocks[2 * block + 1];
  uint16_t code = 0;
  for (size_t i = block * 64; i <= entry; ++i) {
    if ((kGbkSequential[block] >> (i % 64)) & 1u) {
      code = previous = NextGbkCode(previous);
    } else {
      code = kGbkExplicit[next_explicit++];
      if (code != 0 && InGbkExtension(code)) previous = code;
    }
  }
  return code;
}

}  // namespace aisle::core
