#include "core/operation.h"

#include <array>

#include "core/barcode.h"
#include "core/cart.h"
#include "core/cart_json.h"
#include "core/pan.h"
#include "core/pricing/rules.h"

namespace aisle::core {
namespace {

// "exchange": the credit of a return paid into the new sale of an exchange (and out of the return).
constexpr std::array<std::string_view, 7> kTenderTypes = {
    "cash", "card", "qr_alipay", "qr_wechat", "qr_unionpay", "voucher", "exchange"};
constexpr size_t kMaxIdLength = 64;
const Json kNoItems = Json::array();

Result<std::string> ReadId(const Json& obj, std::string_view key, std::string_view base) {
  auto value = ReadString(obj, key, base);
  if (!value) return value.error();
  if (value->empty() || value->size() > kMaxIdLength) {
    const std::string path = JoinPath(base, key);
    return Error::Make("invalid_id", path + " must be 1 to 64 characters", path);
  }
  return value;
}

}  // namespace

bool IsUuid(std::string_view text) {
  if (text.size() != 36) return false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (i == 8 || i == 13 || i == 18 || i == 23) {
      if (c != '-') return false;
    } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
      return false;
    }
  }
  return true;
}

Result<Operation> ParseOperation(const Json& op) {
  if (!op.is_object()) return WrongType("op", "an object");
  Operation out;
  auto op_id = ReadString(op, "op_id", "");
  if (!op_id) return op_id.error();
  if (!IsUuid(*op_id)) return Error::Make("invalid_op_id", "op_id must be a UUID", "op_id");
  out.op_id = std::move(*op_id);
  auto type = ReadString(op, "type", "");
  if (!type) return type.error();
  out.type = std::move(*type);
  auto version = ReadOptionalInt(op, "version", "");
  if (!version) return version.error();
  out.version = version->value_or(1);
  if (out.version < 1) return Error::Make("invalid_version", "version must be 1 or more", "version");
  auto store = ReadId(op, "store_id", "");
  if (!store) return store.error();
  out.store_id = std::move(*store);
  auto device = ReadId(op, "device_id", "");
  if (!device) return device.error();
  out.device_id = std::move(*device);
  if (op.contains("staff_id")) {
    auto staff = ReadId(op, "staff_id", "");
    if (!staff) return staff.error();
    out.staff_id = std::move(*staff);
  }
  auto seq = ReadInt(op, "device_seq", "");
  if (!seq) return seq.error();
  if (*seq < 1 || *seq > kMaxDeviceSeq) {
    return Error::Make("invalid_device_seq", "device_seq must be 1 to 10^15", "device_seq");
  }
  out.device_seq = *seq;
  auto time = ReadString(op, "device_time", "");
  if (!time) return time.error();
  out.device_time = std::move(*time);
  auto hlc_text = ReadString(op, "hlc", "");
  if (!hlc_text) return hlc_text.error();
  auto hlc = ParseHlc(*hlc_text, "hlc");
  if (!hlc) return hlc.error();
  out.hlc = *hlc;
  if (op.contains("depends_on")) {
    auto deps = ReadArray(op, "depends_on", "");
    if (!deps) return deps.error();
    if ((*deps)->size() > kMaxDependencies) {
      return Error::Make("too_many_dependencies", "an operation depends on at most 16 others", "depends_on");
    }
    for (size_t i = 0; i < (*deps)->size(); ++i) {
      const Json& d = (**deps)[i];
      const std::string path = "depends_on[" + std::to_string(i) + "]";
      if (!d.is_string() || !IsUuid(d.get<std::string>())) {
        return Error::Make("invalid_op_id", path + " must be an op_id (UUID)", path);
      }
      if (d.get<std::string>() == out.op_id) return Error::Make("invalid_dependency", "an operation cannot depend on itself", path);
      out.depends_on.push_back(d.get<std::string>());
    }
  }
  auto payload = ReadObject(op, "payload", "");
  if (!payload) return payload.error();
  out.payload = **payload;
  out.canonical = ToCanonicalJson(op);
  return out;
}

namespace {

// One line of a sale (or of its voided lines) at `path`.
Result<SaleLineInput> ParseSaleLine(const Json& item, const std::string& path) {
  if (!item.is_object()) return WrongType(path, "an object");
  SaleLineInput line;
  auto barcode = ReadString(item, "barcode", path);
  if (!barcode) return barcode.error();
  auto gtin = NormalizeBarcode(*barcode);
  if (!gtin) return Error::Make(gtin.error().code, gtin.error().message, JoinPath(path, "barcode"));
  line.barcode = std::move(gtin->gtin);
  auto qty = ReadInt(item, "qty", path);
  if (!qty) return qty.error();
  if (*qty <= 0) return Error::Make("invalid_quantity", "quantity must be positive", JoinPath(path, "qty"));
  line.qty = *qty;
  auto price = ReadInt(item, "unit_price", path);
  if (!price) return price.error();
  if (*price < 0 || *price > kMaxUnitPrice) {
    return Error::Make("invalid_price", "unit price out of range", JoinPath(path, "unit_price"));
  }
  line.unit_price = *price;
  auto reason = ReadOptionalString(item, "override_reason", path);
  if (!reason) return reason.error();
  auto checked = CheckFreeText(reason->value_or(""), JoinPath(path, "override_reason"));
  if (!checked) return checked.error();
  if (checked->size() > 200) {
    return Error::Make("reason_too_long", "a reason holds at most 200 bytes", JoinPath(path, "override_reason"));
  }
  line.override_reason = std::move(*checked);
  auto discount = ReadManualDiscountBp(item, path);
  if (!discount) return discount.error();
  if (*discount > 0 && line.override_reason.empty()) {
    return Error::Make("override_reason_required", "a manual discount needs a reason", JoinPath(path, "override_reason"));
  }
  line.manual_discount_bp = *discount;
  return line;
}

// payload.tenders: known types, positive amounts, a sum far from overflow.
Result<std::vector<Tender>> ReadTenders(const Json& payload, const std::string& base) {
  auto tenders = ReadArray(payload, "tenders", base);
  if (!tenders) return tenders.error();
  std::vector<Tender> out;
  int64_t sum = 0;
  for (size_t i = 0; i < (*tenders)->size(); ++i) {
    const Json& item = (**tenders)[i];
    const std::string path = IndexPath("payload.tenders", i);
    if (!item.is_object()) return WrongType(path, "an object");
    auto type = ReadString(item, "type", path);
    if (!type) return type.error();
    bool known = false;
    for (std::string_view t : kTenderTypes) known = known || t == *type;
    if (!known) return Error::Make("unknown_tender_type", "unknown tender type '" + *type + "'", JoinPath(path, "type"));
    auto amount = ReadInt(item, "amount", path);
    if (!amount) return amount.error();
    if (*amount <= 0 || *amount > kMaxUnitPrice) {
      return Error::Make("invalid_amount", "tender amount must be positive", JoinPath(path, "amount"));
    }
    auto total = CheckedAdd(sum, *amount);
    if (!total || *total > kMaxUnitPrice * 1000) {
      return Error::Make("invalid_amount", "tenders too large", JoinPath(path, "amount"));
    }
    sum = *total;
    out.push_back(Tender{std::move(*type), *amount});
  }
  return out;
}

}  // namespace

Result<SalePayload> ParseSalePayload(const Json& payload) {
  const std::string base = "payload";
  SalePayload sale;
  auto sale_id = ReadId(payload, "sale_id", base);
  if (!sale_id) return sale_id.error();
  sale.sale_id = std::move(*sale_id);
  auto code = ReadString(payload, "currency", base);
  if (!code) return code.error();
  auto currency = FindCurrency(*code);
  if (!currency) return Error::Make("unknown_currency", currency.error().message, "payload.currency");
  sale.currency = *currency;

  auto lines = ReadArray(payload, "lines", base);
  if (!lines) return lines.error();
  if ((*lines)->empty()) return Error::Make("empty_sale", "a sale needs at least one line", "payload.lines");
  if ((*lines)->size() > kMaxCartLines) {
    return Error::Make("too_many_lines", "a sale holds at most 1000 lines", "payload.lines");
  }
  for (size_t i = 0; i < (*lines)->size(); ++i) {
    auto line = ParseSaleLine((**lines)[i], IndexPath("payload.lines", i));
    if (!line) return line.error();
    sale.lines.push_back(std::move(*line));
  }
  if (payload.contains("voided_lines")) {
    auto voided = ReadArray(payload, "voided_lines", base);
    if (!voided) return voided.error();
    if ((*voided)->size() > kMaxCartLines) {
      return Error::Make("too_many_lines", "a sale holds at most 1000 voided lines", "payload.voided_lines");
    }
    for (size_t i = 0; i < (*voided)->size(); ++i) {
      auto line = ParseSaleLine((**voided)[i], IndexPath("payload.voided_lines", i));
      if (!line) return line.error();
      sale.voided_lines.push_back(std::move(*line));
    }
  }
  auto tenders = ReadTenders(payload, base);
  if (!tenders) return tenders.error();
  if (tenders->empty()) return Error::Make("no_tender", "a sale needs a tender", "payload.tenders");
  int64_t cash = 0;
  for (const Tender& t : *tenders) {
    sale.tendered += t.amount;
    if (t.type == "cash") cash += t.amount;
  }
  sale.tenders = std::move(*tenders);

  auto total = ReadInt(payload, "total", base);
  if (!total) return total.error();
  if (*total < 0) return Error::Make("invalid_amount", "total must not be negative", "payload.total");
  sale.total = *total;
  if (sale.tendered < sale.total) {
    return Error::Make("tender_insufficient", "the tenders do not cover the total", "payload.tenders");
  }
  sale.change = sale.tendered - sale.total;
  if (sale.change > cash) {
    return Error::Make("non_cash_overpayment", "change can only be given from cash", "payload.tenders");
  }
  for (auto [key, out] : {std::pair{"rules_version", &sale.rules_version}, std::pair{"member_tier", &sale.member_tier},
                           std::pair{"priced_at", &sale.priced_at},
                           std::pair{"drawer_session_id", &sale.drawer_session_id}}) {
    auto value = ReadOptionalString(payload, key, base);
    if (!value) return value.error();
    *out = value->value_or("");
  }
  if (!sale.priced_at.empty() && !pricing::ParseInstant(sale.priced_at)) {
    return Error::Make("invalid_time", "priced_at must be an ISO 8601 instant", "payload.priced_at");
  }
  auto coupons = pricing::PresentedCouponsFromJson(payload);
  if (!coupons) {
    Error e = coupons.error();
    e.field = JoinPath(base, e.field);
    return e;
  }
  sale.coupons = std::move(*coupons);
  auto used = pricing::PromotionCountsFromJson(payload, "promotion_used", base);
  if (!used) return used.error();
  sale.promotion_used = std::move(*used);
  auto applied = pricing::PromotionCountsFromJson(payload, "member_applications", base);
  if (!applied) return applied.error();
  sale.member_applications = std::move(*applied);
  auto member = ReadOptionalString(payload, "member_id", base);
  if (!member) return member.error();
  sale.member_id = member->value_or("");
  if (auto it = payload.find("points"); it != payload.end() && !it->is_null()) {
    if (sale.member_id.empty()) {
      return Error::Make("points_invalid", "points need the member_id of the customer", "payload.member_id");
    }
    auto balance = ReadInt(*it, "balance", "payload.points");
    if (!balance) return balance.error();
    auto redeem = ReadOptionalInt(*it, "redeem", "payload.points");
    if (!redeem) return redeem.error();
    if (*balance < 0 || redeem->value_or(0) < 0 || redeem->value_or(0) > *balance) {
      return Error::Make("points_invalid", "points.redeem must be between 0 and points.balance", "payload.points");
    }
    sale.points_balance = *balance;
    sale.points_redeem = redeem->value_or(0);
  }
  return sale;
}

Result<ReturnPayload> ParseReturnPayload(const Json& payload) {
  const std::string base = "payload";
  ReturnPayload out;
  auto return_id = ReadId(payload, "return_id", base);
  if (!return_id) return return_id.error();
  out.return_id = std::move(*return_id);
  if (auto it = payload.find("no_receipt"); it != payload.end() && !it->is_null()) {
    if (!it->is_boolean()) return WrongType("payload.no_receipt", "true or false");
    out.no_receipt = it->get<bool>();
  }
  auto code = ReadString(payload, "currency", base);
  if (!code) return code.error();
  auto currency = FindCurrency(*code);
  if (!currency) return Error::Make("unknown_currency", currency.error().message, "payload.currency");
  out.currency = *currency;
  if (out.no_receipt) {
    auto lines = ReadArray(payload, "lines", base);
    if (!lines) return lines.error();
    if ((*lines)->empty() || (*lines)->size() > kMaxCartLines) {
      return Error::Make("return_invalid", "a return has 1 to 1000 lines", "payload.lines");
    }
    for (size_t i = 0; i < (*lines)->size(); ++i) {
      const std::string lp = IndexPath("payload.lines", i);
      auto barcode = ReadString((**lines)[i], "barcode", lp);
      if (!barcode) return barcode.error();
      auto qty = ReadInt((**lines)[i], "qty", lp);
      if (!qty) return qty.error();
      if (*qty < 1 || *qty > kMaxGrams) return Error::Make("return_invalid", "qty must be positive", JoinPath(lp, "qty"));
      auto gtin = NormalizeBarcode(*barcode);
      if (!gtin) return Error::Make(gtin.error().code, gtin.error().message, JoinPath(lp, "barcode"));
      SaleLineInput line;
      line.barcode = std::move(gtin->gtin);
      line.qty = *qty;
      out.lines.push_back(std::move(line));
    }
  } else {
    auto sale_id = ReadId(payload, "sale_id", base);
    if (!sale_id) return sale_id.error();
    out.sale_id = std::move(*sale_id);
  }
  auto items = out.no_receipt ? Result<const Json*>(&kNoItems) : ReadArray(payload, "items", base);
  if (!items) return items.error();
  if (!out.no_receipt && ((*items)->empty() || (*items)->size() > kMaxCartLines)) {
    return Error::Make("return_invalid", "a return has 1 to 1000 items", "payload.items");
  }
  for (size_t i = 0; i < (*items)->size(); ++i) {
    const std::string ip = "payload.items[" + std::to_string(i) + "]";
    auto line = ReadInt((**items)[i], "line", ip);
    if (!line) return line.error();
    auto qty = ReadInt((**items)[i], "qty", ip);
    if (!qty) return qty.error();
    if (*line < 0 || *qty < 1) return Error::Make("return_invalid", "line >= 0 and qty >= 1", ip);
    out.items.push_back(ReturnItem{*line, *qty});
  }
  auto refund = ReadInt(payload, "refund", base);
  if (!refund) return refund.error();
  if (*refund < 0) return Error::Make("invalid_amount", "refund must not be negative", "payload.refund");
  out.refund = *refund;
  auto tenders = ReadTenders(payload, base);
  if (!tenders) return tenders.error();
  out.tenders = std::move(*tenders);
  int64_t sum = 0;
  for (const Tender& t : out.tenders) sum += t.amount;
  if (sum != out.refund) {
    return Error::Make("tender_mismatch", "the refund tenders do not add up to the refund", "payload.tenders");
  }
  for (auto [key, dest] : {std::pair{"reason", &out.reason}, std::pair{"drawer_session_id", &out.drawer_session_id}}) {
    auto value = ReadOptionalString(payload, key, base);
    if (!value) return value.error();
    *dest = value->value_or("");
  }
  return out;
}

Result<FeedbackPayload> ParseFeedbackPayload(const Json& payload) {
  const std::string base = "payload";
  FeedbackPayload out;
  auto sale_id = ReadId(payload, "sale_id", base);
  if (!sale_id) return sale_id.error();
  out.sale_id = std::move(*sale_id);
  auto rating = ReadInt(payload, "rating", base);
  if (!rating) return rating.error();
  if (*rating < 1 || *rating > 5) return Error::Make("invalid_rating", "rating must be 1 to 5", "payload.rating");
  out.rating = *rating;
  auto comment = ReadOptionalString(payload, "comment", base);
  if (!comment) return comment.error();
  auto checked = CheckFreeText(comment->value_or(""), "payload.comment");
  if (!checked) return checked.error();
  out.comment = std::move(*checked);
  if (out.comment.size() > 500) {
    return Error::Make("comment_too_long", "comment holds at most 500 bytes", "payload.comment");
  }
  return out;
}

Result<std::vector<Approval>> ParseApprovals(const Json& payload) {
  std::vector<Approval> out;
  if (!payload.is_object() || !payload.contains("approvals")) return out;
  auto list = ReadArray(payload, "approvals", "payload");
  if (!list) return list.error();
  if ((*list)->size() > 16) return Error::Make("too_many_approvals", "at most 16 approvals", "payload.approvals");
  for (size_t i = 0; i < (*list)->size(); ++i) {
    const Json& item = (**list)[i];
    const std::string path = IndexPath("payload.approvals", i);
    if (!item.is_object()) return WrongType(path, "an object");
    Approval a;
    for (auto [key, field] : {std::pair{"rule", &a.rule}, std::pair{"approver", &a.approver},
                              std::pair{"approved_at", &a.approved_at}, std::pair{"method", &a.method},
                              std::pair{"subject", &a.subject}, std::pair{"proof", &a.proof}}) {
      auto value = ReadString(item, key, path);
      if (!value) return value.error();
      if (value->empty() || value->size() > 128) {
        return Error::Make("invalid_approval", std::string(key) + " must be 1 to 128 characters", JoinPath(path, key));
      }
      *field = std::move(*value);
    }
    auto reason = ReadString(item, "reason", path);
    if (!reason) return reason.error();
    auto checked = CheckFreeText(*reason, JoinPath(path, "reason"));
    if (!checked) return checked.error();
    if (checked->empty() || checked->size() > 200) {
      return Error::Make("invalid_approval", "an approval needs a reason of at most 200 bytes", JoinPath(path, "reason"));
    }
    a.reason = std::move(*checked);
    bool known = false;
    for (std::string_view r : kApprovalRules) known = known || r == a.rule;
    if (!known) return Error::Make("invalid_approval", "unknown approval rule '" + a.rule + "'", JoinPath(path, "rule"));
    if (a.method != "pin" && a.method != "remote") {
      return Error::Make("invalid_approval", "method is pin or remote", JoinPath(path, "method"));
    }
    if (!pricing::ParseInstant(a.approved_at)) {
      return Error::Make("invalid_time", "approved_at must be an ISO 8601 instant", JoinPath(path, "approved_at"));
    }
    out.push_back(std::move(a));
  }
  return out;
}

std::string ApprovalMessage(const std::string& store_id, const Approval& a) {
  return "aisle-approval-v1\n" + store_id + "\n" + a.subject + "\n" + a.rule + "\n" + a.approver + "\n" +
         a.approved_at + "\n" + a.reason;
}

}  // namespace aisle::core
