// Operations: the immutable records a device makes for every business act
// and pushes to the server (docs/sync.md). This file parses and validates the
// envelope and the payload of `sale.completed`; the server applies them.
//
// Two operations are the same when their canonical JSON (sorted keys, no
// white space) is equal. Unknown fields are ignored; known fields of the
// wrong type are errors.
#ifndef AISLE_CORE_OPERATION_H_
#define AISLE_CORE_OPERATION_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/hlc.h"
#include "core/json_read.h"
#include "core/money.h"
#include "core/pricing/rules.h"

namespace aisle::core {

inline constexpr std::string_view kSaleCompleted = "sale.completed";
inline constexpr std::string_view kFeedbackGiven = "feedback.given";
inline constexpr std::string_view kSaleReturned = "sale.returned";

inline constexpr size_t kMaxDependencies = 16;
inline constexpr int64_t kMaxDeviceSeq = 1'000'000'000'000'000;  // below 2^53: exact in JavaScript

struct Operation {
  std::string op_id;  // UUID (v7 expected) made on the device
  std::string type;   // "sale.completed", ...
  int64_t version = 1;  // of the type's payload format
  std::string store_id;
  std::string device_id;
  std::string staff_id;  // who did it ("" = the signed-in staff)
  int64_t device_seq = 0;   // 1, 2, 3 ... per device install
  std::string device_time;  // ISO 8601 as the device saw it
  Hlc hlc;                  // the device's hybrid logical clock
  std::vector<std::string> depends_on;  // op_ids that must be applied first
  Json payload;
  std::string canonical;  // canonical JSON of the whole operation
};

// True for the 8-4-4-4-12 hex form of a UUID.
bool IsUuid(std::string_view text);

Result<Operation> ParseOperation(const Json& op);

struct SaleLineInput {
  std::string barcode;  // canonical GTIN
  int64_t qty = 0;
  int64_t unit_price = 0;  // what the device charged, minor units
  // Not empty: the associate changed the price — to unit_price (an override,
  // needs price_override) or, with manual_discount_bp, by a percentage of
  // unit_price (a manual discount, within the role's max_discount_bp).
  std::string override_reason;
  int32_t manual_discount_bp = 0;  // 1..10000 with a reason; 0: none
};

struct Tender {
  std::string type;  // cash, card, qr_alipay, qr_wechat, qr_unionpay, voucher
  int64_t amount = 0;
};

struct SalePayload {
  std::string sale_id;
  Currency currency;
  std::vector<SaleLineInput> lines;
  std::vector<Tender> tenders;
  int64_t total = 0;
  int64_t tendered = 0;  // sum of tenders
  int64_t change = 0;    // cash handed back: tendered - total
  // What the device priced it with (docs/pricing.md): the rules version
  // ("" = no rules: list prices), the customer's member tier ("" = none) and
  // the instant it priced at ("" = the operation's device_time).
  std::string rules_version;
  std::string member_tier;
  std::string priced_at;
  // Lines scanned and then taken off the cart before payment (each needs the
  // void permission or a manager's approval), and the cash drawer session the
  // cash went into ("" = none).
  std::vector<SaleLineInput> voided_lines;
  std::string drawer_session_id;
  // The member the sale is for ("" = none) and the points the device priced
  // with (docs/pricing.md, "Points"): the balance it saw (-1 = no points)
  // and the points redeemed on the sale.
  std::string member_id;
  int64_t points_balance = -1;
  int64_t points_redeem = 0;
  // Coupon codes presented (layer 4; the engine decides which apply).
  std::vector<pricing::PresentedCoupon> coupons;
  // Units of capped promotions the device knew other sales had used (Context::promotion_used).
  std::vector<std::pair<std::string, int64_t>> promotion_used;
  // Applications of per_member promotions the device knew the member had had (Context::member_applications).
  std::vector<std::pair<std::string, int64_t>> member_applications;
};

// A manager's approval, carried in an operation's payload.approvals
// (docs/security.md, "Manager approval"). The device signs it with the
// approver's approval key, which it derives from the PIN the approver typed:
// proof = hex HMAC-SHA256(key, ApprovalMessage(store_id, approval)).
struct Approval {
  std::string rule;         // one of kApprovalRules
  std::string approver;     // staff code
  std::string approved_at;  // ISO 8601 device time
  std::string reason;       // chosen from a list or typed (free text)
  std::string method;       // "pin" (on this device) | "remote" (on the approver's device)
  std::string subject;      // what was approved: the sale_id, the drawer session id, ...
  std::string proof;        // 64 hex
};
inline constexpr std::string_view kApprovalRules[] = {"void_line", "void_sale", "price_override", "refund",
                                                      "manual_discount", "no_sale", "paid_out"};
// payload.approvals (absent: none); at most 16.
Result<std::vector<Approval>> ParseApprovals(const Json& payload);
// The exact text an approval's proof signs.
std::string ApprovalMessage(const std::string& store_id, const Approval& approval);

// Parses and checks a sale payload: ids, quantities, amounts, and that the
// tenders cover the total with change only out of cash. Field paths in
// errors start with "payload.".
Result<SalePayload> ParseSalePayload(const Json& payload);

// Units of an earlier sale coming back (sale.returned; docs/pricing.md,
// "Returns and exchanges"): the server prices the refund again from the sale.
struct ReturnItem {
  int64_t line = 0;  // index of the line in the sale (0-based)
  int64_t qty = 0;
};

struct ReturnPayload {
  std::string return_id;
  std::string sale_id;  // the sale, in any store of the chain ("" without a receipt)
  // Without a receipt: the units by barcode (qty: units, or grams), refunded at
  // the lowest recent price, always with a manager's approval.
  bool no_receipt = false;
  std::vector<SaleLineInput> lines;
  Currency currency;
  std::vector<ReturnItem> items;
  int64_t refund = 0;  // the money the device paid back (its refund_money)
  std::vector<Tender> tenders;  // how: they add up to refund
  std::string reason;
  std::string drawer_session_id;
};

Result<ReturnPayload> ParseReturnPayload(const Json& payload);

// What a customer said on the device after being served (feedback.given).
struct FeedbackPayload {
  std::string sale_id;
  int64_t rating = 0;   // 1..5
  std::string comment;  // at most 500 bytes
};

Result<FeedbackPayload> ParseFeedbackPayload(const Json& payload);

}  // namespace aisle::core

#endif  // AISLE_CORE_OPERATION_H_
