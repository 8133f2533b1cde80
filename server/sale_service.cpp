#include "server/sale_service.h"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <map>

#include "core/cart.h"
#include "core/cart_json.h"
#include "core/drawer.h"
#include "core/operation.h"
#include "core/pricing/engine.h"
#include "core/pricing/loyalty.h"
#include "core/pricing/returns.h"
#include "server/approvals.h"

namespace aisle::server {
namespace {

using core::Error;
using nlohmann::json;
namespace pricing = core::pricing;

// Pricing with no rules: list prices, tax, no promotions.
const auto kNoRules = std::make_shared<const pricing::CompiledRules>(pricing::Rules{});

json Rejected(const std::string& op_id, const Error& error) {
  json out = core::ErrorToJson(error);
  out["op_id"] = op_id;
  out["status"] = "rejected";
  return out;
}

// Records an exception for the store manager and marks the op's answer
// accepted_with_exception with the exception's id.
void RaiseException(Database& db, const core::Operation& op, const std::string& kind, const json& detail,
                    int64_t now, json& result) {
  db.Prepare("INSERT INTO exceptions (store_id, kind, op_id, detail, created_at) VALUES (?, ?, ?, ?, ?)")
      .Bind(1, op.store_id).Bind(2, kind).Bind(3, op.op_id).Bind(4, core::ToCanonicalJson(detail)).Bind(5, now).Run();
  result["status"] = "accepted_with_exception";
  if (!result.contains("exceptions")) result["exceptions"] = json::array();
  result["exceptions"].push_back({{"id", db.LastInsertRowId()}, {"kind", kind}});
}

json LinesToJson(const std::vector<core::SaleLineInput>& lines) {
  json out = json::array();
  for (const core::SaleLineInput& l : lines) {
    json line = {{"barcode", l.barcode}, {"qty", l.qty}, {"unit_price", l.unit_price}};
    if (!l.override_reason.empty()) line["override_reason"] = l.override_reason;
    if (l.manual_discount_bp > 0) line["manual_discount_bp"] = l.manual_discount_bp;
    out.push_back(std::move(line));
  }
  return out;
}

}  // namespace

std::vector<core::DrawerMovement> DrawerMovements(Database& db, const std::string& session_id) {
  std::vector<core::DrawerMovement> out;
  auto s = db.Prepare("SELECT kind, tender, amount FROM drawer_movements WHERE session_id = ? ORDER BY id");
  s.Bind(1, session_id);
  while (s.Step()) out.push_back(core::DrawerMovement{s.Text(0), s.Text(1), s.Int(2)});
  return out;
}

namespace {

// Points are a ledger too: one movement per (member, reason, ref), so an op
// applied twice (a retried upload) cannot move them twice. A member that is
// unknown, or whose balance went below zero (points spent on two offline
// devices), is raised for the manager; the sale or return stands.
void RecordPoints(Database& db, const core::Operation& op, const std::string& member_id, const std::string& ref,
                  const std::vector<std::pair<std::string, int64_t>>& deltas, int64_t now, json& result) {
  auto member = db.Prepare("SELECT 1 FROM members WHERE member_id = ?");
  member.Bind(1, member_id);
  if (!member.Step()) {
    RaiseException(db, op, "member_unknown", {{"member_id", member_id}, {"ref", ref}}, now, result);
    return;
  }
  auto move = db.Prepare(
      "INSERT OR IGNORE INTO points_movements (member_id, delta, reason, ref, created_at) VALUES (?, ?, ?, ?, ?)");
  json moved = json::object();
  for (const auto& [reason, delta] : deltas) {
    if (delta == 0) continue;
    move.Reset();
    move.Bind(1, member_id).Bind(2, delta).Bind(3, reason).Bind(4, ref).Bind(5, now).Run();
    if (db.Changes() == 0) continue;  // already recorded (the same op applied before)
    moved[reason] = delta;
    // Devices keep members' balances: the movement goes out in the members feed (docs/sync.md).
    Store::AppendChange(db, "members",
                        json{{"kind", "points"}, {"op", "move"}, {"member_id", member_id}, {"delta", delta},
                             {"reason", reason}, {"ref", ref}}
                            .dump(),
                        now);
  }
  auto balance = db.Prepare("SELECT coalesce(sum(delta), 0) FROM points_movements WHERE member_id = ?");
  balance.Bind(1, member_id);
  const int64_t left = balance.Step() ? balance.Int(0) : 0;
  result["points"] = {{"member_id", member_id}, {"moved", std::move(moved)}, {"balance", left}};
  if (left < 0) {
    RaiseException(db, op, "points_overdraft", {{"member_id", member_id}, {"balance", left}, {"ref", ref}}, now,
                   result);
  }
}

// A coupon code that applied to a sale: its redemption (one row per code and
// sale, so a retried upload adds none). A code the chain never issued, or a
// single-use one already redeemed by another sale that was not returned
// (two offline devices), is raised for the manager; the sale stands.
void RecordCoupon(Database& db, const core::Operation& op, const pricing::CompiledRules& rules,
                  const pricing::CouponResult& coupon, const std::string& sale_id, int64_t now, json& result) {
  auto issued = db.Prepare("SELECT 1 FROM coupon_codes WHERE code = ? AND coupon_id = ?");
  issued.Bind(1, coupon.code).Bind(2, coupon.coupon_id);
  if (!issued.Step()) {
    RaiseException(db, op, "coupon_unknown", {{"code", coupon.code}, {"coupon_id", coupon.coupon_id}, {"sale_id", sale_id}},
                   now, result);
    return;
  }
  db.Prepare(
        "INSERT OR IGNORE INTO coupon_redemptions (code, sale_id, op_id, store_id, created_at) VALUES (?, ?, ?, ?, ?)")
      .Bind(1, coupon.code).Bind(2, sale_id).Bind(3, op.op_id).Bind(4, op.store_id).Bind(5, now).Run();
  bool single_use = true;
  for (const pricing::Promotion& p : rules.rules().coupons) {
    if (p.id == coupon.coupon_id) single_use = p.single_use;
  }
  if (!single_use) return;
  auto others = db.Prepare(
      "SELECT sale_id FROM coupon_redemptions WHERE code = ? AND sale_id != ? AND restored_by = '' ORDER BY created_at");
  others.Bind(1, coupon.code).Bind(2, sale_id);
  json sales = json::array();
  while (others.Step()) sales.push_back(others.Text(0));
  if (!sales.empty()) {
    RaiseException(db, op, "coupon_reused", {{"code", coupon.code}, {"sale_id", sale_id}, {"earlier_sales", sales}}, now,
                   result);
  }
}

// A sale line with what the server knows about its product.
struct ResolvedLine {
  core::SaleLineInput input;
  Product product;
};

// Units a sale took of capped promotions (remaining_units): one ledger row
// per promotion and sale (a retried upload adds none), the new count in the
// op's answer and the promotions feed so devices price with what is left, and cap_exceeded when
// sales priced offline together took more than the cap.
void RecordUnitCap(Database& db, const core::Operation& op, const pricing::Adjustment& adj, const std::string& sale_id,
                   int64_t now, json& result) {
  int64_t units = 0;
  for (const pricing::AdjustmentLine& l : adj.lines) units += l.units;
  if (units == 0) return;
  const std::string& id = adj.promotion->id;
  db.Prepare("INSERT OR IGNORE INTO promotion_usage (promotion_id, sale_id, units, created_at) VALUES (?, ?, ?, ?)")
      .Bind(1, id).Bind(2, sale_id).Bind(3, units).Bind(4, now).Run();
  auto total = db.Prepare("SELECT sum(units) FROM promotion_usage WHERE promotion_id = ?");
  total.Bind(1, id);
  const int64_t used = total.Step() ? total.Int(0) : units;
  Store::AppendChange(db, kPromotionsScope,
                      core::ToCanonicalJson(json{{"kind", "promotion_usage"}, {"op", "count"}, {"promotion_id", id}, {"used", used}}), now);
  result["promotion_usage"][id] = used;  // the device counts it from here, without waiting for the feed
  const int64_t cap = *adj.promotion->remaining_units;
  if (used > cap) {
    // `over`: this sale's units past the cap (earlier sales' excess was raised with them).
    RaiseException(db, op, "cap_exceeded", {{"promotion_id", id}, {"sale_id", sale_id}, {"cap", cap}, {"used", used},
                                            {"units", units}, {"over", std::min(units, used - cap)}}, now, result);
  }
}

// Applications of a per-member capped promotion (per_member) a member's sale
// took: the same, per member — the member's count in the answer and the
// members feed (devices keep it with the member), and cap_exceeded with the
// member when their offline sales together had it more often than allowed. A
// sale that had it with a member tier but no member_id cannot be counted: it
// is raised with member_id null.
void RecordMemberCap(Database& db, const core::Operation& op, const pricing::Adjustment& adj,
                     const std::string& member_id, const std::string& sale_id, int64_t now, json& result) {
  if (adj.applications == 0) return;
  const std::string& id = adj.promotion->id;
  if (member_id.empty()) {
    RaiseException(db, op, "cap_exceeded", {{"promotion_id", id}, {"sale_id", sale_id}, {"member_id", nullptr},
                                            {"per_member", *adj.promotion->per_member}, {"applications", adj.applications},
                                            {"units", adj.applications}, {"over", adj.applications}}, now, result);
    return;
  }
  db.Prepare(
        "INSERT OR IGNORE INTO member_promotion_usage (promotion_id, sale_id, member_id, applications, created_at) "
        "VALUES (?, ?, ?, ?, ?)")
      .Bind(1, id).Bind(2, sale_id).Bind(3, member_id).Bind(4, adj.applications).Bind(5, now).Run();
  auto total = db.Prepare("SELECT sum(applications) FROM member_promotion_usage WHERE member_id = ? AND promotion_id = ?");
  total.Bind(1, member_id).Bind(2, id);
  const int64_t had = total.Step() ? total.Int(0) : adj.applications;
  Store::AppendChange(db, "members",
                      core::ToCanonicalJson(json{{"kind", "member_promotion"}, {"op", "count"}, {"member_id", member_id},
                                                 {"promotion_id", id}, {"applications", had}}),
                      now);
  result["member_applications"][id] = had;
  const int64_t cap = *adj.promotion->per_member;
  if (had > cap) {
    RaiseException(db, op, "cap_exceeded", {{"promotion_id", id}, {"sale_id", sale_id}, {"member_id", member_id},
                                            {"per_member", cap}, {"applications", had}, {"units", adj.applications},
                                            {"over", std::min(adj.applications, had - cap)}}, now, result);
  }
}

void RecordCapUsage(Database& db, const core::Operation& op, const pricing::PricingResult& priced,
                    const std::string& member_id, const std::string& sale_id, int64_t now, json& result) {
  for (const pricing::Adjustment& adj : priced.adjustments) {
    if (adj.promotion == nullptr) continue;
    if (adj.promotion->remaining_units) RecordUnitCap(db, op, adj, sale_id, now, result);
    if (adj.promotion->per_member) RecordMemberCap(db, op, adj, member_id, sale_id, now, result);
  }
}

// price_drift: the sale was priced with rules or prices that were already
// replaced at its device time (a device offline through a price change) and
// the customer paid a different amount for it. The sale stands at what the
// customer paid; the exception records what the rules and prices current
// then would have charged. A change published after the sale's device time is
// not a drift (the device was right), nor is an older version "current" at a
// device clock that runs late while the device holds a newer one.
// `at_server_prices`: the sale's own rules at the server's prices.
void CheckPriceDrift(Database& db, const core::Operation& op, const core::SalePayload& sale,
                     const std::vector<ResolvedLine>& lines, const core::Cart& list, int64_t at_server_prices,
                     const pricing::Context& context, CompiledRulesCache& rules_cache, int64_t now, json& result) {
  const auto at = pricing::ParseInstant(op.device_time);
  if (!at) return;
  std::string current_version;
  {
    auto s = db.Prepare(
        "SELECT version, published_at FROM pricing_rules WHERE published_at <= ? ORDER BY published_at DESC, rowid DESC "
        "LIMIT 1");
    s.Bind(1, *at);
    if (s.Step() && s.Text(0) != sale.rules_version) {
      auto own = db.Prepare("SELECT published_at FROM pricing_rules WHERE version = ?");
      own.Bind(1, sale.rules_version);
      if (!own.Step() || own.Int(0) < s.Int(1)) current_version = s.Text(0);
    }
  }
  json prices = json::array();
  auto updated = db.Prepare("SELECT updated_at FROM products WHERE sku = ?");
  for (size_t i = 0; i < lines.size(); ++i) {
    const ResolvedLine& l = lines[i];
    if (l.input.unit_price == l.product.price || !l.input.override_reason.empty()) continue;
    updated.Reset();
    updated.Bind(1, l.product.sku);
    if (updated.Step() && updated.Int(0) <= *at) {
      prices.push_back({{"line", i}, {"sku", l.product.sku}, {"device_price", l.input.unit_price},
                        {"price", l.product.price}});
    }
  }
  if (current_version.empty() && prices.empty()) return;
  int64_t current_total = at_server_prices;
  if (!current_version.empty()) {
    if (auto current = rules_cache.Get(db, current_version)) {
      if (auto repriced = pricing::PriceWithRules(list, *current, context)) current_total = repriced->amount_due;
    }
  }
  if (current_total == sale.total) return;  // replaced, but the customer paid the same
  json detail = {{"sale_id", sale.sale_id}, {"rules_version", sale.rules_version}, {"device_total", sale.total},
                 {"current_total", current_total}, {"difference", sale.total - current_total}};
  if (!current_version.empty()) detail["current_rules_version"] = current_version;
  if (!prices.empty()) detail["prices"] = std::move(prices);
  RaiseException(db, op, "price_drift", detail, now, result);
}

// Writes the sale (rows, lines, tenders, stock movements, price differences)
// and returns the result of the operation. Runs inside the op's savepoint.
core::Result<json> ApplySale(Database& db, const core::Operation& op, const std::string& staff_code,
                             CompiledRulesCache& rules_cache, int64_t now) {
  auto sale = core::ParseSalePayload(op.payload);
  if (!sale) return sale.error();
  auto approvals = core::ParseApprovals(op.payload);
  if (!approvals) return approvals.error();

  std::vector<ResolvedLine> lines;
  for (size_t i = 0; i < sale->lines.size(); ++i) {
    auto product = Store::FindProduct(db, sale->lines[i].barcode);
    if (!product) {
      return Error::Make("unknown_barcode", "no product has barcode " + sale->lines[i].barcode,
                         "payload.lines[" + std::to_string(i) + "].barcode");
    }
    lines.push_back(ResolvedLine{sale->lines[i], std::move(*product)});
  }
  {
    auto s = db.Prepare("SELECT 1 FROM sales WHERE sale_id = ?");
    s.Bind(1, sale->sale_id);
    if (s.Step()) {
      return Error::Make("sale_id_conflict", "another operation already recorded this sale_id",
                         "payload.sale_id");
    }
  }

  // The rules the device priced with; a version this server does not hold
  // (published elsewhere, or lost) is noted and the latest rules used instead.
  std::shared_ptr<const pricing::CompiledRules> rules = kNoRules;
  bool rules_unknown = false;
  if (!sale->rules_version.empty()) {
    rules = rules_cache.Get(db, sale->rules_version);
    if (rules == nullptr) {
      rules_unknown = true;
      rules = rules_cache.Latest(db);
      if (rules == nullptr) rules = kNoRules;
    }
  }
  pricing::Context context;
  const auto priced_at = pricing::ParseInstant(sale->priced_at.empty() ? op.device_time : sale->priced_at);
  context.now = priced_at ? *priced_at : now;
  context.store_id = op.store_id;
  context.member_tier = sale->member_tier;
  context.coupons = sale->coupons;
  context.promotion_used = sale->promotion_used;
  context.member_applications = sale->member_applications;

  // Price twice with core: at the device's unit prices (what the customer
  // paid, stored) and at the server's own prices (to find differences).
  core::Cart paid{sale->currency, {}};
  core::Cart list{sale->currency, {}};
  for (const ResolvedLine& l : lines) {
    auto sold_by = core::ParseSoldBy(l.product.sold_by);
    if (!sold_by) return sold_by.error();
    core::CartLine line{.barcode = l.product.barcode,
                        .sku = l.product.sku,
                        .category = l.product.category,
                        .brand = l.product.brand,
                        .qty = l.input.qty,
                        .unit_price = l.input.unit_price,
                        .tax_rate_bp = l.product.tax_rate_bp,
                        .sold_by = *sold_by};
    // The associate's price change stands in both pricings (not a price difference).
    if (l.input.manual_discount_bp > 0) {
      line.manual_discount_bp = l.input.manual_discount_bp;
      line.override_reason = l.input.override_reason;
    } else if (!l.input.override_reason.empty()) {
      line.override_price = l.input.unit_price;
      line.override_reason = l.input.override_reason;
    }
    paid.lines.push_back(line);
    line.unit_price = l.product.price;
    list.lines.push_back(std::move(line));
  }
  auto priced = pricing::PriceWithRules(paid, *rules, context);
  if (!priced) {
    Error e = priced.error();
    e.field = "payload." + e.field;
    return e;
  }
  // At the server's own prices: the same cart when the device had them (the usual case), so priced once.
  const bool same_prices = std::equal(paid.lines.begin(), paid.lines.end(), list.lines.begin(),
                                      [](const auto& a, const auto& b) { return a.unit_price == b.unit_price; });
  std::optional<pricing::PricingResult> at_list;
  if (!same_prices) {
    auto r = pricing::PriceWithRules(list, *rules, context);
    if (!r) return r.error();
    at_list = std::move(*r);
  }
  const pricing::PricingResult& server_priced = at_list ? *at_list : *priced;
  // Layer 5: the member's points, with the balance and the redemption the device priced with.
  std::optional<pricing::PointsOutcome> points;
  if (sale->points_balance >= 0 && rules->rules().points) {
    const pricing::PointsRequest asked{sale->points_balance, sale->points_redeem};
    auto applied = pricing::ApplyPoints(paid, rules->rules(), *rules->rules().points, context.member_tier, asked, *priced);
    if (!applied) return applied.error();
    points = std::move(*applied);
    if (at_list) {
      auto listed = pricing::ApplyPoints(list, rules->rules(), *rules->rules().points, context.member_tier, asked,
                                         *at_list);
      if (!listed) return listed.error();
    }
  }
  const core::Json explained = core::PricingResultToJson(paid, *priced, nullptr);
  // The request the sale was priced with (rules by version), for its returns.
  json request = {{"currency", sale->currency.code},
                  {"rules_version", rules->rules().version},
                  {"context", {{"now", IsoTime(context.now)},
                               {"store_id", op.store_id},
                               {"member_tier", sale->member_tier}}},
                  {"lines", json::array()}};
  for (const core::CartLine& c : paid.lines) request["lines"].push_back(core::CartLineToJson(c));
  if (sale->points_balance >= 0) {
    request["points"] = {{"balance", sale->points_balance}, {"redeem", sale->points_redeem}};
  }
  for (const auto& [id, units] : sale->promotion_used) request["context"]["promotion_used"][id] = units;
  for (const auto& [id, n] : sale->member_applications) request["context"]["member_applications"][id] = n;
  if (!sale->coupons.empty()) {
    request["coupons"] = json::array();
    for (const pricing::PresentedCoupon& c : sale->coupons) {
      request["coupons"].push_back({{"code", c.code}, {"coupon_id", c.coupon_id}});
    }
  }

  db.Prepare(
        "INSERT INTO sales (sale_id, op_id, store_id, device_id, staff_code, currency, total, net, "
        "tax, tendered, change_due, server_total, device_time, received_at, rules_version, member_tier, "
        "discount, adjustments, voided_lines, drawer_session_id, approvals, member_id, pricing_request) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
      .Bind(1, sale->sale_id)
      .Bind(2, op.op_id)
      .Bind(3, op.store_id)
      .Bind(4, op.device_id)
      .Bind(5, staff_code)
      .Bind(6, sale->currency.code)
      .Bind(7, sale->total)
      .Bind(8, priced->net)
      .Bind(9, priced->tax)
      .Bind(10, sale->tendered)
      .Bind(11, sale->change)
      .Bind(12, server_priced.amount_due)
      .Bind(13, op.device_time)
      .Bind(14, now)
      .Bind(15, sale->rules_version)
      .Bind(16, sale->member_tier)
      .Bind(17, priced->discount)
      .Bind(18, core::ToCanonicalJson(explained["adjustments"]))
      .Bind(19, core::ToCanonicalJson(LinesToJson(sale->voided_lines)))
      .Bind(20, sale->drawer_session_id)
      .Bind(21, core::ToCanonicalJson(op.payload.value("approvals", json::array())))
      .Bind(22, sale->member_id)
      .Bind(23, core::ToCanonicalJson(request))
      .Run();

  auto line_stmt = db.Prepare(
      "INSERT INTO sale_lines (sale_id, line_no, sku, barcode, qty, unit_price, tax_rate_bp, "
      "sold_by, gross, net, tax, list_amount, discount, promotions) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  auto stock_stmt = db.Prepare(
      "INSERT INTO stock_movements (location_id, sku, qty_delta, reason, ref, created_at) "
      "VALUES (?, ?, ?, 'sale', ?, ?) ON CONFLICT (location_id, sku, reason, ref) "
      "DO UPDATE SET qty_delta = qty_delta + excluded.qty_delta");
  auto diff_stmt = db.Prepare(
      "INSERT INTO price_differences (sale_id, line_no, kind, device_amount, server_amount) "
      "VALUES (?, ?, ?, ?, ?)");
  int64_t differences = 0;
  for (size_t i = 0; i < paid.lines.size(); ++i) {
    const core::CartLine& c = paid.lines[i];
    const pricing::LineResult& p = priced->lines[i];
    const auto line_no = static_cast<int64_t>(i + 1);
    line_stmt.Reset();
    line_stmt.Bind(1, sale->sale_id)
        .Bind(2, line_no)
        .Bind(3, c.sku)
        .Bind(4, c.barcode)
        .Bind(5, c.qty)
        .Bind(6, c.unit_price)
        .Bind(7, int64_t{c.tax_rate_bp})
        .Bind(8, core::SoldByName(c.sold_by))
        .Bind(9, p.gross)
        .Bind(10, p.net)
        .Bind(11, p.tax)
        .Bind(12, p.list_amount)
        .Bind(13, p.discount)
        .Bind(14, core::ToCanonicalJson(explained["lines"][i]["promotions"]))
        .Run();
    stock_stmt.Reset();
    stock_stmt.Bind(1, op.store_id).Bind(2, c.sku).Bind(3, -c.qty).Bind(4, sale->sale_id).Bind(5, now).Run();
    const int64_t server_price = lines[i].product.price;
    if (c.unit_price != server_price && c.override_price < 0) {  // an override is the associate's price, not a drift
      diff_stmt.Reset();
      diff_stmt.Bind(1, sale->sale_id).Bind(2, line_no).Bind(3, "unit_price").Bind(4, c.unit_price).Bind(5, server_price).Run();
      ++differences;
    }
  }
  if (rules_unknown) {
    diff_stmt.Reset();
    diff_stmt.Bind(1, sale->sale_id).Bind(2, std::nullopt).Bind(3, "rules_version_unknown").Bind(4, sale->total)
        .Bind(5, server_priced.total).Run();
    ++differences;
  }
  // The store's stock moved: one change in its feed scope, so other devices can pull it.
  json movements = json::array();
  for (const core::CartLine& c : paid.lines) movements.push_back({{"sku", c.sku}, {"delta", -c.qty}});
  Store::AppendChange(db, "stock:" + op.store_id,
                      json{{"kind", "stock"}, {"op", "move"}, {"location_id", op.store_id}, {"reason", "sale"},
                           {"ref", sale->sale_id}, {"movements", std::move(movements)}}
                          .dump(),
                      now);
  auto tender_stmt = db.Prepare(
      "INSERT INTO sale_tenders (sale_id, tender_no, type, amount) VALUES (?, ?, ?, ?)");
  for (size_t i = 0; i < sale->tenders.size(); ++i) {
    tender_stmt.Reset();
    tender_stmt.Bind(1, sale->sale_id)
        .Bind(2, static_cast<int64_t>(i + 1))
        .Bind(3, sale->tenders[i].type)
        .Bind(4, sale->tenders[i].amount)
        .Run();
  }
  if (sale->total != priced->amount_due) {
    // The device's total does not add up from its own lines and rules: kept as paid, flagged.
    diff_stmt.Reset();
    diff_stmt.Bind(1, sale->sale_id).Bind(2, std::nullopt).Bind(3, "total").Bind(4, sale->total)
        .Bind(5, priced->amount_due).Run();
    ++differences;
  }
  if (!sale->drawer_session_id.empty()) {  // what the sale put in the drawer, per tender
    auto move = db.Prepare(
        "INSERT INTO drawer_movements (session_id, op_id, kind, tender, amount, reason, staff_code, device_time) "
        "VALUES (?, ?, 'sale', ?, ?, '', ?, ?)");
    int64_t change = sale->change;
    for (const core::Tender& t : sale->tenders) {
      int64_t amount = t.amount;
      if (t.type == "cash") {
        const int64_t back = std::min(change, amount);
        amount -= back;
        change -= back;
      }
      move.Reset();
      move.Bind(1, sale->drawer_session_id).Bind(2, op.op_id).Bind(3, t.type).Bind(4, amount).Bind(5, staff_code)
          .Bind(6, op.device_time).Run();
    }
  }
  json result = {{"op_id", op.op_id},
                 {"status", "applied"},
                 {"sale_id", sale->sale_id},
                 {"change", sale->change},
                 {"price_differences", differences}};
  // The customer paid: a missing or bad approval does not undo the sale, it goes to the manager.
  std::vector<std::string> needed;
  int64_t discount_bp = 0;
  for (const core::SaleLineInput& l : sale->lines) discount_bp = std::max<int64_t>(discount_bp, l.manual_discount_bp);
  if (std::any_of(sale->lines.begin(), sale->lines.end(),
                  [](const auto& l) { return !l.override_reason.empty() && l.manual_discount_bp == 0; })) {
    needed.push_back("price_override");
  }
  if (discount_bp > 0) needed.push_back("manual_discount");
  if (!sale->voided_lines.empty()) needed.push_back("void_line");
  const auto problems =
      CheckApprovals(db, op.store_id, staff_code, needed, sale->sale_id, *approvals, discount_bp);
  if (!problems.empty()) {
    RaiseException(db, op, "approval_invalid", {{"sale_id", sale->sale_id}, {"staff_code", staff_code},
                                                {"problems", problems}}, now, result);
  }
  for (const pricing::CouponResult& c : priced->coupons) {
    if (c.applied) RecordCoupon(db, op, *rules, c, sale->sale_id, now, result);
  }
  if (!sale->member_id.empty()) {
    RecordPoints(db, op, sale->member_id, sale->sale_id,
                 {{"sale_redeem", -(points ? points->redeemed_points : 0)}, {"sale_earn", points ? points->earned : 0}},
                 now, result);
  }
  RecordCapUsage(db, op, *priced, sale->member_id, sale->sale_id, now, result);
  CheckPriceDrift(db, op, *sale, lines, list, server_priced.amount_due, context, rules_cache, now, result);
  // Stock is a ledger: the sale stands even when the store's balance went below zero (two devices
  // sold the last unit offline); the manager counts or transfers.
  json negative = json::array();
  auto balance = db.Prepare("SELECT qty FROM stock_levels WHERE location_id = ? AND sku = ?");
  std::vector<std::string> checked;
  for (const core::CartLine& c : paid.lines) {
    if (c.sku.empty() || std::find(checked.begin(), checked.end(), c.sku) != checked.end()) continue;
    checked.push_back(c.sku);
    balance.Reset();
    balance.Bind(1, op.store_id).Bind(2, c.sku);
    if (balance.Step() && balance.Int(0) < 0) negative.push_back({{"sku", c.sku}, {"balance", balance.Int(0)}});
  }
  if (!negative.empty()) {
    RaiseException(db, op, "stock_negative", {{"sale_id", sale->sale_id}, {"location_id", op.store_id}, {"skus", negative}},
                   now, result);
  }
  return result;
}

// A sale as a return needs it: its priceCart request with the rules document
// it was priced with, its member and its earlier returns in order.
struct SaleForReturn {
  json request;
  std::string rules_version;  // "" = priced without rules
  std::string member_id;
  std::string currency;
  json returns = json::array();  // [{return_id, seq, store_id, items, refund, refund_money, device_time}]
};

core::Result<SaleForReturn> LoadSaleForReturn(Database& db, const std::string& sale_id) {
  auto sale = db.Prepare("SELECT member_id, pricing_request, currency FROM sales WHERE sale_id = ?");
  sale.Bind(1, sale_id);
  if (!sale.Step()) return Error::Make("unknown_sale", "no sale " + sale_id + " in the chain", "payload.sale_id");
  SaleForReturn out{json(), "", sale.Text(0), sale.Text(2)};
  if (sale.Text(1).empty()) {
    return Error::Make("sale_not_returnable", "the sale was recorded before returns were priced (schema 9)",
                       "payload.sale_id");
  }
  out.request = json::parse(sale.Text(1));
  const std::string version = out.request.value("rules_version", "");
  out.rules_version = version;
  out.request.erase("rules_version");
  if (!version.empty()) {
    auto rules = FindRules(db, version);
    if (!rules) return Error::Make("rules_version_unknown", "the sale's rules " + version + " are gone", "payload.sale_id");
    out.request["rules"] = json::parse(rules->document);
  }
  auto r = db.Prepare(
      "SELECT return_id, seq, store_id, items, refund, refund_money, device_time FROM returns "
      "WHERE sale_id = ? ORDER BY seq");
  r.Bind(1, sale_id);
  while (r.Step()) {
    out.returns.push_back({{"return_id", r.Text(0)}, {"seq", r.Int(1)}, {"store_id", r.Text(2)},
                           {"items", json::parse(r.Text(3))}, {"refund", r.Int(4)}, {"refund_money", r.Int(5)},
                           {"device_time", r.Text(6)}});
  }
  return out;
}

constexpr int64_t kLowestPriceDays = 30;

// What a return without a receipt refunds a unit at: the lowest of the
// catalog price and what any customer of the chain paid for one unit of it in
// the last kLowestPriceDays (line gross / qty, rounded down). Weighed items:
// the catalog price per kg.
int64_t LowestRecentPrice(Database& db, const Product& product, int64_t now) {
  int64_t lowest = product.price;
  if (product.sold_by != "unit") return lowest;
  auto s = db.Prepare(
      "SELECT min(l.gross / l.qty) FROM sales s CROSS JOIN sale_lines l ON l.sale_id = s.sale_id "
      "WHERE s.received_at >= ? AND l.barcode = ? AND l.qty > 0");
  s.Bind(1, now - kLowestPriceDays * 86'400).Bind(2, product.barcode);
  if (s.Step() && !s.IsNull(0)) lowest = std::min(lowest, s.Int(0));
  return lowest;
}

// Returned units back into this store's stock (a weighed line is one unit),
// one change in the store's stock feed; and the refund tenders paid out of the drawer.
void RestockReturn(Database& db, const core::Operation& op, const std::string& staff_code, const core::ReturnPayload& ret,
                   const core::Cart& units, int64_t now) {
  auto stock = db.Prepare(
      "INSERT INTO stock_movements (location_id, sku, qty_delta, reason, ref, created_at) "
      "VALUES (?, ?, ?, 'return', ?, ?) ON CONFLICT (location_id, sku, reason, ref) "
      "DO UPDATE SET qty_delta = qty_delta + excluded.qty_delta");
  json movements = json::array();
  for (const core::CartLine& line : units.lines) {
    if (line.sku.empty()) continue;
    const int64_t qty = line.sold_by == core::SoldBy::kWeight ? 1 : line.qty;
    stock.Reset();
    stock.Bind(1, op.store_id).Bind(2, line.sku).Bind(3, qty).Bind(4, ret.return_id).Bind(5, now).Run();
    movements.push_back({{"sku", line.sku}, {"delta", qty}});
  }
  Store::AppendChange(db, "stock:" + op.store_id,
                      json{{"kind", "stock"}, {"op", "move"}, {"location_id", op.store_id}, {"reason", "return"},
                           {"ref", ret.return_id}, {"movements", std::move(movements)}}
                          .dump(),
                      now);
  if (!ret.drawer_session_id.empty()) {
    auto move = db.Prepare(
        "INSERT INTO drawer_movements (session_id, op_id, kind, tender, amount, reason, staff_code, device_time) "
        "VALUES (?, ?, 'refund', ?, ?, ?, ?, ?)");
    for (const core::Tender& t : ret.tenders) {
      move.Reset();
      move.Bind(1, ret.drawer_session_id).Bind(2, op.op_id).Bind(3, t.type).Bind(4, t.amount).Bind(5, ret.reason)
          .Bind(6, staff_code).Bind(7, op.device_time).Run();
    }
  }
}

// A return without a receipt (no_receipt): each unit at the lowest price of
// the last kLowestPriceDays, priced by core (gross and tax per line), always
// with a manager's `refund` approval; stock back into this store.
core::Result<json> ApplyUnreceiptedReturn(Database& db, const core::Operation& op, const std::string& staff_code,
                                          const core::ReturnPayload& ret, const std::vector<core::Approval>& approvals,
                                          int64_t now) {
  core::Cart cart{ret.currency, {}};
  for (size_t i = 0; i < ret.lines.size(); ++i) {
    const std::string path = "payload.lines[" + std::to_string(i) + "]";
    auto product = Store::FindProduct(db, ret.lines[i].barcode);
    if (!product) return Error::Make("unknown_barcode", "no product has barcode " + ret.lines[i].barcode, path + ".barcode");
    auto sold_by = core::ParseSoldBy(product->sold_by);
    if (!sold_by) return sold_by.error();
    cart.lines.push_back(core::CartLine{.barcode = product->barcode, .sku = product->sku, .category = product->category,
                                        .brand = product->brand, .qty = ret.lines[i].qty,
                                        .unit_price = LowestRecentPrice(db, *product, now),
                                        .tax_rate_bp = product->tax_rate_bp, .sold_by = *sold_by});
  }
  auto priced = core::PriceCart(cart);
  if (!priced) return priced.error();
  json lines = core::PricedCartToJson(*priced)["lines"];
  db.Prepare(
        "INSERT INTO unreceipted_returns (return_id, op_id, store_id, device_id, staff_code, lines, refund_money, "
        "device_refund, tenders, reason, device_time, received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
      .Bind(1, ret.return_id).Bind(2, op.op_id).Bind(3, op.store_id).Bind(4, op.device_id).Bind(5, staff_code)
      .Bind(6, core::ToCanonicalJson(lines)).Bind(7, priced->total).Bind(8, ret.refund)
      .Bind(9, core::ToCanonicalJson(op.payload.value("tenders", json::array()))).Bind(10, ret.reason)
      .Bind(11, op.device_time).Bind(12, now)
      .Run();
  RestockReturn(db, op, staff_code, ret, cart, now);
  json result = {{"op_id", op.op_id}, {"status", "applied"}, {"return_id", ret.return_id},
                 {"no_receipt", true}, {"refund_money", priced->total}, {"lines", lines}};
  if (ret.refund != priced->total) {
    RaiseException(db, op, "refund_difference",
                   {{"return_id", ret.return_id}, {"device_refund", ret.refund}, {"server_refund", priced->total}}, now,
                   result);
  }
  // Without a receipt a manager approves every refund, whatever the associate's limit.
  auto problems = CheckApprovals(db, op.store_id, staff_code, {}, ret.return_id, approvals, 0, priced->total);
  if (std::none_of(approvals.begin(), approvals.end(), [](const core::Approval& a) { return a.rule == "refund"; })) {
    problems.push_back("a return without a receipt needs a manager's refund approval");
  }
  if (!problems.empty()) {
    RaiseException(db, op, "approval_invalid", {{"return_id", ret.return_id}, {"staff_code", staff_code},
                                                {"problems", problems}}, now, result);
  }
  return result;
}

// Whether a coupon template of the sale's rules is still within its window.
bool CouponStillValid(const pricing::Rules& rules, const std::string& coupon_id, int64_t now) {
  for (const pricing::Promotion& c : rules.coupons) {
    if (c.id == coupon_id) return !c.end || now < *c.end;
  }
  return false;
}

// sale.returned: units of a sale of any store come back to this store. The
// refund is priced again by core from the request the sale was priced with
// and the sale's earlier returns (docs/pricing.md, "Returns and exchanges");
// stock returns to this store, points go back and earned ones are taken
// back. The money was paid out: a device refund that differs from the
// server's, or a missing approval, goes to the manager; the return stands.
core::Result<json> ApplyReturn(Database& db, const core::Operation& op, const std::string& staff_code,
                               CompiledRulesCache& rules_cache, int64_t now) {
  auto ret = core::ParseReturnPayload(op.payload);
  if (!ret) return ret.error();
  auto approvals = core::ParseApprovals(op.payload);
  if (!approvals) return approvals.error();
  {
    auto s = db.Prepare("SELECT 1 FROM returns WHERE return_id = ? UNION ALL SELECT 1 FROM unreceipted_returns WHERE return_id = ?");
    s.Bind(1, ret->return_id).Bind(2, ret->return_id);
    if (s.Step()) {
      return Error::Make("return_id_conflict", "another operation already recorded this return_id", "payload.return_id");
    }
  }
  if (ret->no_receipt) return ApplyUnreceiptedReturn(db, op, staff_code, *ret, *approvals, now);
  auto sale = LoadSaleForReturn(db, ret->sale_id);
  if (!sale) return sale.error();
  if (sale->currency != ret->currency.code) {
    return Error::Make("return_invalid", "the sale was in " + sale->currency, "payload.currency");
  }
  const std::string member_id = sale->member_id;
  json request = std::move(sale->request);
  json earlier = json::array();
  for (const json& r : sale->returns) earlier.push_back(r["items"]);
  const int64_t seq = static_cast<int64_t>(sale->returns.size()) + 1;
  json items = json::array();
  for (const core::ReturnItem& i : ret->items) items.push_back({{"line", i.line}, {"qty", i.qty}});
  const json priced = json::parse(core::PriceReturnJson(core::ToCanonicalJson(
      json{{"sale", request}, {"earlier_returns", std::move(earlier)}, {"returning", items}})));
  if (priced.contains("error")) {
    Error e = Error::Make(priced["error"].value("code", "return_invalid"), priced["error"].value("message", ""),
                          priced["error"].value("field", ""));
    if (e.field.starts_with("returning")) e.field = "payload.items" + e.field.substr(9);
    return e;
  }
  const int64_t refund_money = priced["refund_money"].get<int64_t>();
  db.Prepare(
        "INSERT INTO returns (return_id, op_id, sale_id, seq, store_id, device_id, staff_code, items, refund, "
        "refund_money, device_refund, points_returned, points_reversed, tenders, reason, result, device_time, "
        "received_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
      .Bind(1, ret->return_id)
      .Bind(2, op.op_id)
      .Bind(3, ret->sale_id)
      .Bind(4, seq)
      .Bind(5, op.store_id)
      .Bind(6, op.device_id)
      .Bind(7, staff_code)
      .Bind(8, core::ToCanonicalJson(items))
      .Bind(9, priced["refund"].get<int64_t>())
      .Bind(10, refund_money)
      .Bind(11, ret->refund)
      .Bind(12, priced["points_returned"].get<int64_t>())
      .Bind(13, priced["points_reversed"].get<int64_t>())
      .Bind(14, core::ToCanonicalJson(op.payload.value("tenders", json::array())))
      .Bind(15, ret->reason)
      .Bind(16, core::ToCanonicalJson(priced))
      .Bind(17, op.device_time)
      .Bind(18, now)
      .Run();
  // The units come back into this store's stock (the sale may be another store's).
  core::Cart back{ret->currency, {}};
  for (const json& line : priced["lines"]) {
    back.lines.push_back(core::CartLine{.sku = line.value("sku", ""), .qty = line["qty"].get<int64_t>(),
                                        .sold_by = line["sold_by"] == "weight" ? core::SoldBy::kWeight : core::SoldBy::kUnit});
  }
  RestockReturn(db, op, staff_code, *ret, back, now);
  json result = {{"op_id", op.op_id},          {"status", "applied"},
                 {"return_id", ret->return_id}, {"sale_id", ret->sale_id},
                 {"refund", priced["refund"]},  {"refund_money", refund_money},
                 {"points_returned", priced["points_returned"]}, {"points_reversed", priced["points_reversed"]}};
  if (ret->refund != refund_money) {
    RaiseException(db, op, "refund_difference",
                   {{"return_id", ret->return_id}, {"sale_id", ret->sale_id}, {"device_refund", ret->refund},
                    {"server_refund", refund_money}},
                   now, result);
  }
  const auto problems = CheckApprovals(db, op.store_id, staff_code, {"refund"}, ret->return_id, *approvals, 0,
                                       std::max(ret->refund, refund_money));
  if (!problems.empty()) {
    RaiseException(db, op, "approval_invalid",
                   {{"return_id", ret->return_id}, {"staff_code", staff_code}, {"problems", problems}}, now, result);
  }
  // The sale's rules (its returns policy and coupon windows); none when it was priced without.
  const auto rules = sale->rules_version.empty() ? nullptr : rules_cache.Get(db, sale->rules_version);
  if (priced["fully_returned"] == true && rules != nullptr && rules->rules().restore_coupons) {
    // The sale came back whole: its single-use coupons may be used again, while still valid.
    auto restore = db.Prepare(
        "UPDATE coupon_redemptions SET restored_by = ? WHERE sale_id = ? AND restored_by = '' AND code IN "
        "(SELECT json_extract(value, '$.code') FROM json_each(?))");
    json valid = json::array();
    for (const json& c : request.value("coupons", json::array())) {
      if (CouponStillValid(rules->rules(), c.value("coupon_id", ""), now)) valid.push_back(c);
    }
    restore.Bind(1, ret->return_id).Bind(2, ret->sale_id).Bind(3, valid.dump()).Run();
    if (db.Changes() > 0) result["coupons_restored"] = db.Changes();
  }
  if (!member_id.empty()) {
    RecordPoints(db, op, member_id, ret->return_id,
                 {{"return_redeemed", priced["points_returned"].get<int64_t>()},
                  {"return_earned", -priced["points_reversed"].get<int64_t>()}},
                 now, result);
  }
  return result;
}

// drawer.opened / drawer.moved / drawer.closed (core/drawer.h). A paid-out or
// a no-sale opening without its permission or approval is refused: no
// customer has paid, the drawer must not open.
core::Result<json> ApplyDrawer(Database& db, const core::Operation& op, const std::string& staff_code, int64_t now) {
  auto drawer = core::ParseDrawerPayload(op.type, op.payload);
  if (!drawer) return drawer.error();
  auto approvals = core::ParseApprovals(op.payload);
  if (!approvals) return approvals.error();
  json result = {{"op_id", op.op_id}, {"status", "applied"}, {"session_id", drawer->session_id}};
  auto session = db.Prepare("SELECT store_id, opening_float, closed_at IS NOT NULL FROM drawer_sessions WHERE session_id = ?");
  session.Bind(1, drawer->session_id);
  const bool exists = session.Step();
  if (op.type == core::kDrawerOpened) {
    if (exists) return Error::Make("drawer_session_exists", "drawer session " + drawer->session_id + " is already open", "payload.session_id");
    db.Prepare(
          "INSERT INTO drawer_sessions (session_id, store_id, device_id, opened_by, opened_at, opening_float) "
          "VALUES (?, ?, ?, ?, ?, ?)")
        .Bind(1, drawer->session_id).Bind(2, op.store_id).Bind(3, op.device_id).Bind(4, staff_code)
        .Bind(5, op.device_time).Bind(6, drawer->amount).Run();
    return result;
  }
  if (!exists || session.Text(0) != op.store_id) {
    return Error::Make("unknown_drawer_session", "no drawer session " + drawer->session_id + " in " + op.store_id +
                                                     " (name its drawer.opened op in depends_on)", "payload.session_id");
  }
  if (session.Int(2) != 0) {
    return Error::Make("drawer_closed", "drawer session " + drawer->session_id + " is closed", "payload.session_id");
  }
  const int64_t opening_float = session.Int(1);
  if (op.type == core::kDrawerMoved) {
    std::vector<std::string> needed;
    if (drawer->kind == "paid_out" || drawer->kind == "no_sale") needed.push_back(drawer->kind);
    const auto problems = CheckApprovals(db, op.store_id, staff_code, needed, drawer->session_id, *approvals);
    if (!problems.empty()) return Error::Make("approval_required", problems.front(), "payload.approvals");
    db.Prepare(
          "INSERT INTO drawer_movements (session_id, op_id, kind, tender, amount, reason, staff_code, device_time) "
          "VALUES (?, ?, ?, 'cash', ?, ?, ?, ?)")
        .Bind(1, drawer->session_id).Bind(2, op.op_id).Bind(3, drawer->kind).Bind(4, drawer->amount)
        .Bind(5, drawer->reason).Bind(6, staff_code).Bind(7, op.device_time).Run();
    return result;
  }
  // Closed: the Z report from everything the drawer saw, against the blind count.
  const core::DrawerReport report = ComputeDrawerReport(opening_float, DrawerMovements(db, drawer->session_id),
                                                        drawer->counted);
  const json z = core::DrawerReportToJson(report, *core::FindCurrency("CNY"));
  db.Prepare("UPDATE drawer_sessions SET closed_by = ?, closed_at = ?, report = ? WHERE session_id = ?")
      .Bind(1, staff_code).Bind(2, op.device_time).Bind(3, core::ToCanonicalJson(z)).Bind(4, drawer->session_id).Run();
  result["report"] = z;
  auto limit = db.Prepare("SELECT drawer_variance_limit FROM locations WHERE location_id = ?");
  limit.Bind(1, op.store_id);
  if (limit.Step() && std::llabs(report.variance) > limit.Int(0)) {
    RaiseException(db, op, "drawer_variance", {{"session_id", drawer->session_id}, {"variance", report.variance},
                                               {"limit", limit.Int(0)}, {"closed_by", staff_code}}, now, result);
  }
  return result;
}

core::Result<json> ApplyFeedback(Database& db, const core::Operation& op, const std::string& staff_code,
                                 int64_t now) {
  auto feedback = core::ParseFeedbackPayload(op.payload);
  if (!feedback) return feedback.error();
  auto sale = db.Prepare("SELECT 1 FROM sales WHERE sale_id = ?");
  sale.Bind(1, feedback->sale_id);
  if (!sale.Step()) {
    return Error::Make("unknown_sale", "no sale " + feedback->sale_id + " (name its op in depends_on to wait for it)",
                       "payload.sale_id");
  }
  db.Prepare(
        "INSERT INTO feedback (op_id, sale_id, store_id, staff_code, rating, comment, device_time, received_at) "
        "VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
      .Bind(1, op.op_id)
      .Bind(2, feedback->sale_id)
      .Bind(3, op.store_id)
      .Bind(4, staff_code)
      .Bind(5, feedback->rating)
      .Bind(6, feedback->comment)
      .Bind(7, op.device_time)
      .Bind(8, now)
      .Run();
  return json{{"op_id", op.op_id}, {"status", "applied"}, {"sale_id", feedback->sale_id}};
}

// What one push (or the release of held ops) shares.
struct Ingest {
  Store& store;
  Database& db;
  const PushSource& source;
  CompiledRulesCache& rules_cache;
  core::HybridClock& clock;
  int64_t now;     // unix seconds
  int64_t now_ms;  // for the clock
  std::map<std::string, int64_t> seqs = {};  // device -> the highest device_seq this push answered
  // The first pass over a push applies its ops without a savepoint each (one
  // for the whole push): an op that fails then throws Redo, the pass is rolled
  // back, and the push is applied again with a savepoint per op (`careful`).
  bool careful = false;
};

// An op failed in a push's first pass (see Ingest::careful).
struct Redo {};

// Records that the server holds an answer for (device, seq). The device's
// marks move once per push (AdvanceSeqs), not once per op.
void NoteSeq(Ingest& in, const std::string& device_id, int64_t seq, const std::string& op_id) {
  in.db.Prepare("INSERT OR IGNORE INTO device_seqs (device_id, device_seq, op_id) VALUES (?, ?, ?)")
      .Bind(1, device_id).Bind(2, seq).Bind(3, op_id).Run();
  int64_t& highest = in.seqs[device_id];
  highest = std::max(highest, seq);
}

// At the end of a push: each device's highest seq, and its contiguous mark
// moved past every seq the server now holds (one ordered read up to the first gap).
void AdvanceSeqs(Ingest& in) {
  for (const auto& [device_id, highest] : in.seqs) {
    in.db.Prepare(
          "INSERT INTO device_progress (device_id, contiguous, highest, last_push) VALUES (?, 0, ?, ?) "
          "ON CONFLICT (device_id) DO UPDATE SET highest = max(highest, excluded.highest), last_push = excluded.last_push")
        .Bind(1, device_id).Bind(2, highest).Bind(3, in.now).Run();
    auto get = in.db.Prepare("SELECT contiguous FROM device_progress WHERE device_id = ?");
    get.Bind(1, device_id);
    get.Step();
    const int64_t before = get.Int(0);
    int64_t contiguous = before;
    auto held = in.db.Prepare("SELECT device_seq FROM device_seqs WHERE device_id = ? AND device_seq > ? ORDER BY device_seq");
    held.Bind(1, device_id).Bind(2, contiguous);
    while (held.Step() && held.Int(0) <= contiguous + 1) contiguous = held.Int(0);
    if (contiguous != before) {
      in.db.Prepare("UPDATE device_progress SET contiguous = ? WHERE device_id = ?").Bind(1, contiguous).Bind(2, device_id).Run();
    }
  }
  in.seqs.clear();
}

std::string RoleOf(Database& db, const std::string& store_id, const std::string& staff_code) {
  auto s = db.Prepare("SELECT role FROM staff WHERE store_id = ? AND staff_code = ?");
  s.Bind(1, store_id).Bind(2, staff_code);
  return s.Step() ? s.Text(0) : "";
}

// The audit entry of an op the server applied, or of one it refused.
void AuditOp(Ingest& in, const json& raw, const core::Operation* op, const json& result) {
  const auto text = [&](const char* key) {
    return raw.is_object() && raw.contains(key) && raw[key].is_string() ? raw[key].get<std::string>().substr(0, 64)
                                                                       : std::string();
  };
  AuditEntry e;
  e.store_id = op ? op->store_id : in.source.session.store_id;
  e.actor = op && !op->staff_id.empty() ? op->staff_id : in.source.session.staff_code;
  // The session's role when the session's staff acted (nearly always): no query in the hot path.
  e.role = e.actor == in.source.session.staff_code && e.store_id == in.source.session.store_id
               ? in.source.session.role
               : RoleOf(in.db, e.store_id, e.actor);
  e.device_id = op ? op->device_id : text("device_id");
  e.device_time = op ? op->device_time : text("device_time");
  e.hlc = op ? core::FormatHlc(op->hlc) : text("hlc");
  e.at_ms = in.now_ms;
  e.action = result["status"] == "rejected" ? "op.rejected" : op->type;
  e.object = "op:" + text("op_id");
  e.after = result;
  if (op && op->type == core::kSaleCompleted && result["status"] != "rejected") {
    e.object = "sale:" + result.value("sale_id", std::string());
    json tenders = json::array();
    for (const json& t : op->payload.value("tenders", json::array())) tenders.push_back(t);
    e.after = {{"total", op->payload.value("total", json(nullptr))}, {"tenders", std::move(tenders)},
               {"lines", op->payload.value("lines", json::array()).size()}, {"status", result["status"]}};
  }
  if (op && op->type.starts_with("drawer.") && result["status"] != "rejected") {
    e.object = "drawer:" + result.value("session_id", std::string());
  }
  if (op && op->payload.is_object() && op->payload.contains("approvals")) e.approval = op->payload["approvals"];
  in.store.Audit(in.db, e);
}

// op: the parsed op, or nullptr when it did not parse.
json Rejection(Ingest& in, const json& raw, const core::Operation* op, const Error& error) {
  Database& db = in.db;
  const int64_t now = in.now;
  const std::string op_id =
      raw.is_object() && raw.contains("op_id") && raw["op_id"].is_string() ? raw["op_id"].get<std::string>() : "";
  // Remembered when the op says who sent it, so the refused seq is not reported as a gap.
  if (core::IsUuid(op_id) && raw.contains("device_id") && raw["device_id"].is_string() &&
      raw.contains("device_seq") && raw["device_seq"].is_number_integer() && raw["device_seq"].get<int64_t>() > 0 &&
      raw["device_seq"].get<int64_t>() <= core::kMaxDeviceSeq) {
    const std::string device = raw["device_id"].get<std::string>().substr(0, 64);
    const int64_t seq = raw["device_seq"].get<int64_t>();
    db.Prepare(
          "INSERT OR IGNORE INTO rejected_ops (op_id, device_id, device_seq, code, message, field, received_at) "
          "VALUES (?, ?, ?, ?, ?, ?, ?)")
        .Bind(1, op_id).Bind(2, device).Bind(3, seq).Bind(4, error.code).Bind(5, error.message).Bind(6, error.field)
        .Bind(7, now).Run();
    NoteSeq(in, device, seq, op_id);
  }
  const json rejected = Rejected(op_id, error);
  AuditOp(in, raw, op, rejected);
  return rejected;
}

bool OpStored(Database& db, const std::string& op_id) {
  auto s = db.Prepare("SELECT 1 FROM ops WHERE op_id = ?");
  s.Bind(1, op_id);
  return s.Step();
}

void ReleaseHeld(Ingest& in, const std::string& applied_op_id);

// Applies a parsed op whose dependencies are all stored: its savepoint, its
// rows, its ops row; then any held op that waited for it.
json ApplyReady(Ingest& in, const core::Operation& op, const json& raw, const std::string& staff_code) {
  core::Result<json> result = json();
  {
    std::optional<Savepoint> savepoint;
    if (in.careful) savepoint.emplace(in.db, "op");
    if (op.type == core::kSaleCompleted) {
      result = ApplySale(in.db, op, staff_code, in.rules_cache, in.now);
    } else if (op.type == core::kSaleReturned) {
      result = ApplyReturn(in.db, op, staff_code, in.rules_cache, in.now);
    } else if (op.type == core::kFeedbackGiven) {
      result = ApplyFeedback(in.db, op, staff_code, in.now);
    } else {
      result = ApplyDrawer(in.db, op, staff_code, in.now);
    }
    if (result && in.source.revoked) {  // a paid sale from a revoked device: kept, and shown to the manager
      RaiseException(in.db, op, "device_revoked",
                     {{"device_id", op.device_id}, {"sale_id", (*result).value("sale_id", "")}, {"staff_code", staff_code}},
                     in.now, *result);
    }
    if (result) {
      const core::Hlc server_hlc = in.clock.Receive(op.hlc, in.now_ms);
      in.db.Prepare(
            "INSERT INTO ops (op_id, type, version, store_id, device_id, staff_code, device_seq, device_time, hlc, "
            "server_hlc, received_at, canonical, result) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
          .Bind(1, op.op_id)
          .Bind(2, op.type)
          .Bind(3, op.version)
          .Bind(4, op.store_id)
          .Bind(5, op.device_id)
          .Bind(6, staff_code)
          .Bind(7, op.device_seq)
          .Bind(8, op.device_time)
          .Bind(9, core::FormatHlc(op.hlc))
          .Bind(10, core::FormatHlc(server_hlc))
          .Bind(11, in.now)
          .Bind(12, op.canonical)
          .Bind(13, core::ToCanonicalJson(*result))
          .Run();
      NoteSeq(in, op.device_id, op.device_seq, op.op_id);
      AuditOp(in, raw, &op, *result);
      if (savepoint) savepoint->Release();
    }
  }  // a failed op's savepoint rolls back here
  if (!result && !in.careful) throw Redo{};  // what it wrote is undone with the whole first pass
  if (!result) return Rejection(in, raw, &op, result.error());
  ReleaseHeld(in, op.op_id);
  return *result;
}

// Held ops that waited for `applied_op_id` and now have everything they need.
void ReleaseHeld(Ingest& in, const std::string& applied_op_id) {
  std::vector<std::string> ready;
  {
    auto waiting = in.db.Prepare("SELECT op_id FROM held_waits WHERE waiting_for = ?");
    waiting.Bind(1, applied_op_id);
    while (waiting.Step()) ready.push_back(waiting.Text(0));
  }
  in.db.Prepare("DELETE FROM held_waits WHERE waiting_for = ?").Bind(1, applied_op_id).Run();
  for (const std::string& op_id : ready) {
    auto left = in.db.Prepare("SELECT 1 FROM held_waits WHERE op_id = ?");
    left.Bind(1, op_id);
    if (left.Step()) continue;  // still waits for another
    auto held = in.db.Prepare("SELECT raw, staff_code FROM held_ops WHERE op_id = ?");
    held.Bind(1, op_id);
    if (!held.Step()) continue;
    const json raw = json::parse(held.Text(0));
    const std::string staff_code = held.Text(1);
    in.db.Prepare("DELETE FROM held_ops WHERE op_id = ?").Bind(1, op_id).Run();
    auto op = core::ParseOperation(raw);  // it parsed when it was held
    if (op) ApplyReady(in, *op, raw, staff_code);
  }
}

json ApplyOne(Ingest& in, const json& raw) {
  const Session& session = in.source.session;
  auto op = core::ParseOperation(raw);
  if (!op) return Rejection(in, raw, nullptr, op.error());

  if (auto stored = Store::FindOp(in.db, op->op_id)) {
    if (stored->canonical != op->canonical) {
      return Rejected(op->op_id, Error::Make("op_id_conflict",
                                             "this op_id was already used for a different operation",
                                             "op_id"));
    }
    return json{{"op_id", op->op_id}, {"status", "duplicate"}, {"first", json::parse(stored->result)}};
  }
  if (op->store_id != session.store_id) {
    return Rejection(in, raw, &*op,
                     Error::Make("store_mismatch", "signed in to " + session.store_id + ", not " + op->store_id,
                                 "store_id"));
  }
  if (in.source.credentialed && op->device_id != session.device_id) {
    return Rejection(in, raw, &*op, Error::Make("device_mismatch", "a device pushes its own operations only", "device_id"));
  }
  if (op->type != core::kSaleCompleted && op->type != core::kSaleReturned && op->type != core::kFeedbackGiven &&
      op->type != core::kDrawerOpened &&
      op->type != core::kDrawerMoved && op->type != core::kDrawerClosed) {
    return Rejection(in, raw, &*op, Error::Make("unsupported_op_type", "unknown operation type '" + op->type + "'", "type"));
  }
  if (in.source.revoked && op->type != core::kSaleCompleted) {
    return Rejection(in, raw, &*op, Error::Make("device_revoked", "this device was revoked; only its paid sales are taken"));
  }
  const std::string staff_code = op->staff_id.empty() ? session.staff_code : op->staff_id;

  std::vector<std::string> missing;
  for (const std::string& d : op->depends_on) {
    if (!OpStored(in.db, d)) missing.push_back(d);
  }
  if (!missing.empty()) {
    const json result = {{"op_id", op->op_id}, {"status", "held"}, {"waiting_for", missing}};
    in.db.Prepare(
          "INSERT INTO held_ops (op_id, device_id, staff_code, raw, result, received_at) VALUES (?, ?, ?, ?, ?, ?)")
        .Bind(1, op->op_id).Bind(2, op->device_id).Bind(3, staff_code).Bind(4, op->canonical)
        .Bind(5, core::ToCanonicalJson(result)).Bind(6, in.now).Run();
    auto wait = in.db.Prepare("INSERT OR IGNORE INTO held_waits (op_id, waiting_for) VALUES (?, ?)");
    for (const std::string& d : missing) {
      wait.Reset();
      wait.Bind(1, op->op_id).Bind(2, d).Run();
    }
    NoteSeq(in, op->device_id, op->device_seq, op->op_id);
    return result;
  }
  return ApplyReady(in, *op, raw, staff_code);
}

}  // namespace

core::Result<json> PushOperations(Store& store, const json& body, const PushSource& source,
                                  CompiledRulesCache& rules_cache, core::HybridClock& clock) {
  if (!body.is_object()) return core::WrongType("(body)", "an object");
  auto ops = core::ReadArray(body, "ops", "");
  if (!ops) return ops.error();
  if ((*ops)->size() > kMaxOpsPerPush) {
    return Error::Make("batch_too_large", "at most 500 operations per push", "ops");
  }
  json results = json::array();
  std::string stamp;
  store.WithGroupedTransaction([&](Database& db) {
    const auto wall = std::chrono::system_clock::now().time_since_epoch();
    Ingest in{store, db, source, rules_cache, clock, UnixNow(),
              std::chrono::duration_cast<std::chrono::milliseconds>(wall).count()};
    // Nearly every push applies whole: one savepoint for all its ops rather than one each (whose
    // journal copies every page an op first touches: docs/benchmarks.md, "Drain").
    try {
      Savepoint pass(db, "push");
      for (const json& raw : **ops) results.push_back(ApplyOne(in, raw));
      pass.Release();
    } catch (const Redo&) {
      results = json::array();
      in.seqs.clear();
      in.careful = true;
      for (const json& raw : **ops) results.push_back(ApplyOne(in, raw));
    }
    AdvanceSeqs(in);
    stamp = core::FormatHlc(clock.Now(in.now_ms));  // sending the answer is an event too
  });
  // The server's clock: devices move their own past it.
  return json{{"results", std::move(results)}, {"hlc", stamp}};
}

json DeviceSyncStatus(Store& store, const std::string& device_id) {
  json out = {{"device_id", device_id}, {"contiguous", 0}, {"highest", 0}, {"last_push", nullptr},
              {"missing", json::array()}, {"held", json::array()}, {"rejected", json::array()}};
  store.WithConnection([&](Database& db) {
    auto progress = db.Prepare("SELECT contiguous, highest, last_push FROM device_progress WHERE device_id = ?");
    progress.Bind(1, device_id);
    if (!progress.Step()) return;
    const int64_t contiguous = progress.Int(0);
    const int64_t highest = progress.Int(1);
    out["contiguous"] = contiguous;
    out["highest"] = highest;
    out["last_push"] = IsoTime(progress.Int(2));
    // Gaps: runs of seqs above the contiguous mark that nothing answered yet (first 100).
    auto seqs = db.Prepare(
        "SELECT DISTINCT device_seq FROM device_seqs WHERE device_id = ? AND device_seq > ? ORDER BY device_seq");
    seqs.Bind(1, device_id).Bind(2, contiguous);
    int64_t expected = contiguous + 1;
    while (seqs.Step() && out["missing"].size() < 100) {
      const int64_t seq = seqs.Int(0);
      if (seq > expected) out["missing"].push_back({{"from", expected}, {"to", seq - 1}});
      expected = seq + 1;
    }
    auto held = db.Prepare(
        "SELECT h.op_id, s.device_seq, h.result FROM held_ops h JOIN device_seqs s ON s.op_id = h.op_id "
        "WHERE h.device_id = ? ORDER BY s.device_seq LIMIT 100");
    held.Bind(1, device_id);
    while (held.Step()) {
      out["held"].push_back({{"op_id", held.Text(0)}, {"device_seq", held.Int(1)},
                             {"waiting_for", json::parse(held.Text(2))["waiting_for"]}});
    }
    auto rejected = db.Prepare(
        "SELECT op_id, device_seq, code, message, field FROM rejected_ops WHERE device_id = ? "
        "ORDER BY device_seq LIMIT 100");
    rejected.Bind(1, device_id);
    while (rejected.Step()) {
      out["rejected"].push_back({{"op_id", rejected.Text(0)}, {"device_seq", rejected.Int(1)},
                                 {"error", {{"code", rejected.Text(2)}, {"message", rejected.Text(3)},
                                            {"field", rejected.Text(4)}}}});
    }
  });
  return out;
}

std::optional<json> LoadSale(Store& store, const std::string& sale_id) {
  std::optional<json> out;
  store.WithConnection([&](Database& db) {
    auto s = db.Prepare(
        "SELECT sale_id, op_id, store_id, device_id, staff_code, currency, total, net, tax, "
        "tendered, change_due, server_total, device_time, received_at, rules_version, member_tier, discount, "
        "adjustments FROM sales WHERE sale_id = ?");
    s.Bind(1, sale_id);
    if (!s.Step()) return;
    json sale = {{"sale_id", s.Text(0)},   {"op_id", s.Text(1)},        {"store_id", s.Text(2)},
                 {"device_id", s.Text(3)}, {"staff_code", s.Text(4)},   {"currency", s.Text(5)},
                 {"total", s.Int(6)},      {"net", s.Int(7)},           {"tax", s.Int(8)},
                 {"tendered", s.Int(9)},   {"change", s.Int(10)},       {"server_total", s.Int(11)},
                 {"device_time", s.Text(12)}, {"received_at", IsoTime(s.Int(13))},
                 {"rules_version", s.Text(14)}, {"member_tier", s.Text(15)}, {"discount", s.Int(16)},
                 {"adjustments", json::parse(s.Text(17))}};
    json lines = json::array();
    auto l = db.Prepare(
        "SELECT line_no, sku, barcode, qty, unit_price, tax_rate_bp, sold_by, gross, net, tax, list_amount, "
        "discount, promotions FROM sale_lines WHERE sale_id = ? ORDER BY line_no");
    l.Bind(1, sale_id);
    while (l.Step()) {
      lines.push_back({{"line_no", l.Int(0)}, {"sku", l.Text(1)}, {"barcode", l.Text(2)},
                       {"qty", l.Int(3)}, {"unit_price", l.Int(4)}, {"tax_rate_bp", l.Int(5)},
                       {"sold_by", l.Text(6)}, {"gross", l.Int(7)}, {"net", l.Int(8)}, {"tax", l.Int(9)},
                       {"list_amount", l.Int(10)}, {"discount", l.Int(11)}, {"promotions", json::parse(l.Text(12))}});
    }
    json tenders = json::array();
    auto t = db.Prepare("SELECT type, amount FROM sale_tenders WHERE sale_id = ? ORDER BY tender_no");
    t.Bind(1, sale_id);
    while (t.Step()) tenders.push_back({{"type", t.Text(0)}, {"amount", t.Int(1)}});
    json diffs = json::array();
    auto d = db.Prepare(
        "SELECT line_no, kind, device_amount, server_amount FROM price_differences "
        "WHERE sale_id = ? ORDER BY id");
    d.Bind(1, sale_id);
    while (d.Step()) {
      diffs.push_back({{"line_no", d.IsNull(0) ? json(nullptr) : json(d.Int(0))}, {"kind", d.Text(1)},
                       {"device_amount", d.Int(2)}, {"server_amount", d.Int(3)}});
    }
    sale["lines"] = std::move(lines);
    sale["tenders"] = std::move(tenders);
    sale["price_differences"] = std::move(diffs);
    // What a return needs: the request to price it with (priceReturn's "sale") and the returns so far.
    if (auto r = LoadSaleForReturn(db, sale_id)) {
      sale["member_id"] = r->member_id;
      sale["return_request"] = std::move(r->request);
      sale["returns"] = std::move(r->returns);
    } else {
      sale["returns"] = json::array();
    }
    out = std::move(sale);
  });
  return out;
}

std::optional<json> LowestPrice(Store& store, const std::string& barcode) {
  std::optional<json> out;
  store.WithConnection([&](Database& db) {
    auto product = Store::FindProduct(db, barcode);
    if (!product) return;
    out = json{{"barcode", product->barcode}, {"sku", product->sku},         {"sold_by", product->sold_by},
               {"price", LowestRecentPrice(db, *product, UnixNow())},   {"catalog_price", product->price},
               {"days", kLowestPriceDays}};
  });
  return out;
}

}  // namespace aisle::server
