#include "core/hlc.h"

#include <algorithm>
#include <cstdio>

namespace aisle::core {

std::string FormatHlc(const Hlc& hlc) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%013lld-%05lld", static_cast<long long>(hlc.ms),
                static_cast<long long>(hlc.counter));
  return buffer;
}

Result<Hlc> ParseHlc(std::string_view text, std::string_view field) {
  const auto bad = [&] {
    return Error::Make("invalid_hlc", std::string(field) + " must look like 1795000000000-00000 (ms-counter)",
                       std::string(field));
  };
  if (text.size() != 19 || text[13] != '-') return bad();
  Hlc out;
  for (size_t i = 0; i < text.size(); ++i) {
    if (i == 13) continue;
    if (text[i] < '0' || text[i] > '9') return bad();
    int64_t& part = i < 13 ? out.ms : out.counter;
    part = part * 10 + (text[i] - '0');
  }
  return out;
}

Hlc HybridClock::Advance(Hlc candidate) {
  if (candidate <= last_) candidate = Hlc{last_.ms, last_.counter + 1};
  if (candidate.counter > kHlcMaxCounter) candidate = Hlc{candidate.ms + 1, 0};
  last_ = candidate;
  return last_;
}

Hlc HybridClock::Now(int64_t now_ms) { return Advance(Hlc{now_ms, 0}); }

Hlc HybridClock::Receive(const Hlc& remote, int64_t now_ms) {
  if (remote.ms - now_ms <= kMaxAheadMs && remote > last_) last_ = remote;
  return Advance(Hlc{now_ms, 0});
}

}  // namespace aisle::core
