#include "core/drawer.h"

#include <algorithm>
#include <map>

#include "core/pan.h"

namespace aisle::core {
namespace {

constexpr int64_t kMaxDrawerAmount = int64_t{1'000'000'000'00};  // ¥1,000,000,000 in fen

Result<int64_t> ReadAmount(const Json& obj, std::string_view key, const std::string& base, bool allow_zero) {
  auto v = ReadInt(obj, key, base);
  if (!v) return v.error();
  if (*v < (allow_zero ? 0 : 1) || *v > kMaxDrawerAmount) {
    return Error::Make("invalid_amount", std::string(key) + (allow_zero ? " must not be negative" : " must be positive"),
                       JoinPath(base, key));
  }
  return *v;
}

Result<std::vector<std::pair<std::string, int64_t>>> ReadCounted(const Json& obj, const std::string& base) {
  std::vector<std::pair<std::string, int64_t>> out;
  auto list = ReadArray(obj, "counted", base);
  if (!list) return list.error();
  for (size_t i = 0; i < (*list)->size(); ++i) {
    const std::string path = IndexPath(JoinPath(base, "counted"), i);
    const Json& item = (**list)[i];
    if (!item.is_object()) return WrongType(path, "an object");
    auto type = ReadString(item, "type", path);
    if (!type) return type.error();
    auto amount = ReadAmount(item, "amount", path, true);
    if (!amount) return amount.error();
    for (const auto& [t, a] : out) {
      if (t == *type) return Error::Make("duplicate_tender", "each tender is counted once", JoinPath(path, "type"));
    }
    out.emplace_back(std::move(*type), *amount);
  }
  return out;
}

}  // namespace

DrawerReport ComputeDrawerReport(int64_t opening_float, const std::vector<DrawerMovement>& movements,
                                 const std::optional<std::vector<std::pair<std::string, int64_t>>>& counted) {
  DrawerReport r;
  r.opening_float = opening_float;
  std::map<std::string, int64_t> expected = {{"cash", opening_float}};
  for (const DrawerMovement& m : movements) {
    if (m.kind == "sale") {
      ++r.sales;
      expected[m.tender] += m.amount;
    } else if (m.kind == "refund") {
      expected[m.tender] -= m.amount;
    } else if (m.kind == "pay_in") {
      ++r.pay_ins;
      expected["cash"] += m.amount;
    } else if (m.kind == "paid_out") {
      ++r.paid_outs;
      expected["cash"] -= m.amount;
    } else if (m.kind == "no_sale") {
      ++r.no_sales;
    }
  }
  if (counted) {
    r.closed = true;
    for (const auto& [tender, amount] : *counted) expected.try_emplace(tender, 0);
  }
  const auto add = [&](const std::string& tender, int64_t amount) {
    DrawerTenderLine line{tender, amount, std::nullopt, 0};
    if (counted) {
      auto it = std::find_if(counted->begin(), counted->end(), [&](const auto& c) { return c.first == tender; });
      line.counted = it == counted->end() ? 0 : it->second;
      line.variance = *line.counted - amount;
      r.variance += line.variance;
    }
    r.tenders.push_back(line);
  };
  add("cash", expected["cash"]);
  for (const auto& [tender, amount] : expected) {
    if (tender != "cash") add(tender, amount);
  }
  return r;
}

Json DrawerReportToJson(const DrawerReport& r, const Currency& currency) {
  Json tenders = Json::array();
  for (const DrawerTenderLine& t : r.tenders) {
    Json line = {{"tender", t.tender}, {"expected", t.expected}};
    if (t.counted) {
      line["counted"] = *t.counted;
      line["variance"] = t.variance;
    }
    tenders.push_back(std::move(line));
  }
  Json out = {{"report", r.closed ? "Z" : "X"}, {"currency", currency.code}, {"float", r.opening_float},
              {"sales", r.sales},            {"pay_ins", r.pay_ins},        {"paid_outs", r.paid_outs},
              {"no_sales", r.no_sales},      {"tenders", std::move(tenders)}};
  if (r.closed) out["variance"] = r.variance;
  return out;
}

std::string DrawerReportJson(std::string_view input) {
  const auto fail = [](const Error& e) { return ToCanonicalJson(ErrorToJson(e)); };
  auto doc = ParseJson(input);
  if (!doc) return fail(doc.error());
  if (!doc->is_object()) return fail(WrongType("(input)", "an object"));
  auto code = ReadString(*doc, "currency", "");
  if (!code) return fail(code.error());
  auto currency = FindCurrency(*code);
  if (!currency) return fail(Error::Make("unknown_currency", currency.error().message, "currency"));
  auto opening = ReadAmount(*doc, "float", "", true);
  if (!opening) return fail(opening.error());
  auto list = ReadArray(*doc, "movements", "");
  if (!list) return fail(list.error());
  std::vector<DrawerMovement> movements;
  for (size_t i = 0; i < (*list)->size(); ++i) {
    const std::string path = IndexPath("movements", i);
    const Json& item = (**list)[i];
    if (!item.is_object()) return fail(WrongType(path, "an object"));
    auto kind = ReadString(item, "kind", path);
    if (!kind) return fail(kind.error());
    if (*kind != "sale" && *kind != "refund" && *kind != "pay_in" && *kind != "paid_out" && *kind != "no_sale") {
      return fail(Error::Make("invalid_movement", "unknown movement kind '" + *kind + "'", JoinPath(path, "kind")));
    }
    auto tender = ReadOptionalString(item, "tender", path);
    if (!tender) return fail(tender.error());
    auto amount = ReadAmount(item, "amount", path, true);
    if (!amount) return fail(amount.error());
    movements.push_back(DrawerMovement{std::move(*kind), tender->value_or("cash"), *amount});
  }
  std::optional<std::vector<std::pair<std::string, int64_t>>> counted;
  if (doc->contains("counted")) {
    auto c = ReadCounted(*doc, "");
    if (!c) return fail(c.error());
    counted = std::move(*c);
  }
  return ToCanonicalJson(DrawerReportToJson(ComputeDrawerReport(*opening, movements, counted), *currency));
}

Result<DrawerPayload> ParseDrawerPayload(std::string_view type, const Json& payload) {
  const std::string base = "payload";
  if (!payload.is_object()) return WrongType(base, "an object");
  DrawerPayload out;
  auto id = ReadString(payload, "session_id", base);
  if (!id) return id.error();
  if (id->empty() || id->size() > 64) {
    return Error::Make("invalid_id", "session_id must be 1 to 64 characters", "payload.session_id");
  }
  out.session_id = std::move(*id);
  if (type == kDrawerOpened) {
    auto amount = ReadAmount(payload, "float", base, true);
    if (!amount) return amount.error();
    out.amount = *amount;
  } else if (type == kDrawerMoved) {
    auto kind = ReadString(payload, "kind", base);
    if (!kind) return kind.error();
    if (*kind != "pay_in" && *kind != "paid_out" && *kind != "no_sale") {
      return Error::Make("invalid_movement", "kind is pay_in, paid_out or no_sale", "payload.kind");
    }
    out.kind = std::move(*kind);
    if (out.kind != "no_sale") {
      auto amount = ReadAmount(payload, "amount", base, false);
      if (!amount) return amount.error();
      out.amount = *amount;
    }
    auto reason = ReadOptionalString(payload, "reason", base);
    if (!reason) return reason.error();
    auto checked = CheckFreeText(reason->value_or(""), "payload.reason");
    if (!checked) return checked.error();
    if (checked->size() > 200 || (out.kind != "no_sale" && checked->empty())) {
      return Error::Make("invalid_reason", "a pay-in or paid-out needs a reason of at most 200 bytes", "payload.reason");
    }
    out.reason = std::move(*checked);
  } else {
    auto counted = ReadCounted(payload, base);
    if (!counted) return counted.error();
    out.counted = std::move(*counted);
  }
  return out;
}

}  // namespace aisle::core
