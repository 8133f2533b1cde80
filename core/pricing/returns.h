// Returns and exchanges (docs/pricing.md, "Returns and exchanges"): what a
// customer gets back for units of an earlier sale. The sale is priced again
// from its own request (same rules version, same instant, same member), so
// the handheld offline and the server agree to the fen: the refund is the
// difference between what the sale cost and what the units kept cost under
// the sale's rules, never more than what the returned units were paid, and
// points redeemed and earned go back in proportion.
#ifndef AISLE_CORE_PRICING_RETURNS_H_
#define AISLE_CORE_PRICING_RETURNS_H_

#include <string>
#include <string_view>

namespace aisle::core {

// priceReturn(json) -> json:
// {"sale": <the sale's priceCart request>, "earlier_returns": [[{"line","qty"}]]?,
//  "returning": [{"line","qty"}]} -> the refund of `returning` after the earlier returns.
std::string PriceReturnJson(std::string_view input);

// priceExchange(json) -> json: {"return": <priceReturn input>, "sale": <priceCart request>}
// -> both results and what settles them: "due" > 0 the customer pays, < 0 is refunded.
std::string PriceExchangeJson(std::string_view input);

}  // namespace aisle::core

#endif  // AISLE_CORE_PRICING_RETURNS_H_
