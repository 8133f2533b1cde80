// Cash drawer sessions (docs/security.md, "Cash drawer"): what a drawer
// should hold, per tender, from its opening float and the movements since —
// the X report at any time, and on close the Z report that sets the blind
// count beside it. Pure: the handheld computes it offline from its own
// operations (core.wasm drawerReport), the server from what it stored.
#ifndef AISLE_CORE_DRAWER_H_
#define AISLE_CORE_DRAWER_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json_read.h"
#include "core/money.h"
#include "core/result.h"

namespace aisle::core {

inline constexpr std::string_view kDrawerOpened = "drawer.opened";
inline constexpr std::string_view kDrawerMoved = "drawer.moved";
inline constexpr std::string_view kDrawerClosed = "drawer.closed";

struct DrawerMovement {
  std::string kind;    // "sale" | "refund" | "pay_in" | "paid_out" | "no_sale"
  std::string tender;  // "cash", "card", ... (pay_in, paid_out and no_sale are cash)
  int64_t amount = 0;  // what went in (sale, pay_in) or out (refund, paid_out); 0 for no_sale
};

struct DrawerTenderLine {
  std::string tender;
  int64_t expected = 0;
  std::optional<int64_t> counted;  // Z only
  int64_t variance = 0;            // counted - expected (Z only)
};

struct DrawerReport {
  bool closed = false;  // Z (counted given) or X
  int64_t opening_float = 0;
  int64_t sales = 0;  // number of sale movements
  int64_t pay_ins = 0;
  int64_t paid_outs = 0;
  int64_t no_sales = 0;
  std::vector<DrawerTenderLine> tenders;  // cash first, then by name
  int64_t variance = 0;                   // sum of the tenders' variances
};

// counted: the blind count per tender at close (nullopt: an X report).
DrawerReport ComputeDrawerReport(int64_t opening_float, const std::vector<DrawerMovement>& movements,
                                 const std::optional<std::vector<std::pair<std::string, int64_t>>>& counted);
Json DrawerReportToJson(const DrawerReport& report, const Currency& currency);

// drawerReport(json) -> json: {"currency","float","movements":[{"kind","tender","amount"}],
// "counted"?:[{"type","amount"}]} -> the report, or an error.
std::string DrawerReportJson(std::string_view input);

// The payloads of the drawer operations, checked (field paths start with "payload.").
struct DrawerPayload {
  std::string session_id;
  int64_t amount = 0;     // opened: the float; moved: the amount
  std::string kind;       // moved: pay_in | paid_out | no_sale
  std::string reason;     // moved: required for pay_in and paid_out (free text)
  std::vector<std::pair<std::string, int64_t>> counted;  // closed: tender -> counted
};
Result<DrawerPayload> ParseDrawerPayload(std::string_view type, const Json& payload);

}  // namespace aisle::core

#endif  // AISLE_CORE_DRAWER_H_
