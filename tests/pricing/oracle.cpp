// The brute-force oracle (see oracle.h). How it enumerates:
//
// - Units are expanded in cart order (a weighed line is one unit); a unit's
//   state is its current price and the set of promotions touching it. Where
//   order decides a tie, units are put in the specification's unit order.
// - Layer 1: the active layer-1 promotions in application order (priority,
//   then id). For each, Successors() lists every candidate application (every
//   tuple of distinct units in scope that the stacking rules allow against the
//   promotions already on them: a single unit, a (buy+get)- or count-subset,
//   or one unit per bundle group) and every set of pairwise disjoint
//   candidates within max_applications / remaining_units, including the empty
//   set, applies it and collects the resulting states.
// - Best(k, state) is the least total over all completions; it is memoised on
//   (k, the exact per-unit state vector). That is exact: everything after
//   promotion k depends on the per-unit prices and touch sets only (caps are
//   per promotion, and promotions before k never act again).
// - Leaves: every subset of the layer-2/3 promotions, applied in order, each
//   taking every unit it may take at that point; the total of each is computed
//   and the least kept.
#include "tests/pricing/oracle.h"

#include <algorithm>
#include <cstddef>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "core/money.h"

namespace aisle::oracle {
namespace {

using Json = nlohmann::json;
using core::RoundingMode;

[[noreturn]] void Fail(const std::string& what) { throw std::runtime_error("oracle: " + what); }

int64_t Ok(const core::Result<int64_t>& r) {
  if (!r) Fail("money: " + r.error().code);
  return *r;
}

// round_half_up(a * b / den)
int64_t RoundHalfUp(int64_t a, int64_t b, int64_t den) {
  return Ok(core::MulDiv(a, b, den, RoundingMode::kHalfUp));
}

std::vector<int64_t> Spread(int64_t amount, const std::vector<int64_t>& weights) {
  auto parts = core::Allocate(amount, weights);
  if (!parts) Fail("allocate: " + parts.error().code);
  return *parts;
}

// ---- time ---------------------------------------------------------------

int64_t DaysFromCivil(int64_t y, int64_t m, int64_t d) {
  y -= m <= 2 ? 1 : 0;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const int64_t yoe = y - era * 400;
  const int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + doe - 719468;
}

// "2026-11-24T10:00:00Z" -> seconds since the epoch.
int64_t ParseInstant(const std::string& s) {
  if (s.size() != 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' || s[13] != ':' ||
      s[16] != ':' || s[19] != 'Z') {
    Fail("bad instant " + s);
  }
  const auto num = [&](size_t pos, size_t len) {
    int64_t v = 0;
    for (size_t i = pos; i < pos + len; ++i) {
      if (s[i] < '0' || s[i] > '9') Fail("bad instant " + s);
      v = v * 10 + (s[i] - '0');
    }
    return v;
  };
  return DaysFromCivil(num(0, 4), num(5, 2), num(8, 2)) * 86400 + num(11, 2) * 3600 +
         num(14, 2) * 60 + num(17, 2);
}

bool Has(const Json& obj, const char* key) {
  return obj.is_object() && obj.contains(key) && !obj.at(key).is_null();
}

// start <= now < end, each optional.
bool InWindow(const Json& obj, int64_t now) {
  if (Has(obj, "start") && ParseInstant(obj.at("start").get<std::string>()) > now) return false;
  if (Has(obj, "end") && !(now < ParseInstant(obj.at("end").get<std::string>()))) return false;
  return true;
}

// "stores" absent or empty = every store.
bool InStores(const Json& obj, const std::optional<std::string>& store) {
  if (!Has(obj, "stores") || obj.at("stores").empty()) return true;
  if (!store) return false;
  for (const Json& s : obj.at("stores")) {
    if (s.get<std::string>() == *store) return true;
  }
  return false;
}

// ---- the cart -------------------------------------------------------------

struct Line {
  std::string sku, category, brand;
  int64_t tax_rate_bp = 0;
  bool overridden = false;
};

bool Listed(const Json& scope, const char* key, const std::string& value) {
  if (!Has(scope, key)) return false;
  for (const Json& v : scope.at(key)) {
    if (v.get<std::string>() == value) return true;
  }
  return false;
}

// A unit matches a scope when its SKU, category or brand is listed (or "all": true).
bool Matches(const Json& scope, const Line& line, bool allow_all) {
  if (!scope.is_object()) return false;
  if (allow_all && Has(scope, "all") && scope.at("all").is_boolean() && scope.at("all").get<bool>()) {
    return true;
  }
  return Listed(scope, "skus", line.sku) || Listed(scope, "categories", line.category) ||
         Listed(scope, "brands", line.brand);
}

// ---- promotions -------------------------------------------------------------

enum class Stack { kStackable, kExclusive, kGroup };

struct Promo {
  std::string id;
  std::string type;
  int layer = 1;
  int64_t priority = 0;
  Stack stack = Stack::kStackable;
  std::string group;
  std::optional<int64_t> max_applications;
  std::optional<int64_t> remaining_units;
  bool no_threshold = false;
  std::vector<bool> in_scope;               // per unit (not bundles)
  std::vector<std::vector<bool>> in_group;  // bundles: per group, per unit
  Json raw;
  int64_t member_bp = 0;  // member_tier: the customer's tier's bp
};

int LayerOf(const std::string& type) {
  if (type == "percent_off" || type == "amount_off" || type == "fixed_price" ||
      type == "flash_sale" || type == "buy_x_get_y" || type == "bundle" || type == "mix_match") {
    return 1;
  }
  if (type == "member_tier") return 2;
  if (type == "threshold_amount" || type == "threshold_percent") return 3;
  if (type == "coupon_amount" || type == "coupon_percent" || type == "coupon_threshold") return 4;
  Fail("unknown promotion type " + type);
}

// A unit's state: its current price and the promotions (bit = index in the
// ordered promotion list) that touch it.
struct UnitState {
  int64_t price = 0;
  uint64_t touched = 0;
  friend auto operator<=>(const UnitState&, const UnitState&) = default;
};
using State = std::vector<UnitState>;

class Oracle {
 public:
  Oracle(const Json& request, uint64_t budget) : budget_(budget) { Load(request); }

  OracleResult Run() {
    OracleResult r;
    r.units = static_cast<int>(unit_line_.size());
    State start(unit_line_.size());
    for (size_t u = 0; u < start.size(); ++u) start[u].price = base_price_[u];
    r.list_total = Total(start);
    for (size_t u = 0; u < start.size(); ++u) {
      int n = 0;
      for (const Promo& p : promos_) {
        bool in = !p.in_scope.empty() && p.in_scope[u];
        for (const auto& g : p.in_group) in = in || g[u];
        n += in ? 1 : 0;
      }
      r.max_overlap = std::max(r.max_overlap, n);
    }
    r.total = Best(0, start);
    r.leaves = leaves_;
    // One best choice, for people: each unit's final price and promotions.
    State s = start;
    for (size_t k = 0; k < layer1_.size(); ++k) s = memo_[k].at(s).second;
    uint64_t mask = 0;
    BestLater(s, &mask);
    s = Later(s, mask);
    r.explanation = nlohmann::json::array();
    for (size_t u = 0; u < s.size(); ++u) {
      nlohmann::json ids = nlohmann::json::array();
      for (size_t p = 0; p < promos_.size(); ++p) {
        if (s[u].touched & (uint64_t{1} << p)) ids.push_back(promos_[p].id);
      }
      r.explanation.push_back({{"line", unit_line_[u]}, {"list", base_price_[u]},
                               {"price", s[u].price}, {"promotions", ids}});
    }
    return r;
  }

 private:
  // ---- loading ----
  void Load(const Json& req) {
    const Json& rules = req.at("rules");
    const Json& ctx = req.at("context");
    const int64_t now = ParseInstant(ctx.at("now").get<std::string>());
    std::optional<std::string> store;
    if (Has(ctx, "store_id")) store = ctx.at("store_id").get<std::string>();
    std::optional<std::string> tier;
    if (Has(ctx, "member_tier")) tier = ctx.at("member_tier").get<std::string>();
    exclusive_tax_ = Has(rules, "tax_mode") && rules.at("tax_mode").get<std::string>() == "exclusive";
    if (Has(rules, "tax_mode") && !exclusive_tax_ &&
        rules.at("tax_mode").get<std::string>() != "inclusive") {
      Fail("bad tax_mode");
    }

    // Lines and units, with their price sources.
    const Json& lines = req.at("lines");
    for (size_t i = 0; i < lines.size(); ++i) {
      const Json& l = lines[i];
      Line line;
      if (Has(l, "sku")) line.sku = l.at("sku").get<std::string>();
      if (Has(l, "category")) line.category = l.at("category").get<std::string>();
      if (Has(l, "brand")) line.brand = l.at("brand").get<std::string>();
      line.tax_rate_bp = l.at("tax_rate_bp").get<int64_t>();
      int64_t price = l.at("unit_price").get<int64_t>();
      // 2. the price list entry that applies: latest start (absent = earliest), then the earlier entry.
      if (Has(rules, "price_list") && !line.sku.empty()) {
        const Json* best = nullptr;
        std::optional<int64_t> best_start;
        for (const Json& e : rules.at("price_list")) {
          if (e.at("sku").get<std::string>() != line.sku) continue;
          if (!InWindow(e, now) || !InStores(e, store)) continue;
          std::optional<int64_t> st;
          if (Has(e, "start")) st = ParseInstant(e.at("start").get<std::string>());
          // Strictly later start replaces; equal keeps the earlier entry.
          const bool later = best == nullptr || (st.has_value() && (!best_start || *st > *best_start));
          if (later) {
            best = &e;
            best_start = st;
          }
        }
        if (best != nullptr) price = best->at("price").get<int64_t>();
      }
      // 3. the member price for the customer's tier, if lower.
      if (Has(rules, "member_prices") && tier && !line.sku.empty()) {
        for (const Json& e : rules.at("member_prices")) {
          if (e.at("sku").get<std::string>() != line.sku) continue;
          if (e.at("tier").get<std::string>() != *tier) continue;
          const int64_t mp = e.at("price").get<int64_t>();
          if (mp < price) price = mp;
        }
      }
      // 4. the override.
      if (Has(l, "override_price")) {
        if (!Has(l, "override_reason") || l.at("override_reason").get<std::string>().empty()) {
          Fail("override without reason");
        }
        price = l.at("override_price").get<int64_t>();
        line.overridden = true;
      }
      const bool weighed = Has(l, "sold_by") && l.at("sold_by").get<std::string>() == "weight";
      const int64_t qty = l.at("qty").get<int64_t>();
      if (weighed) {
        unit_line_.push_back(i);
        base_price_.push_back(RoundHalfUp(qty, price, 1000));
      } else {
        for (int64_t k = 0; k < qty; ++k) {
          unit_line_.push_back(i);
          base_price_.push_back(price);
        }
      }
      lines_.push_back(line);
    }

    // Active promotions, in application order: layer, then priority, then id.
    for (const Json& p : rules.value("promotions", Json::array())) {
      Promo promo;
      promo.raw = p;
      promo.id = p.at("id").get<std::string>();
      promo.type = p.at("type").get<std::string>();
      promo.layer = LayerOf(promo.type);
      if (!InWindow(p, now) || !InStores(p, store)) continue;
      if (p.value("member_only", false) && !tier) continue;
      if (promo.type == "member_tier") {
        if (!tier || !p.at("tiers").contains(*tier)) continue;
        promo.member_bp = p.at("tiers").at(*tier).get<int64_t>();
      }
      promo.priority = p.value("priority", int64_t{0});
      ReadStacking(p, promo);
      if (Has(p, "max_applications")) promo.max_applications = p.at("max_applications").get<int64_t>();
      if (Has(p, "remaining_units")) promo.remaining_units = p.at("remaining_units").get<int64_t>();
      promo.no_threshold = p.value("no_threshold", false);
      const Json exclude = p.value("exclude", Json::object());
      const auto in = [&](const Json& scope, size_t u) {
        const Line& line = lines_[unit_line_[u]];
        if (line.overridden) return false;  // an overridden line is in no scope
        if (Matches(exclude, line, false)) return false;
        return Matches(scope, line, true);
      };
      if (promo.type == "bundle") {
        for (const Json& g : p.at("groups")) {
          std::vector<bool> v(unit_line_.size());
          for (size_t u = 0; u < v.size(); ++u) v[u] = in(g, u);
          promo.in_group.push_back(v);
        }
      } else {
        promo.in_scope.resize(unit_line_.size());
        const Json scope = p.value("scope", Json::object());
        for (size_t u = 0; u < unit_line_.size(); ++u) promo.in_scope[u] = in(scope, u);
      }
      promos_.push_back(std::move(promo));
    }
    // Coupons (layer 4): a presented code whose template exists, is not a
    // repeat of an earlier code, not used up, in its window, store and
    // membership, is a candidate like a threshold; the others do nothing.
    std::set<std::string> codes;
    const Json templates = rules.value("coupons", Json::array());
    for (const Json& c : req.value("coupons", Json::array())) {
      if (!codes.insert(c.at("code").get<std::string>()).second) continue;
      const std::string id = c.at("coupon_id").get<std::string>();
      const Json* t = nullptr;
      for (const Json& x : templates) {
        if (x.at("id").get<std::string>() == id) t = &x;
      }
      if (t == nullptr) continue;
      if (c.value("used", false) && t->value("single_use", true)) continue;
      if (!InWindow(*t, now) || !InStores(*t, store)) continue;
      if (t->value("member_only", false) && !tier) continue;
      Promo promo;
      promo.raw = *t;
      promo.id = id;
      promo.type = t->at("type").get<std::string>();
      promo.layer = LayerOf(promo.type);
      if (promo.layer != 4) Fail("not a coupon type " + promo.type);
      promo.priority = t->value("priority", int64_t{0});
      ReadStacking(*t, promo);
      const Json exclude = t->value("exclude", Json::object());
      const Json scope = t->value("scope", Json::object());
      promo.in_scope.resize(unit_line_.size());
      for (size_t u = 0; u < unit_line_.size(); ++u) {
        const Line& line = lines_[unit_line_[u]];
        promo.in_scope[u] = !line.overridden && !Matches(exclude, line, false) && Matches(scope, line, true);
      }
      promos_.push_back(std::move(promo));  // after the promotions: a stable sort keeps two codes in request order
    }
    std::stable_sort(promos_.begin(), promos_.end(), [](const Promo& a, const Promo& b) {
      if (a.layer != b.layer) return a.layer < b.layer;
      if (a.priority != b.priority) return a.priority < b.priority;
      return a.id < b.id;
    });
    if (promos_.size() > 64) Fail("too many promotions for the oracle");
    for (size_t i = 0; i < promos_.size(); ++i) {
      if (promos_[i].layer == 1) {
        layer1_.push_back(i);
      } else {
        later_.push_back(i);
      }
    }
    if (later_.size() > 16) Fail("too many layer 2/3/4 promotions for the oracle");
  }

  static void ReadStacking(const Json& p, Promo& promo) {
    const std::string stacking = p.value("stacking", std::string("stackable"));
    if (stacking == "exclusive") {
      promo.stack = Stack::kExclusive;
    } else if (stacking == "stackable") {
      promo.stack = Stack::kStackable;
    } else if (stacking.rfind("group:", 0) == 0) {
      promo.stack = Stack::kGroup;
      promo.group = stacking.substr(6);
    } else {
      Fail("bad stacking " + stacking);
    }
  }

  // ---- stacking ----
  // May promotion p touch a unit already touched by `touched`?
  bool MayTouch(uint64_t touched, size_t p) const {
    const Promo& np = promos_[p];
    if (touched & (uint64_t{1} << p)) return false;  // at most once
    if (np.stack == Stack::kExclusive && touched != 0) return false;
    for (size_t q = 0; q < promos_.size(); ++q) {
      if (!(touched & (uint64_t{1} << q))) continue;
      const Promo& op = promos_[q];
      if (op.stack == Stack::kExclusive) return false;
      if (np.stack == Stack::kGroup && op.stack == Stack::kGroup && np.group == op.group) return false;
    }
    return true;
  }

  bool TouchedByNoThreshold(uint64_t touched) const {
    for (size_t q = 0; q < promos_.size(); ++q) {
      if ((touched & (uint64_t{1} << q)) && promos_[q].no_threshold) return true;
    }
    return false;
  }

  // ---- unit order (docs/pricing.md, "Unit order") ----
  // The promotions touching a unit as an ascending list of application positions.
  std::vector<size_t> TouchList(uint64_t touched) const {
    std::vector<size_t> out;
    for (size_t q = 0; q < promos_.size(); ++q) {
      if (touched & (uint64_t{1} << q)) out.push_back(q);
    }
    return out;
  }

  // Does unit a come before unit b: line, then current price, then touch list?
  bool Before(const State& s, size_t a, size_t b) const {
    if (unit_line_[a] != unit_line_[b]) return unit_line_[a] < unit_line_[b];
    if (s[a].price != s[b].price) return s[a].price < s[b].price;
    return TouchList(s[a].touched) < TouchList(s[b].touched);
  }

  void SortUnits(const State& s, std::vector<size_t>& units) const {
    std::stable_sort(units.begin(), units.end(), [&](size_t a, size_t b) { return Before(s, a, b); });
  }

  // ---- totals ----
  int64_t Total(const State& s) const {
    std::vector<int64_t> line_amount(lines_.size(), 0);
    for (size_t u = 0; u < s.size(); ++u) line_amount[unit_line_[u]] += s[u].price;
    int64_t total = 0;
    for (size_t i = 0; i < lines_.size(); ++i) {
      total += line_amount[i];
      if (exclusive_tax_) total += RoundHalfUp(line_amount[i], lines_[i].tax_rate_bp, 10000);
    }
    return total;
  }

  // ---- layer 1: applications ----
  // Every candidate application (an ordered tuple of distinct units) of layer-1
  // promotion p in state s, each unit allowed by the stacking rules.
  std::vector<std::vector<size_t>> Candidates(size_t p, const State& s) const {
    const Promo& pr = promos_[p];
    const size_t n = s.size();
    std::vector<bool> ok(n);
    std::vector<std::vector<size_t>> out;
    if (pr.type == "bundle") {
      // One unit from each group, in group order (all assignments).
      std::vector<size_t> cur;
      std::vector<bool> used(n, false);
      const auto rec = [&](auto&& self, size_t g) -> void {
        if (g == pr.in_group.size()) {
          out.push_back(cur);
          return;
        }
        for (size_t u = 0; u < n; ++u) {
          if (used[u] || !pr.in_group[g][u] || !MayTouch(s[u].touched, p)) continue;
          used[u] = true;
          cur.push_back(u);
          self(self, g + 1);
          cur.pop_back();
          used[u] = false;
        }
      };
      rec(rec, 0);
      return out;
    }
    size_t size = 1;
    if (pr.type == "buy_x_get_y") {
      size = static_cast<size_t>(pr.raw.at("buy").get<int64_t>() + pr.raw.at("get").get<int64_t>());
    } else if (pr.type == "mix_match") {
      size = static_cast<size_t>(pr.raw.at("count").get<int64_t>());
    }
    std::vector<size_t> eligible;
    for (size_t u = 0; u < n; ++u) {
      if (pr.in_scope[u] && MayTouch(s[u].touched, p)) eligible.push_back(u);
    }
    // Every combination (a set, listed in cart order) of `size` eligible units.
    std::vector<size_t> cur;
    const auto rec = [&](auto&& self, size_t from) -> void {
      if (cur.size() == size) {
        out.push_back(cur);
        return;
      }
      for (size_t k = from; k < eligible.size(); ++k) {
        cur.push_back(eligible[k]);
        self(self, k + 1);
        cur.pop_back();
      }
    };
    rec(rec, 0);
    return out;
  }

  void Apply(size_t p, const std::vector<size_t>& app, State& s) const {
    const Promo& pr = promos_[p];
    const Json& r = pr.raw;
    if (pr.type == "percent_off") {
      int64_t& price = s[app[0]].price;
      price -= RoundHalfUp(price, r.at("percent_bp").get<int64_t>(), 10000);
    } else if (pr.type == "amount_off") {
      int64_t& price = s[app[0]].price;
      price -= std::min(r.at("amount").get<int64_t>(), price);
    } else if (pr.type == "fixed_price" || pr.type == "flash_sale") {
      int64_t& price = s[app[0]].price;
      price = std::min(r.at("price").get<int64_t>(), price);
    } else if (pr.type == "buy_x_get_y") {
      // The `get` cheapest (current price; ties: the later unit in unit order).
      std::vector<size_t> order = app;
      SortUnits(s, order);
      std::reverse(order.begin(), order.end());  // later units first, then by price (stable)
      std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return s[a].price < s[b].price; });
      const auto get = static_cast<size_t>(r.at("get").get<int64_t>());
      const int64_t bp = r.at("get_percent_bp").get<int64_t>();
      for (size_t k = 0; k < get; ++k) {
        int64_t& price = s[order[k]].price;
        price -= RoundHalfUp(price, bp, 10000);
      }
    } else if (pr.type == "bundle" || pr.type == "mix_match") {
      // The units in unit order: allocate() gives a tied leftover fen to the earlier part.
      std::vector<size_t> units = app;
      SortUnits(s, units);
      int64_t sum = 0;
      std::vector<int64_t> weights;
      for (size_t u : units) {
        sum += s[u].price;
        weights.push_back(s[u].price);
      }
      const int64_t target = r.at("price").get<int64_t>();
      if (sum > target) {
        const std::vector<int64_t> parts = Spread(sum - target, weights);
        for (size_t k = 0; k < units.size(); ++k) s[units[k]].price -= parts[k];
      }
    } else {
      Fail("not a layer-1 type " + pr.type);
    }
    for (size_t u : app) s[u].touched |= uint64_t{1} << p;
  }

  // Every state reachable by choosing a set of applications of layer-1
  // promotion p (pairwise disjoint, within the caps), including none.
  std::set<State> Successors(size_t p, const State& s) const {
    const Promo& pr = promos_[p];
    const std::vector<std::vector<size_t>> cands = Candidates(p, s);
    std::set<State> out;
    std::vector<size_t> chosen;
    std::vector<bool> used(s.size(), false);
    const auto rec = [&](auto&& self, size_t from, int64_t apps, int64_t units) -> void {
      State next = s;
      for (size_t c : chosen) Apply(p, cands[c], next);
      out.insert(std::move(next));
      for (size_t c = from; c < cands.size(); ++c) {
        const auto& app = cands[c];
        const auto k = static_cast<int64_t>(app.size());
        if (pr.max_applications && apps + 1 > *pr.max_applications) return;
        if (pr.remaining_units && units + k > *pr.remaining_units) continue;
        bool disjoint = true;
        for (size_t u : app) disjoint = disjoint && !used[u];
        if (!disjoint) continue;
        for (size_t u : app) used[u] = true;
        chosen.push_back(c);
        self(self, c + 1, apps + 1, units + k);
        chosen.pop_back();
        for (size_t u : app) used[u] = false;
      }
    };
    rec(rec, 0, 0, 0);
    return out;
  }

  // Least total over every completion of state s, layer-1 promotions
  // layer1_[k..] still to decide.
  int64_t Best(size_t k, const State& s) {
    if (k == layer1_.size()) return BestLater(s);
    auto& memo = memo_[k];
    if (auto it = memo.find(s); it != memo.end()) return it->second.first;
    int64_t best = 0;
    State best_next;
    bool any = false;
    for (const State& next : Successors(layer1_[k], s)) {
      const int64_t t = Best(k + 1, next);
      if (!any || t < best) {
        best = t;
        best_next = next;
      }
      any = true;
    }
    memo.emplace(s, std::make_pair(best, std::move(best_next)));
    return best;
  }

  // ---- layers 2 and 3: every subset ----
  // Applies the layer-2/3 promotions chosen by `mask` (bit j = later_[j]).
  State Later(const State& after1, uint64_t mask) const {
    State s = after1;
    bool snapped = false, snapped4 = false;
    std::vector<int64_t> spend_price;   // prices after layers 1-2
    std::vector<int64_t> spend_price4;  // prices after layers 1-3
    for (size_t j = 0; j < later_.size(); ++j) {
      const size_t p = later_[j];
      const Promo& pr = promos_[p];
      if (pr.layer == 3 && !snapped) {
        for (const UnitState& u : s) spend_price.push_back(u.price);
        snapped = true;
      }
      if (pr.layer == 4 && !snapped4) {
        for (const UnitState& u : s) spend_price4.push_back(u.price);
        snapped4 = true;
      }
      if (!(mask & (uint64_t{1} << j))) continue;
      if (pr.layer == 2) {
        for (size_t u = 0; u < s.size(); ++u) {
          if (!pr.in_scope[u] || !MayTouch(s[u].touched, p)) continue;
          s[u].price -= RoundHalfUp(s[u].price, pr.member_bp, 10000);
          s[u].touched |= uint64_t{1} << p;
        }
      } else if (pr.layer == 3) {
        ApplyThreshold(p, spend_price, s);
      } else {
        ApplyCoupon(p, spend_price4, s);
      }
    }
    return s;
  }

  // Promotion p (layer 3 or 4) touches `units`, its discount spread over
  // them with allocate() in unit order, weighted by their current prices.
  void Take(size_t p, std::vector<size_t> units, int64_t discount, State& s) const {
    if (discount > 0) {
      SortUnits(s, units);
      std::vector<int64_t> weights;
      for (size_t u : units) weights.push_back(s[u].price);
      const std::vector<int64_t> parts = Spread(discount, weights);
      for (size_t k = 0; k < units.size(); ++k) s[units[k]].price -= parts[k];
    }
    for (size_t u : units) s[u].touched |= uint64_t{1} << p;
  }

  // A coupon: the units in its scope that stacking allows (no_threshold does
  // not matter here); spend = their prices after layers 1-3.
  void ApplyCoupon(size_t p, const std::vector<int64_t>& spend_price, State& s) const {
    const Promo& pr = promos_[p];
    const Json& r = pr.raw;
    std::vector<size_t> units;
    int64_t spend = 0;
    int64_t current = 0;
    for (size_t u = 0; u < s.size(); ++u) {
      if (!pr.in_scope[u] || !MayTouch(s[u].touched, p)) continue;
      units.push_back(u);
      spend += spend_price[u];
      current += s[u].price;
    }
    if (units.empty()) return;
    int64_t discount = 0;
    if (pr.type == "coupon_threshold") {
      const Json* tier = nullptr;  // the highest tier reached
      for (const Json& t : r.at("tiers")) {
        if (t.at("min").get<int64_t>() <= spend) tier = &t;
      }
      if (tier == nullptr) return;
      discount = std::min(tier->at("off").get<int64_t>(), current);
    } else {
      if (spend < r.value("min_spend", int64_t{0})) return;
      discount = pr.type == "coupon_amount" ? std::min(r.at("amount").get<int64_t>(), current)
                                            : RoundHalfUp(current, r.at("percent_bp").get<int64_t>(), 10000);
    }
    Take(p, units, discount, s);
  }

  // Least total over the subsets of layer-2/3 promotions; `best_mask` gets the first best.
  int64_t BestLater(const State& after1, uint64_t* best_mask = nullptr) {
    int64_t best = 0;
    const uint64_t subsets = uint64_t{1} << later_.size();
    for (uint64_t mask = 0; mask < subsets; ++mask) {
      if (++leaves_ > budget_) throw OracleBudgetExceeded("oracle: leaf budget exceeded");
      const int64_t t = Total(Later(after1, mask));
      if (mask == 0 || t < best) {
        best = t;
        if (best_mask != nullptr) *best_mask = mask;
      }
    }
    return best;
  }

  void ApplyThreshold(size_t p, const std::vector<int64_t>& spend_price, State& s) const {
    const Promo& pr = promos_[p];
    std::vector<size_t> units;
    int64_t spend = 0;
    int64_t current = 0;
    for (size_t u = 0; u < s.size(); ++u) {
      if (!pr.in_scope[u] || !MayTouch(s[u].touched, p) || TouchedByNoThreshold(s[u].touched)) continue;
      units.push_back(u);
      spend += spend_price[u];
      current += s[u].price;
    }
    const Json& tiers = pr.raw.at("tiers");
    if (tiers.empty()) return;
    // The highest tier with min <= spend; none (below the lowest) = no effect.
    const Json* tier = nullptr;
    for (const Json& t : tiers) {
      const int64_t min = t.at("min").get<int64_t>();
      if (min <= spend && (tier == nullptr || min > tier->at("min").get<int64_t>())) tier = &t;
    }
    if (tier == nullptr || units.empty()) return;
    int64_t discount = 0;
    if (pr.type == "threshold_amount") {
      discount = tier->at("off").get<int64_t>();
      if (pr.raw.value("repeat", false)) discount *= spend / tier->at("min").get<int64_t>();
      discount = std::min(discount, current);
    } else {
      discount = RoundHalfUp(current, tier->at("percent_bp").get<int64_t>(), 10000);
    }
    Take(p, units, discount, s);
  }

  uint64_t budget_;
  uint64_t leaves_ = 0;
  bool exclusive_tax_ = false;
  std::vector<Line> lines_;
  std::vector<size_t> unit_line_;     // per unit: its line
  std::vector<int64_t> base_price_;   // per unit: price after the price sources
  std::vector<Promo> promos_;         // active, in application order
  std::vector<size_t> layer1_, later_;
  std::map<size_t, std::map<State, std::pair<int64_t, State>>> memo_;  // best total, best next state
};

}  // namespace

OracleResult BruteForce(const nlohmann::json& request, uint64_t leaf_budget) {
  Oracle oracle(request, leaf_budget);
  return oracle.Run();
}

int64_t BruteForceTotal(const nlohmann::json& request) { return BruteForce(request).total; }

}  // namespace aisle::oracle
