#include "tests/pricing/random_rules.h"

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

namespace aisle::oracle {
namespace {

using Json = nlohmann::json;

struct Sku {
  const char* sku;
  const char* category;
  const char* brand;
  int64_t tax_rate_bp;
};

constexpr Sku kSkus[] = {
    {"A", "skincare", "Qingyu", 1300}, {"B", "skincare", "Lanxi", 1300},
    {"C", "makeup", "Qingyu", 1300},   {"D", "snacks", "Beifang", 900},
    {"E", "snacks", "Lanxi", 900},     {"F", "books", "Beifang", 0},
};
constexpr Sku kProduce = {"G", "produce", "Beifang", 900};  // sold by weight
constexpr size_t kSkuCount = sizeof(kSkus) / sizeof(kSkus[0]);

class Rng {
 public:
  explicit Rng(uint64_t seed) : gen_(seed) {}
  int64_t Int(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(gen_); }
  size_t Index(size_t n) { return static_cast<size_t>(Int(0, static_cast<int64_t>(n) - 1)); }
  // true with probability percent / 100.
  bool Chance(int64_t percent) { return Int(0, 99) < percent; }
  template <class T>
  const T& Pick(const std::vector<T>& v) { return v[Index(v.size())]; }

 private:
  std::mt19937_64 gen_;
};

constexpr const char* kNow = "2026-11-24T10:00:00Z";

struct LineInfo {
  Sku sku;
  bool overridden;
};

class Generator {
 public:
  explicit Generator(uint64_t seed) : rng_(seed) {}

  Json Make() {
    Json req = {{"currency", "CNY"}};
    req["lines"] = MakeLines();
    Json rules = {{"version", "prop-1"}};
    if (rng_.Chance(20)) {
      rules["tax_mode"] = "exclusive";
    } else if (rng_.Chance(50)) {
      rules["tax_mode"] = "inclusive";
    }
    if (rng_.Chance(20)) rules["price_list"] = MakePriceList();
    if (rng_.Chance(15)) rules["member_prices"] = MakeMemberPrices();
    rules["promotions"] = MakePromotions();
    req["rules"] = rules;
    Json ctx = {{"now", kNow}, {"store_id", rng_.Chance(95) ? "SH01" : "BJ02"}};
    const int64_t t = rng_.Int(0, 99);
    if (t < 45) {
      ctx["member_tier"] = "gold";
    } else if (t < 60) {
      ctx["member_tier"] = "platinum";
    } else if (t < 70) {
      ctx["member_tier"] = nullptr;
    }
    req["context"] = ctx;
    // Coupons last, so the cases of earlier seeds keep their carts and promotions.
    if (rng_.Chance(40)) AddCoupons(req);
    return req;
  }

 private:
  int64_t RandomPrice() {
    static const std::vector<int64_t> kPrices = {990,   1990,  2990,  4990, 9900,
                                                 12900, 19900, 29900, 39900};
    return rng_.Chance(70) ? rng_.Pick(kPrices) : rng_.Int(990, 39900);
  }

  Json MakeLines() {
    const size_t nlines = static_cast<size_t>(rng_.Int(1, 4));
    const int64_t units = rng_.Int(static_cast<int64_t>(nlines), 6);
    std::vector<int64_t> qty(nlines, 1);
    std::vector<bool> weighed(nlines, false);
    for (size_t i = 0; i < nlines; ++i) weighed[i] = rng_.Chance(10);
    for (int64_t extra = units - static_cast<int64_t>(nlines); extra > 0;) {
      const size_t i = rng_.Index(nlines);
      if (weighed[i]) {
        if (std::all_of(weighed.begin(), weighed.end(), [](bool w) { return w; })) break;
        continue;
      }
      ++qty[i];
      --extra;
    }
    Json lines = Json::array();
    for (size_t i = 0; i < nlines; ++i) {
      Json line;
      Sku sku = weighed[i] ? kProduce : kSkus[rng_.Index(kSkuCount)];
      if (!price_.count(sku.sku)) price_[sku.sku] = weighed[i] ? rng_.Int(590, 9900) : RandomPrice();
      line["barcode"] = Ean13("6901234560" + std::to_string(10 + (sku.sku[0] - 'A')));
      line["sku"] = sku.sku;
      line["category"] = sku.category;
      line["brand"] = sku.brand;
      line["tax_rate_bp"] = sku.tax_rate_bp;
      line["unit_price"] = price_[sku.sku];
      if (weighed[i]) {
        line["sold_by"] = "weight";
        line["qty"] = rng_.Int(50, 2500);
      } else {
        if (rng_.Chance(30)) line["sold_by"] = "unit";
        line["qty"] = qty[i];
      }
      const bool overridden = rng_.Chance(7);
      if (overridden) {
        line["override_price"] = rng_.Int(100, price_[sku.sku]);
        line["override_reason"] = "damaged box";
      }
      lines_.push_back({sku, overridden});
      list_total_ += weighed[i] ? price_[sku.sku] * line["qty"].get<int64_t>() / 1000
                                : price_[sku.sku] * qty[i];
      lines.push_back(line);
    }
    return lines;
  }

  std::vector<std::string> CartSkus() const {
    std::vector<std::string> v;
    for (const LineInfo& l : lines_) v.push_back(l.sku.sku);
    return v;
  }

  Json Window(bool active) {
    // Active: start <= now < end; inactive: ended before now or starts later.
    Json w = Json::object();
    if (active) {
      if (rng_.Chance(70)) w["start"] = rng_.Chance(20) ? kNow : "2026-11-20T00:00:00Z";
      if (rng_.Chance(70)) w["end"] = "2026-11-25T00:00:00Z";
    } else if (rng_.Chance(50)) {
      w["end"] = rng_.Chance(30) ? kNow : "2026-11-24T09:59:59Z";
    } else {
      w["start"] = "2026-11-24T10:00:01Z";
    }
    return w;
  }

  Json MakePriceList() {
    Json list = Json::array();
    const int64_t n = rng_.Int(1, 3);
    for (int64_t k = 0; k < n; ++k) {
      const std::string sku = rng_.Pick(CartSkus());
      Json e = {{"sku", sku}, {"price", std::max<int64_t>(100, price_[sku] + rng_.Int(-3000, 1000))}};
      e.update(Window(rng_.Chance(80)));
      if (rng_.Chance(20)) e["stores"] = Json::array({rng_.Chance(50) ? "SH01" : "BJ02"});
      list.push_back(e);
    }
    return list;
  }

  Json MakeMemberPrices() {
    Json list = Json::array();
    const int64_t n = rng_.Int(1, 2);
    for (int64_t k = 0; k < n; ++k) {
      const std::string sku = rng_.Pick(CartSkus());
      list.push_back({{"sku", sku},
                      {"tier", rng_.Chance(70) ? "gold" : "platinum"},
                      {"price", std::max<int64_t>(100, price_[sku] + rng_.Int(-4000, 500))}});
    }
    return list;
  }

  // A scope; when `hot` is given, one that holds that line's units.
  Json Scope(const LineInfo* hot) {
    const Sku& s = hot != nullptr ? hot->sku : lines_[rng_.Index(lines_.size())].sku;
    const int64_t kind = rng_.Int(0, 99);
    Json scope = Json::object();
    if (kind < 50) {
      std::vector<std::string> skus = {s.sku};
      if (rng_.Chance(40)) skus.push_back(kSkus[rng_.Index(kSkuCount)].sku);
      scope["skus"] = skus;
    } else if (kind < 70) {
      scope["categories"] = Json::array({s.category});
    } else if (kind < 85) {
      scope["brands"] = Json::array({s.brand});
      if (rng_.Chance(30)) scope["skus"] = Json::array({kSkus[rng_.Index(kSkuCount)].sku});
    } else {
      scope["all"] = true;
    }
    return scope;
  }

  std::string NewId() {
    static const char* kPrefixes[] = {"P", "Q", "A", "Z", "p"};
    for (;;) {
      std::string id = std::string(kPrefixes[rng_.Index(5)]) + std::to_string(rng_.Int(1, 20));
      if (ids_.insert(id).second) return id;
    }
  }

  Json MakePromotions() {
    const bool overlap = rng_.Chance(65);
    const int64_t n = overlap ? rng_.Int(3, 5) : rng_.Int(1, 5);
    std::vector<const LineInfo*> candidates;
    for (const LineInfo& l : lines_) {
      if (!l.overridden) candidates.push_back(&l);
    }
    const LineInfo* hot = candidates.empty() ? nullptr : candidates[rng_.Index(candidates.size())];
    Json promos = Json::array();
    for (int64_t k = 0; k < n; ++k) {
      // Aimed at the hot line: the first three promotions of an overlapping case.
      const LineInfo* target = overlap && k < 3 ? hot : nullptr;
      promos.push_back(MakePromotion(target));
    }
    return promos;
  }

  Json MakePromotion(const LineInfo* target) {
    const std::string type = kPromotionTypes[rng_.Index(10)];
    Json p = {{"id", NewId()}, {"type", type}};
    if (rng_.Chance(20)) p["name"] = {{"zh", "促销"}, {"en", "Promo"}};
    const int layer = type == "member_tier" ? 2 : (type.rfind("threshold", 0) == 0 ? 3 : 1);
    static const std::vector<std::string> kStacking = {"exclusive", "stackable", "group:a", "group:b"};
    const std::string stacking = rng_.Pick(kStacking);
    if (stacking != "stackable" || rng_.Chance(70)) p["stacking"] = stacking;
    if (rng_.Chance(50)) p["priority"] = rng_.Int(-1, 3);
    if (type == "bundle") {
      Json groups = Json::array();
      const int64_t ng = rng_.Chance(80) ? 2 : 3;
      for (int64_t g = 0; g < ng; ++g) groups.push_back(Scope(g == 0 ? target : nullptr));
      p["groups"] = groups;
    } else {
      p["scope"] = Scope(target);
    }
    if (rng_.Chance(8)) p["exclude"] = {{"skus", Json::array({kSkus[rng_.Index(kSkuCount)].sku})}};
    if (layer == 1) {
      if (rng_.Chance(20)) p["max_applications"] = rng_.Int(1, 2);
      if (rng_.Chance(15)) p["remaining_units"] = rng_.Int(1, 4);
    }
    if (layer < 3 && rng_.Chance(15)) p["no_threshold"] = true;
    if (rng_.Chance(10)) p["member_only"] = true;
    if (rng_.Chance(12)) p.update(Window(rng_.Chance(50)));
    if (rng_.Chance(8)) p["stores"] = Json::array({"SH01"});
    if (rng_.Chance(4)) p["stores"] = Json::array({"BJ02"});
    if (rng_.Chance(3)) p["stores"] = Json::array();

    static const std::vector<int64_t> kBp = {500, 1000, 1500, 2000, 2500, 3333, 5000, 10000};
    const auto bp = [&] { return rng_.Chance(70) ? rng_.Pick(kBp) : rng_.Int(1, 10000); };
    if (type == "percent_off") {
      p["percent_bp"] = bp();
    } else if (type == "amount_off") {
      static const std::vector<int64_t> kAmounts = {100, 500, 1000, 2000, 5000, 30000};
      p["amount"] = rng_.Chance(70) ? rng_.Pick(kAmounts) : rng_.Int(1, 20000);
    } else if (type == "fixed_price" || type == "flash_sale") {
      p["price"] = rng_.Chance(60) ? rng_.Int(0, 30) * 990 : rng_.Int(0, 30000);
      if (type == "flash_sale" && rng_.Chance(50)) {
        p["remaining_units"] = rng_.Int(1, 3);
        p.erase("start");
        p.erase("end");
        p.update(Window(true));
      }
    } else if (type == "buy_x_get_y") {
      const int64_t buy = rng_.Int(1, 2);
      p["buy"] = buy;
      p["get"] = rng_.Int(1, 4 - buy > 2 ? 2 : 4 - buy);
      static const std::vector<int64_t> kGet = {5000, 10000, 3000};
      p["get_percent_bp"] = rng_.Chance(70) ? rng_.Pick(kGet) : rng_.Int(1, 10000);
    } else if (type == "bundle") {
      p["price"] = rng_.Int(10, 400) * 100 + (rng_.Chance(30) ? rng_.Int(1, 99) : 0);
    } else if (type == "mix_match") {
      p["count"] = rng_.Int(2, 3);
      p["price"] = rng_.Int(10, 600) * 100 + (rng_.Chance(30) ? rng_.Int(1, 99) : 0);
    } else if (type == "member_tier") {
      Json tiers = Json::object();
      if (rng_.Chance(85)) tiers["gold"] = bp();
      if (rng_.Chance(50)) tiers["platinum"] = bp();
      if (tiers.empty()) tiers["silver"] = 500;
      p["tiers"] = tiers;
    } else {
      // Thresholds near the cart's list total, so that they matter.
      const int64_t base = std::max<int64_t>(list_total_, 1000);
      const int64_t ntiers = rng_.Chance(60) ? 1 : 2;
      std::set<int64_t> mins;
      while (static_cast<int64_t>(mins.size()) < ntiers) {
        mins.insert(std::max<int64_t>(100, base * rng_.Int(30, 120) / 100 / 100 * 100));
      }
      Json tiers = Json::array();
      std::vector<int64_t> ordered(mins.begin(), mins.end());
      // A higher tier gives at least as much (the rules refuse anything else).
      std::vector<int64_t> values;
      for (int64_t min : ordered) {
        values.push_back(type == "threshold_amount" ? std::max<int64_t>(1, min * rng_.Int(3, 25) / 100)
                                                    : bp());
      }
      std::sort(values.begin(), values.end());
      for (size_t k = 0; k < ordered.size(); ++k) {
        tiers.push_back({{"min", ordered[k]},
                         {type == "threshold_amount" ? "off" : "percent_bp", values[k]}});
      }
      p["tiers"] = tiers;
      if (type == "threshold_amount" && ntiers == 1 && rng_.Chance(30)) p["repeat"] = true;
      if (type == "threshold_amount" && ntiers == 1 && rng_.Chance(10)) p["repeat"] = false;
    }
    return p;
  }

  // 1-2 coupon templates in rules.coupons and 1-3 presented codes (now and
  // then an unknown template, a repeated code, a used one).
  void AddCoupons(Json& req) {
    static const char* kTypes[] = {"coupon_amount", "coupon_percent", "coupon_threshold"};
    Json templates = Json::array();
    std::vector<std::string> ids;
    const int64_t nt = rng_.Int(1, 2);
    for (int64_t k = 0; k < nt; ++k) {
      std::string id;
      do {
        id = "C" + std::to_string(rng_.Int(1, 20));
      } while (!ids_.insert(id).second);
      const std::string type = kTypes[rng_.Index(3)];
      Json c = {{"id", id}, {"type", type}, {"scope", Scope(nullptr)}};
      static const std::vector<std::string> kStacking = {"exclusive", "stackable", "group:a", "group:b"};
      const std::string stacking = rng_.Pick(kStacking);
      if (stacking != "stackable" || rng_.Chance(50)) c["stacking"] = stacking;
      if (rng_.Chance(30)) c["priority"] = rng_.Int(-1, 3);
      if (rng_.Chance(6)) c["exclude"] = {{"skus", Json::array({kSkus[rng_.Index(kSkuCount)].sku})}};
      if (rng_.Chance(8)) c["member_only"] = true;
      if (rng_.Chance(10)) c.update(Window(rng_.Chance(40)));
      if (rng_.Chance(5)) c["stores"] = Json::array({"BJ02"});
      if (rng_.Chance(50)) c["single_use"] = rng_.Chance(60);
      const int64_t base = std::max<int64_t>(list_total_, 1000);
      const auto near = [&] { return std::max<int64_t>(100, base * rng_.Int(30, 120) / 100 / 100 * 100); };
      if (type == "coupon_amount") {
        static const std::vector<int64_t> kAmounts = {500, 1000, 2000, 5000, 30000};
        c["amount"] = rng_.Chance(70) ? rng_.Pick(kAmounts) : rng_.Int(1, 20000);
        if (rng_.Chance(60)) c["min_spend"] = near();
      } else if (type == "coupon_percent") {
        static const std::vector<int64_t> kBp = {500, 1000, 2000, 3333, 5000};
        c["percent_bp"] = rng_.Chance(70) ? rng_.Pick(kBp) : rng_.Int(1, 10000);
        if (rng_.Chance(60)) c["min_spend"] = near();
      } else {
        std::set<int64_t> mins;
        const int64_t ntiers = rng_.Chance(60) ? 1 : 2;
        while (static_cast<int64_t>(mins.size()) < ntiers) mins.insert(near());
        std::vector<int64_t> offs;
        for (int64_t min : mins) offs.push_back(std::max<int64_t>(1, min * rng_.Int(3, 25) / 100));
        std::sort(offs.begin(), offs.end());
        Json tiers = Json::array();
        size_t i = 0;
        for (int64_t min : mins) tiers.push_back({{"min", min}, {"off", offs[i++]}});
        c["tiers"] = tiers;
      }
      templates.push_back(c);
      ids.push_back(id);
    }
    req["rules"]["coupons"] = templates;
    Json presented = Json::array();
    const int64_t np = rng_.Chance(15) ? 3 : rng_.Int(1, 2);
    for (int64_t k = 0; k < np; ++k) {
      Json code = {{"code", "K" + std::to_string(rng_.Int(100, 999))},
                   {"coupon_id", rng_.Chance(92) ? rng_.Pick(ids) : std::string("CX")}};
      if (k > 0 && rng_.Chance(10)) code["code"] = presented[0]["code"];
      if (rng_.Chance(15)) code["used"] = rng_.Chance(70);
      presented.push_back(code);
    }
    req["coupons"] = presented;
  }

  Rng rng_;
  std::vector<LineInfo> lines_;
  std::map<std::string, int64_t> price_;
  int64_t list_total_ = 0;
  std::set<std::string> ids_;
};

}  // namespace

std::string Ean13(const std::string& stem12) {
  int sum = 0;
  for (size_t i = 0; i < 12; ++i) sum += (stem12[i] - '0') * (i % 2 == 0 ? 1 : 3);
  return stem12 + static_cast<char>('0' + (10 - sum % 10) % 10);
}

Json RandomCase(uint64_t seed) { return Generator(seed).Make(); }

}  // namespace aisle::oracle
