// Card numbers (PANs) must never be stored (PCI DSS; docs/security.md).
// Free-text fields — notes, names, reasons, comments, search terms — are
// refused with `pan_not_allowed` when they hold something that looks like
// one. Fields typed as barcodes, ids, codes or amounts are not checked:
// about one EAN-13 in ten passes the Luhn check.
#ifndef AISLE_CORE_PAN_H_
#define AISLE_CORE_PAN_H_

#include <string>
#include <string_view>

#include "core/result.h"

namespace aisle::core {

// True when text holds a run of 13 to 19 digits — single spaces or dashes
// allowed between digits, nothing else — that passes the Luhn check. A run
// is maximal: the digits of a longer number are not searched for a card
// number inside them.
bool ContainsCardNumber(std::string_view text);

// The text itself, or `pan_not_allowed` naming `field`.
Result<std::string> CheckFreeText(std::string text, const std::string& field);

}  // namespace aisle::core

#endif  // AISLE_CORE_PAN_H_
