#include "server/sale_service.h"

#include "core/cart.h"
#include "core/cart_json.h"
#include "core/operation.h"
#include "core/pricing/engine.h"

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

// A sale line with what the server knows about its product.
struct ResolvedLine {
  core::SaleLineInput input;
  Product product;
};

// Writes the sale (rows, lines, tenders, stock movements, price differences)
// and returns the result of the operation. Runs inside the op's savepoint.
core::Result<json> ApplySale(Database& db, const core::Operation& op, const std::string& staff_code,
                             CompiledRulesCache& rules_cache, int64_t now) {
  auto sale = core::ParseSalePayload(op.payload);
  if (!sale) return sale.error();

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
      auto latest = FindRules(db, "");
      rules = latest ? rules_cache.Get(db, latest->version) : nullptr;
      if (rules == nullptr) rules = kNoRules;
    }
  }
  pricing::Context context;
  const auto priced_at = pricing::ParseInstant(sale->priced_at.empty() ? op.device_time : sale->priced_at);
  context.now = priced_at ? *priced_at : now;
  context.store_id = op.store_id;
  context.member_tier = sale->member_tier;

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
  auto server_priced = pricing::PriceWithRules(list, *rules, context);
  if (!server_priced) return server_priced.error();
  const core::Json explained = core::PricingResultToJson(paid, *priced, nullptr);

  db.Prepare(
        "INSERT INTO sales (sale_id, op_id, store_id, device_id, staff_code, currency, total, net, "
        "tax, tendered, change_due, server_total, device_time, received_at, rules_version, member_tier, "
        "discount, adjustments) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
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
      .Bind(12, server_priced->amount_due)
      .Bind(13, op.device_time)
      .Bind(14, now)
      .Bind(15, sale->rules_version)
      .Bind(16, sale->member_tier)
      .Bind(17, priced->discount)
      .Bind(18, core::ToCanonicalJson(explained["adjustments"]))
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
    if (c.unit_price != server_price) {
      diff_stmt.Reset();
      diff_stmt.Bind(1, sale->sale_id).Bind(2, line_no).Bind(3, "unit_price").Bind(4, c.unit_price).Bind(5, server_price).Run();
      ++differences;
    }
  }
  if (rules_unknown) {
    diff_stmt.Reset();
    diff_stmt.Bind(1, sale->sale_id).Bind(2, std::nullopt).Bind(3, "rules_version_unknown").Bind(4, sale->total)
        .Bind(5, server_priced->total).Run();
    ++differences;
  }
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
  return json{{"op_id", op.op_id},
              {"status", "applied"},
              {"sale_id", sale->sale_id},
              {"change", sale->change},
              {"price_differences", differences}};
}

json ApplyOne(Database& db, const json& raw, const Session& session, CompiledRulesCache& rules_cache,
              int64_t now) {
  const std::string raw_id =
      raw.is_object() && raw.contains("op_id") && raw["op_id"].is_string() ? raw["op_id"].get<std::string>() : "";
  auto op = core::ParseOperation(raw);
  if (!op) return Rejected(raw_id, op.error());

  if (auto stored = Store::FindOp(db, op->op_id)) {
    if (stored->canonical != op->canonical) {
      return Rejected(op->op_id, Error::Make("op_id_conflict",
                                             "this op_id was already used for a different operation",
                                             "op_id"));
    }
    return json{{"op_id", op->op_id}, {"status", "duplicate"}, {"first", json::parse(stored->result)}};
  }
  if (op->store_id != session.store_id) {
    return Rejected(op->op_id, Error::Make("store_mismatch",
                                           "signed in to " + session.store_id + ", not " + op->store_id,
                                           "store_id"));
  }
  if (op->type != core::kSaleCompleted) {
    return Rejected(op->op_id, Error::Make("unsupported_op_type", "unknown operation type '" + op->type + "'", "type"));
  }
  // The staff who made the sale, when the device says (future envelope field), else the signed-in one.
  auto staff = core::ReadOptionalString(raw, "staff_id", "");
  if (!staff) return Rejected(op->op_id, staff.error());
  const std::string staff_code = staff->value_or(session.staff_code);

  Savepoint savepoint(db, "op");
  auto result = ApplySale(db, *op, staff_code, rules_cache, now);
  if (!result) return Rejected(op->op_id, result.error());  // savepoint rolls back
  db.Prepare(
        "INSERT INTO ops (op_id, type, store_id, device_id, staff_code, device_time, received_at, "
        "canonical, result) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
      .Bind(1, op->op_id)
      .Bind(2, op->type)
      .Bind(3, op->store_id)
      .Bind(4, op->device_id)
      .Bind(5, staff_code)
      .Bind(6, op->device_time)
      .Bind(7, now)
      .Bind(8, op->canonical)
      .Bind(9, core::ToCanonicalJson(*result))
      .Run();
  savepoint.Release();
  return *result;
}

}  // namespace

core::Result<json> PushOperations(Store& store, const json& body, const Session& session,
                                  CompiledRulesCache& rules_cache) {
  if (!body.is_object()) return core::WrongType("(body)", "an object");
  auto ops = core::ReadArray(body, "ops", "");
  if (!ops) return ops.error();
  if ((*ops)->size() > kMaxOpsPerPush) {
    return Error::Make("batch_too_large", "at most 500 operations per push", "ops");
  }
  json results = json::array();
  const int64_t now = UnixNow();
  store.WithTransaction([&](Database& db) {
    for (const json& raw : **ops) results.push_back(ApplyOne(db, raw, session, rules_cache, now));
  });
  return json{{"results", std::move(results)}};
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
    out = std::move(sale);
  });
  return out;
}

}  // namespace aisle::server
