// Hybrid logical clocks (docs/sync.md, "Clocks"): a timestamp that follows
// physical time but never runs backwards and orders cause before effect
// across devices whose wall clocks disagree. Devices stamp each operation;
// the server stamps what it receives; reports order by the device's stamp.
//
// Text form: 13 decimal digits of milliseconds since the epoch, '-', five
// decimal digits of counter ("1795000000000-00003"), so that the text sorts
// as the stamp does. Plain values, no globals: a HybridClock belongs to
// whoever owns it (the server keeps one behind its own lock).
#ifndef AISLE_CORE_HLC_H_
#define AISLE_CORE_HLC_H_

#include <compare>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace aisle::core {

struct Hlc {
  int64_t ms = 0;       // physical part: milliseconds since the epoch
  int64_t counter = 0;  // logical part: events within one millisecond

  auto operator<=>(const Hlc&) const = default;
};

inline constexpr int64_t kHlcMaxCounter = 99'999;

std::string FormatHlc(const Hlc& hlc);
// Errors name `field` (code "invalid_hlc").
Result<Hlc> ParseHlc(std::string_view text, std::string_view field);

class HybridClock {
 public:
  // A remote stamp further ahead of local physical time than this is
  // recorded but does not drag the clock forward (a device set to next year
  // must not push every later stamp there).
  static constexpr int64_t kMaxAheadMs = 5 * 60 * 1000;

  // A stamp for a local event at physical time now_ms.
  Hlc Now(int64_t now_ms);
  // A stamp for receiving an event stamped `remote` at physical time now_ms:
  // later than both the clock's last stamp and `remote` (unless remote is
  // more than kMaxAheadMs ahead, then only later than the last stamp).
  Hlc Receive(const Hlc& remote, int64_t now_ms);
  const Hlc& last() const { return last_; }

 private:
  Hlc Advance(Hlc candidate);
  Hlc last_;
};

}  // namespace aisle::core

#endif  // AISLE_CORE_HLC_H_
