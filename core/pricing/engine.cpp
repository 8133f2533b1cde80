#include "core/pricing/engine.h"

#include <algorithm>
#include <memory>
#include <numeric>
#include <unordered_map>

namespace aisle::core::pricing {
namespace {

// ---------------------------------------------------------------------------
// Units and their states.

// One unit of a line and what has happened to it so far.
struct Unit {
  int32_t line = 0;
  int64_t price = 0;  // current price
  std::vector<std::pair<int32_t, int64_t>> history;  // (active promotion, discount), in order

  friend bool operator==(const Unit& a, const Unit& b) {
    return a.line == b.line && a.price == b.price && a.history == b.history;
  }
  // The unit order of docs/pricing.md: line, current price, then the
  // promotions touching it as a list of application positions; units equal
  // so far are interchangeable, and their discounts only make the order total.
  friend bool operator<(const Unit& a, const Unit& b) {
    if (a.line != b.line) return a.line < b.line;
    if (a.price != b.price) return a.price < b.price;
    const auto by_promotion = [](const auto& x, const auto& y) { return x.first < y.first; };
    if (std::lexicographical_compare(a.history.begin(), a.history.end(), b.history.begin(), b.history.end(),
                                     by_promotion)) {
      return true;
    }
    if (std::lexicographical_compare(b.history.begin(), b.history.end(), a.history.begin(), a.history.end(),
                                     by_promotion)) {
      return false;
    }
    return a.history < b.history;
  }
};

// `count` identical units. A state is a sorted vector of slots with no two
// equal units, so equal multisets of units have one representation, and a
// line of 500 identical units is one slot, not 500.
struct Slot {
  Unit unit;
  int64_t count = 0;
};
using State = std::vector<Slot>;

// Sorts by unit and merges equal units; drops empty slots.
void Normalize(State& s) {
  std::sort(s.begin(), s.end(), [](const Slot& a, const Slot& b) { return a.unit < b.unit; });
  State out;
  for (Slot& x : s) {
    if (x.count == 0) continue;
    if (!out.empty() && out.back().unit == x.unit) {
      out.back().count += x.count;
    } else {
      out.push_back(std::move(x));
    }
  }
  s = std::move(out);
}

// Spreads `amount` over units with allocate() semantics (largest remainder,
// ties to the earlier unit) when slot i stands for counts[i] units of weight
// weights[i]: returns per slot the share of each unit and how many of its
// units (the first ones) get one more.
std::vector<std::pair<int64_t, int64_t>> AllocateOverSlots(int64_t amount, const std::vector<int64_t>& weights,
                                                           const std::vector<int64_t>& counts) {
  __extension__ using Int128 = __int128;
  Int128 total = 0;
  for (size_t i = 0; i < weights.size(); ++i) total += Int128{weights[i]} * counts[i];
  std::vector<std::pair<int64_t, int64_t>> out(weights.size(), {0, 0});
  if (total == 0) return out;
  std::vector<Int128> remainder(weights.size());
  Int128 given = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    const Int128 exact = Int128{amount} * weights[i];
    out[i].first = static_cast<int64_t>(exact / total);
    remainder[i] = exact % total;
    given += Int128{out[i].first} * counts[i];
  }
  std::vector<size_t> order(weights.size());
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return remainder[a] > remainder[b]; });
  Int128 left = Int128{amount} - given;
  for (size_t k = 0; k < order.size() && left > 0; ++k) {
    const Int128 n = std::min<Int128>(left, counts[order[k]]);
    out[order[k]].second = static_cast<int64_t>(n);
    left -= n;
  }
  return out;
}

// A line as the engine sees it after the price sources.
struct LineInfo {
  const CartLine* line = nullptr;
  int64_t unit_price = 0;  // per unit or per kg
  int64_t unit_base = 0;   // the price of one engine unit (a weighed line's gross)
  int64_t units = 0;       // engine units: qty, or 1 for a weighed line
  std::string_view source;
  bool overridden = false;
};

// A promotion active for this cart.
struct ActivePromo {
  const Promotion* p = nullptr;
  int rank = 0;  // position in id order, for the tie-break
  std::vector<bool> in_scope;                 // per line
  std::vector<std::vector<bool>> group_scope;  // bundle: per group, per line
};

// What a finished choice costs and how it is ranked.
struct Outcome {
  int64_t total = INT64_MAX;
  int64_t applications = 0;
  std::vector<int> ranks;  // sorted ids (as ranks), one per application
  std::shared_ptr<const State> leaf;

  bool BetterThan(const Outcome& o) const {
    if (total != o.total) return total < o.total;
    if (applications != o.applications) return applications < o.applications;
    return ranks < o.ranks;
  }
};

bool Active(const Promotion& p, const Context& ctx) {
  if (p.start && ctx.now < *p.start) return false;
  if (p.end && ctx.now >= *p.end) return false;
  if (!p.stores.empty() && std::find(p.stores.begin(), p.stores.end(), ctx.store_id) == p.stores.end()) {
    return false;
  }
  if (p.member_only && ctx.member_tier.empty()) return false;
  if (p.max_applications && *p.max_applications == 0) return false;
  if (p.remaining_units && *p.remaining_units == 0) return false;
  if (p.type == PromoType::kMemberTier) {
    return std::any_of(p.member_tiers.begin(), p.member_tiers.end(),
                       [&](const auto& t) { return t.first == ctx.member_tier; });
  }
  return true;
}

bool LineMatches(const Scope& scope, const Promotion& p, const CartLine& l) {
  return scope.Matches(l.sku, l.category, l.brand) && !p.exclude.Matches(l.sku, l.category, l.brand);
}

// ---------------------------------------------------------------------------
// The search over one component of the cart.

class Search {
 public:
  Search(const std::vector<LineInfo>& lines, const std::vector<ActivePromo>& promos, bool tax_inclusive,
         const Context& ctx, int64_t& steps)
      : lines_(lines), promos_(promos), tax_inclusive_(tax_inclusive), member_tier_(ctx.member_tier),
        budget_(ctx.step_budget), greedy_(ctx.greedy), steps_(steps) {}

  // Solves the component made of `line_ids` with the promotions `promo_ids`
  // (indices into promos_, in application order).
  Outcome Run(const std::vector<int32_t>& line_ids, const std::vector<int>& promo_ids) {
    for (int q : promo_ids) (promos_[q].p->layer() == 1 ? layer1_ : layer23_).push_back(q);
    State start;
    for (int32_t l : line_ids) start.push_back(Slot{Unit{l, lines_[l].unit_base, {}}, lines_[l].units});
    // The dearest unit each promotion could use (prices only fall from here).
    max_price_.assign(promos_.size(), 0);
    for (int q : promo_ids) {
      for (int32_t l : line_ids) {
        if (promos_[q].in_scope[static_cast<size_t>(l)]) {
          max_price_[static_cast<size_t>(q)] = std::max(max_price_[static_cast<size_t>(q)], lines_[l].unit_base);
        }
      }
    }
    Normalize(start);
    return Solve(0, start);
  }

  bool exhausted() const { return exhausted_; }

 private:
  bool Step() {
    if (++steps_ > budget_) exhausted_ = true;
    return !exhausted_;
  }

  // Out of budget, or asked for the greedy answer: follow only the first
  // branch everywhere (each promotion, in order, takes every application it
  // can in cart order; every layer-2/3 promotion applies).
  bool FirstPathOnly() const { return exhausted_ || greedy_; }

  // May promotion q touch unit u, given what already touches it?
  bool Compatible(const Unit& u, int q) const {
    const Promotion& p = *promos_[q].p;
    for (const auto& [other, discount] : u.history) {
      const Promotion& o = *promos_[other].p;
      if (other == q || o.stacking == Stacking::kExclusive || p.stacking == Stacking::kExclusive) return false;
      if (p.stacking == Stacking::kGroup && o.stacking == Stacking::kGroup && p.group == o.group) return false;
      if (p.layer() == 3 && o.no_threshold) return false;
    }
    return true;
  }

  std::string Key(size_t k, const State& s) const {
    std::string key;
    key.reserve(16 + s.size() * 24);
    const auto put = [&key](int64_t v) { key.append(reinterpret_cast<const char*>(&v), sizeof v); };
    put(static_cast<int64_t>(k));
    for (const Slot& x : s) {
      put(x.count);
      put(x.unit.line);
      put(x.unit.price);
      put(static_cast<int64_t>(x.unit.history.size()));
      for (const auto& [q, d] : x.unit.history) {
        put(q);
        put(d);
      }
    }
    return key;
  }

  // Best outcome from layer-1 promotion k on, for state s; a branch that
  // cannot beat the best complete answer found so far is cut (an empty
  // outcome). Cutting is safe to remember: the best only gets better.
  Outcome Solve(size_t k, const State& s) {
    const std::string key = Key(k, s);
    if (auto it = memo_.find(key); it != memo_.end()) return it->second;
    Step();
    Outcome best;
    if (!CannotWin(k, s)) {
      best = k == layer1_.size() ? Leaf(s) : Decide(k, s);
      if (best.BetterThan(best_)) best_ = best;
    }
    memo_.emplace(key, best);
    return best;
  }

  // True when no completion of state s from layer-1 promotion k on can beat
  // best_: its lower bound is higher, or equal with more applications made
  // already (ties go to fewer applications).
  bool CannotWin(size_t k, const State& s) const {
    if (!best_.leaf || greedy_) return false;
    const int64_t bound = LowerBound(k, s);
    if (bound != best_.total) return bound > best_.total;
    std::map<int, int64_t> touched;
    for (const Slot& x : s) {
      for (const auto& [q, d] : x.unit.history) touched[q] += x.count;
    }
    int64_t applications = 0;
    for (const auto& [q, units] : touched) applications += units / promos_[q].p->ApplicationSize();
    return applications > best_.applications;
  }

  // A lower bound on the total of every completion. First a bound on the sum
  // after layers 1-2, the larger of two:
  //  - per unit: each unit at the lowest price the remaining promotions could
  //    give it if none excluded another;
  //  - per promotion: the current prices less, for each remaining promotion,
  //    the most it could take off alone (a buy-x-get-y discounts at most
  //    `get` units per application, a mix-and-match at most the dearest sets
  //    less their price, within the caps and the units there are).
  // Then the thresholds: whichever tier each one reaches (or none), the total
  // is at least that sum less the most those tiers can take off, and reaching
  // tier k of threshold T needs its spend, so the sum is also at least the
  // units outside T's scope plus min_k. The bound is the least over the
  // combinations of tiers.
  int64_t LowerBound(size_t k, const State& s) const {
    std::vector<int> layer3;
    for (int q : layer23_) {
      if (promos_[q].p->layer() == 3) layer3.push_back(q);
    }
    // Per slot, the lowest price the rest of layers 1-2 could leave a unit at.
    std::vector<int64_t> lowest(s.size());
    int64_t current = 0;
    for (size_t i = 0; i < s.size(); ++i) {
      const Slot& x = s[i];
      const size_t line = static_cast<size_t>(x.unit.line);
      int64_t p = x.unit.price;
      current += p * x.count;
      for (size_t j = k; j < layer1_.size(); ++j) {
        const int q = layer1_[j];
        if (!promos_[q].in_scope[line] || !Compatible(x.unit, q)) continue;
        const Promotion& promo = *promos_[q].p;
        switch (promo.type) {
          case PromoType::kPercentOff: p -= *MulDiv(p, promo.percent_bp, 10'000, RoundingMode::kHalfUp); break;
          case PromoType::kAmountOff: p -= std::min(promo.amount, p); break;
          case PromoType::kFixedPrice:
          case PromoType::kFlashSale: p = std::min(p, promo.price); break;
          case PromoType::kBuyXGetY: p -= *MulDiv(p, promo.get_percent_bp, 10'000, RoundingMode::kHalfUp); break;
          default: {
            // Bundle / mix and match: the unit keeps at least its share
            // p * price / S of the set's price, and S is at most p plus the
            // dearest eligible unit for each other member of the set.
            const int64_t others = (promo.ApplicationSize() - 1) * max_price_[static_cast<size_t>(q)];
            if (p + others > promo.price) p = std::min(p, *MulDiv(p, promo.price, p + others, RoundingMode::kDown));
            break;
          }
        }
      }
      for (int q : layer23_) {
        const Promotion& promo = *promos_[q].p;
        if (promo.type != PromoType::kMemberTier || !promos_[q].in_scope[line]) continue;
        p -= *MulDiv(p, MemberBp(promo), 10'000, RoundingMode::kHalfUp);
      }
      lowest[i] = p;
    }
    // The bound on the sum after layers 1-2 of the slots `counted` accepts.
    const auto after_l2 = [&](const auto& counted) {
      int64_t per_unit = 0;
      int64_t now = 0;
      for (size_t i = 0; i < s.size(); ++i) {
        if (!counted(s[i])) continue;
        per_unit += lowest[i] * s[i].count;
        now += s[i].unit.price * s[i].count;
      }
      int64_t most = 0;
      for (size_t j = k; j < layer1_.size(); ++j) most += MostOff(layer1_[j], s, counted);
      for (int q : layer23_) {
        if (promos_[q].p->type == PromoType::kMemberTier) most += MostOff(q, s, counted);
      }
      return std::max(per_unit, now - most);
    };
    const int64_t all = after_l2([](const Slot&) { return true; });
    if (layer3.empty()) return all;

    // Per threshold: the units outside its scope, what they hold now, and
    // the most each tier could take off.
    struct Threshold {
      int64_t outside = 0;  // bound on the after-layer-2 sum outside its scope
      std::vector<std::pair<int64_t, int64_t>> tiers;  // (min, most off), "not reached" first
    };
    std::vector<Threshold> thresholds;
    for (int q : layer3) {
      const ActivePromo& ap = promos_[q];
      const Promotion& promo = *ap.p;
      Threshold t;
      t.outside = after_l2([&](const Slot& x) { return !ap.in_scope[static_cast<size_t>(x.unit.line)]; });
      int64_t inside_now = 0;
      for (const Slot& x : s) {
        if (ap.in_scope[static_cast<size_t>(x.unit.line)]) inside_now += x.unit.price * x.count;
      }
      t.tiers.emplace_back(0, 0);
      for (const Tier& tier : promo.tiers) {
        int64_t off = 0;
        if (promo.type == PromoType::kThresholdPercent) {
          off = *MulDiv(inside_now, tier.percent_bp, 10'000, RoundingMode::kUp);
        } else {
          off = promo.repeat ? tier.off * (inside_now / tier.min) : tier.off;
        }
        t.tiers.emplace_back(tier.min, std::min(off, inside_now));
      }
      thresholds.push_back(std::move(t));
    }
    // The least bound over every combination of tiers (a handful: thresholds
    // have few tiers, and a component few thresholds).
    int64_t bound = INT64_MAX;
    std::vector<size_t> pick(thresholds.size(), 0);
    for (;;) {
      int64_t sum = all;
      int64_t off = 0;
      for (size_t t = 0; t < thresholds.size(); ++t) {
        const auto [min, most] = thresholds[t].tiers[pick[t]];
        off += most;
        if (pick[t] > 0) sum = std::max(sum, thresholds[t].outside + min);
      }
      bound = std::min(bound, sum - off);
      size_t t = 0;
      while (t < pick.size() && ++pick[t] == thresholds[t].tiers.size()) pick[t++] = 0;
      if (t == pick.size()) break;
    }
    return bound;
  }

  int64_t MemberBp(const Promotion& promo) const {
    for (const auto& [tier, bp] : promo.member_tiers) {
      if (tier == member_tier_) return bp;
    }
    return 0;
  }

  // The most promotion q could take off the units of s that `counted`
  // accepts, on its own, at their current prices.
  template <class Counted>
  int64_t MostOff(int q, const State& s, const Counted& counted) const {
    const ActivePromo& ap = promos_[q];
    const Promotion& p = *ap.p;
    std::vector<std::pair<int64_t, int64_t>> values;  // (value, count)
    int64_t units = 0;
    std::vector<int64_t> group_units(p.groups.size(), 0);
    std::vector<int64_t> group_max(p.groups.size(), 0);
    for (const Slot& x : s) {
      const size_t line = static_cast<size_t>(x.unit.line);
      if (!ap.in_scope[line] || !Compatible(x.unit, q) || !counted(x)) continue;
      const int64_t price = x.unit.price;
      int64_t v = 0;
      switch (p.type) {
        case PromoType::kPercentOff: v = *MulDiv(price, p.percent_bp, 10'000, RoundingMode::kHalfUp); break;
        case PromoType::kAmountOff: v = std::min(p.amount, price); break;
        case PromoType::kFixedPrice:
        case PromoType::kFlashSale: v = std::max<int64_t>(0, price - p.price); break;
        case PromoType::kBuyXGetY: v = *MulDiv(price, p.get_percent_bp, 10'000, RoundingMode::kHalfUp); break;
        case PromoType::kMemberTier: v = *MulDiv(price, MemberBp(p), 10'000, RoundingMode::kHalfUp); break;
        case PromoType::kBundle:
          for (size_t g = 0; g < p.groups.size(); ++g) {
            if (!ap.group_scope[g][line]) continue;
            group_units[g] += x.count;
            group_max[g] = std::max(group_max[g], price);
          }
          break;
        default: v = price; break;  // mix and match: the units' prices
      }
      values.emplace_back(v, x.count);
      units += x.count;
    }
    if (p.type == PromoType::kMemberTier) {
      int64_t sum = 0;
      for (const auto& [v, n] : values) sum += v * n;
      return sum;
    }
    const int64_t size = p.ApplicationSize();
    int64_t apps = units / size;
    if (p.type == PromoType::kBundle) {
      apps = group_units.empty() ? 0 : *std::min_element(group_units.begin(), group_units.end());
    }
    apps = std::min(apps, p.max_applications.value_or(INT64_MAX));
    if (p.remaining_units) apps = std::min(apps, *p.remaining_units / size);
    if (apps <= 0) return 0;
    if (p.type == PromoType::kBundle) {
      int64_t set = 0;
      for (int64_t m : group_max) set += m;
      return apps * std::max<int64_t>(0, set - p.price);
    }
    std::sort(values.begin(), values.end(), std::greater<>());
    // The sum of the `take` largest values.
    const auto top = [&](int64_t take) {
      int64_t sum = 0;
      for (const auto& [v, n] : values) {
        const int64_t t = std::min(n, take);
        sum += v * t;
        take -= t;
        if (take == 0) break;
      }
      return sum;
    };
    if (p.type == PromoType::kMixMatch) {
      int64_t best = 0;
      for (int64_t a = 1; a <= apps; ++a) best = std::max(best, top(a * size) - a * p.price);
      return best;
    }
    return top(p.type == PromoType::kBuyXGetY ? apps * p.get : apps);
  }

  // A class of interchangeable units is a slot: its index and size.
  struct Class {
    size_t slot = 0;
    int64_t count = 0;
  };

  // Enumerates the sets of applications of layer-1 promotion k.
  Outcome Decide(size_t k, const State& s) {
    const int q = layer1_[k];
    const ActivePromo& ap = promos_[q];
    const Promotion& p = *ap.p;
    std::vector<Class> classes;
    for (size_t i = 0; i < s.size(); ++i) {
      if (Compatible(s[i].unit, q) && ap.in_scope[static_cast<size_t>(s[i].unit.line)]) {
        classes.push_back({i, s[i].count});
      }
    }
    // Every tuple of classes one application may use, in lexicographic order.
    std::vector<std::vector<int>> tuples;
    const size_t size = static_cast<size_t>(p.ApplicationSize());
    std::vector<int> tuple;
    std::vector<int64_t> used(classes.size(), 0);
    const auto avail = [&](int c) { return classes[c].count - used[c]; };
    // Bundle: position i takes a unit of group i; other types: non-decreasing classes.
    auto gen = [&](auto&& self, size_t pos) -> void {
      if (exhausted_ && !tuples.empty()) return;  // out of budget: one pattern is enough
      if (pos == size) {
        tuples.push_back(tuple);
        Step();
        return;
      }
      const int from = (p.type == PromoType::kBundle || pos == 0) ? 0 : tuple.back();
      for (int c = from; c < static_cast<int>(classes.size()); ++c) {
        if (avail(c) == 0) continue;
        if (p.type == PromoType::kBundle &&
            !ap.group_scope[pos][static_cast<size_t>(s[classes[c].slot].unit.line)]) {
          continue;
        }
        ++used[c];
        tuple.push_back(c);
        self(self, pos + 1);
        tuple.pop_back();
        --used[c];
      }
    };
    if (!classes.empty()) gen(gen, 0);
    if (p.type == PromoType::kBundle) std::sort(tuples.begin(), tuples.end());

    const int64_t max_apps = std::min<int64_t>(p.max_applications.value_or(INT64_MAX),
                                               p.remaining_units ? *p.remaining_units / static_cast<int64_t>(size)
                                                                 : INT64_MAX);
    std::vector<size_t> chosen;  // tuple indices, non-decreasing
    std::vector<int64_t> taken(classes.size(), 0);
    Outcome best;
    auto pick = [&](auto&& self, size_t from) -> void {
      if (static_cast<int64_t>(chosen.size()) < max_apps) {
        for (size_t t = from; t < tuples.size(); ++t) {
          bool fits = true;
          for (int c : tuples[t]) ++taken[c];
          for (int c : tuples[t]) fits = fits && taken[c] <= classes[c].count;
          if (fits) {
            chosen.push_back(t);
            self(self, t);
            chosen.pop_back();
          }
          for (int c : tuples[t]) --taken[c];
          if (FirstPathOnly() && best.leaf) return;  // out of budget: keep the first complete answer
        }
      }
      Outcome o = Solve(k + 1, Apply(s, classes, tuples, chosen, q));
      if (o.BetterThan(best)) best = std::move(o);
    };
    pick(pick, 0);
    return best;
  }

  // The state after applying the chosen applications of promotion q.
  State Apply(const State& s, const std::vector<Class>& classes, const std::vector<std::vector<int>>& tuples,
              const std::vector<size_t>& chosen, int q) const {
    State next = s;
    const Promotion& p = *promos_[q].p;
    State produced;
    for (size_t t : chosen) {
      // The application's units in cart order (slots are sorted by line):
      // the order allocate() and the ties use.
      std::vector<int> cls = tuples[t];
      std::sort(cls.begin(), cls.end());
      std::vector<Unit> units;
      for (int c : cls) {
        units.push_back(next[classes[c].slot].unit);
        --next[classes[c].slot].count;
      }
      std::vector<int64_t> discount(units.size(), 0);
      switch (p.type) {
        case PromoType::kPercentOff:
          discount[0] = *MulDiv(units[0].price, p.percent_bp, 10'000, RoundingMode::kHalfUp);
          break;
        case PromoType::kAmountOff: discount[0] = std::min(p.amount, units[0].price); break;
        case PromoType::kFixedPrice:
        case PromoType::kFlashSale: discount[0] = std::max<int64_t>(0, units[0].price - p.price); break;
        case PromoType::kBuyXGetY: {
          // The `get` cheapest units; ties go to the later unit in cart order.
          std::vector<size_t> order(units.size());
          std::iota(order.begin(), order.end(), size_t{0});
          std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
            if (units[a].price != units[b].price) return units[a].price < units[b].price;
            return a > b;
          });
          for (int64_t g = 0; g < p.get; ++g) {
            const size_t i = order[static_cast<size_t>(g)];
            discount[i] = *MulDiv(units[i].price, p.get_percent_bp, 10'000, RoundingMode::kHalfUp);
          }
          break;
        }
        case PromoType::kBundle:
        case PromoType::kMixMatch: {
          std::vector<int64_t> weights;
          int64_t sum = 0;
          for (const Unit& u : units) {
            weights.push_back(u.price);
            sum += u.price;
          }
          if (sum > p.price) discount = *Allocate(sum - p.price, weights);
          break;
        }
        default: break;
      }
      for (size_t i = 0; i < units.size(); ++i) {
        units[i].price -= discount[i];
        units[i].history.emplace_back(q, discount[i]);
        produced.push_back(Slot{std::move(units[i]), 1});
      }
    }
    next.insert(next.end(), std::make_move_iterator(produced.begin()), std::make_move_iterator(produced.end()));
    Normalize(next);
    return next;
  }

  // Layers 2 and 3: every subset of their promotions, more before fewer.
  Outcome Leaf(const State& s) {
    Outcome best;
    const size_t m = std::min<size_t>(layer23_.size(), 16);
    if (layer23_.size() > m) exhausted_ = true;  // more than 2^16 subsets: not exhaustive
    for (uint32_t mask = (1u << m) - 1;; --mask) {
      Step();
      Outcome o = Finish(s, mask);
      if (o.BetterThan(best)) best = std::move(o);
      if (mask == 0 || FirstPathOnly()) break;
    }
    return best;
  }

  // A unit's price after layers 1-2: what a threshold counts as spend.
  int64_t SpendPrice(const Unit& unit) const {
    int64_t price = unit.price;
    for (const auto& [q, d] : unit.history) {
      if (promos_[q].p->layer() == 3) price += d;
    }
    return price;
  }

  Outcome Finish(const State& s, uint32_t mask) const {
    State u = s;  // sorted in unit order, again after each promotion
    for (size_t bit = 0; bit < layer23_.size() && bit < 32; ++bit) {
      if (!(mask & (1u << bit))) continue;
      const int q = layer23_[bit];
      const Promotion& p = *promos_[q].p;
      std::vector<size_t> take;
      for (size_t j = 0; j < u.size(); ++j) {
        if (promos_[q].in_scope[static_cast<size_t>(u[j].unit.line)] && Compatible(u[j].unit, q)) take.push_back(j);
      }
      if (take.empty()) continue;
      // Per taken slot: each unit's discount, and how many of its units get one fen more.
      std::vector<std::pair<int64_t, int64_t>> discount(take.size(), {0, 0});
      if (p.type == PromoType::kMemberTier) {
        const int64_t bp = MemberBp(p);
        for (size_t i = 0; i < take.size(); ++i) {
          discount[i].first = *MulDiv(u[take[i]].unit.price, bp, 10'000, RoundingMode::kHalfUp);
        }
      } else {
        int64_t spend = 0;
        int64_t current = 0;
        std::vector<int64_t> weights;
        std::vector<int64_t> counts;
        for (size_t j : take) {
          spend += SpendPrice(u[j].unit) * u[j].count;
          current += u[j].unit.price * u[j].count;
          weights.push_back(u[j].unit.price);
          counts.push_back(u[j].count);
        }
        const Tier* tier = nullptr;
        for (const Tier& t : p.tiers) tier = t.min <= spend ? &t : tier;
        if (tier == nullptr) continue;  // not reached: touches nothing
        int64_t total_discount = 0;
        if (p.type == PromoType::kThresholdAmount) {
          total_discount = p.repeat ? tier->off * (spend / tier->min) : tier->off;
          total_discount = std::min(total_discount, current);
        } else {
          total_discount = *MulDiv(current, tier->percent_bp, 10'000, RoundingMode::kHalfUp);
        }
        discount = AllocateOverSlots(total_discount, weights, counts);
      }
      // Apply; a slot whose first units take one fen more splits in two.
      State split;
      for (size_t i = 0; i < take.size(); ++i) {
        Slot& x = u[take[i]];
        const auto [d, extra] = discount[i];
        if (extra > 0) {
          Slot more{x.unit, extra};
          more.unit.price -= d + 1;
          more.unit.history.emplace_back(q, d + 1);
          split.push_back(std::move(more));
        }
        x.count -= extra;
        x.unit.price -= d;
        x.unit.history.emplace_back(q, d);
      }
      u.insert(u.end(), std::make_move_iterator(split.begin()), std::make_move_iterator(split.end()));
      Normalize(u);
    }
    return Score(std::make_shared<const State>(std::move(u)));
  }

  Outcome Score(std::shared_ptr<const State> leaf) const {
    Outcome o;
    std::vector<int64_t> line_sum(lines_.size(), 0);
    std::vector<bool> present(lines_.size(), false);
    std::map<int, int64_t> touched;  // promotion -> units
    for (const Slot& x : *leaf) {
      line_sum[static_cast<size_t>(x.unit.line)] += x.unit.price * x.count;
      present[static_cast<size_t>(x.unit.line)] = true;
      for (const auto& [q, d] : x.unit.history) touched[q] += x.count;
    }
    o.total = 0;
    for (size_t l = 0; l < lines_.size(); ++l) {
      if (!present[l]) continue;
      o.total += tax_inclusive_
                     ? line_sum[l]
                     : line_sum[l] + *MulDiv(line_sum[l], lines_[l].line->tax_rate_bp, 10'000, RoundingMode::kHalfUp);
    }
    for (const auto& [q, units] : touched) {
      const int64_t size = promos_[q].p->ApplicationSize();
      const int64_t apps = size > 0 ? units / size : 1;
      o.applications += apps;
      o.ranks.insert(o.ranks.end(), static_cast<size_t>(apps), promos_[q].rank);
    }
    std::sort(o.ranks.begin(), o.ranks.end());
    o.leaf = std::move(leaf);
    return o;
  }

 private:
  const std::vector<LineInfo>& lines_;
  const std::vector<ActivePromo>& promos_;
  bool tax_inclusive_;
  const std::string& member_tier_;
  int64_t budget_;
  bool greedy_;
  int64_t& steps_;
  bool exhausted_ = false;
  Outcome best_;  // the best complete answer found so far
  std::vector<int64_t> max_price_;  // per promotion: the dearest unit it could use
  std::vector<int> layer1_;
  std::vector<int> layer23_;
  std::unordered_map<std::string, Outcome> memo_;
};

// Union-find over lines, for the independent components.
struct Components {
  explicit Components(size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), size_t{0}); }
  size_t Find(size_t x) { return parent[x] == x ? x : parent[x] = Find(parent[x]); }
  void Join(size_t a, size_t b) { parent[Find(a)] = Find(b); }
  std::vector<size_t> parent;
};

}  // namespace

CompiledRules::CompiledRules(Rules rules) : rules_(std::move(rules)) {
  for (int i = 0; i < static_cast<int>(rules_.promotions.size()); ++i) {
    const Promotion& p = rules_.promotions[static_cast<size_t>(i)];
    std::vector<const Scope*> scopes;
    if (p.type == PromoType::kBundle) {
      for (const Scope& g : p.groups) scopes.push_back(&g);
    } else {
      scopes.push_back(&p.scope);
    }
    bool all = false;
    for (const Scope* s : scopes) {
      all = all || s->all;
      for (const std::string& v : s->skus) by_sku_[v].push_back(i);
      for (const std::string& v : s->categories) by_category_[v].push_back(i);
      for (const std::string& v : s->brands) by_brand_[v].push_back(i);
    }
    if (all) for_all_.push_back(i);
  }
}

std::vector<int> CompiledRules::Candidates(const std::string& sku, const std::string& category,
                                           const std::string& brand) const {
  std::vector<int> out = for_all_;
  const auto add = [&](const std::map<std::string, std::vector<int>, std::less<>>& index, const std::string& key) {
    if (key.empty()) return;
    if (auto it = index.find(key); it != index.end()) out.insert(out.end(), it->second.begin(), it->second.end());
  };
  add(by_sku_, sku);
  add(by_category_, category);
  add(by_brand_, brand);
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Result<PricingResult> PriceWithRules(const Cart& cart, const CompiledRules& compiled, const Context& ctx) {
  const Rules& rules = compiled.rules();
  if (cart.lines.size() > kMaxCartLines) return Error::Make("too_many_lines", "a cart holds at most 1000 lines", "lines");

  // Price sources.
  std::vector<LineInfo> lines(cart.lines.size());
  for (size_t i = 0; i < cart.lines.size(); ++i) {
    const CartLine& l = cart.lines[i];
    if (auto ok = ValidateLine(l, IndexPath("lines", i)); !ok) return ok.error();
    LineInfo& info = lines[i];
    info.line = &l;
    info.unit_price = l.unit_price;
    info.source = "catalog";
    const PriceListEntry* best = nullptr;
    for (const PriceListEntry& e : rules.price_list) {
      if (e.sku != l.sku || l.sku.empty()) continue;
      if ((e.start && ctx.now < *e.start) || (e.end && ctx.now >= *e.end)) continue;
      if (!e.stores.empty() && std::find(e.stores.begin(), e.stores.end(), ctx.store_id) == e.stores.end()) continue;
      if (best == nullptr || e.start.value_or(INT64_MIN) > best->start.value_or(INT64_MIN)) best = &e;
    }
    if (best != nullptr) {
      info.unit_price = best->price;
      info.source = "price_list";
    }
    if (!ctx.member_tier.empty()) {
      for (const MemberPrice& m : rules.member_prices) {
        if (m.sku == l.sku && !l.sku.empty() && m.tier == ctx.member_tier && m.price < info.unit_price) {
          info.unit_price = m.price;
          info.source = "member_price";
        }
      }
    }
    if (l.override_price >= 0) {
      info.unit_price = l.override_price;
      info.source = "override";
      info.overridden = true;
    }
    CartLine priced = l;
    priced.unit_price = info.unit_price;
    auto gross = LineGross(priced);
    if (!gross) return gross.error();
    const bool weighed = l.sold_by == SoldBy::kWeight;
    info.units = weighed ? 1 : l.qty;
    info.unit_base = weighed ? *gross : info.unit_price;
  }

  // Active promotions that can touch a line, in application order.
  std::vector<int> candidate_ids;
  for (const LineInfo& info : lines) {
    if (info.overridden) continue;
    auto c = compiled.Candidates(info.line->sku, info.line->category, info.line->brand);
    candidate_ids.insert(candidate_ids.end(), c.begin(), c.end());
  }
  std::sort(candidate_ids.begin(), candidate_ids.end());
  candidate_ids.erase(std::unique(candidate_ids.begin(), candidate_ids.end()), candidate_ids.end());
  std::vector<ActivePromo> promos;
  for (int id : candidate_ids) {
    const Promotion& p = rules.promotions[static_cast<size_t>(id)];
    if (!Active(p, ctx)) continue;
    ActivePromo ap{&p, 0, std::vector<bool>(lines.size(), false), {}};
    if (p.type == PromoType::kBundle) ap.group_scope.assign(p.groups.size(), std::vector<bool>(lines.size(), false));
    bool any = false;
    for (size_t l = 0; l < lines.size(); ++l) {
      if (lines[l].overridden) continue;
      if (p.type == PromoType::kBundle) {
        for (size_t g = 0; g < p.groups.size(); ++g) {
          ap.group_scope[g][l] = LineMatches(p.groups[g], p, *lines[l].line);
          ap.in_scope[l] = ap.in_scope[l] || ap.group_scope[g][l];
        }
      } else {
        ap.in_scope[l] = LineMatches(p.scope, p, *lines[l].line);
      }
      any = any || ap.in_scope[l];
    }
    if (any) promos.push_back(std::move(ap));
  }
  std::sort(promos.begin(), promos.end(), [](const ActivePromo& a, const ActivePromo& b) {
    if (a.p->layer() != b.p->layer()) return a.p->layer() < b.p->layer();
    if (a.p->priority != b.p->priority) return a.p->priority < b.p->priority;
    return a.p->id < b.p->id;
  });
  {
    std::vector<size_t> by_id(promos.size());
    std::iota(by_id.begin(), by_id.end(), size_t{0});
    std::sort(by_id.begin(), by_id.end(), [&](size_t a, size_t b) { return promos[a].p->id < promos[b].p->id; });
    for (size_t r = 0; r < by_id.size(); ++r) promos[by_id[r]].rank = static_cast<int>(r);
  }

  // Independent components: promotions that couple units join their lines.
  Components comp(lines.size());
  for (const ActivePromo& ap : promos) {
    const Promotion& p = *ap.p;
    const bool couples = p.ApplicationSize() != 1 || p.max_applications || p.remaining_units;
    if (!couples) continue;
    size_t first = lines.size();
    for (size_t l = 0; l < lines.size(); ++l) {
      if (!ap.in_scope[l]) continue;
      if (first == lines.size()) first = l;
      comp.Join(l, first);
    }
  }
  std::map<size_t, std::vector<int32_t>> groups;
  for (size_t l = 0; l < lines.size(); ++l) groups[comp.Find(l)].push_back(static_cast<int32_t>(l));

  PricingResult result;
  State units;
  for (const auto& [root, line_ids] : groups) {
    std::vector<int> promo_ids;
    for (size_t q = 0; q < promos.size(); ++q) {
      if (std::any_of(line_ids.begin(), line_ids.end(),
                      [&](int32_t l) { return promos[q].in_scope[static_cast<size_t>(l)]; })) {
        promo_ids.push_back(static_cast<int>(q));
      }
    }
    Search search(lines, promos, rules.tax_inclusive, ctx, result.steps);
    Outcome best = search.Run(line_ids, promo_ids);
    if (search.exhausted() || ctx.greedy) result.optimal = false;
    units.insert(units.end(), best.leaf->begin(), best.leaf->end());
  }

  // The explanation: lines, adjustments, tax, cash rounding.
  result.lines.resize(lines.size());
  std::vector<int64_t> final_sum(lines.size(), 0);
  std::map<int, std::map<size_t, std::pair<int64_t, int64_t>>> by_promo;  // q -> line -> (units, discount)
  for (const Slot& x : units) {
    final_sum[static_cast<size_t>(x.unit.line)] += x.unit.price * x.count;
    for (const auto& [q, d] : x.unit.history) {
      auto& cell = by_promo[q][static_cast<size_t>(x.unit.line)];
      cell.first += x.count;
      cell.second += d * x.count;
    }
  }
  for (size_t l = 0; l < lines.size(); ++l) {
    LineResult& r = result.lines[l];
    const LineInfo& info = lines[l];
    r.unit_price = info.unit_price;
    r.price_source = info.source;
    r.list_amount = info.unit_base * info.units;
    r.discount = r.list_amount - final_sum[l];
    if (rules.tax_inclusive) {
      r.gross = final_sum[l];
      r.tax = *IncludedTax(r.gross, info.line->tax_rate_bp);
      r.net = r.gross - r.tax;
    } else {
      r.net = final_sum[l];
      r.tax = *MulDiv(r.net, info.line->tax_rate_bp, 10'000, RoundingMode::kHalfUp);
      r.gross = r.net + r.tax;
    }
    result.list_total += r.list_amount;
    result.discount += r.discount;
    result.total += r.gross;
    result.net += r.net;
    result.tax += r.tax;
    result.units += info.line->sold_by == SoldBy::kWeight ? 1 : info.line->qty;
  }
  for (const auto& [q, per_line] : by_promo) {
    Adjustment adj;
    adj.promotion = promos[static_cast<size_t>(q)].p;
    int64_t touched = 0;
    for (const auto& [l, cell] : per_line) {
      adj.lines.push_back(AdjustmentLine{l, cell.first, cell.second});
      adj.discount += cell.second;
      touched += cell.first;
      result.lines[l].promotions.push_back(LinePromotion{adj.promotion->id, cell.second});
    }
    const int64_t size = adj.promotion->ApplicationSize();
    adj.applications = size > 0 ? touched / size : 1;
    result.adjustments.push_back(std::move(adj));
  }
  result.amount_due = result.total;
  if (rules.cash_increment > 0) {
    auto rounded = RoundToIncrement(result.total, rules.cash_increment, rules.cash_mode);
    if (!rounded) return rounded.error();
    result.cash_rounding = *rounded - result.total;
    result.amount_due = *rounded;
  }
  return result;
}

}  // namespace aisle::core::pricing
