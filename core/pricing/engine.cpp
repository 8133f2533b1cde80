#include "core/pricing/engine.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cstring>
#include <type_traits>
#include <deque>
#include <memory>
#include <span>
#include <numeric>
#include <optional>
#include <limits>
#include <unordered_map>
#include <map>

namespace aisle::core::pricing {
namespace {

__extension__ using Int128 = __int128;

// ---------------------------------------------------------------------------
// Units and their states.

// An insert-only hash map from a small trivially copyable key to a value,
// in one array (open addressing, at most half full): the walk looks units
// and histories up at every state, where std::unordered_map's node per
// entry and prime modulo cost more than the lookup. `Hash` need not mix
// well: its result is multiplied by a 64-bit odd constant and the top bits
// taken.
template <typename K, typename V, typename Hash>
class FlatMap {
 public:
  // The value of `key`, inserted value-initialized when absent (second:
  // true). Valid until the next insertion.
  std::pair<V*, bool> TryEmplace(const K& key) {
    if (2 * (size_ + 1) > cells_.size()) Grow();
    for (size_t i = Index(key);; i = (i + 1) & (cells_.size() - 1)) {
      Cell& c = cells_[i];
      if (!c.used) {
        c = Cell{key, V{}, true};
        ++size_;
        return {&c.value, true};
      }
      if (c.key == key) return {&c.value, false};
    }
  }
  // Forgets every entry; a large table is given back (see KeyTable::Clear).
  void Clear() {
    size_ = 0;
    if (cells_.size() > 4096) {
      cells_ = {};
      shift_ = 64;
    } else {
      for (Cell& c : cells_) c.used = false;
    }
  }

 private:
  struct Cell {
    K key;
    V value;
    bool used = false;
  };
  size_t Index(const K& key) const {
    return static_cast<size_t>((static_cast<uint64_t>(Hash()(key)) * 0x9E3779B97F4A7C15ull) >> shift_);
  }
  void Grow() {
    std::vector<Cell> old = std::move(cells_);
    const size_t n = old.empty() ? 16 : old.size() * 2;
    cells_.assign(n, Cell{});
    shift_ = 64 - std::countr_zero(n);
    for (const Cell& c : old) {
      if (!c.used) continue;
      size_t i = Index(c.key);
      while (cells_[i].used) i = (i + 1) & (n - 1);
      cells_[i] = c;
    }
  }
  std::vector<Cell> cells_;
  size_t size_ = 0;
  int shift_ = 64;
};

// What has happened to a unit: (active promotion, discount), in order.
using HistoryEntry = std::pair<int32_t, int64_t>;
// A history as Histories keeps it: valid until the next Extend.
using History = std::span<const HistoryEntry>;

// Every history met while pricing one cart, each stored once: a unit holds
// its history's id, so units and states are plain values that copy, compare
// and hash without allocating.
class Histories {
 public:
  // What the stacking rules ask of the promotions in a history, kept per
  // history so that Compatible need not walk it: whether one is exclusive
  // or no_threshold, the groups present (bit g: group g, when every group
  // is below 64) and the highest promotion in it.
  struct Traits {
    int32_t highest = -1;  // -1: untouched
    bool exclusive = false;
    bool no_threshold = false;
    bool wide_groups = false;  // a group of 64 or more: Compatible walks the history
    uint64_t groups = 0;
  };
  // What Traits needs of each active promotion (by index).
  struct PromoTraits {
    bool exclusive = false;
    bool no_threshold = false;
    int group = -1;
  };

  explicit Histories(std::vector<PromoTraits> promos = {})
      : spans_(1), traits_(1), promos_(std::move(promos)) {}

  // Valid until the next Extend (the histories share one buffer).
  History operator[](int32_t id) const {
    const Span& at = spans_[static_cast<size_t>(id)];
    return {entries_.data() + at.offset, at.size};
  }
  const Traits& traits(int32_t id) const { return traits_[static_cast<size_t>(id)]; }

  // The id of history `id` followed by (q, discount).
  int32_t Extend(int32_t id, int32_t q, int64_t discount) {
    const auto [next, fresh] = next_.TryEmplace(Next{id, q, discount});
    if (fresh) {
      *next = static_cast<int32_t>(spans_.size());
      // Copied to the end of the shared buffer, then the new entry: one
      // buffer for every history, not a vector each.
      const Span from = spans_[static_cast<size_t>(id)];
      const Span to{static_cast<uint32_t>(entries_.size()), from.size + 1};
      // Grown first (geometrically), so that the copy below reads a buffer that stays put.
      if (entries_.capacity() < entries_.size() + to.size) {
        entries_.reserve(std::max<size_t>(2 * entries_.capacity(), entries_.size() + to.size + 16));
      }
      for (uint32_t i = 0; i < from.size; ++i) entries_.push_back(entries_[from.offset + i]);
      entries_.emplace_back(q, discount);
      spans_.push_back(to);
      Traits t = traits_[static_cast<size_t>(id)];
      t.highest = std::max(t.highest, q);
      if (static_cast<size_t>(q) < promos_.size()) {
        const PromoTraits& p = promos_[static_cast<size_t>(q)];
        t.exclusive = t.exclusive || p.exclusive;
        t.no_threshold = t.no_threshold || p.no_threshold;
        if (p.group >= 64) t.wide_groups = true;
        if (p.group >= 0 && p.group < 64) t.groups |= uint64_t{1} << p.group;
      } else {
        t.wide_groups = true;  // unknown promotion: walk the history
      }
      traits_.push_back(t);
    }
    return *next;
  }

  // The unit order of docs/pricing.md, for two units of one line at one
  // price: the promotions touching them as a list of application positions,
  // then the discounts (which only make the order total). One pass over
  // each list: the first promotion that differs (or the shorter list)
  // decides, then the first discount that differs.
  bool Less(int32_t a, int32_t b) const {
    if (a == b) return false;
    const History x = (*this)[a];
    const History y = (*this)[b];
    const size_t n = std::min(x.size(), y.size());
    for (size_t i = 0; i < n; ++i) {
      if (x[i].first != y[i].first) return x[i].first < y[i].first;
    }
    if (x.size() != y.size()) return x.size() < y.size();
    for (size_t i = 0; i < n; ++i) {
      if (x[i].second != y[i].second) return x[i].second < y[i].second;
    }
    return false;
  }

  // An id for the promotions of history `id` alone (without the
  // discounts): equal ids, equal lists of promotions.
  int32_t Promotions(int32_t id) {
    if (promotions_.size() <= static_cast<size_t>(id)) promotions_.resize(spans_.size(), -1);
    int32_t& out = promotions_[static_cast<size_t>(id)];
    if (out < 0) {
      std::vector<int32_t> qs;
      for (const auto& [q, d] : (*this)[id]) qs.push_back(q);
      out = by_promotions_.try_emplace(std::move(qs), static_cast<int32_t>(by_promotions_.size())).first->second;
    }
    return out;
  }

 private:
  struct Next {
    int32_t id;
    int32_t q;
    int64_t discount;
    bool operator==(const Next&) const = default;
  };
  struct Hash {
    size_t operator()(const Next& n) const {
      return std::hash<int64_t>()(n.discount) * 31 + (static_cast<size_t>(n.id) << 20) + static_cast<size_t>(n.q);
    }
  };
  // Where a history's entries are in entries_.
  struct Span {
    uint32_t offset = 0;
    uint32_t size = 0;
  };
  std::vector<HistoryEntry> entries_;  // every history, one after another
  std::vector<Span> spans_;    // per history
  std::vector<Traits> traits_;  // per history
  std::vector<PromoTraits> promos_;
  FlatMap<Next, int32_t, Hash> next_;
  std::vector<int32_t> promotions_;                   // per history: Promotions(), -1 until asked
  std::map<std::vector<int32_t>, int32_t> by_promotions_;
};

// A hash table from keys (byte strings as Search::Key writes them) to
// values, holding every key in one buffer: a walk remembers thousands of
// states, and a node and a string allocated per state cost more than the
// lookup. Open addressing, at most half full.
template <typename V>
class KeyTable {
 public:
  // The value of `key`, or nullptr. Valid until the next insertion.
  V* Find(std::string_view key) {
    if (slots_.empty()) return nullptr;
    const uint64_t h = Hash(key);
    for (size_t i = h & (slots_.size() - 1);; i = (i + 1) & (slots_.size() - 1)) {
      const uint32_t e = slots_[i];
      if (e == 0) return nullptr;
      if (Same(entries_[e - 1], h, key)) return &values_[e - 1];
    }
  }
  // The value of `key`, inserted as `fresh` when absent (second: true).
  // Valid until the next insertion.
  std::pair<V*, bool> TryEmplace(std::string_view key, V fresh) {
    if (2 * (entries_.size() + 1) > slots_.size()) Grow();
    const uint64_t h = Hash(key);
    size_t i = h & (slots_.size() - 1);
    for (;; i = (i + 1) & (slots_.size() - 1)) {
      const uint32_t e = slots_[i];
      if (e == 0) break;
      if (Same(entries_[e - 1], h, key)) return {&values_[e - 1], false};
    }
    entries_.push_back(Entry{h, bytes_.size(), key.size()});
    bytes_.append(key);
    values_.push_back(std::move(fresh));
    slots_[i] = static_cast<uint32_t>(entries_.size());
    return {&values_.back(), true};
  }
  size_t size() const { return values_.size(); }
  // The value inserted `i`-th (0: first).
  V& at(size_t i) { return values_[i]; }
  // Forgets every key; a large table is given back (zeroing it again for
  // each small walk that follows would cost more than a new one).
  void Clear() {
    entries_.clear();
    bytes_.clear();
    values_.clear();
    if (slots_.size() > 4096) {
      slots_ = {};
    } else {
      std::fill(slots_.begin(), slots_.end(), 0);
    }
  }

 private:
  struct Entry {
    uint64_t hash;
    size_t offset;  // in bytes_
    size_t size;
  };
  // Four independent lanes of 8 bytes each, mixed together at the end: a
  // key is often a few hundred bytes, and one lane's chain of multiplies
  // would wait on each other.
  static uint64_t Hash(std::string_view key) {
    uint64_t lane[4] = {0x9E3779B97F4A7C15ull ^ key.size(), 0xC2B2AE3D27D4EB4Full, 0x165667B19E3779F9ull,
                        0x27D4EB2F165667C5ull};
    size_t i = 0;
    for (; i + 32 <= key.size(); i += 32) {
      for (int l = 0; l < 4; ++l) {
        uint64_t w;
        std::memcpy(&w, key.data() + i + 8 * l, sizeof w);
        lane[l] = (lane[l] ^ w) * 0xFF51AFD7ED558CCDull;
        lane[l] ^= lane[l] >> 32;
      }
    }
    uint64_t h = lane[0];
    for (int l = 1; l < 4; ++l) h = (h ^ lane[l]) * 0xFF51AFD7ED558CCDull;
    for (; i + 8 <= key.size(); i += 8) {
      uint64_t w;
      std::memcpy(&w, key.data() + i, sizeof w);
      h = (h ^ w) * 0xFF51AFD7ED558CCDull;
      h ^= h >> 32;
    }
    for (; i < key.size(); ++i) h = (h ^ static_cast<unsigned char>(key[i])) * 0x100000001B3ull;
    h ^= h >> 29;
    h *= 0xC4CEB9FE1A85EC53ull;
    return h ^ (h >> 32);
  }
  bool Same(const Entry& e, uint64_t h, std::string_view key) const {
    return e.hash == h && e.size == key.size() && std::memcmp(bytes_.data() + e.offset, key.data(), key.size()) == 0;
  }
  void Grow() {
    slots_.assign(slots_.empty() ? 64 : slots_.size() * 2, 0);
    for (size_t e = 0; e < entries_.size(); ++e) {
      size_t i = entries_[e].hash & (slots_.size() - 1);
      while (slots_[i] != 0) i = (i + 1) & (slots_.size() - 1);
      slots_[i] = static_cast<uint32_t>(e + 1);
    }
  }
  std::vector<uint32_t> slots_;  // entry index + 1; 0: empty
  std::vector<Entry> entries_;
  std::string bytes_;  // every key, one after another
  std::vector<V> values_;  // per entry
};

// One unit of a line and what has happened to it so far.
struct Unit {
  int32_t line = 0;
  int32_t history = 0;  // id in Histories
  int64_t price = 0;    // current price

  bool operator==(const Unit&) const = default;
};

// `count` identical units. A state is a sorted vector of slots with no two
// equal units, so equal multisets of units have one representation, and a
// line of 500 identical units is one slot, not 500.
struct Slot {
  Unit unit;
  int64_t count = 0;
};
using State = std::vector<Slot>;

// The order of a state's slots: by unit (line, price, history). Equal
// histories have one id (Histories::Extend), so units that neither orders
// first are equal.
struct SlotLess {
  const Histories& histories;
  bool operator()(const Slot& a, const Slot& b) const {
    if (a.unit.line != b.unit.line) return a.unit.line < b.unit.line;
    if (a.unit.price != b.unit.price) return a.unit.price < b.unit.price;
    return histories.Less(a.unit.history, b.unit.history);
  }
};

// Sorts by unit (line, price, history) and merges equal units; drops empty slots.
void Normalize(State& s, const Histories& histories) {
  std::sort(s.begin(), s.end(), SlotLess{histories});
  size_t out = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i].count == 0) continue;
    if (out > 0 && s[out - 1].unit == s[i].unit) {
      s[out - 1].count += s[i].count;
    } else {
      s[out++] = s[i];
    }
  }
  s.resize(out);
}

// Normalize for a state whose slots before `sorted` are already in order,
// no two equal (some may be empty), and only the few after it are not (a
// state after Apply: its first slots are the state before, less the units
// taken, then one slot per unit taken): those few are sorted, then merged
// with the rest through `scratch` (kept by the caller), which `s` is
// swapped with. The same slots as Normalize gives: the order is total up
// to equal units, which both merge.
void NormalizeTail(State& s, size_t sorted, const Histories& histories, State& scratch) {
  const SlotLess less{histories};
  std::sort(s.begin() + static_cast<std::ptrdiff_t>(sorted), s.end(), less);
  scratch.clear();
  const auto put = [&](const Slot& x) {
    if (x.count == 0) return;
    if (!scratch.empty() && scratch.back().unit == x.unit) {
      scratch.back().count += x.count;
    } else {
      scratch.push_back(x);
    }
  };
  size_t i = 0;
  size_t j = sorted;
  while (i < sorted && j < s.size()) put(less(s[j], s[i]) ? s[j++] : s[i++]);
  while (i < sorted) put(s[i++]);
  while (j < s.size()) put(s[j++]);
  s.swap(scratch);
}

// Spreads `amount` over units with allocate() semantics (largest remainder,
// ties to the earlier unit) when slot i stands for counts[i] units of weight
// weights[i]: writes into `out`, per slot, the share of each unit and how
// many of its units (the first ones) get one more. `remainder` and `order`
// are scratch space, kept by the caller so that no call allocates.
void AllocateOverSlots(int64_t amount, const std::vector<int64_t>& weights, const std::vector<int64_t>& counts,
                       std::vector<std::pair<int64_t, int64_t>>& out, std::vector<Int128>& remainder,
                       std::vector<size_t>& order) {
  Int128 total = 0;
  for (size_t i = 0; i < weights.size(); ++i) total += Int128{weights[i]} * counts[i];
  out.assign(weights.size(), {0, 0});
  if (total == 0) return;
  remainder.resize(weights.size());
  Int128 given = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    const Int128 exact = Int128{amount} * weights[i];
    if (exact >= 0 && exact <= INT64_MAX && total <= INT64_MAX) {  // the same in 64 bits, without a 128-bit division
      out[i].first = static_cast<int64_t>(exact) / static_cast<int64_t>(total);
      remainder[i] = static_cast<int64_t>(exact) % static_cast<int64_t>(total);
    } else {
      out[i].first = static_cast<int64_t>(exact / total);
      remainder[i] = exact % total;
    }
    given += Int128{out[i].first} * counts[i];
  }
  order.resize(weights.size());
  std::iota(order.begin(), order.end(), size_t{0});
  // Largest remainder first, ties to the earlier slot (std::stable_sort would allocate a buffer).
  std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return remainder[a] != remainder[b] ? remainder[a] > remainder[b] : a < b;
  });
  Int128 left = Int128{amount} - given;
  for (size_t k = 0; k < order.size() && left > 0; ++k) {
    const Int128 n = std::min<Int128>(left, counts[order[k]]);
    out[order[k]].second = static_cast<int64_t>(n);
    left -= n;
  }
}

// `count` units at one price (price, count): what the bounds read of slots.
using PriceRun = std::pair<int64_t, int64_t>;

// Per line, the sum of its units, added in state order (slots are sorted by line).
struct LineSums {
  std::vector<std::pair<int32_t, int64_t>> sums;
  void Add(int32_t line, int64_t amount) {
    if (sums.empty() || sums.back().first != line) sums.emplace_back(line, 0);
    sums.back().second += amount;
  }
};

// A line as the engine sees it after the price sources.
struct LineInfo {
  const CartLine* line = nullptr;
  int64_t unit_price = 0;  // per unit or per kg
  int64_t unit_base = 0;   // the price of one engine unit (a weighed line's gross)
  int64_t units = 0;       // engine units: qty, or 1 for a weighed line
  std::string_view source;
  bool overridden = false;            // an override or a manual discount: no promotion touches it
  int64_t undiscounted_unit_price = -1;  // before a manual discount; -1: none
};

// A promotion active for this cart.
struct ActivePromo {
  const Promotion* p = nullptr;
  int rank = 0;  // position in id order, for the tie-break
  int layer = 0;  // p->layer(), which the search asks often
  std::vector<bool> in_scope;                 // per line
  std::vector<int32_t> lines;                 // the lines in scope, ascending (in_scope as a list)
  std::vector<std::vector<bool>> group_scope;  // bundle: per group, per line
  // Its stacking, for Compatible: exclusive, and its group (-1: none).
  bool exclusive = false;
  int group = -1;
  int coupon = -1;  // a presented coupon (layer 4): its index in Context::coupons
  const Promotion* named = nullptr;  // when p is a copy with a smaller cap: the rules' own, for the result
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

// The applications a state's units record and their promotions' id ranks,
// sorted: what the tie-break compares. Its buffers are kept between counts:
// units per promotion in an array by promotion (zero again after each
// count), so a count neither sorts every unit's entries nor allocates.
class Tally {
 public:
  // Counts state s: applications() and ranks() are then its.
  void Count(const State& s, const std::vector<ActivePromo>& promos, const Histories& histories) {
    if (units_.size() < promos.size()) {
      units_.resize(promos.size(), 0);
      seen_.resize(promos.size(), false);
    }
    touched_.clear();
    for (const Slot& x : s) {
      for (const auto& [q, d] : histories[x.unit.history]) {
        const size_t at = static_cast<size_t>(q);
        if (!seen_[at]) {
          seen_[at] = true;
          touched_.push_back(q);
        }
        units_[at] += x.count;
      }
    }
    // Per promotion touched: (its rank, its applications), by rank; the
    // ranks are distinct, so the list of ranks below comes out sorted.
    by_rank_.clear();
    applications_ = 0;
    for (const int q : touched_) {
      const size_t at = static_cast<size_t>(q);
      const int64_t size = promos[at].p->ApplicationSize();
      const int64_t apps = size > 0 ? units_[at] / size : 1;
      applications_ += apps;
      by_rank_.emplace_back(promos[at].rank, apps);
      units_[at] = 0;
      seen_[at] = false;
    }
    std::sort(by_rank_.begin(), by_rank_.end());
    ranks_.clear();
    for (const auto& [rank, apps] : by_rank_) ranks_.insert(ranks_.end(), static_cast<size_t>(apps), rank);
  }
  int64_t applications() const { return applications_; }
  const std::vector<int>& ranks() const { return ranks_; }

 private:
  std::vector<int64_t> units_;  // per promotion: its units in the state being counted
  std::vector<bool> seen_;      // per promotion: in touched_
  std::vector<int> touched_;
  std::vector<std::pair<int, int64_t>> by_rank_;
  int64_t applications_ = 0;
  std::vector<int> ranks_;
};

bool Active(const Promotion& p, const Context& ctx) {
  if (p.start && ctx.now < *p.start) return false;
  if (p.end && ctx.now >= *p.end) return false;
  if (!p.stores.empty() && std::find(p.stores.begin(), p.stores.end(), ctx.store_id) == p.stores.end()) {
    return false;
  }
  if ((p.member_only || p.per_member) && ctx.member_tier.empty()) return false;
  if (p.max_applications && *p.max_applications == 0) return false;
  if (p.remaining_units && *p.remaining_units == 0) return false;
  if (p.type == PromoType::kMemberTier) {
    return std::any_of(p.member_tiers.begin(), p.member_tiers.end(),
                       [&](const auto& t) { return t.first == ctx.member_tier; });
  }
  return true;
}

// v × bp / 10000 rounded with `mode` (half up or up), exactly as MulDiv(v,
// bp, 10000, mode) gives it, without building a Result: the search's hot
// loops call it for every unit. Operands outside the plain 64-bit case go
// to MulDiv, out of line: the plain case is inlined into those loops.
__attribute__((noinline)) int64_t OfBpByMulDiv(int64_t v, int64_t bp, RoundingMode mode) {
  return *MulDiv(v, bp, 10'000, mode);
}
__attribute__((always_inline)) inline int64_t OfBp(int64_t v, int64_t bp, RoundingMode mode) {
  int64_t product = 0;
  if (v >= 0 && bp >= 0 && !__builtin_mul_overflow(v, bp, &product)) {
    const int64_t q = product / 10'000;
    const int64_t r = product % 10'000;
    if (r == 0) return q;
    if (mode == RoundingMode::kHalfUp) return r >= 10'000 - r ? q + 1 : q;
    if (mode == RoundingMode::kUp) return q + 1;
  }
  return OfBpByMulDiv(v, bp, mode);
}

// Past the budget, the part (or the choice among a component's parts) being
// worked on stops at its best so far, but each one started later still gets
// this many steps of its own (docs/pricing.md, "The search", step 7): one
// pathological part does not leave the rest of the cart at the greedy answer.
// All the graces together end a quarter of the budget (or one grace) past it.
constexpr int64_t kGraceSteps = 1'000;

// The step count a walk starting now may reach: the budget, or past it, its grace.
int64_t StepLimit(int64_t steps, int64_t budget) {
  if (steps < budget) return budget;
  return std::min(steps + kGraceSteps, budget + std::max(budget / 4, kGraceSteps));
}

// The most applications promotion p may make in one cart: its own cap, and
// for a capped flash sale or the like as many as its units left allow.
int64_t MaxApplications(const Promotion& p) {
  int64_t most = p.max_applications.value_or(INT64_MAX);
  if (p.remaining_units) most = std::min(most, *p.remaining_units / p.ApplicationSize());
  return most;
}

bool LineMatches(const Scope& scope, const Promotion& p, const CartLine& l) {
  return scope.Matches(l.sku, l.category, l.brand) && !p.exclude.Matches(l.sku, l.category, l.brand);
}

// Whether a layer-3 threshold after the first of `thresholds` (application
// order) may take less than its tier's `off` (or `percent_bp` of its spend)
// because the thresholds before it leave its units less: then what the
// objectives of the first pass count for it, and summaries of settled units,
// are no longer exact. `list(t)` is the most the units in t's scope sum to,
// `units` how many units there are.
template <typename List>
bool LaterThresholdMayFallShort(const std::vector<ActivePromo>& promos, const std::vector<int>& thresholds, List list,
                                int64_t units) {
  int64_t before = 0;  // the most the thresholds so far can take off the units
  // The same, split: the most the amount thresholds so far can take, and
  // the percent ones' rates summed, with a fen and a fen per unit each.
  int64_t amounts = 0;
  int64_t rates = 0;
  int64_t fen = 0;
  for (int t : thresholds) {
    const Promotion& p = *promos[static_cast<size_t>(t)].p;
    if (before > 0) {
      for (const Tier& tier : p.tiers) {
        if (tier.off <= tier.min - before) continue;
        // An amount threshold is cut short only if, with a spend S of at
        // least tier.min, the thresholds before it leave its units less
        // than it takes. A percent one at rate r takes of them at most
        // r × S plus half a fen (its rounding) and a fen a unit (allocate()
        // rounds each share down, and gives at most a fen more), an amount
        // one at most what it takes in all. Above tier.min, what is left
        // grows at least as fast as the discount (a repeating threshold's
        // off × S / min included), so checking at tier.min is enough.
        if (p.type != PromoType::kThresholdAmount || rates >= 10'000 ||
            Int128{tier.min} * (10'000 - rates) < Int128{10'000} * (Int128{tier.off} + amounts + fen)) {
          return true;
        }
      }
    }
    const int64_t in_scope = list(t);
    const Tier& top = p.tiers.back();
    const int64_t most = std::min(in_scope, p.type == PromoType::kThresholdPercent
                                                ? OfBp(in_scope, top.percent_bp, RoundingMode::kUp)
                                                : (p.repeat ? top.off * (in_scope / top.min) : top.off));
    before += most;
    if (p.type == PromoType::kThresholdPercent) {
      rates += top.percent_bp;
      fen += 1 + units;
    } else {
      amounts += most;
    }
  }
  return false;
}

// What a part's outcome is worth for one choice of layer-2/3 promotions and
// tiers, when the total follows from sums (PartsSearch::TotalsFollowSums): 10000 ×
// its cost after the layer-2 promotions `layer2` (bits of layer23) minus, per
// percent threshold reached, percent_bp × what it could take (weight per bit).
// Outcomes within `band` of the least are kept: the percent thresholds round
// the combined sum, so a part's second best may still win by a fen.
struct Objective {
  uint32_t layer2 = 0;
  std::vector<int64_t> weight;
  Int128 band = 0;
  Int128 best = std::numeric_limits<Int128>::max();
  Int128 extra = 0;  // added to the band (the targeted second pass)
  // Search::ties_ only: the fewest layer-1 applications of an outcome that scores `best`.
  int64_t best_applications = std::numeric_limits<int64_t>::max();
};

// ---------------------------------------------------------------------------
// The walk over the layer-1 choices of a set of lines. It serves three ways:
// Outcomes() lists every state layer 1 can leave a part in (PartsSearch
// chooses among them); Improve() applies layers 2-3 to a state and scores
// it (keeping it if better than a given outcome); Run() follows the first
// path only, for the greedy comparison (each promotion, in order, takes
// every application it can; every layer-2/3 promotion applies).

class Search {
 public:
  Search(const std::vector<LineInfo>& lines, const std::vector<ActivePromo>& promos, bool tax_inclusive,
         const Context& ctx, int64_t& steps, Histories& histories)
      : lines_(lines), promos_(promos), tax_inclusive_(tax_inclusive), member_tier_(ctx.member_tier),
        budget_(ctx.step_budget), greedy_(ctx.greedy), steps_(steps), histories_(histories) {}

  // The walk over the lines `line_ids` with the promotions `promo_ids`
  // (indices into promos_, in application order): the best answer it meets,
  // which with ctx.greedy is the greedy one.
  Outcome Run(const std::vector<int32_t>& line_ids, const std::vector<int>& promo_ids) {
    objectives_.clear();  // none (a Search that gave Outcomes() before keeps its last ones, see Reset)
    return Solve(0, Prepare(line_ids, promo_ids));
  }

  // Every state layer 1 can leave the lines in (for a part of the cart that
  // no layer-1 promotion couples to the rest), in the order found: the first
  // is the greedy one (more applications are tried before fewer).
  //
  // With objectives, a branch and bound: a state whose bound (Bound) is worse
  // than every objective's best so far by more than its band is not
  // followed, and only outcomes within the band of an objective's best are
  // returned. promo_ids then also lists the layer-2/3 promotions the
  // objectives' bits refer to.
  // `bests`, if given, receives each objective's best.
  std::vector<State> Outcomes(const std::vector<int32_t>& line_ids, const std::vector<int>& promo_ids,
                              const std::vector<Objective>& objectives = {}, std::vector<Int128>* bests = nullptr) {
    collect_ = true;
    // Copied into the objectives of the part before (Reset keeps them):
    // their weights' storage is reused.
    objectives_ = objectives;
    Solve(0, Prepare(line_ids, promo_ids));
    if (bests != nullptr) {
      bests->clear();
      bests->reserve(objectives_.size());
      for (const Objective& o : objectives_) bests->push_back(o.best);
    }
    if (objectives_.empty()) return std::move(collected_);
    std::vector<State> kept;
    for (size_t j = 0; j < collected_.size(); ++j) {
      for (size_t o = 0; o < objectives_.size(); ++o) {
        if (scores_[j * objectives_.size() + o] <= objectives_[o].best + objectives_[o].band) {
          kept.push_back(std::move(collected_[j]));
          break;
        }
      }
    }
    return kept;
  }

  // Layers 2 and 3 of `mask` (bit i: layer23()[i]) on a state after layer
  // 1, scored: `best` becomes that outcome if it is better (BetterThan).
  void Improve(const State& s, uint32_t mask, Outcome& best) const { Finish(s, mask, best); }
  const std::vector<int>& layer23() const { return layer23_; }
  // The lines' sums, with tax when prices exclude it (it only grows with a sum).
  int64_t WithTax(const LineSums& line_sum) const {
    int64_t total = 0;
    for (const auto& [l, sum] : line_sum.sums) {
      total += sum;
      if (!tax_inclusive_) total += OfBp(sum, lines_[static_cast<size_t>(l)].line->tax_rate_bp, RoundingMode::kHalfUp);
    }
    return total;
  }

  // Could threshold q count and discount unit u (in its scope, stacking allows it)?
  bool Takes(const Unit& u, int q) const {
    return promos_[q].in_scope[static_cast<size_t>(u.line)] && Compatible(u, q);
  }

  // Sets the promotions up and returns the starting state of the lines.
  State Prepare(const std::vector<int32_t>& line_ids, const std::vector<int>& promo_ids) {
    for (int q : promo_ids) (promos_[q].layer == 1 ? layer1_ : layer23_).push_back(q);
    for (int q : layer23_) (promos_[q].layer == 2 ? layer2_ : thresholds_).push_back(q);
    const bool bounded = collect_ && !objectives_.empty();  // what only Hopeless reads is set up for it alone
    if (bounded) {
      for (int q : layer23_) layer23_bp_.push_back(promos_[q].layer == 2 ? MemberBp(*promos_[q].p) : 0);
    }
    // The band is for the rounding of the reached percent thresholds'
    // combined discount: a part none of them may take from is ranked by its
    // score alone.
    for (Objective& o : objectives_) {
      int64_t reached = 0;
      for (size_t bit = 0; bit < o.weight.size(); ++bit) {
        const std::vector<bool>& scope = promos_[layer23_[bit]].in_scope;
        if (o.weight[bit] != 0 &&
            std::any_of(line_ids.begin(), line_ids.end(), [&](int32_t l) { return scope[static_cast<size_t>(l)]; })) {
          ++reached;
        }
      }
      o.band = Int128{10'000} * reached + o.extra;
    }
    summarize_ = Summarizes();
    // With no layer-2/3 promotion, a part's outcome is worth its cost alone
    // and adds nothing but its own applications to the tie-break: of two
    // that cost the same, the one with more applications loses in every
    // complete choice, so a state that can at best tie the best outcome
    // found, with more applications already, is cut (Hopeless).
    ties_ = bounded && layer23_.empty();
    // What Hopeless asks of the objectives and promotions at every state,
    // found once: per objective the bits of its weighted promotions, all
    // the bits any objective reads, and the multi-unit layer-1 promotions.
    weight_bits_.clear();
    weighed_ = 0;
    for (const Objective& o : objectives_) {
      uint32_t bits = 0;
      for (size_t bit = 0; bit < o.weight.size() && bit < 32; ++bit) bits |= o.weight[bit] != 0 ? 1u << bit : 0;
      weight_bits_.push_back(bits);
      weighed_ |= o.layer2 | bits;
    }
    weighed_in_scope_.assign(lines_.size(), 0);
    for (uint32_t bits = weighed_; bits != 0; bits &= bits - 1) {
      const int bit = std::countr_zero(bits);
      const std::vector<bool>& scope = promos_[layer23_[static_cast<size_t>(bit)]].in_scope;
      for (int32_t l : line_ids) weighed_in_scope_[static_cast<size_t>(l)] |= scope[static_cast<size_t>(l)] ? 1u << bit : 0;
    }
    ++part_;
    multi_unit_.clear();
    for (size_t i = 0; i < layer1_.size(); ++i) {
      if (promos_[layer1_[i]].p->ApplicationSize() != 1) multi_unit_.push_back(i);
    }
    keeps_.assign(layer1_.size(), 0);
    if (frames_.size() < layer1_.size()) frames_.resize(layer1_.size());  // before the walk: never while Decide holds one
    // Per line of the cart, sized once; only the part's lines are read (MostOff, Floor, LastTogether), so only they are reset.
    if (bounded && singles_by_line_.size() != lines_.size()) singles_by_line_.resize(lines_.size());
    if (bounded && layer1_by_line_.size() != lines_.size()) layer1_by_line_.resize(lines_.size());
    for (int32_t l : line_ids) {
      if (bounded) singles_by_line_[static_cast<size_t>(l)].clear();
      if (bounded) layer1_by_line_[static_cast<size_t>(l)].clear();
    }
    for (size_t i = 0; i < layer1_.size() && bounded; ++i) {
      const ActivePromo& ap = promos_[layer1_[i]];
      for (int32_t l : line_ids) {
        if (!ap.in_scope[static_cast<size_t>(l)]) continue;
        layer1_by_line_[static_cast<size_t>(l)].push_back(i);
        if (ap.p->ApplicationSize() == 1) singles_by_line_[static_cast<size_t>(l)].push_back(i);
      }
    }
    for (size_t i = 0; i < layer1_.size() && bounded; ++i) {  // keeps_: for Hopeless
      const ActivePromo& ap = promos_[layer1_[i]];
      for (size_t bit = 0; bit < layer23_.size() && bit < 32; ++bit) {
        const ActivePromo& b = promos_[layer23_[bit]];
        if (b.layer != 2 || ap.exclusive || b.exclusive || b.group >= 0) continue;
        const bool inside = std::all_of(line_ids.begin(), line_ids.end(), [&](int32_t l) {
          return !ap.in_scope[static_cast<size_t>(l)] || b.in_scope[static_cast<size_t>(l)];
        });
        if (inside) keeps_[i] |= 1u << bit;
      }
    }
    if (summarize_) {  // at most 4 layer-2 promotions: 16 choices of them
      summary_size_ = thresholds_.size() + (size_t{1} << layer2_.size()) * (thresholds_.size() + 3);
    }
    State start;
    start.reserve(line_ids.size());
    for (int32_t l : line_ids) start.push_back(Slot{Unit{l, 0, lines_[l].unit_base}, lines_[l].units});
    Normalize(start, histories_);
    return start;
  }

  bool exhausted() const { return exhausted_; }

  // Forgets the part walked last, so that the next Outcomes() or Run()
  // starts as a new Search would: one Search serves every part of a
  // component (most parts are one line, and a fresh Search's containers
  // cost more than walking them). Buffers keep their capacity; what does
  // not depend on the part (CartUnits, CartListInScope) is kept.
  void Reset() {
    exhausted_ = false;
    limit_ = StepLimit(steps_, budget_);
    layer1_.clear();
    layer23_.clear();
    layer2_.clear();
    thresholds_.clear();
    summarize_ = false;
    ties_ = false;
    barred_.clear();
    barred_promo_ = -1;
    floor_for_ = nullptr;
    layer23_bp_.clear();
    keeps_.clear();
    summary_size_ = 0;
    unit_info_.Clear();
    summaries_.clear();
    memo_.Clear();
    collect_ = false;
    collected_.clear();
    scores_.clear();
    // objectives_ is kept for its storage: Outcomes() sets it, Run() clears it.
  }

 private:
  bool Step() {
    if (++steps_ > limit_) exhausted_ = true;
    return !exhausted_;
  }

  // Out of budget, or asked for the greedy answer: follow only the first
  // branch everywhere.
  bool FirstPathOnly() const { return exhausted_ || greedy_; }

  // May promotion q touch unit u, given what already touches it? Asked
  // for every unit and promotion at every state the bounds look at, so the
  // usual answer, from the history's traits, is inlined; the walk over the
  // history (for a promotion not after every one in it, or with a group of
  // 64 or more) is not.
  __attribute__((always_inline)) bool Compatible(const Unit& u, int q) const {
    const Histories::Traits& t = histories_.traits(u.history);
    if (t.highest < 0) return true;  // untouched
    if (t.wide_groups) return CompatibleWalk(u, q);
    const ActivePromo& p = promos_[q];
    if (p.exclusive || t.exclusive || (t.no_threshold && p.layer == 3)) return false;
    if (p.group >= 0 && ((t.groups >> p.group) & 1) != 0) return false;
    if (q > t.highest) return true;
    if (q == t.highest) return false;  // q is in the history (the bounds ask this of the promotion being decided)
    return CompatibleWalk(u, q);  // is q in the history? (the rest the walk checks again, with the same answer)
  }

  // Compatible's answer from the whole history.
  __attribute__((noinline)) bool CompatibleWalk(const Unit& u, int q) const {
    const ActivePromo& p = promos_[q];
    const bool threshold = p.layer == 3;
    for (const auto& [other, discount] : histories_[u.history]) {
      const ActivePromo& o = promos_[other];
      if (other == q || o.exclusive || p.exclusive) return false;
      if (p.group >= 0 && p.group == o.group) return false;
      if (threshold && o.p->no_threshold) return false;
    }
    return true;
  }

  // True when the walk has ruled out that promotion q takes unit u (the
  // classes before the current tuple's, see Decide).
  bool Barred(const Unit& u, int q) const {
    return q == barred_promo_ && std::find(barred_.begin(), barred_.end(), u) != barred_.end();
  }

  int64_t MemberBp(const Promotion& promo) const {
    for (const auto& [tier, bp] : promo.member_tiers) {
      if (tier == member_tier_) return bp;
    }
    return 0;
  }

  // The key of state s before layer-1 promotion k, for the memory of the
  // walk. With summaries (Summarizes), the units no promotion from k on may
  // touch are settled: only what layers 2-3, the bounds and the tie-break
  // will ask of them is kept, summed over them, so states that differ only
  // in how settled units were grouped into applications (a mix and match's
  // units split otherwise between its applications) share one key, and the
  // walk follows them once: the first found stands for all.
  //
  // With `coarse` (the memory of Solve, not Decide's states met again), a
  // unit in play is kept as its line, its price and the promotions its
  // history lists, not their discounts. Two units of one line and price
  // whose histories list the same promotions are alike to every later step
  // (the stacking rules read the list; the unit order compares the lists
  // first, so where they tie the units are interchangeable, and later
  // steps order them by what they add): two states equal on that lead to
  // outcomes that cost, reach and rank the same, one for one, and the
  // second's would only tie with the first's and lose, as found later. It
  // merges, say, a unit that took ¥10 from a first promotion and nothing
  // from a second with one that took nothing from the first and ¥10 from
  // the second. Decide's memory needs the exact units: it extends a state
  // met again with the tuples (of its parent's classes) it did not try.
  // Written into `key_` (kept between calls, so a key met before costs no
  // allocation), through a pointer: grown to the longest key s could have,
  // the view returned is the part written. Valid until the next call.
  std::string_view Key(size_t k, const State& s, bool coarse = false) const {
    static_assert(sizeof(Slot) == 24 && std::is_trivially_copyable_v<Slot>);
    using Settled = std::array<int64_t, 3>;  // (line, promotions id, units)
    using Played = std::array<int64_t, 4>;   // coarse: (line, price, promotions id, units)
    const size_t most = sizeof(int64_t) * (2 + summary_size_) + s.size() * (sizeof(Played) + sizeof(Settled));
    if (key_.size() < most) key_.resize(std::max(most, 2 * key_.size()));
    char* const key = key_.data();
    const int64_t at = static_cast<int64_t>(k);
    std::memcpy(key, &at, sizeof at);
    size_t size = sizeof at;
    if (!summarize_ && !coarse) {
      if (!s.empty()) std::memcpy(key + size, s.data(), s.size() * sizeof(Slot));
      return {key, size + s.size() * sizeof(Slot)};
    }
    // The settled units per line and list of promotions, sorted by both
    // and merged as they come: the slots come by line, so each one's
    // place is found among the few of its own line at the end.
    std::vector<Settled>& settled = key_settled_;
    settled.resize(s.size());
    size_t n = 0;
    std::vector<int64_t>& sums = key_sums_;
    sums.assign(summary_size_, 0);
    const size_t summary = summary_size_;
    const size_t reaches = summary - (size_t{1} << layer2_.size());  // the bit sets come last
    size_t played = SIZE_MAX;  // coarse: where the last unit in play was written
    for (const Slot& x : s) {
      if (!summarize_ || Info(x.unit).last >= static_cast<int64_t>(k)) {  // still in play
        if (!coarse) {
          std::memcpy(key + size, &x, sizeof x);
          size += sizeof x;
          continue;
        }
        // Units of one line and price whose histories list the same
        // promotions come one after another (the unit order compares the
        // lists first): merged into one entry.
        Played one{x.unit.line, x.unit.price, histories_.Promotions(x.unit.history), x.count};
        if (played != SIZE_MAX) {
          Played last;
          std::memcpy(&last, key + played, sizeof last);
          if (last[0] == one[0] && last[1] == one[1] && last[2] == one[2]) {
            last[3] += one[3];
            std::memcpy(key + played, &last, sizeof last);
            continue;
          }
        }
        played = size;
        std::memcpy(key + size, &one, sizeof one);
        size += sizeof one;
        continue;
      }
      const UnitInfo& info = Info(x.unit);
      const Settled one_settled{x.unit.line, histories_.Promotions(x.unit.history), x.count};
      size_t place = n;  // after every entry of a lesser (line, promotions id)
      while (place > 0 && (settled[place - 1][0] > one_settled[0] ||
                           (settled[place - 1][0] == one_settled[0] && settled[place - 1][1] > one_settled[1]))) {
        --place;
      }
      if (place > 0 && settled[place - 1][0] == one_settled[0] && settled[place - 1][1] == one_settled[1]) {
        settled[place - 1][2] += one_settled[2];
      } else {
        std::copy_backward(settled.begin() + static_cast<std::ptrdiff_t>(place),
                           settled.begin() + static_cast<std::ptrdiff_t>(n),
                           settled.begin() + static_cast<std::ptrdiff_t>(n + 1));
        settled[place] = one_settled;
        ++n;
      }
      // Through local pointers and sizes: the compiler cannot otherwise
      // tell that the sums written are not summary_size_ (a size_t).
      const int64_t* __restrict one = summaries_.data() + info.summary;
      int64_t* __restrict to = sums.data();
      for (size_t i = 0; i < reaches; ++i) to[i] += one[i] * x.count;
      for (size_t i = reaches; i < summary; ++i) to[i] |= one[i];
    }
    const int64_t settled_size = static_cast<int64_t>(n);
    std::memcpy(key + size, &settled_size, sizeof settled_size);
    size += sizeof settled_size;
    if (n > 0) std::memcpy(key + size, settled.data(), n * sizeof(Settled));
    size += n * sizeof(Settled);
    if (!sums.empty()) std::memcpy(key + size, sums.data(), sums.size() * sizeof(int64_t));
    size += sums.size() * sizeof(int64_t);
    return {key, size};
  }

  // What Key asks of a unit, found once per pricing: the last layer-1
  // promotion (index in layer1_) that may touch it, -1 if none, and where
  // its summary (Summarize) starts in summaries_.
  struct UnitInfo {
    int64_t last = -1;
    size_t summary = 0;
  };
  struct UnitHash {
    size_t operator()(const Unit& u) const {
      return std::hash<int64_t>()(u.price) * 31 + (static_cast<size_t>(u.history) << 16) + static_cast<size_t>(u.line);
    }
  };

  const UnitInfo& Info(const Unit& u) const {
    auto [found, fresh] = unit_info_.TryEmplace(u);
    if (fresh) {
      UnitInfo& info = *found;  // valid: nothing below adds to unit_info_
      for (size_t i = layer1_.size(); i-- > 0;) {
        if (promos_[layer1_[i]].in_scope[static_cast<size_t>(u.line)] && Compatible(u, layer1_[i])) {
          info.last = static_cast<int64_t>(i);
          break;
        }
      }
      info.summary = summaries_.size();
      summaries_.resize(summaries_.size() + summary_size_, 0);
      Summarize(u, &summaries_[info.summary]);
    }
    return *found;
  }

  // What layers 2-3 and the bounds will ask of a settled unit, which Key
  // sums over the settled units: per threshold, its price if the threshold
  // could take it (the bound's share); per choice of layer-2 promotions, its
  // price after them as Hopeless counts it and as Finish makes it, and per
  // threshold that price if the threshold could then take it; last, per
  // choice of layer-2 promotions, which promotions reach it (bit sets, which
  // Key joins instead of adding).
  void Summarize(const Unit& unit, int64_t* out) const {
    size_t at = 0;
    size_t reach_at = summary_size_ - (size_t{1} << layer2_.size());
    for (int t : thresholds_) out[at++] = Takes(unit, t) ? unit.price : 0;
    for (uint32_t m = 0; m < (1u << layer2_.size()); ++m) {
      int64_t bound_price = unit.price;
      Unit u = unit;
      int64_t reaches = 0;
      for (size_t b = 0; b < layer2_.size(); ++b) {
        if (!(m & (1u << b))) continue;
        const int q = layer2_[b];
        const int64_t bp = MemberBp(*promos_[q].p);
        if (promos_[q].in_scope[static_cast<size_t>(u.line)]) {
          if (Takes(unit, q)) bound_price -= OfBp(bound_price, bp, RoundingMode::kHalfUp);  // as SlotsBound
          if (Compatible(u, q)) {
            const int64_t d = OfBp(u.price, bp, RoundingMode::kHalfUp);
            u.price -= d;
            u.history = histories_.Extend(u.history, q, d);
            reaches |= int64_t{1} << b;
          }
        }
      }
      out[at++] = bound_price;
      out[at++] = u.price;
      for (size_t t = 0; t < thresholds_.size(); ++t) {
        const bool takes = Takes(u, thresholds_[t]);
        out[at++] = takes ? u.price : 0;
        if (takes) reaches |= int64_t{1} << (layer2_.size() + t);
      }
      out[reach_at++] = reaches;
    }
  }

  // Whether settled units may be summarized (Key): only in the bounded
  // first pass (the objectives require what follows), with prices including
  // tax (the total is the sum of the units, not of rounded line taxes), a
  // few layer-2 promotions, and no threshold after the first whose discount
  // the ones before it could cut short (it would then depend on how their
  // discounts were spread over the units).
  bool Summarizes() const {
    if (!collect_ || objectives_.empty() || !tax_inclusive_ || layer2_.size() > 4) return false;
    // A coupon's spend follows how the thresholds before it spread their discounts: no summaries.
    if (std::any_of(thresholds_.begin(), thresholds_.end(), [&](int q) { return promos_[q].layer == 4; })) {
      return false;
    }
    return !LaterThresholdMayFallShort(promos_, thresholds_, [&](int t) { return CartListInScope(t); }, CartUnits());
  }

  // What Summarizes asks of the whole cart, the same for every part: its
  // units, and the list prices of the units in promotion t's scope. Found
  // once per Search (which serves every part of a component, see Reset).
  int64_t CartUnits() const {
    if (cart_units_ < 0) {
      cart_units_ = 0;
      for (const LineInfo& l : lines_) cart_units_ += l.units;
    }
    return cart_units_;
  }
  int64_t CartListInScope(int t) const {
    if (cart_list_.empty()) cart_list_.assign(promos_.size(), -1);
    int64_t& list = cart_list_[static_cast<size_t>(t)];
    if (list < 0) {
      list = 0;
      for (size_t l = 0; l < lines_.size(); ++l) {
        if (promos_[t].in_scope[l]) list += lines_[l].unit_base * lines_[l].units;
      }
    }
    return list;
  }

  // Best outcome from layer-1 promotion k on, for state s (remembered).
  Outcome Solve(size_t k, const State& s) {
    Step();  // a state seen before counts too: reaching it cost an Apply
    const std::string_view key = Key(k, s, true);
    if (const Outcome* known = memo_.Find(key)) return *known;
    // A hopeless state is not remembered: met again, it is found hopeless
    // again (the objectives' bests only fall), for less than remembering it.
    if (collect_ && !objectives_.empty() && k < layer1_.size() && Hopeless(k, s)) return Outcome{0, 0, {}, empty_};
    // Remembered now, its outcome set below (Decide writes other keys into
    // key_; the walk below it is at later promotions, with other keys).
    const size_t at = memo_.size();
    memo_.TryEmplace(key, Outcome{});
    Outcome best;
    best = k == layer1_.size() ? Leaf(s) : Decide(k, s);
    memo_.at(at) = best;
    return best;
  }

  // A class of interchangeable units is a slot: its index and size.
  struct Class {
    size_t slot = 0;
    int64_t count = 0;
  };

  // The tuples of classes one application may use, each `width` classes,
  // stored one after another (one allocation for all of them).
  struct Tuples {
    size_t width = 0;
    std::vector<int> flat;
    size_t size() const { return width == 0 ? 0 : flat.size() / width; }
    bool empty() const { return flat.empty(); }
    std::span<const int> operator[](size_t t) const { return {flat.data() + t * width, width}; }
  };

  // Decide's workspace at one layer-1 promotion, kept between calls
  // (frames_[k]: Decide(k) recurses only through Solve(k + 1), so one call
  // per promotion is active at a time).
  struct Frame {
    std::vector<Class> classes;
    Tuples tuples;
    std::vector<int> tuple;
    std::vector<int64_t> used;
    std::vector<size_t> chosen;
    std::vector<int64_t> taken;
    KeyTable<size_t> seen;
    std::deque<State> next;  // per number of applications chosen: the state they leave
  };

  // Enumerates the sets of applications of layer-1 promotion k.
  Outcome Decide(size_t k, const State& s) {
    const int q = layer1_[k];
    const ActivePromo& ap = promos_[q];
    const Promotion& p = *ap.p;
    Frame& frame = frames_[k];
    std::vector<Class>& classes = frame.classes;
    classes.clear();
    for (size_t i = 0; i < s.size(); ++i) {
      if (Compatible(s[i].unit, q) && ap.in_scope[static_cast<size_t>(s[i].unit.line)]) {
        classes.push_back({i, s[i].count});
      }
    }
    // Every tuple of classes one application may use, in lexicographic order.
    const size_t size = static_cast<size_t>(p.ApplicationSize());
    Tuples& tuples = frame.tuples;
    tuples.width = size;
    tuples.flat.clear();
    std::vector<int>& tuple = frame.tuple;
    tuple.clear();
    std::vector<int64_t>& used = frame.used;
    used.assign(classes.size(), 0);
    const auto avail = [&](int c) { return classes[c].count - used[c]; };
    // Bundle: position i takes a unit of group i; other types: non-decreasing classes.
    // An application that discounts nothing is left out when leaving it out
    // changes nothing else: q neither exclusive, nor no_threshold, nor in a
    // group a layer-2/3 promotion shares, and no layer-2/3 promotion
    // exclusive — then a unit is compatible with the same promotions with or
    // without it, so every choice that makes it has a twin without it at
    // the same prices with one application fewer, which ranks better.
    const bool skip_idle = !greedy_ && SkipsIdle(q);
    auto gen = [&](auto&& self, size_t pos) -> void {
      if (exhausted_ && !tuples.empty()) return;  // out of budget: one pattern is enough
      if (pos == size) {
        if (skip_idle && Idle(p, s, classes, tuple)) return;
        tuples.flat.insert(tuples.flat.end(), tuple.begin(), tuple.end());
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
    if (p.type == PromoType::kBundle) {  // in lexicographic order
      std::vector<size_t> order(tuples.size());
      std::iota(order.begin(), order.end(), size_t{0});
      std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
        const std::span<const int> x = tuples[a];
        const std::span<const int> y = tuples[b];
        return std::lexicographical_compare(x.begin(), x.end(), y.begin(), y.end());
      });
      std::vector<int> sorted;
      sorted.reserve(tuples.flat.size());
      for (size_t t : order) sorted.insert(sorted.end(), tuples[t].begin(), tuples[t].end());
      tuples.flat = std::move(sorted);
    }

    const int64_t max_apps = MaxApplications(p);
    std::vector<size_t>& chosen = frame.chosen;  // tuple indices, in the order added
    chosen.clear();
    std::vector<int64_t>& taken = frame.taken;
    taken.assign(classes.size(), 0);
    Outcome best;
    const bool bounded = collect_ && !objectives_.empty();
    // Each set of applications is tried once (tuples added in
    // non-decreasing order). Sets that leave the units in the same state
    // (a buy X get Y paired differently) lead to the same outcomes: a state
    // met again is followed only if it may now add tuples it could not.
    KeyTable<size_t>& seen = frame.seen;  // state -> least tuple it was extended from
    seen.Clear();
    const auto HopelessBarring = [&](const State& next, int first) {
      return this->HopelessBarring(k, s, classes, next, first);
    };
    // Returns true when the node was cut by the bound.
    auto pick = [&](auto&& self, size_t from) -> bool {
      // Into a buffer per depth, kept between calls (a deque: deeper ones
      // are added without moving this one).
      if (frame.next.size() <= chosen.size()) frame.next.resize(chosen.size() + 1);
      State& next = frame.next[chosen.size()];
      Apply(s, classes, tuples, chosen, q, next);
      bool again = false;
      size_t until = tuples.size();  // the tuples to extend it with: [from, until)
      if (!chosen.empty()) {
        const auto [least, fresh] = seen.TryEmplace(Key(k, next), from);
        if (!fresh && *least <= from) {
          Step();
          return false;
        }
        again = !fresh;
        // Met again: it was extended with every tuple from *least on
        // (those children are known), so only the ones before are new.
        if (again) until = *least;
        *least = from;
        // With a bound: no more applications of q, nor any later promotion,
        // can bring this state within reach (Hopeless at k+1 follows). The
        // tuples still to come start at the class this one starts at or
        // later (they are added in lexicographic order, each non-decreasing
        // but a bundle's), so q can no longer take the units of the classes
        // before it that it has not taken: they keep their unit, which no
        // unit q took shares (q is in its history).
        if (bounded && HopelessBarring(next, p.type == PromoType::kBundle ? 0 : tuples[from][0])) {
          Step();
          return true;
        }
      }
      if (static_cast<int64_t>(chosen.size()) < max_apps) {
        // The same bound before the children whose tuples start at a later
        // class, when the last child tried was cut: if it holds with the
        // classes before that one barred, it holds for every child from
        // there on (each bars at least those).
        int first = chosen.empty() ? 0 : tuples[from][0];
        bool child_hopeless = false;
        for (size_t t = from; t < until; ++t) {
          if (bounded && p.type != PromoType::kBundle && tuples[t][0] > first) {
            first = tuples[t][0];
            if (child_hopeless) {
              Step();
              if (HopelessBarring(next, first)) break;
            }
          }
          bool fits = true;
          for (int c : tuples[t]) ++taken[c];
          for (int c : tuples[t]) fits = fits && taken[c] <= classes[c].count;
          if (fits) {
            chosen.push_back(t);
            child_hopeless = self(self, t);
            chosen.pop_back();
          }
          for (int c : tuples[t]) --taken[c];
          if (FirstPathOnly() && best.leaf) return false;  // out of budget: keep the first complete answer
        }
      }
      if (again) return false;  // its own outcome is known
      Outcome o = Solve(k + 1, next);
      if (o.BetterThan(best)) best = std::move(o);
      return false;
    };
    pick(pick, 0);
    return best;
  }

  // Hopeless(k, next) when promotion layer1_[k] may no longer take the units
  // of the classes before class `first` of the state Decide started from.
  bool HopelessBarring(size_t k, const State& s, const std::vector<Class>& classes, const State& next, int first) {
    barred_.clear();
    for (int c = 0; c < first; ++c) barred_.push_back(s[classes[static_cast<size_t>(c)].slot].unit);
    barred_promo_ = layer1_[k];
    const bool hopeless = Hopeless(k, next);
    barred_promo_ = -1;
    return hopeless;
  }

  // See Decide: may an application of layer-1 promotion q that discounts
  // nothing be left out? It changes no price; what it changes is which
  // promotions may still take its units. Later layer-1 ones it can only
  // keep from them (the walk also tries not applying those). A layer-2-4
  // promotion it can keep from them — an exclusive one, one of q's group, a
  // threshold when q is no_threshold, any when q is exclusive — could make
  // it worth making (an exclusive member tier kept off one unit can leave
  // a threshold after it reached), unless that promotion is the last of
  // layers 2-4 to apply and prices include tax: then keeping units from it
  // only lowers what it takes, and nothing after it reads their prices.
  bool SkipsIdle(int q) const {
    const ActivePromo& ap = promos_[q];
    for (size_t i = 0; i < layer23_.size(); ++i) {
      const ActivePromo& b = promos_[layer23_[i]];
      const bool kept_from = ap.exclusive || b.exclusive || (ap.group >= 0 && b.group == ap.group) ||
                             (ap.p->no_threshold && b.layer == 3);
      if (kept_from && (i + 1 < layer23_.size() || !tax_inclusive_)) return false;
    }
    return true;
  }

  // True when one application of p on the classes `tuple` discounts no unit
  // (only the single-unit types, a mix and match and a bundle are checked).
  static bool Idle(const Promotion& p, const State& s, const std::vector<Class>& classes, const std::vector<int>& tuple) {
    const auto price = [&](int c) { return s[classes[static_cast<size_t>(c)].slot].unit.price; };
    switch (p.type) {
      case PromoType::kPercentOff: return OfBp(price(tuple[0]), p.percent_bp, RoundingMode::kHalfUp) == 0;
      case PromoType::kAmountOff: return price(tuple[0]) == 0;
      case PromoType::kFixedPrice:
      case PromoType::kFlashSale: return price(tuple[0]) <= p.price;
      case PromoType::kBundle:
      case PromoType::kMixMatch: {
        int64_t sum = 0;
        for (int c : tuple) sum += price(c);
        return sum <= p.price;
      }
      default: return false;
    }
  }

  // The state after applying the chosen applications of promotion q, into `next`.
  void Apply(const State& s, const std::vector<Class>& classes, const Tuples& tuples,
             const std::vector<size_t>& chosen, int q, State& next) const {
    next.assign(s.begin(), s.end());
    next.reserve(s.size() + (chosen.empty() ? 0 : chosen.size() * tuples[chosen[0]].size()));
    const Promotion& p = *promos_[q].p;
    std::vector<int>& cls = apply_classes_;
    std::vector<Unit>& units = apply_units_;
    std::vector<int64_t>& discount = apply_discount_;
    for (size_t t : chosen) {
      // The application's units in cart order (slots are sorted by line):
      // the order allocate() and the ties use. Only a bundle's tuples
      // (position i: group i) are not already in order.
      cls.assign(tuples[t].begin(), tuples[t].end());
      if (p.type == PromoType::kBundle) std::sort(cls.begin(), cls.end());
      units.clear();
      for (int c : cls) {
        units.push_back(next[classes[c].slot].unit);
        --next[classes[c].slot].count;
      }
      discount.assign(units.size(), 0);
      switch (p.type) {
        case PromoType::kPercentOff:
          discount[0] = OfBp(units[0].price, p.percent_bp, RoundingMode::kHalfUp);
          break;
        case PromoType::kAmountOff: discount[0] = std::min(p.amount, units[0].price); break;
        case PromoType::kFixedPrice:
        case PromoType::kFlashSale: discount[0] = std::max<int64_t>(0, units[0].price - p.price); break;
        case PromoType::kBuyXGetY: {
          // The `get` cheapest units; ties go to the later unit in cart order.
          std::vector<size_t>& order = apply_order_;
          order.resize(units.size());
          std::iota(order.begin(), order.end(), size_t{0});
          std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
            if (units[a].price != units[b].price) return units[a].price < units[b].price;
            return a > b;
          });
          for (int64_t g = 0; g < p.get; ++g) {
            const size_t i = order[static_cast<size_t>(g)];
            discount[i] = OfBp(units[i].price, p.get_percent_bp, RoundingMode::kHalfUp);
          }
          break;
        }
        case PromoType::kBundle:
        case PromoType::kMixMatch: {
          int64_t sum = 0;
          for (const Unit& u : units) sum += u.price;
          if (sum > p.price) Spread(sum - p.price, sum, units, discount);
          break;
        }
        default: break;
      }
      for (size_t i = 0; i < units.size(); ++i) {
        units[i].price -= discount[i];
        units[i].history = histories_.Extend(units[i].history, q, discount[i]);
        next.push_back(Slot{units[i], 1});  // after the slots of s, which the indices of classes name
      }
    }
    NormalizeTail(next, s.size(), histories_, apply_merge_);
  }

  // allocate() of `amount` (>= 0) over the units weighted by their prices
  // (summing to `total` > 0), into `out`: each unit's share rounded down,
  // then a fen more to the largest remainders (ties: the earlier unit), as
  // core::Allocate does, without allocating.
  void Spread(int64_t amount, int64_t total, const std::vector<Unit>& units, std::vector<int64_t>& out) const {
    std::vector<Int128>& remainder = apply_remainder_;
    std::vector<size_t>& order = apply_order_;
    remainder.resize(units.size());
    int64_t given = 0;
    for (size_t i = 0; i < units.size(); ++i) {
      const Int128 exact = Int128{amount} * units[i].price;
      if (exact <= INT64_MAX) {
        out[i] = static_cast<int64_t>(exact) / total;
        remainder[i] = static_cast<int64_t>(exact) % total;
      } else {
        out[i] = static_cast<int64_t>(exact / total);
        remainder[i] = exact % total;
      }
      given += out[i];
    }
    order.resize(units.size());
    std::iota(order.begin(), order.end(), size_t{0});
    // Largest remainder first, ties to the earlier unit (std::stable_sort would allocate a buffer).
    std::sort(order.begin(), order.end(), [&](size_t a, size_t b) {
      return remainder[a] != remainder[b] ? remainder[a] > remainder[b] : a < b;
    });
    for (size_t k = 0; given < amount; ++k, ++given) out[order[k]] += 1;
  }

  // The most the single-unit layer-1 promotions from k on could take off
  // unit u: each at today's price (prices only fall), those the unit's
  // history already excludes left out, one per group, and an exclusive one
  // only alone.
  int64_t MostOff(size_t k, const Unit& u) const {
    int64_t stackable = 0;
    int64_t exclusive = 0;
    std::vector<std::pair<int, int64_t>>& grouped = grouped_;  // the most per group
    grouped.clear();
    const std::vector<size_t>& singles = singles_by_line_[static_cast<size_t>(u.line)];
    for (auto it = std::lower_bound(singles.begin(), singles.end(), k); it != singles.end(); ++it) {
      const int q = layer1_[*it];
      const ActivePromo& ap = promos_[q];
      const Promotion& p = *ap.p;
      if (!Compatible(u, q) || Barred(u, q)) continue;
      int64_t off = 0;
      switch (p.type) {
        case PromoType::kPercentOff: off = OfBp(u.price, p.percent_bp, RoundingMode::kUp); break;
        case PromoType::kAmountOff: off = p.amount; break;
        default: off = std::max<int64_t>(0, u.price - p.price); break;  // fixed price, flash sale
      }
      if (p.stacking == Stacking::kExclusive) {
        exclusive = std::max(exclusive, off);
      } else if (p.stacking == Stacking::kGroup) {
        auto g = std::find_if(grouped.begin(), grouped.end(), [&](const auto& x) { return x.first == ap.group; });
        if (g == grouped.end()) {
          grouped.emplace_back(ap.group, off);
        } else {
          g->second = std::max(g->second, off);
        }
      } else {
        stackable += off;
      }
    }
    for (const auto& [group, off] : grouped) stackable += off;
    return std::min(std::max(stackable, exclusive), u.price);
  }

  // The most multi-unit promotion layer1_[i] could take off state s in all,
  // at today's prices: its applications on the dearest units it may still
  // use (a buy X get Y discounts the cheapest of each application, a mix
  // and match or bundle takes what its units cost above its price), and in
  // `units_off` adds how many units those applications discount at most.
  int64_t MostOffTogether(size_t i, const State& s, int64_t& units_off) const {
    const int q = layer1_[i];
    const ActivePromo& ap = promos_[q];
    const Promotion& p = *ap.p;
    const int64_t size = p.ApplicationSize();
    // The units a scope admits as runs (price, units), dearest first, in a
    // buffer kept between calls: a slot is one run, so the sort is over
    // slots, not units (a line of 500 units is not 500 prices to sort).
    const auto prices = [&](const std::vector<bool>& scope, std::vector<PriceRun>& out) {
      out.clear();
      int64_t units = 0;
      for (const Slot& x : s) {
        if (scope[static_cast<size_t>(x.unit.line)] && Compatible(x.unit, q) && !Barred(x.unit, q)) {
          out.push_back({x.unit.price, x.count});
          units += x.count;
        }
      }
      std::sort(out.begin(), out.end(), [](const PriceRun& a, const PriceRun& b) { return a.first > b.first; });
      return units;
    };
    const int64_t max_apps = MaxApplications(p);
    if (p.type == PromoType::kBundle) {
      const size_t n = ap.group_scope.size();
      std::vector<std::vector<PriceRun>>& groups = group_runs_;
      if (groups.size() < n) groups.resize(n);
      std::vector<std::pair<size_t, int64_t>>& at = group_at_;  // per group: (run, units of it used)
      at.assign(n, {0, 0});
      int64_t apps = max_apps;  // every application it could make, each unit of it
      for (size_t g = 0; g < n; ++g) apps = std::min(apps, prices(ap.group_scope[g], groups[g]));
      units_off += apps * size;
      // The a-th dearest unit of each group: while every group stays in one
      // run, the applications cost the same, so they are counted together.
      int64_t off = 0;
      for (int64_t a = 0; a < apps;) {
        int64_t same = apps - a;
        int64_t sum = 0;
        for (size_t g = 0; g < n; ++g) {
          auto& [r, used] = at[g];
          while (used == groups[g][r].second) ++r, used = 0;
          same = std::min(same, groups[g][r].second - used);
          sum += groups[g][r].first;
        }
        if (sum <= p.price) break;
        off += same * (sum - p.price);
        for (size_t g = 0; g < n; ++g) at[g].second += same;
        a += same;
      }
      return off;
    }
    std::vector<PriceRun>& runs = unit_runs_;
    const int64_t units = prices(ap.in_scope, runs);
    // Every application it could make (not only the dearest), each unit of
    // a buy X get Y's `get` or of a mix and match.
    const int64_t apps = std::min(max_apps, units / size);
    units_off += p.type == PromoType::kBuyXGetY ? apps * p.get : apps * size;
    return MostOffAt(p, runs, units);
  }

  // True when no outcome reachable from state s (before promotion k) can
  // come within any objective's band of its best: each unit at the least
  // the single-unit promotions left could bring it to, the layer-2 ones
  // applied where in scope (a lower price never ends dearer after them),
  // the most the multi-unit ones left could take off in all (with tax on
  // it, and a fen of tax rounding per line, when prices exclude tax), and
  // each threshold taking the units it still could at their current prices.
  // A multi-unit promotion whose units all keep the objective's one layer-2
  // promotion (keeps_) saves at most (1 - its rate) of what it takes off,
  // and a fen per unit for that promotion's rounding: with a price p - d
  // instead of p, the member discount round_half_up(p × rate) shrinks by at
  // least d × rate - 1.
  bool Hopeless(size_t k, const State& s) const {
    Int128 together = 0;
    std::vector<std::array<int64_t, 3>>& multi = multi_;  // (layer1_ index, most off, units)
    multi.clear();
    for (auto it = std::lower_bound(multi_unit_.begin(), multi_unit_.end(), k); it != multi_unit_.end(); ++it) {
      const size_t i = *it;
      int64_t units = 0;
      const int64_t off = MostOffTogether(i, s, units);
      together += off;
      multi.push_back({static_cast<int64_t>(i), off, units});
    }
    if (together > 0 && !tax_inclusive_) {
      int64_t rate = 0;
      int64_t lines = 0;
      for (size_t j = 0; j < s.size(); ++j) {
        rate = std::max<int64_t>(rate, lines_[static_cast<size_t>(s[j].unit.line)].line->tax_rate_bp);
        lines += j == 0 || s[j].unit.line != s[j - 1].unit.line ? 1 : 0;
      }
      together = together * (10'000 + rate) + Int128{10'000} * lines;
    } else {
      together *= 10'000;
    }
    floor_for_ = nullptr;  // FloorsHopeless finds the floors of s when first asked
    last_for_ = nullptr;   // and LastTogetherHopeless its groups
    std::vector<int64_t>& least = least_;
    least.clear();
    for (const Slot& x : s) least.push_back(x.unit.price - MostOff(k, x.unit));
    // Per slot, which layer-2 promotions of some objective and which
    // layer-2/3 promotions with a weight in some objective could take it.
    // A layer-2 promotion that may not touch a unit now never will (its
    // history only grows), so the bounds leave it out there.
    const uint32_t weighed = weighed_;
    std::vector<uint32_t>& takes = takes_;
    takes.resize(s.size());
    for (size_t j = 0; j < s.size(); ++j) takes[j] = WeighedTakes(s[j].unit);
    // What each weighted threshold could take of the units at today's
    // prices is the same in every bound: per promotion, the spend it could
    // take from, found once; an objective weighs them (Weighed).
    std::vector<Int128>& spend = spend_;
    spend.assign(layer23_.size(), 0);
    for (size_t j = 0; j < s.size(); ++j) {
      for (uint32_t bits = takes[j] & weighed; bits != 0; bits &= bits - 1) {
        spend[static_cast<size_t>(std::countr_zero(bits))] += Int128{s[j].unit.price} * s[j].count;
      }
    }
    for (auto* memo : {&least_memo_, &floor_memo_, &last_memo_}) memo->clear();
    int64_t applications = -1;  // of s, counted when first needed (ties_)
    for (size_t oi = 0; oi < objectives_.size(); ++oi) {
      const Objective& o = objectives_[oi];
      if (o.best == std::numeric_limits<Int128>::max()) return false;
      Int128 bound = -together;
      if (tax_inclusive_ && o.layer2 != 0 && (o.layer2 & (o.layer2 - 1)) == 0) {  // one bit (see LastTogetherHopeless)
        const int64_t rate = layer23_bp_[static_cast<size_t>(std::countr_zero(o.layer2))];
        bound = 0;
        for (const auto& [i, off, units] : multi) {
          if (keeps_[static_cast<size_t>(i)] & o.layer2) {
            bound -= Int128{off} * (10'000 - rate) + Int128{10'000} * units;
          } else {
            bound -= Int128{off} * 10'000;
          }
        }
      }
      const Int128 weighed_off = Weighed(o, weight_bits_[oi]);
      bound += SlotsBound(s, least, o.layer2, takes, least_memo_) - weighed_off;
      // Past `limit` no outcome of s can win. With ties_, an outcome that
      // only ties the best found, with more applications than it, cannot
      // either: s has that many already.
      Int128 limit = o.best + o.band;
      if (ties_ && o.band == 0 && o.best_applications != std::numeric_limits<int64_t>::max()) {
        if (applications < 0) {
          tally_.Count(s, promos_, histories_);
          applications = tally_.applications();
        }
        if (applications > o.best_applications) limit -= 1;
      }
      if (bound <= limit && !FloorsHopeless(k, s, o, takes, weighed_off, limit) &&
          !LastTogetherHopeless(k, s, o, takes, weighed_off, limit)) {
        return false;
      }
    }
    return true;
  }

  // The bits of weighed_ whose promotion could take unit u (Takes), from
  // what its line allows (found in Prepare) and what its history allows
  // (found once per history and part).
  uint32_t WeighedTakes(const Unit& u) const {
    const uint32_t in_scope = weighed_in_scope_[static_cast<size_t>(u.line)];
    if (in_scope == 0) return 0;
    const size_t h = static_cast<size_t>(u.history);
    if (weighed_compatible_.size() <= h) weighed_compatible_.resize(std::max(h + 1, 2 * weighed_compatible_.size()));
    auto& [part, compatible] = weighed_compatible_[h];
    if (part != part_) {
      part = part_;
      compatible = 0;
      for (uint32_t bits = weighed_; bits != 0; bits &= bits - 1) {
        const int bit = std::countr_zero(bits);
        if (Compatible(u, layer23_[static_cast<size_t>(bit)])) compatible |= 1u << bit;
      }
    }
    return in_scope & compatible;
  }

  // What each weighted threshold of objective o (bits `weight_bits`) could
  // take of the units at today's prices, from spend_ (Hopeless).
  Int128 Weighed(const Objective& o, uint32_t weight_bits) const {
    Int128 off = 0;
    for (uint32_t bits = weight_bits; bits != 0; bits &= bits - 1) {
      const size_t bit = static_cast<size_t>(std::countr_zero(bits));
      off += o.weight[bit] * spend_[bit];
    }
    return off;
  }

  // What the units of s come to (× 10000) when slot j's units cost at least
  // prices[j] after layer 1: those prices through the layer-2 promotions
  // `layer2` (bits ascending) where they may take them, summed per line
  // with tax. Objectives that share a choice of layer-2 promotions share
  // it: found once per prices and choice within one Hopeless call, in
  // `memo` (the threshold part, per objective, is Weighed).
  Int128 SlotsBound(const State& s, const std::vector<int64_t>& prices, uint32_t layer2,
                    const std::vector<uint32_t>& takes, std::vector<std::pair<uint32_t, Int128>>& memo) const {
    for (const auto& [bits, bound] : memo) {
      if (bits == layer2) return bound;
    }
    LineSums& line_sum = line_sum_;  // the least each line can come to
    line_sum.sums.clear();
    for (size_t j = 0; j < s.size(); ++j) {
      const Slot& x = s[j];
      int64_t price = prices[j];
      for (uint32_t bits = layer2 & takes[j]; bits != 0; bits &= bits - 1) {
        price -= OfBp(price, layer23_bp_[static_cast<size_t>(std::countr_zero(bits))], RoundingMode::kHalfUp);
      }
      line_sum.Add(x.unit.line, price * x.count);
    }
    const Int128 bound = Int128{WithTax(line_sum)} * 10'000;
    memo.emplace_back(layer2, bound);
    return bound;
  }

  // The second bound of Hopeless, for one objective: each unit at the least
  // price the layer-1 promotions from k on could leave it at, found by
  // applying to a lower bound of its price every one of them that may still
  // touch it, in their order (Floor). It does not add up what each
  // promotion could take at today's prices as the first bound does, so a
  // fixed price or flash sale after a mix and match counts what the two
  // leave of a unit together, not the sum of both discounts.
  bool FloorsHopeless(size_t k, const State& s, const Objective& o, const std::vector<uint32_t>& takes,
                      Int128 weighed_off, Int128 limit) const {
    std::vector<int64_t>& floor = floor_;
    if (floor_for_ != &s) {  // the floors of this state, once per Hopeless call
      floor_for_ = &s;
      usable_.assign(layer1_.size(), -1);
      floor.clear();
      floor_at_.clear();
      floor_from_.clear();
      for (const Slot& x : s) {
        floor_from_.push_back(floor_at_.size());
        floor.push_back(Floor(k, s, x.unit, SIZE_MAX, &floor_at_));
      }
      floor_from_.push_back(floor_at_.size());
    }
    return SlotsBound(s, floor, o.layer2, takes, floor_memo_) - weighed_off > limit;
  }

  // The third bound of Hopeless, for one objective, when prices include
  // tax: the second bound, except for the units of a multi-unit promotion
  // (buy X get Y, mix and match) that is the last layer-1 promotion any of
  // the units it may use can take. Those units are counted together: at
  // least their floors just before it (Floor up to it) summed, less the
  // most it could take off units at those floors (MostOffAt, counted as
  // MostOffTogether counts it at today's prices). That is a lower bound of what they come to after it, because their
  // sum less the most it could take off them never falls when a price
  // rises (a unit dearer by d lets it take at most d more), and their
  // prices before it are at least those floors. The second bound instead
  // lowers every such unit as if each were the one discounted: a buy 2 get
  // 1 free after a mix and match made each of its units free there.
  // Through the objective's one layer-2 promotion (rate r) they come to at
  // least (1 − r) × that sum less half a fen a unit (its rounding).
  bool LastTogetherHopeless(size_t k, const State& s, const Objective& o, const std::vector<uint32_t>& takes,
                            Int128 weighed_off, Int128 limit) const {
    if (!tax_inclusive_ || (o.layer2 & (o.layer2 - 1)) != 0) return false;  // not std::popcount: a library call without -mpopcnt
    if (last_for_ != &s) {  // the groups of this state, once per Hopeless call
      last_for_ = &s;
      LastTogether(k, s);
      // The units outside the groups as the second bound counts them; the
      // groups' units at 0 there (what thresholds could take of them is
      // still counted, at today's prices, by Weighed).
      std::vector<int64_t>& prices = last_prices_;
      prices = floor_;
      for (size_t n = 0; n < last_n_; ++n) {
        for (size_t j : last_groups_[n].slots) prices[j] = 0;
      }
    }
    if (last_n_ == 0) return false;
    Int128 bound = SlotsBound(s, last_prices_, o.layer2, takes, last_memo_) - weighed_off;
    for (size_t n = 0; n < last_n_; ++n) {
      const LastGroup& g = last_groups_[n];
      int64_t rate = 0;
      for (size_t j : g.slots) {
        if (o.layer2 & takes[j]) rate = layer23_bp_[static_cast<size_t>(std::countr_zero(o.layer2))];
      }
      bound += Int128{10'000 - rate} * g.least - (rate > 0 ? Int128{5'000} * g.units : 0);
    }
    return bound > limit;
  }

  // The units counted together by LastTogetherHopeless.
  struct LastGroup {
    std::vector<size_t> slots;  // of the state
    int64_t least = 0;          // the least they come to after the promotion
    int64_t units = 0;
  };

  // Finds last_groups_ for state s before layer-1 promotion k: each
  // multi-unit promotion (not a bundle) from k on whose usable units no
  // later layer-1 promotion may touch, with its units and their least sum.
  void LastTogether(size_t k, const State& s) const {
    last_n_ = 0;
    for (size_t i = k; i < layer1_.size(); ++i) {
      const int q = layer1_[i];
      const ActivePromo& ap = promos_[q];
      const Promotion& p = *ap.p;
      if (p.type != PromoType::kBuyXGetY && p.type != PromoType::kMixMatch) continue;
      // Is it the last promotion each unit it may use can take? Asked
      // first: the floors are found only for a group that counts.
      bool last = true;
      bool any = false;
      for (size_t j = 0; j < s.size() && last; ++j) {
        const Unit& u = s[j].unit;
        if (!ap.in_scope[static_cast<size_t>(u.line)] || !Compatible(u, q) || Barred(u, q)) continue;
        any = true;
        const std::vector<size_t>& in_scope = layer1_by_line_[static_cast<size_t>(u.line)];
        for (auto later = std::upper_bound(in_scope.begin(), in_scope.end(), i); later != in_scope.end() && last; ++later) {
          last = !Compatible(u, layer1_[*later]);
        }
      }
      if (!last || !any) continue;
      if (last_groups_.size() == last_n_) last_groups_.emplace_back();
      LastGroup& g = last_groups_[last_n_++];  // kept between calls, with its slots' storage
      g.slots.clear();
      g.least = 0;
      g.units = 0;
      std::vector<PriceRun>& runs = unit_runs_;  // the floors before it
      runs.clear();
      for (size_t j = 0; j < s.size(); ++j) {
        const Unit& u = s[j].unit;
        if (!ap.in_scope[static_cast<size_t>(u.line)] || !Compatible(u, q) || Barred(u, q)) continue;
        const int64_t floor = FloorBefore(k, s, j, i);
        g.slots.push_back(j);
        g.units += s[j].count;
        g.least += floor * s[j].count;
        runs.push_back({floor, s[j].count});
      }
      std::sort(runs.begin(), runs.end(), [](const PriceRun& a, const PriceRun& b) { return a.first > b.first; });
      g.least -= MostOffAt(p, runs, g.units);
    }
  }

  // The most multi-unit promotion p (buy X get Y or mix and match) could
  // take off `units` units priced as `runs` (price, units; dearest first),
  // its applications on the dearest units: the cheapest `get` of each
  // discounted, or what each costs above its price. The applications that
  // fall within one run cost the same, so they are counted together.
  static int64_t MostOffAt(const Promotion& p, const std::vector<PriceRun>& runs, int64_t units) {
    const int64_t size = p.ApplicationSize();
    const int64_t apps = std::min(MaxApplications(p), units / size);
    const bool bxgy = p.type == PromoType::kBuyXGetY;
    int64_t off = 0;
    size_t r = 0;
    int64_t used = 0;  // units of runs[r] in the applications before
    for (int64_t a = 0; a < apps;) {
      while (used == runs[r].second) ++r, used = 0;
      const int64_t price = runs[r].first;
      const int64_t same = std::min((runs[r].second - used) / size, apps - a);
      if (same > 0) {  // applications all of this run
        if (bxgy) {
          off += same * p.get * OfBp(price, p.get_percent_bp, RoundingMode::kUp);
        } else {
          if (size * price <= p.price) break;
          off += same * (size * price - p.price);
        }
        used += same * size;
        a += same;
        continue;
      }
      int64_t sum = 0;  // one application across runs
      for (int64_t g = 0; g < size; ++g, ++used) {
        while (used == runs[r].second) ++r, used = 0;
        if (bxgy && g >= size - p.get) off += OfBp(runs[r].first, p.get_percent_bp, RoundingMode::kUp);
        sum += runs[r].first;
      }
      if (!bxgy) {
        if (sum <= p.price) break;
        off += sum - p.price;
      }
      ++a;
    }
    return off;
  }

  // The least price unit u (of state s) can have after the layer-1
  // promotions from k on (before promotion `until`, an index in layer1_, if given). Every one that may still touch it is applied, in
  // order, to a lower bound y of its price then: each maps a price to one no
  // higher, and does so monotonically, so applying all of them to the least
  // price leaves no more than any subset of them applied to any higher price
  // (stacking limits ignored: they only forbid some subsets; exclusive
  // promotions are the exception, counted alone, see below). A percent off
  // or a buy X get Y's discount is rounded up; an amount off taken in full; a
  // fixed price or flash sale caps the price; a mix and match or a bundle of
  // `size` units for P leaves a unit of price y at least P × y / S − 1 of it
  // (allocate() gives each unit its share rounded down, and at most a fen
  // more), where S, the sum of the application, is at most y plus size − 1
  // times the dearest unit the promotion may use today (prices only fall).
  // Prices never fall below 0 (no application takes more than a unit costs).
  // With `at`, the floor just before each buy X get Y or mix and match in
  // scope is added to it, (its index, Floor up to it), for LastTogether.
  int64_t Floor(size_t k, const State& s, const Unit& u, size_t until = SIZE_MAX,
                std::vector<std::pair<size_t, int64_t>>* at = nullptr) const {
    // Promotion layer1_[i] applied to a lower bound y of the unit's price.
    const auto lower = [&](size_t i, int64_t y) {
      const Promotion& p = *promos_[layer1_[i]].p;
      switch (p.type) {
        case PromoType::kPercentOff: y -= OfBp(y, p.percent_bp, RoundingMode::kUp); break;
        case PromoType::kAmountOff: y -= p.amount; break;
        case PromoType::kFixedPrice:
        case PromoType::kFlashSale: y = std::min(y, p.price); break;
        case PromoType::kBuyXGetY: y -= OfBp(y, p.get_percent_bp, RoundingMode::kUp); break;
        case PromoType::kBundle:
        case PromoType::kMixMatch: {
          if (y == 0) break;
          const int64_t others = (p.ApplicationSize() - 1) * Usable(i, s);
          Int128 share = Int128{p.price} * y;
          y = std::min(y, static_cast<int64_t>(share / (Int128{y} + others)) - 1);  // or not taken
          break;
        }
        default: break;
      }
      return std::max<int64_t>(y, 0);
    };
    // An exclusive promotion takes the unit only alone: at today's price
    // (it may touch the unit only if nothing has yet), and nothing after it.
    // So the unit ends at least at the least of the exclusive ones, each
    // applied to today's price, and of the others applied in order.
    int64_t y = u.price;
    int64_t alone = INT64_MAX;
    const std::vector<size_t>& in_scope = layer1_by_line_[static_cast<size_t>(u.line)];  // only those can touch it
    for (auto it = std::lower_bound(in_scope.begin(), in_scope.end(), k); it != in_scope.end() && *it < until; ++it) {
      const size_t i = *it;
      const int q = layer1_[i];
      const ActivePromo& ap = promos_[q];
      if (at != nullptr && (ap.p->type == PromoType::kBuyXGetY || ap.p->type == PromoType::kMixMatch)) {
        at->emplace_back(i, std::min(y, alone));
      }
      if (!Compatible(u, q) || Barred(u, q)) continue;
      if (ap.exclusive) {
        alone = std::min(alone, lower(i, u.price));
      } else if (y > 0) {
        y = lower(i, y);
      }
    }
    return std::min(y, alone);
  }

  // Floor(k, s, s[j].unit, i), as FloorsHopeless found it on the way to
  // the slot's floor (LastTogether runs after it, on the same state, and
  // Floor records the floor before every buy X get Y or mix and match in
  // the line's scope). The fallback is for a caller that did not run
  // FloorsHopeless first; Hopeless always does.
  int64_t FloorBefore(size_t k, const State& s, size_t j, size_t i) const {
    if (floor_for_ == &s) {
      for (size_t n = floor_from_[j]; n < floor_from_[j + 1]; ++n) {
        if (floor_at_[n].first == i) return floor_at_[n].second;
      }
    }
    return Floor(k, s, s[j].unit, i);
  }

  // The dearest unit of state s that layer-1 promotion layer1_[i] may use
  // (in its scope, or a bundle group's, compatible, not barred), once per
  // Hopeless call.
  int64_t Usable(size_t i, const State& s) const {
    int64_t& most = usable_[i];
    if (most >= 0) return most;
    const int q = layer1_[i];
    const ActivePromo& ap = promos_[q];
    most = 0;
    for (const Slot& x : s) {
      if (ap.in_scope[static_cast<size_t>(x.unit.line)] && Compatible(x.unit, q) && !Barred(x.unit, q)) {
        most = std::max(most, x.unit.price);
      }
    }
    return most;
  }

  // Layers 2 and 3: every subset of their promotions, more before fewer.
  Outcome Leaf(const State& s) {
    if (collect_) {
      collected_.push_back(s);  // Solve's memory already keeps a state from reaching here twice
      if (!objectives_.empty()) {
        // Per layer-2 choice of the objectives, the leaf after it, made
        // once (into buffers kept between leaves: after_[0, made)).
        size_t made = 0;
        for (Objective& o : objectives_) {
          size_t a = 0;
          while (a < made && after_[a].first != o.layer2) ++a;
          if (a == made) {
            if (after_.size() == made) after_.emplace_back();
            after_[a].first = o.layer2;
            Layers23(s, o.layer2, after_[a].second);
            ++made;
          }
          LineSums& line_sum = leaf_sums_;
          line_sum.sums.clear();
          Int128 score = 0;
          for (const Slot& x : after_[a].second) {
            const int64_t sum = x.unit.price * x.count;
            line_sum.Add(x.unit.line, sum);
            for (size_t bit = 0; bit < o.weight.size(); ++bit) {
              if (o.weight[bit] != 0 && Takes(x.unit, layer23_[bit])) score -= Int128{o.weight[bit]} * sum;
            }
          }
          score += Int128{WithTax(line_sum)} * 10'000;
          scores_.push_back(score);
          if (ties_ && score <= o.best) {
            tally_.Count(s, promos_, histories_);
            const int64_t applications = tally_.applications();
            o.best_applications = score < o.best ? applications : std::min(o.best_applications, applications);
          }
          o.best = std::min(o.best, score);
        }
      }
      return Outcome{0, 0, {}, empty_};
    }
    Outcome best;
    const size_t m = std::min<size_t>(layer23_.size(), 16);
    if (layer23_.size() > m) exhausted_ = true;  // more than 2^16 subsets: not exhaustive
    for (uint32_t mask = (1u << m) - 1;; --mask) {
      Step();
      Finish(s, mask, best);
      if (mask == 0 || FirstPathOnly()) break;
    }
    return best;
  }

  // A unit's price before the promotions of `layer` and later: what a
  // threshold (after layers 1-2) or a coupon (after layers 1-3) counts as spend.
  int64_t SpendPrice(const Unit& unit, int layer) const {
    int64_t price = unit.price;
    for (const auto& [q, d] : histories_[unit.history]) {
      if (promos_[q].layer >= layer) price += d;
    }
    return price;
  }

  // Layers 2 and 3 of `mask` on s, scored (Score): `best` becomes it if it
  // is better. Made and scored in kept buffers: only an outcome better than
  // `best` is copied out (most are not).
  void Finish(const State& s, uint32_t mask, Outcome& best) const {
    State& leaf = finish_leaf_;
    Layers23(s, mask, leaf);
    const int64_t total = Score(leaf);
    const int64_t applications = tally_.applications();
    const std::vector<int>& ranks = tally_.ranks();
    // Outcome::BetterThan, on the parts.
    const bool better = total != best.total               ? total < best.total
                        : applications != best.applications ? applications < best.applications
                                                            : ranks < best.ranks;
    if (!better) return;
    best.total = total;
    best.applications = applications;
    best.ranks = ranks;
    best.leaf = std::make_shared<const State>(leaf);
  }

 public:
  // Layers 2 and 3 of `mask` on state s, into `u`, sorted in unit order
  // (again after each promotion). Leaf and PartsSearch::ScoredFor ask it of
  // every outcome and need the state only, not its score: `u` and the
  // buffers are kept by the caller and here, so a call allocates nothing
  // once they have grown.
  void Layers23(const State& s, uint32_t mask, State& u) const {
    u.assign(s.begin(), s.end());
    std::vector<size_t>& take = finish_take_;
    // Per taken slot: each unit's discount, and how many of its units get one fen more.
    std::vector<std::pair<int64_t, int64_t>>& discount = finish_discount_;
    std::vector<int64_t>& weights = finish_weights_;
    std::vector<int64_t>& counts = finish_counts_;
    State& split = finish_split_;
    for (size_t bit = 0; bit < layer23_.size() && bit < 32; ++bit) {
      if (!(mask & (1u << bit))) continue;
      const int q = layer23_[bit];
      const Promotion& p = *promos_[q].p;
      take.clear();
      for (size_t j = 0; j < u.size(); ++j) {
        if (promos_[q].in_scope[static_cast<size_t>(u[j].unit.line)] && Compatible(u[j].unit, q)) take.push_back(j);
      }
      if (take.empty()) continue;
      if (p.type == PromoType::kMemberTier) {
        const int64_t bp = MemberBp(p);
        discount.assign(take.size(), {0, 0});
        for (size_t i = 0; i < take.size(); ++i) {
          discount[i].first = OfBp(u[take[i]].unit.price, bp, RoundingMode::kHalfUp);
        }
      } else {
        int64_t spend = 0;
        int64_t current = 0;
        weights.clear();
        counts.clear();
        for (size_t j : take) {
          spend += SpendPrice(u[j].unit, promos_[q].layer) * u[j].count;
          current += u[j].unit.price * u[j].count;
          weights.push_back(u[j].unit.price);
          counts.push_back(u[j].count);
        }
        const Tier* tier = nullptr;
        for (const Tier& t : p.tiers) tier = t.min <= spend ? &t : tier;
        int64_t total_discount = 0;
        if (p.type == PromoType::kCouponAmount || p.type == PromoType::kCouponPercent) {
          if (spend < p.min_spend) continue;  // minimum spend not met: touches nothing
          total_discount = p.type == PromoType::kCouponAmount
                               ? std::min(p.amount, current)
                               : OfBp(current, p.percent_bp, RoundingMode::kHalfUp);
        } else if (tier == nullptr) {
          continue;  // not reached: touches nothing
        } else if (p.type == PromoType::kThresholdAmount || p.type == PromoType::kCouponThreshold) {
          total_discount = p.repeat ? tier->off * (spend / tier->min) : tier->off;
          total_discount = std::min(total_discount, current);
        } else {
          total_discount = OfBp(current, tier->percent_bp, RoundingMode::kHalfUp);
        }
        AllocateOverSlots(total_discount, weights, counts, discount, apply_remainder_, apply_order_);
      }
      // Apply; a slot whose first units take one fen more splits in two.
      split.clear();
      for (size_t i = 0; i < take.size(); ++i) {
        Slot& x = u[take[i]];
        const auto [d, extra] = discount[i];
        if (extra > 0) {
          Slot more{x.unit, extra};
          more.unit.price -= d + 1;
          more.unit.history = histories_.Extend(more.unit.history, q, d + 1);
          split.push_back(more);
        }
        x.count -= extra;
        x.unit.price -= d;
        x.unit.history = histories_.Extend(x.unit.history, q, d);
      }
      u.insert(u.end(), split.begin(), split.end());
      Normalize(u, histories_);
    }
  }

 private:
  // The total of a leaf (its lines' sums, with tax when prices exclude it)
  // and its tie-break. The leaf is sorted by line (Normalize), so a line's
  // units are adjacent: one sum per line, no per-cart-line arrays.
  // Returns the total; tally_ holds the tie-break.
  int64_t Score(const State& leaf) const {
    LineSums& line_sum = score_sums_;
    line_sum.sums.clear();
    for (const Slot& x : leaf) line_sum.Add(x.unit.line, x.unit.price * x.count);
    tally_.Count(leaf, promos_, histories_);
    return WithTax(line_sum);
  }

 private:
  const std::vector<LineInfo>& lines_;
  const std::vector<ActivePromo>& promos_;
  bool tax_inclusive_;
  const std::string& member_tier_;
  int64_t budget_;
  int64_t limit_ = budget_;  // the budget, or for a part started past it, its grace (Reset)
  bool greedy_;
  int64_t& steps_;
  Histories& histories_;
  bool exhausted_ = false;
  std::vector<int> layer1_;
  std::vector<int> layer23_;
  std::vector<int> layer2_;      // the layer-2 promotions of layer23_, in order
  std::vector<int> thresholds_;  // and its thresholds
  bool summarize_ = false;       // Key summarizes settled units
  bool ties_ = false;            // Hopeless also cuts states that can only tie, with more applications
  // Decide: the units promotion barred_promo_ may no longer take in the
  // branch being bounded (Barred).
  std::vector<Unit> barred_;
  int barred_promo_ = -1;
  // Buffers of Hopeless and MostOffTogether, kept between calls.
  mutable std::vector<int64_t> least_;
  mutable std::vector<uint32_t> takes_;
  // WeighedTakes: per line of the cart, the bits of weighed_ in scope there;
  // per history, those it is compatible with, found for the part part_ (a
  // count of Prepare calls, so that a new part need not clear them).
  std::vector<uint32_t> weighed_in_scope_;
  mutable std::vector<std::pair<uint32_t, uint32_t>> weighed_compatible_;
  uint32_t part_ = 0;
  mutable std::vector<int64_t> floor_;    // FloorsHopeless: per slot of *floor_for_, Floor()
  mutable const State* floor_for_ = nullptr;
  mutable std::vector<std::pair<size_t, int64_t>> floor_at_;  // Floor's `at` for the slots of *floor_for_
  mutable std::vector<size_t> floor_from_;                    // per slot, where its entries in floor_at_ start
  mutable std::vector<int64_t> usable_;   // per layer-1 promotion: Usable(), -1 until asked
  mutable const State* last_for_ = nullptr;  // LastTogetherHopeless: the state last_groups_ are for
  mutable std::vector<LastGroup> last_groups_;  // the first last_n_ are this state's
  mutable size_t last_n_ = 0;
  mutable std::vector<int64_t> last_prices_;
  mutable std::vector<Int128> spend_;  // per layer-2/3 promotion: the spend of the units it could take (Weighed)
  // SlotsBound per choice of layer-2 promotions, for least_, floor_ and last_prices_, within one Hopeless call.
  mutable std::vector<std::pair<uint32_t, Int128>> least_memo_, floor_memo_, last_memo_;
  std::vector<std::vector<size_t>> layer1_by_line_;  // per line: the layer-1 promotions in scope (indices in layer1_), ascending (Floor, LastTogether)
  std::vector<std::vector<size_t>> singles_by_line_;  // per line: the single-unit layer-1 promotions in scope (indices in layer1_), ascending
  std::vector<int64_t> layer23_bp_;  // per layer-2/3 promotion: a member tier's rate for the customer (MemberBp), else 0
  mutable std::vector<int> apply_classes_;  // Apply and Spread
  mutable std::vector<Unit> apply_units_;
  mutable std::vector<int64_t> apply_discount_;
  mutable std::vector<size_t> apply_order_;
  mutable std::vector<Int128> apply_remainder_;  // and AllocateOverSlots
  mutable State apply_merge_;  // Apply: NormalizeTail's scratch
  mutable std::vector<size_t> finish_take_;  // Layers23
  mutable std::vector<std::pair<int64_t, int64_t>> finish_discount_;
  mutable std::vector<int64_t> finish_weights_;
  mutable std::vector<int64_t> finish_counts_;
  mutable State finish_split_;
  mutable LineSums score_sums_;  // Score
  mutable Tally tally_;
  mutable State finish_leaf_;  // Finish
  std::vector<std::pair<uint32_t, State>> after_;  // Leaf: per layer-2 choice of the objectives, the leaf after it
  LineSums leaf_sums_;
  mutable std::string key_;  // Key: a buffer, longer than the key
  mutable std::vector<std::array<int64_t, 3>> key_settled_;
  mutable std::vector<int64_t> key_sums_;
  mutable std::vector<std::array<int64_t, 3>> multi_;
  // Per layer-1 promotion (index in layer1_), the layer-2 promotions (bits
  // of layer23_) that every unit it may discount keeps: in their scope, and
  // neither it nor they exclusive, nor in one group.
  std::vector<uint32_t> keeps_;
  std::vector<uint32_t> weight_bits_;  // per objective: its layer-2/3 promotions with a weight (bits of layer23_)
  uint32_t weighed_ = 0;               // every objective's layer-2 and weighted bits
  std::vector<size_t> multi_unit_;     // the layer-1 promotions of more than one unit (indices in layer1_), ascending
  mutable std::vector<std::pair<int, int64_t>> grouped_;
  mutable LineSums line_sum_;
  mutable std::vector<PriceRun> unit_runs_;  // MostOffTogether, LastTogether
  mutable std::vector<std::vector<PriceRun>> group_runs_;
  mutable std::vector<std::pair<size_t, int64_t>> group_at_;
  std::shared_ptr<const State> empty_ = std::make_shared<const State>();  // collect mode's outcomes
  size_t summary_size_ = 0;
  mutable FlatMap<Unit, UnitInfo, UnitHash> unit_info_;
  mutable std::vector<int64_t> summaries_;
  KeyTable<Outcome> memo_;
  std::vector<Frame> frames_;  // per layer-1 promotion (Decide), sized in Prepare
  bool collect_ = false;
  std::vector<State> collected_;  // collect mode: the layer-1 outcomes as found (the greedy one first)
  std::vector<Objective> objectives_;
  std::vector<Int128> scores_;  // per collected outcome, per objective (j × objectives_.size() + o)
  mutable int64_t cart_units_ = -1;      // CartUnits(), -1 until asked
  mutable std::vector<int64_t> cart_list_;  // per promotion: CartListInScope(), -1 until asked
};

// Union-find over lines, for the independent components.
struct Components {
  explicit Components(size_t n) : parent(n) { std::iota(parent.begin(), parent.end(), size_t{0}); }
  size_t Find(size_t x) { return parent[x] == x ? x : parent[x] = Find(parent[x]); }
  void Join(size_t a, size_t b) { parent[Find(a)] = Find(b); }
  std::vector<size_t> parent;
};

// What the bounds of the choice among parts (PartsSearch) see of a
// threshold or a coupon: its tiers (a coupon_amount or coupon_percent as one
// tier {min_spend, amount or percent_bp}), and whether it takes a percentage.
// A coupon counts its spend after layers 1-3, which is at most what those
// bounds count (after layer 2, every unit it could take), and takes at most
// its tier's off or percentage of it: they stay lower bounds.
std::vector<Tier> BoundTiers(const Promotion& p) {
  if (p.type == PromoType::kCouponAmount) return {Tier{p.min_spend, p.amount, 0}};
  if (p.type == PromoType::kCouponPercent) return {Tier{p.min_spend, 0, p.percent_bp}};
  return p.tiers;
}
bool TakesPercent(const Promotion& p) {
  return p.type == PromoType::kThresholdPercent || p.type == PromoType::kCouponPercent;
}

// The list prices of the units of lines `line_ids` (those in `scope`, if
// given): what a spend over them can be at most.
int64_t ListAmount(const std::vector<LineInfo>& lines, const std::vector<int32_t>& line_ids,
                   const std::vector<bool>* scope = nullptr) {
  int64_t list = 0;
  for (int32_t l : line_ids) {
    const size_t i = static_cast<size_t>(l);
    if (scope == nullptr || (*scope)[i]) list += lines[i].unit_base * lines[i].units;
  }
  return list;
}

// Removes from a component's promotions (`promo_ids`) every presented coupon
// that no best answer can apply, given `upper`, the total of one complete
// choice of the component (its greedy answer). The units a coupon counts are
// in the component, so its total is at least the coupon's spend (after layers
// 1-3, in its scope) less what the coupons take off: for the coupon at least
// the least, over its tiers, of the spend reached less what that tier takes
// at it (spend − round(spend × rate) never falls as the spend rises), and for
// each other coupon at most its largest `off`, or its rate of the list prices
// in its scope. When that exceeds `upper` for a coupon, every choice that
// applies it costs more than the greedy one: it is dropped before the search
// (whose bounds a coupon weakens), and the answer and its tie-break are those
// of the search with it. Its reason is then worked out as for any coupon left out.
template <typename Upper>
void DropHopelessCoupons(const std::vector<ActivePromo>& promos, const std::vector<LineInfo>& lines,
                         const std::vector<int32_t>& line_ids, const Upper& upper, std::vector<int>& promo_ids) {
  // Per coupon: the most it could take off the component, and the least
  // spend less its own discount where it applies.
  struct Candidate {
    int q;
    int64_t most;
    int64_t least;
  };
  std::vector<Candidate> coupons;
  int64_t others = 0;  // what all the coupons could take together
  for (int q : promo_ids) {
    if (promos[q].coupon < 0) continue;
    const Promotion& p = *promos[q].p;
    if (p.repeat) return;  // no bound on what it takes
    Candidate c{q, 0, INT64_MAX};
    if (p.type == PromoType::kCouponThreshold) {
      for (const Tier& t : p.tiers) {
        c.most = std::max(c.most, t.off);
        c.least = std::min(c.least, t.min - t.off);
      }
    } else if (p.type == PromoType::kCouponAmount) {
      c.most = p.amount;
      c.least = p.min_spend - p.amount;
    } else {
      c.most = OfBp(ListAmount(lines, promos[q].lines), p.percent_bp, RoundingMode::kHalfUp);
      c.least = p.min_spend - OfBp(p.min_spend, p.percent_bp, RoundingMode::kHalfUp);
    }
    others += c.most;
    coupons.push_back(c);
  }
  // The least the component costs where each applies: less what the others take.
  int64_t most_least = 0;
  for (Candidate& c : coupons) {
    c.least -= others - c.most;
    most_least = std::max(most_least, c.least);
  }
  // The greedy answer costs a third of a small cart's pricing: it is priced
  // only when the promotions would have to take at most three quarters of the
  // component's list prices off for a coupon to be out of reach.
  if (most_least <= ListAmount(lines, line_ids) / 4) return;
  const int64_t bound = upper();
  std::erase_if(promo_ids, [&](int q) {
    return std::any_of(coupons.begin(), coupons.end(), [&](const Candidate& c) { return c.q == q && c.least > bound; });
  });
}

// One layer-1 outcome of a part after a choice of layer-2 promotions: what
// every choice of thresholds needs to know of it.
struct Scored {
  const State* state = nullptr;  // after layer 1
  int64_t cost = 0;              // the units' sum after layer 2
  int64_t applications = 0;      // layer-1 applications
  std::vector<int> ranks;        // their promotions (id ranks), sorted
  std::vector<int64_t> inside;   // per layer-2/3 promotion (thresholds only): the sum of the units it could take
  uint32_t reaches = 0;          // per layer-2/3 promotion (bit): it touches (layer 2) or could take (layer 3) a unit
};

// Its sums live in PartsSearch's buffers (one for every outcome of the
// choice being solved), so that a choice allocates nothing per outcome.
struct PartOutcome {
  const Scored* s = nullptr;
  const int64_t* inside = nullptr;  // per threshold of the choice
  const Int128* score = nullptr;    // per combination of tiers: 10000 × cost − Σ percent_bp × inside
  uint32_t reaches = 0;             // of the choice's promotions
};

// Which tier each threshold of a choice reaches (0: none), and what that means.
struct TierCombination {
  std::vector<int64_t> min;         // per threshold: the spend needed (0: none)
  std::vector<int64_t> percent_bp;  // per threshold: a percent threshold's rate
  std::vector<int64_t> off;         // per threshold: an amount threshold's discount
  int64_t percent_thresholds = 0;   // reached percent thresholds
};

// Solves a component exactly, part by part. Lines that no layer-1 promotion
// couples form parts; each part's layer-1 outcomes are enumerated once. Then
// for every choice of layer-2/3 promotions a depth-first branch and bound
// picks one outcome per part (cheapest first, so the first answer is each
// part at its best alone). The bound, for each combination of the tiers the
// thresholds could reach: a threshold takes off at most `off`, or percent_bp
// of the units it could take (so a part's cost and its percent-threshold
// discounts add up part by part), and a tier whose spend the parts cannot
// reach is left out. Each complete choice is priced exactly (layers 2-3,
// allocation, tax) and ranked as the specification says.
class PartsSearch {
 public:
  PartsSearch(const std::vector<LineInfo>& lines, const std::vector<ActivePromo>& promos, bool tax_inclusive,
              const Context& ctx, int64_t& steps, Histories& histories)
      : lines_(lines), promos_(promos), tax_inclusive_(tax_inclusive), ctx_(ctx), steps_(steps),
        histories_(histories), full_(lines, promos, tax_inclusive, ctx, steps, histories),
        part_(lines, promos, tax_inclusive, ctx, steps, histories) {}

  Outcome Run(const std::vector<int32_t>& line_ids, const std::vector<int>& promo_ids) {
    full_.Prepare(line_ids, promo_ids);
    required_ = Required(line_ids, promo_ids);
    rate_max_ = 0;
    for (int32_t l : line_ids) rate_max_ = std::max<int64_t>(rate_max_, lines_[static_cast<size_t>(l)].line->tax_rate_bp);
    lines_in_component_ = static_cast<int64_t>(line_ids.size());
    // First each part's outcomes only near the best for some choice of
    // layer-2/3 promotions and tiers; if that cannot be shown to be enough
    // (a threshold's spend must be reached by parts not at their best), all.
    std::vector<Objective> objectives = Objectives();
    if (!objectives.empty()) {
      Solve(line_ids, promo_ids, objectives);
      // With a coupon, a threshold when prices exclude tax, or an amount
      // threshold the ones before it may leave less than its `off` (which
      // the objectives count in full), the total is no sum of the parts'
      // (the objectives are lower bounds, see Weight) and Enough cannot
      // tell: the second pass (bounded by Slack) always follows.
      const std::vector<int>& layer23 = full_.layer23();
      std::vector<int> thresholds;
      for (int q : layer23) {
        if (promos_[q].layer == 3) thresholds.push_back(q);
      }
      const bool lower_bounds =
          std::any_of(layer23.begin(), layer23.end(),
                      [&](int q) { return promos_[q].layer == 4 || (promos_[q].layer == 3 && !tax_inclusive_); }) ||
          LaterThresholdMayFallShort(promos_, thresholds, [&](int t) { return ListInScope(line_ids, t); },
                                     ListUnits(line_ids));
      if (exhausted_ || (!lower_bounds && Enough(line_ids))) return best_;
      // The second pass keeps, of each part, the outcomes that could still
      // be in a choice as good as the answer (Slack), knowing each part's
      // best for each objective from the first pass.
      if (!Slack(line_ids, objectives)) part_objectives_.clear();
      outcomes_.clear();
      scored_.clear();
    }
    Solve(line_ids, promo_ids, {});
    return best_;
  }

  bool exhausted() const { return exhausted_; }

 private:
  void Solve(const std::vector<int32_t>& line_ids, const std::vector<int>& promo_ids,
             const std::vector<Objective>& objectives) {
    // The parts: lines joined by layer-1 promotions that couple units (all
    // of whose lines are in the component: they joined it).
    Components comp(lines_.size());
    for (int q : promo_ids) {
      const ActivePromo& ap = promos_[q];
      const Promotion& p = *ap.p;
      if (ap.layer != 1 || (p.ApplicationSize() == 1 && !p.max_applications && !p.remaining_units)) continue;
      for (int32_t l : ap.lines) comp.Join(static_cast<size_t>(l), static_cast<size_t>(ap.lines.front()));
    }
    std::map<size_t, std::vector<int32_t>> parts;
    for (int32_t l : line_ids) parts[comp.Find(static_cast<size_t>(l))].push_back(l);
    // Per part (in the order of parts), its layer-1 promotions in
    // application order, then every layer-2/3 one: each layer-1 promotion
    // visits its own lines (a single-unit one may have lines in other
    // components: part_of_ is -1 there).
    std::vector<std::vector<int>> promos_of(parts.size());
    part_of_.resize(lines_.size(), -1);
    {
      int j = 0;
      for (const auto& [root, part_lines] : parts) {
        for (int32_t l : part_lines) part_of_[static_cast<size_t>(l)] = j;
        ++j;
      }
    }
    for (int q : promo_ids) {
      if (promos_[q].layer != 1) continue;
      for (int32_t l : promos_[q].lines) {
        const int j = part_of_[static_cast<size_t>(l)];
        if (j < 0) continue;
        std::vector<int>& to = promos_of[static_cast<size_t>(j)];
        if (to.empty() || to.back() != q) to.push_back(q);
      }
    }
    for (int32_t l : line_ids) part_of_[static_cast<size_t>(l)] = -1;  // as found, for the next component
    size_t part_index = 0;
    for (const auto& [root, part_lines] : parts) {
      std::vector<int>& part_promos = promos_of[part_index++];
      part_promos.insert(part_promos.end(), full_.layer23().begin(), full_.layer23().end());
      Search& part = part_;
      part.Reset();
      const size_t j = outcomes_.size();
      if (j < part_objectives_.size()) {
        outcomes_.push_back(part.Outcomes(part_lines, part_promos, part_objectives_[j]));
      } else {
        part_bests_.resize(j + 1);
        outcomes_.push_back(part.Outcomes(part_lines, part_promos, objectives, &part_bests_[j]));
      }
      exhausted_ = exhausted_ || part.exhausted();
    }

    // The choice among the parts is a walk of its own: past the budget it
    // still gets its grace, then keeps its first complete answer.
    limit_ = StepLimit(steps_, ctx_.step_budget);
    stopped_ = false;
    const std::vector<int>& layer23 = full_.layer23();
    const size_t m = std::min<size_t>(layer23.size(), 16);
    if (layer23.size() > m) exhausted_ = stopped_ = true;  // more than 2^16 choices: not exhaustive
    for (uint32_t mask = (1u << m) - 1;; --mask) {
      if (MayWin(mask)) SolveMask(mask);
      if (mask == 0 || (stopped_ && best_.leaf)) break;
    }
  }

  bool MayWin(uint32_t mask) const { return (mask & required_) == required_; }

  // After a first pass that was not enough: sets part_objectives_ for a
  // second pass that keeps only what can matter, and returns true (false
  // when it cannot, and every outcome is needed). A complete choice whose
  // thresholds reach the tiers c totals at least LeastTotal(S) − off(c),
  // where S is the sum of its parts' scores for c's objective o (Bound), so
  // it can match the answer (total B) only if S <= 10000 (B + off(c)) +
  // 5000 × (c's percent thresholds). Part j's score is then at most that
  // less every other part's best for o: within that slack of its own best.
  // Each part's walk is bounded by its best (known, from the first pass)
  // and that slack added to its band, for every objective.
  bool Slack(const std::vector<int32_t>& line_ids, const std::vector<Objective>& objectives) {
    if (!best_.leaf || part_bests_.size() != outcomes_.size()) return false;
    std::vector<Int128> total(objectives.size(), 0);  // per objective: the parts' bests summed
    for (const std::vector<Int128>& bests : part_bests_) {
      if (bests.size() != objectives.size()) return false;
      for (size_t o = 0; o < bests.size(); ++o) {
        if (bests[o] == std::numeric_limits<Int128>::max()) return false;
        total[o] += bests[o];
      }
    }
    std::vector<Int128> cap(objectives.size(), std::numeric_limits<Int128>::min());
    const std::vector<int>& layer23 = full_.layer23();
    bool known = true;
    ForEachChoice([&](uint32_t mask, const TierCombination& c) {
      std::vector<int64_t> weight(layer23.size(), 0);
      for (size_t t = 0; t < thresholds_.size(); ++t) weight[threshold_bits_[t]] = Weight(c.percent_bp[t]);
      const uint32_t layer2 = LayerTwo(mask);
      size_t o = 0;
      while (o < objectives.size() && !(objectives[o].layer2 == layer2 && objectives[o].weight == weight)) ++o;
      if (o == objectives.size()) {
        known = false;
        return;
      }
      int64_t off = 0;  // the most the amount thresholds can take at these tiers
      for (size_t t = 0; t < thresholds_.size(); ++t) {
        const Promotion& p = *promos_[thresholds_[t]].p;
        off += p.repeat && c.min[t] > 0 ? c.off[t] * (ListInScope(line_ids, thresholds_[t]) / c.min[t]) : c.off[t];
      }
      // With prices excluding tax (Weight): the tax a threshold's discount
      // takes with it, and a fen a line for the tax's rounding.
      const Int128 cap_o = tax_inclusive_ ? Int128{10'000} * (Int128{best_.total} + off) + Int128{5'000} * c.percent_thresholds
                                          : Int128{10'000} * (Int128{best_.total} + RoundingSlack()) +
                                                Int128{10'000 + rate_max_} * off +
                                                (Int128{10'000 + rate_max_} * c.percent_thresholds + 1) / 2;
      cap[o] = std::max(cap[o], cap_o);
    });
    if (!known) return false;
    part_objectives_.assign(part_bests_.size(), objectives);
    for (size_t j = 0; j < part_bests_.size(); ++j) {
      for (size_t o = 0; o < objectives.size(); ++o) {
        Objective& x = part_objectives_[j][o];
        x.best = part_bests_[j][o];
        // No choice of this objective can match the answer: no outcome is needed for it.
        x.extra = cap[o] == std::numeric_limits<Int128>::min() ? Int128{-1} << 100 : cap[o] - total[o];
      }
    }
    return true;
  }

  // The layer-2 promotion (as a bit of layer23()) that every choice that
  // can win applies, if there is one: with prices including tax and a
  // single layer-2 promotion, when the least it takes off the units no
  // layer-1 promotion could keep it from (nor make free) is more than all
  // the thresholds together could take off the component, any choice
  // without it costs more than it alone on the same layer-1 outcome.
  uint32_t Required(const std::vector<int32_t>& line_ids, const std::vector<int>& promo_ids) const {
    const std::vector<int>& layer23 = full_.layer23();
    if (!tax_inclusive_ || layer23.size() > 16) return 0;
    int bit = -1;
    for (size_t b = 0; b < layer23.size(); ++b) {
      if (promos_[layer23[b]].layer != 2) continue;
      if (bit >= 0) return 0;
      bit = static_cast<int>(b);
    }
    if (bit < 0) return 0;
    const ActivePromo& member = promos_[layer23[static_cast<size_t>(bit)]];
    int64_t bp = 0;
    for (const auto& [tier, rate] : member.p->member_tiers) bp = tier == ctx_.member_tier ? rate : bp;
    int64_t least = 0;  // the least it takes off
    for (int32_t l : line_ids) {
      const LineInfo& line = lines_[static_cast<size_t>(l)];
      if (!member.in_scope[static_cast<size_t>(l)]) continue;
      bool sure = true;
      int64_t off = 0;  // the most single-unit promotions could take off a unit
      for (int q : promo_ids) {
        const ActivePromo& ap = promos_[q];
        if (ap.layer != 1 || !ap.in_scope[static_cast<size_t>(l)]) continue;
        const Promotion& p = *ap.p;
        if (ap.exclusive || member.exclusive || (ap.group >= 0 && ap.group == member.group) ||
            p.ApplicationSize() != 1) {
          sure = false;
          break;
        }
        switch (p.type) {
          case PromoType::kPercentOff: off += OfBp(line.unit_base, p.percent_bp, RoundingMode::kUp); break;
          case PromoType::kAmountOff: off += p.amount; break;
          default: off += std::max<int64_t>(0, line.unit_base - p.price); break;  // fixed price, flash sale
        }
      }
      if (!sure) continue;
      least += OfBp(std::max<int64_t>(0, line.unit_base - off), bp, RoundingMode::kHalfUp) * line.units;
    }
    int64_t most = 0;  // the most the thresholds and coupons could take
    for (int q : layer23) {
      if (promos_[q].layer < 3) continue;
      const Promotion& p = *promos_[q].p;
      const int64_t list = ListInScope(line_ids, q);
      const Tier top = BoundTiers(p).back();
      most += std::min(list, TakesPercent(p)
                                 ? OfBp(list, top.percent_bp, RoundingMode::kUp)
                                 : (p.repeat ? top.off * (list / top.min) : top.off));
    }
    return least > most ? 1u << bit : 0;
  }

  // Every choice of layer-2/3 promotions and of the thresholds' tiers (a
  // threshold's combination lists which tier each reaches, 0: none).
  template <typename F>
  void ForEachChoice(F&& f) {
    const std::vector<int>& layer23 = full_.layer23();
    for (uint32_t mask = (1u << layer23.size()) - 1;; --mask) {
      if (MayWin(mask)) {
        PrepareMask(mask);
        for (const TierCombination& c : combinations_) f(mask, c);
      }
      if (mask == 0) break;
    }
  }

  // The objectives of the first pass, or none when the total does not
  // follow from the parts' sums whatever the choice (then every outcome is
  // needed): there are no thresholds, or prices include tax, no threshold is
  // exclusive or shares a group with another, a threshold never takes more
  // than the spend it needs, and every threshold after the first takes a
  // fixed amount.
  std::vector<Objective> Objectives() {
    const std::vector<int>& layer23 = full_.layer23();
    if (layer23.size() > 8) return {};
    size_t thresholds = 0;
    for (size_t bit = 0; bit < layer23.size(); ++bit) {
      const Promotion& p = *promos_[layer23[bit]].p;
      if (p.layer() != 3) continue;
      // An exclusive threshold keeps the units it takes from the other
      // thresholds, which the objectives (each counting every unit it could
      // take after layer 2) do not see: it is allowed only alone. (A coupon
      // it keeps units from is counted as taking them too: with a coupon the
      // objectives only need to be lower bounds, see Run.)
      if (p.stacking == Stacking::kExclusive &&
          std::count_if(layer23.begin(), layer23.end(), [&](int q) { return promos_[q].layer == 3; }) > 1) {
        return {};
      }
      for (size_t other = 0; other < bit; ++other) {
        const Promotion& o = *promos_[layer23[other]].p;
        if (o.layer() == 3 && p.stacking == Stacking::kGroup && o.stacking == Stacking::kGroup && p.group == o.group) {
          return {};
        }
      }
      for (const Tier& tier : p.tiers) {
        if (tier.off > tier.min) return {};
      }
      if (thresholds++ > 0 && (p.type != PromoType::kThresholdAmount || p.repeat)) return {};
    }
    std::vector<Objective> out;
    ForEachChoice([&](uint32_t mask, const TierCombination& c) {
      Objective o;
      o.layer2 = 0;
      o.weight.assign(layer23.size(), 0);
      for (size_t bit = 0; bit < layer23.size(); ++bit) {
        if ((mask & (1u << bit)) && promos_[layer23[bit]].layer == 2) o.layer2 |= 1u << bit;
      }
      for (size_t t = 0; t < thresholds_.size(); ++t) o.weight[threshold_bits_[t]] = Weight(c.percent_bp[t]);
      o.band = Int128{10'000} * c.percent_thresholds;
      const bool known = std::any_of(out.begin(), out.end(), [&](const Objective& x) {
        return x.layer2 == o.layer2 && x.weight == o.weight && x.band == o.band;
      });
      if (!known) out.push_back(std::move(o));
    });
    return out;
  }

  // The weight of a percent threshold (or coupon) at rate `bp` in the
  // objectives. With prices including tax, its rate: a part's score is
  // 10000 × its cost less rate × what the threshold could take of it, and
  // the scores add up to the total (Enough, Slack). With prices excluding
  // tax they are lower bounds only: a part's cost is its lines' sums with
  // tax rounded per line, while the total rounds each line's tax after the
  // thresholds' discounts are spread over the lines (each line's tax is
  // within half a fen of its sum × its rate), and the discount takes its
  // tax with it — at most (1 + the component's highest rate) × the
  // discount. So the rate is raised by that much, rounded up (a higher
  // weight only lowers the score), and Slack allows a fen a line and the
  // amount discounts' and roundings' tax.
  int64_t Weight(int64_t bp) const {
    return tax_inclusive_ || bp == 0 ? bp : (bp * (10'000 + rate_max_) + 9'999) / 10'000;
  }

  // After the first pass: true when no choice could beat the answer with
  // outcomes the first pass left out. For each choice of promotions and
  // tiers, the parts' outcomes at their best (which the first pass kept)
  // either reach every tier of the choice — then the choice's best was among
  // the outcomes searched — or cannot beat the answer even if they did.
  bool Enough(const std::vector<int32_t>& line_ids) {
    bool enough = true;
    ForEachChoice([&](uint32_t mask, const TierCombination& c) {
      if (!enough) return;
      const std::vector<std::vector<Scored>>& scored = ScoredFor(LayerTwo(mask));
      Int128 score = 0;
      std::vector<int64_t> inside(thresholds_.size(), 0);
      for (const auto& part : scored) {
        const Scored* least = nullptr;
        Int128 least_score = 0;
        for (const Scored& x : part) {
          const Int128 v = ScoreOf(x, c);
          if (least == nullptr || v < least_score) {
            least = &x;
            least_score = v;
          }
        }
        if (least == nullptr) continue;
        score += least_score;
        for (size_t t = 0; t < thresholds_.size(); ++t) inside[t] += least->inside[threshold_bits_[t]];
      }
      // A repeating threshold that the combination reaches takes more the
      // more its units sum to, which the objective does not count: parts
      // away from their best may then win, so only the bound below decides.
      bool reaches = true;
      int64_t off = 0;
      for (size_t t = 0; t < thresholds_.size(); ++t) {
        const Promotion& p = *promos_[thresholds_[t]].p;
        reaches = reaches && inside[t] >= c.min[t] && !(p.repeat && c.min[t] > 0);
        // What it could take at most: as often as the list prices in its scope allow.
        off += p.repeat && c.min[t] > 0 ? c.off[t] * (ListInScope(line_ids, thresholds_[t]) / c.min[t]) : c.off[t];
      }
      if (reaches) return;
      if (LeastTotal(score, c, off) <= best_.total) enough = false;
    });
    return enough;
  }

  // The list prices of the lines' units in the scope of promotion q: what
  // its spend can be at most.
  int64_t ListInScope(const std::vector<int32_t>& line_ids, int q) const {
    return ListAmount(lines_, line_ids, &promos_[q].in_scope);
  }
  int64_t ListUnits(const std::vector<int32_t>& line_ids) const {
    int64_t units = 0;
    for (int32_t l : line_ids) units += lines_[static_cast<size_t>(l)].units;
    return units;
  }

  int64_t MostInside(const std::vector<std::vector<Scored>>& scored, size_t t) const {
    int64_t most = 0;
    for (const auto& part : scored) {
      int64_t m = 0;
      for (const Scored& x : part) m = std::max(m, x.inside[threshold_bits_[t]]);
      most += m;
    }
    return most;
  }

  // 10000 × a part outcome's cost minus what the percent thresholds of
  // tier combination c take of it.
  Int128 ScoreOf(const Scored& x, const TierCombination& c) const {
    Int128 score = Int128{x.cost} * 10'000;
    for (size_t t = 0; t < thresholds_.size(); ++t) score -= Int128{Weight(c.percent_bp[t])} * x.inside[threshold_bits_[t]];
    return score;
  }

  // The least total a sum of scores under c can mean, when the amount
  // thresholds take `off`: each reached percent threshold rounds half up,
  // at most half a fen more than its rate, so it is at least
  // ceil(score / 10000 - n / 2) - off. With prices excluding tax (Weight),
  // also less a fen a line, and the tax of the half fens and of `off`.
  int64_t LeastTotal(Int128 score, const TierCombination& c, int64_t off) const {
    if (!tax_inclusive_) {
      return LeastTotal(score - Int128{10'000} * RoundingSlack() -
                            (Int128{10'000 + rate_max_} * c.percent_thresholds + 1) / 2 -
                            Int128{rate_max_} * off,
                        0) -
             off;
    }
    return LeastTotal(score, c.percent_thresholds) - off;
  }
  static int64_t LeastTotal(Int128 score, int64_t percent_thresholds) {
    const Int128 sum = score - 5'000 * percent_thresholds;
    if (sum >= 0 && sum <= INT64_MAX - 9'999) return (static_cast<int64_t>(sum) + 9'999) / 10'000;  // 64-bit division
    return static_cast<int64_t>(sum >= 0 ? (sum + 9'999) / 10'000 : -(-sum / 10'000));
  }

  uint32_t LayerTwo(uint32_t mask) const {
    uint32_t layer2 = 0;
    const std::vector<int>& layer23 = full_.layer23();
    for (size_t bit = 0; bit < layer23.size(); ++bit) {
      if ((mask & (1u << bit)) && promos_[layer23[bit]].layer == 2) layer2 |= 1u << bit;
    }
    return layer2;
  }

  // The thresholds of a choice of layer-2/3 promotions and every combination of their tiers.
  void PrepareMask(uint32_t mask) {
    const std::vector<int>& layer23 = full_.layer23();
    std::vector<int> thresholds;
    threshold_bits_.clear();
    for (size_t bit = 0; bit < layer23.size() && bit < 32; ++bit) {
      if ((mask & (1u << bit)) && promos_[layer23[bit]].layer >= 3) {  // thresholds and coupons
        thresholds.push_back(layer23[bit]);
        threshold_bits_.push_back(bit);
      }
    }
    // Every combination of tiers.
    combinations_.clear();
    std::vector<size_t> pick(thresholds.size(), 0);
    for (;;) {
      TierCombination c;
      for (size_t t = 0; t < thresholds.size(); ++t) {
        const Promotion& p = *promos_[thresholds[t]].p;
        const std::vector<Tier> tiers = BoundTiers(p);
        const Tier* tier = pick[t] == 0 ? nullptr : &tiers[pick[t] - 1];
        const bool percent = TakesPercent(p);
        c.min.push_back(tier ? tier->min : 0);
        c.percent_bp.push_back(tier && percent ? tier->percent_bp : 0);
        c.off.push_back(tier && !percent ? tier->off : 0);
        c.percent_thresholds += tier && percent ? 1 : 0;
      }
      combinations_.push_back(std::move(c));
      size_t t = 0;
      while (t < pick.size() && ++pick[t] == BoundTiers(*promos_[thresholds[t]].p).size() + 1) pick[t++] = 0;
      if (t == pick.size()) break;
    }
    thresholds_ = std::move(thresholds);
  }

  void SolveMask(uint32_t mask) {
    PrepareMask(mask);
    // Each part's outcomes after layer 2, cheapest first, for this choice.
    const std::vector<std::vector<Scored>>& scored = ScoredFor(LayerTwo(mask));
    if (best_.leaf && LowerBound(scored) > best_.total) return;  // this choice cannot win
    const size_t thresholds = thresholds_.size();
    const size_t combinations = combinations_.size();
    // Every outcome's sums, written once into buffers sized first (the
    // outcomes point into them).
    size_t outcomes = 0;
    for (const auto& part : scored) outcomes += part.size();
    po_inside_.resize(outcomes * thresholds);
    po_score_.resize(outcomes * combinations);
    // choices_ keeps its vectors (and their storage) from choice to choice.
    choices_.resize(outcomes_.size());
    for (auto& part : choices_) part.clear();
    size_t at = 0;
    for (size_t i = 0; i < scored.size(); ++i) {
      for (const Scored& x : scored[i]) {
        int64_t* inside = po_inside_.data() + at * thresholds;
        Int128* score = po_score_.data() + at * combinations;
        ++at;
        for (size_t t = 0; t < thresholds; ++t) inside[t] = x.inside[threshold_bits_[t]];
        for (size_t c = 0; c < combinations; ++c) score[c] = ScoreOf(x, combinations_[c]);
        choices_[i].push_back(PartOutcome{&x, inside, score, x.reaches & mask});
      }
      if (choices_[i].empty()) return;  // a part with nothing that may win: no choice here can
    }
    if (TotalsFollowSums()) {
      // The total grows with a part's cost and shrinks with what each
      // threshold can take: an outcome that costs no less than an earlier
      // one (it ranks no better), lets every threshold take no more and
      // reaches the same promotions cannot win. Kept in place: the ones
      // kept so far are the first `kept`.
      for (auto& part : choices_) {
        size_t kept = 0;
        for (const PartOutcome& po : part) {
          const bool dominated = std::any_of(part.begin(), part.begin() + static_cast<std::ptrdiff_t>(kept),
                                             [&](const PartOutcome& k) {
            if (k.reaches != po.reaches) return false;
            for (size_t t = 0; t < thresholds; ++t) {
              if (k.inside[t] < po.inside[t]) return false;
            }
            return true;
          });
          if (!dominated) part[kept++] = po;
        }
        part.resize(kept);
      }
    }
    // The parts left with one outcome first: the search then walks them
    // once, not again under every choice of the others, and finds the same
    // complete choices in the same order. (A stable partition, by swapping
    // the parts' vectors through partitioned_: no buffer is allocated.)
    const size_t n = choices_.size();
    partition_order_.clear();
    for (size_t i = 0; i < n; ++i) {
      if (choices_[i].size() == 1) partition_order_.push_back(i);
    }
    for (size_t i = 0; i < n; ++i) {
      if (choices_[i].size() != 1) partition_order_.push_back(i);
    }
    partitioned_.resize(n);
    for (size_t k = 0; k < n; ++k) partitioned_[k].swap(choices_[partition_order_[k]]);
    choices_.swap(partitioned_);
    // What the parts from i on can give at best: least score per combination,
    // least applications, most inside per threshold (part i's at i ×
    // combinations and i × thresholds).
    rest_score_.assign((n + 1) * combinations, 0);
    rest_inside_.assign((n + 1) * thresholds, 0);
    rest_apps_.assign(n + 1, 0);
    for (size_t i = n; i-- > 0;) {
      Int128* rest_score = rest_score_.data() + i * combinations;
      int64_t* rest_inside = rest_inside_.data() + i * thresholds;
      int64_t apps = INT64_MAX;
      for (size_t c = 0; c < combinations; ++c) {
        Int128 least = INT64_MAX;
        for (const PartOutcome& po : choices_[i]) least = std::min(least, po.score[c]);
        rest_score[c] = rest_score[combinations + c] + least;
      }
      for (size_t t = 0; t < thresholds; ++t) {
        int64_t most = 0;
        for (const PartOutcome& po : choices_[i]) most = std::max(most, po.inside[t]);
        rest_inside[t] = rest_inside[thresholds + t] + most;
      }
      for (const PartOutcome& po : choices_[i]) apps = std::min(apps, po.s->applications);
      rest_apps_[i] = rest_apps_[i + 1] + apps;
    }
    chosen_.clear();
    // Per depth of Descend, the sums of the outcomes chosen above it, each
    // written from the one above (sized before the descent: never while it holds one).
    descend_score_.resize(n + 1);
    descend_inside_.resize(n + 1);
    descend_score_[0].assign(combinations_.size(), 0);
    descend_inside_[0].assign(thresholds_.size(), 0);
    Descend(0, 0, descend_score_[0], descend_inside_[0], mask);
  }

  // The parts' outcomes scored after the layer-2 promotions `layer2`
  // (computed once per choice of them), cheapest first, then by the tie-break.
  const std::vector<std::vector<Scored>>& ScoredFor(uint32_t layer2) {
    auto [it, fresh] = scored_.try_emplace(layer2);
    if (!fresh) return it->second;
    const std::vector<int>& layer23 = full_.layer23();
    std::vector<std::vector<Scored>>& scored = it->second;
    scored.resize(outcomes_.size());
    for (size_t i = 0; i < outcomes_.size(); ++i) {
      for (const State& o : outcomes_[i]) {
        // Each outcome scored counts a step; past the limit, one per part will do.
        Tick();
        if (stopped_ && !scored[i].empty()) break;
        Scored x;
        x.state = &o;
        x.inside.assign(layer23.size(), 0);
        State& after = scored_after_;
        full_.Layers23(o, layer2, after);
        // The cost: its lines' sums, with tax when prices exclude it (as the walk's scores).
        LineSums& line_sums = scored_sums_;
        line_sums.sums.clear();
        for (const Slot& slot : after) {
          const int64_t sum = slot.unit.price * slot.count;
          line_sums.Add(slot.unit.line, sum);
          for (size_t bit = 0; bit < layer23.size() && bit < 32; ++bit) {
            const int q = layer23[bit];
            const History h = histories_[slot.unit.history];
            const bool reaches = promos_[q].layer == 2
                                     ? std::any_of(h.begin(), h.end(), [&](const auto& e) { return e.first == q; })
                                     : full_.Takes(slot.unit, q);
            if (!reaches) continue;
            x.reaches |= 1u << bit;
            if (promos_[q].layer >= 3) x.inside[bit] += sum;
          }
        }
        x.cost = full_.WithTax(line_sums);
        tally_.Count(o, promos_, histories_);
        x.applications = tally_.applications();
        x.ranks = tally_.ranks();
        scored[i].push_back(std::move(x));
      }
      std::stable_sort(scored[i].begin(), scored[i].end(), [](const Scored& a, const Scored& b) {
        if (a.cost != b.cost) return a.cost < b.cost;
        if (a.applications != b.applications) return a.applications < b.applications;
        return a.ranks < b.ranks;
      });
    }
    return scored;
  }

  // The least total any outcome of the choice being solved can reach: the
  // parts at their cheapest, every threshold at its top tier taking all it can.
  int64_t LowerBound(const std::vector<std::vector<Scored>>& scored) const {
    int64_t bound = 0;
    for (const auto& part : scored) bound += part.empty() ? 0 : part.front().cost;
    int64_t take = 0;
    for (size_t t = 0; t < thresholds_.size(); ++t) {
      const int64_t most = MostInside(scored, t);
      const Promotion& p = *promos_[thresholds_[t]].p;
      const Tier top = BoundTiers(p).back();
      take += TakesPercent(p) ? OfBp(most, top.percent_bp, RoundingMode::kUp)
                              : (p.repeat ? top.off * (most / top.min) : top.off);
    }
    if (tax_inclusive_) return bound - take;
    // The costs include tax (ScoredFor): what the thresholds take, takes its tax with it (Weight).
    return bound - RoundingSlack() - OfBp(take, 10'000 + rate_max_, RoundingMode::kUp);
  }

  // With prices excluding tax, the fen a line by which the total's tax
  // (rounded per line after the thresholds' discounts are spread) may fall
  // short of the parts' costs' tax: none when the choice has no threshold
  // or coupon, as each line's tax is then the one its part's cost counts.
  int64_t RoundingSlack() const { return thresholds_.empty() ? 0 : lines_in_component_; }

  // True when, for the choice being solved, the total of a complete choice
  // follows from the parts' sums alone (cost, what each threshold can take):
  // prices include tax, no two thresholds exclude each other, and every
  // threshold after the first takes a fixed amount that the discounts before
  // it can never shrink below (so no allocation of an earlier one matters).
  bool TotalsFollowSums() const {
    if (!tax_inclusive_) return false;
    int64_t before = 0;  // the most the thresholds so far can take off
    for (size_t t = 0; t < thresholds_.size(); ++t) {
      const Promotion& p = *promos_[thresholds_[t]].p;
      if (p.stacking == Stacking::kExclusive) return false;
      for (size_t u = 0; u < t; ++u) {
        const Promotion& o = *promos_[thresholds_[u]].p;
        if (p.stacking == Stacking::kGroup && o.stacking == Stacking::kGroup && p.group == o.group) return false;
      }
      int64_t inside = 0;  // the most its units can sum to
      for (const auto& part : choices_) {
        int64_t most = 0;
        for (const PartOutcome& po : part) most = std::max(most, po.inside[t]);
        inside += most;
      }
      if (t > 0) {
        if (p.type != PromoType::kThresholdAmount || p.repeat) return false;
        for (const Tier& tier : p.tiers) {
          if (tier.off > tier.min - before) return false;
        }
      }
      const Tier top = BoundTiers(p).back();
      before += TakesPercent(p) ? OfBp(inside, top.percent_bp, RoundingMode::kUp)
                                : (p.repeat ? top.off * (inside / top.min) : top.off);
    }
    return true;
  }

  // Whether a branch at part i (with `apps` layer-1 applications so far)
  // may still lead to a complete choice that beats the best so far: for some
  // combination of the tiers its thresholds could reach, the least total it
  // can lead to is lower, or equal with fewer applications — counting, with
  // the layer-1 ones, one per threshold the combination reaches (a reached
  // threshold touches its units: it is an application).
  bool MayBeat(size_t i, int64_t apps, const std::vector<Int128>& score, const std::vector<int64_t>& inside) const {
    for (size_t c = 0; c < combinations_.size(); ++c) {
      const TierCombination& combination = combinations_[c];
      bool reachable = true;
      int64_t off = 0;
      int64_t reached = 0;
      for (size_t t = 0; t < thresholds_.size(); ++t) {
        const int64_t most = inside[t] + rest_inside_[i * thresholds_.size() + t];  // the most it could count
        reachable = reachable && most >= combination.min[t];
        const Promotion& p = *promos_[thresholds_[t]].p;
        off += p.repeat && combination.min[t] > 0 ? combination.off[t] * (most / combination.min[t])
                                                  : combination.off[t];
        reached += combination.min[t] > 0 ? 1 : 0;
      }
      if (!reachable) continue;
      const int64_t bound = LeastTotal(score[c] + rest_score_[i * combinations_.size() + c], combination, off);
      if (bound < best_.total || (bound == best_.total && apps + rest_apps_[i] + reached <= best_.applications)) {
        return true;
      }
    }
    return false;
  }

  // Counts a step of the choice among parts: past limit_ it stops (and the
  // answer is not proven).
  void Tick() {
    if (++steps_ > limit_) exhausted_ = stopped_ = true;
  }

  void Descend(size_t i, int64_t apps, const std::vector<Int128>& score, const std::vector<int64_t>& inside,
               uint32_t mask) {
    Tick();
    if (stopped_ && best_.leaf) return;
    if (best_.leaf) {
      if (!MayBeat(i, apps, score, inside)) return;
    }
    if (i == choices_.size()) {
      State& all = descend_all_;
      all.clear();
      for (const State* s : chosen_) all.insert(all.end(), s->begin(), s->end());
      Normalize(all, histories_);
      // Pricing a whole component exactly costs about a step per 16 slots (its
      // units of one line, price and history): counted, so the budget bounds
      // the time on large carts too.
      steps_ += static_cast<int64_t>(all.size() / 16);
      full_.Improve(all, mask, best_);
      return;
    }
    for (const PartOutcome& po : choices_[i]) {
      std::vector<Int128>& next_score = descend_score_[i + 1];
      std::vector<int64_t>& next_inside = descend_inside_[i + 1];
      next_score.assign(score.begin(), score.end());
      next_inside.assign(inside.begin(), inside.end());
      for (size_t c = 0; c < next_score.size(); ++c) next_score[c] += po.score[c];
      for (size_t t = 0; t < next_inside.size(); ++t) next_inside[t] += po.inside[t];
      chosen_.push_back(po.s->state);
      Descend(i + 1, apps + po.s->applications, next_score, next_inside, mask);
      chosen_.pop_back();
      if (stopped_ && best_.leaf) return;
    }
  }

  const std::vector<LineInfo>& lines_;
  const std::vector<ActivePromo>& promos_;
  bool tax_inclusive_;
  int64_t rate_max_ = 0;            // the component's highest tax rate (Weight)
  int64_t lines_in_component_ = 0;  // its lines (RoundingSlack)
  const Context& ctx_;
  int64_t& steps_;
  int64_t limit_ = 0;     // the choice among parts': the budget, or past it, its grace (Solve)
  bool stopped_ = false;  // the choice among parts reached limit_
  Histories& histories_;
  Search full_;  // the whole component: layers 2-3 and scoring
  Search part_;  // each part's walk in turn (Reset between parts)
  std::vector<int> part_of_;  // Solve: per line of the cart, its part (-1: none, between calls)
  uint32_t required_ = 0;  // Required()
  std::vector<std::vector<Int128>> part_bests_;       // first pass: per part, per objective, its best
  std::vector<std::vector<Objective>> part_objectives_;  // second pass: per part, its objectives (Slack)
  bool exhausted_ = false;
  Outcome best_;
  std::vector<std::vector<State>> outcomes_;  // per part: its layer-1 outcomes
  // Per choice of layer-2 promotions, per part: its outcomes scored.
  std::map<uint32_t, std::vector<std::vector<Scored>>> scored_;
  // For the choice of layer-2/3 promotions being solved:
  std::vector<int> thresholds_;                    // its thresholds, in application order
  std::vector<size_t> threshold_bits_;             // their positions in layer23()
  std::vector<TierCombination> combinations_;      // every combination of their tiers
  std::vector<std::vector<PartOutcome>> choices_;  // per part, cheapest first
  std::vector<std::vector<PartOutcome>> partitioned_;  // SolveMask: choices_ reordered, swapped with it
  std::vector<size_t> partition_order_;
  std::vector<int64_t> po_inside_;  // the outcomes' sums, see PartOutcome
  std::vector<Int128> po_score_;
  // Per part index: the parts from there on (combinations_.size() and
  // thresholds_.size() a part, one after another).
  std::vector<Int128> rest_score_;
  std::vector<int64_t> rest_inside_;
  std::vector<int64_t> rest_apps_;
  std::vector<const State*> chosen_;
  State scored_after_;  // ScoredFor: an outcome after layer 2 (kept between outcomes)
  LineSums scored_sums_;  // ScoredFor: its lines' sums
  Tally tally_;         // ScoredFor
  std::vector<std::vector<Int128>> descend_score_;  // Descend: per depth, see SolveMask
  std::vector<std::vector<int64_t>> descend_inside_;
  State descend_all_;  // Descend: a complete choice's units
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
  const auto add = [&](const std::unordered_map<std::string, std::vector<int>>& index, const std::string& key) {
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
    } else if (l.manual_discount_bp > 0) {
      info.undiscounted_unit_price = info.unit_price;
      auto cut = MulDiv(info.unit_price, 10'000 - int64_t{l.manual_discount_bp}, 10'000, RoundingMode::kHalfUp);
      if (!cut) return cut.error();
      info.unit_price = *cut;
      info.source = "manual_discount";
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

  // Active promotions that can touch a line, in application order. Only
  // the lines the index names for a promotion can match its scope (a
  // scope, or a bundle group, that matches a line indexes the line's SKU,
  // category or brand, or is `all`), so its scope is tested on those alone,
  // not on every line of the cart: `touches` pairs each candidate with
  // those lines, sorted by promotion then line.
  std::vector<std::pair<int, int32_t>> touches;
  for (size_t l = 0; l < lines.size(); ++l) {
    const LineInfo& info = lines[l];
    if (info.overridden) continue;
    for (int c : compiled.Candidates(info.line->sku, info.line->category, info.line->brand)) {
      touches.emplace_back(c, static_cast<int32_t>(l));
    }
  }
  std::sort(touches.begin(), touches.end());
  std::vector<ActivePromo> promos;
  // A capped promotion other sales already used units of (ctx.promotion_used),
  // or one with a per-member cap (what ctx.member_applications leaves of it is
  // this cart's max_applications), is priced from a copy holding the cap that
  // is left.
  const auto used_of = [](const std::vector<std::pair<std::string, int64_t>>& counts, const std::string& id) {
    const auto it = std::lower_bound(counts.begin(), counts.end(), std::make_pair(id, int64_t{0}));
    return it != counts.end() && it->first == id ? it->second : int64_t{0};
  };
  std::deque<Promotion> capped;
  for (auto next = touches.begin(); next != touches.end();) {
    const int id = next->first;
    const auto from = next;  // [from, next): the lines promotion id may touch
    while (next != touches.end() && next->first == id) ++next;
    const Promotion& own = rules.promotions[static_cast<size_t>(id)];
    const Promotion* priced = &own;
    const int64_t units_used = own.remaining_units ? used_of(ctx.promotion_used, own.id) : 0;
    if (units_used > 0 || own.per_member) {
      Promotion& copy = capped.emplace_back(own);
      if (units_used > 0) copy.remaining_units = std::max<int64_t>(0, *own.remaining_units - units_used);
      if (own.per_member) {
        const int64_t left = std::max<int64_t>(0, *own.per_member - used_of(ctx.member_applications, own.id));
        copy.max_applications = std::min(own.max_applications.value_or(left), left);
      }
      priced = &copy;
    }
    const Promotion& p = *priced;
    if (!Active(p, ctx)) continue;
    ActivePromo ap{.p = &p, .layer = p.layer(), .in_scope = std::vector<bool>(lines.size(), false)};
    ap.named = &own;
    if (p.type == PromoType::kBundle) ap.group_scope.assign(p.groups.size(), std::vector<bool>(lines.size(), false));
    bool any = false;
    for (auto t = from; t != next; ++t) {
      const size_t l = static_cast<size_t>(t->second);
      if (p.type == PromoType::kBundle) {
        for (size_t g = 0; g < p.groups.size(); ++g) {
          ap.group_scope[g][l] = LineMatches(p.groups[g], p, *lines[l].line);
          ap.in_scope[l] = ap.in_scope[l] || ap.group_scope[g][l];
        }
      } else {
        ap.in_scope[l] = LineMatches(p.scope, p, *lines[l].line);
      }
      if (ap.in_scope[l]) ap.lines.push_back(static_cast<int32_t>(l));  // ascending: touches is sorted
      any = any || ap.in_scope[l];
    }
    if (any) promos.push_back(std::move(ap));
  }
  // Presented coupons (layer 4): each code that may apply is a candidate in
  // the same choice; the others are answered with the reason.
  PricingResult result;
  result.coupons.resize(ctx.coupons.size());
  for (size_t i = 0; i < ctx.coupons.size(); ++i) {
    const PresentedCoupon& presented = ctx.coupons[i];
    CouponResult& out = result.coupons[i];
    out.code = presented.code;
    out.coupon_id = presented.coupon_id;
    const auto same_id = [&](const Promotion& c) { return c.id == presented.coupon_id; };
    const auto it = std::find_if(rules.coupons.begin(), rules.coupons.end(), same_id);
    const bool duplicate = std::any_of(ctx.coupons.begin(), ctx.coupons.begin() + static_cast<std::ptrdiff_t>(i),
                                       [&](const PresentedCoupon& c) { return c.code == presented.code; });
    if (duplicate) {
      out.reason = "duplicate_code";
    } else if (it == rules.coupons.end()) {
      out.reason = "unknown_coupon";
    } else if (presented.used && it->single_use) {
      out.reason = "already_used";
    } else if ((it->start && ctx.now < *it->start) || (it->end && ctx.now >= *it->end)) {
      out.reason = "expired";
    } else if (!it->stores.empty() && std::find(it->stores.begin(), it->stores.end(), ctx.store_id) == it->stores.end()) {
      out.reason = "not_in_store";
    } else if (it->member_only && ctx.member_tier.empty()) {
      out.reason = "member_only";
    } else {
      ActivePromo ap{.p = &*it, .layer = it->layer(), .in_scope = std::vector<bool>(lines.size(), false)};
      ap.coupon = static_cast<int>(i);
      bool any = false;
      for (size_t l = 0; l < lines.size(); ++l) {
        ap.in_scope[l] = !lines[l].overridden && LineMatches(it->scope, *it, *lines[l].line);
        if (ap.in_scope[l]) ap.lines.push_back(static_cast<int32_t>(l));
        any = any || ap.in_scope[l];
      }
      if (any) {
        promos.push_back(std::move(ap));
      } else {
        out.reason = "out_of_scope";
      }
    }
  }
  // Application order: layer, priority, id (two codes of one coupon: request order).
  std::sort(promos.begin(), promos.end(), [](const ActivePromo& a, const ActivePromo& b) {
    if (a.layer != b.layer) return a.layer < b.layer;
    if (a.p->priority != b.p->priority) return a.p->priority < b.p->priority;
    if (a.p->id != b.p->id) return a.p->id < b.p->id;
    return a.coupon < b.coupon;
  });
  {
    std::vector<size_t> by_id(promos.size());
    std::iota(by_id.begin(), by_id.end(), size_t{0});
    std::sort(by_id.begin(), by_id.end(), [&](size_t a, size_t b) {
      if (promos[a].p->id != promos[b].p->id) return promos[a].p->id < promos[b].p->id;
      return promos[a].coupon < promos[b].coupon;
    });
    for (size_t r = 0; r < by_id.size(); ++r) promos[by_id[r]].rank = static_cast<int>(r);
  }
  {
    std::map<std::string_view, int> groups;
    for (ActivePromo& ap : promos) {
      ap.exclusive = ap.p->stacking == Stacking::kExclusive;
      if (ap.p->stacking == Stacking::kGroup) {
        ap.group = groups.try_emplace(ap.p->group, static_cast<int>(groups.size())).first->second;
      }
    }
  }

  // Independent components: promotions that couple units join their lines.
  Components comp(lines.size());
  for (const ActivePromo& ap : promos) {
    const Promotion& p = *ap.p;
    const bool couples = p.ApplicationSize() != 1 || p.max_applications || p.remaining_units;
    if (!couples) continue;
    for (int32_t l : ap.lines) comp.Join(static_cast<size_t>(l), static_cast<size_t>(ap.lines.front()));
  }
  std::map<size_t, std::vector<int32_t>> groups;
  for (size_t l = 0; l < lines.size(); ++l) groups[comp.Find(l)].push_back(static_cast<int32_t>(l));
  // Per component (in the order of groups), the promotions that may touch
  // one of its lines, ascending: each promotion visits only its own lines.
  std::vector<std::vector<int>> group_promos(groups.size());
  {
    std::vector<size_t> group_of(lines.size());
    size_t g = 0;
    for (const auto& [root, line_ids] : groups) {
      for (int32_t l : line_ids) group_of[static_cast<size_t>(l)] = g;
      ++g;
    }
    for (size_t q = 0; q < promos.size(); ++q) {
      for (int32_t l : promos[q].lines) {
        std::vector<int>& to = group_promos[group_of[static_cast<size_t>(l)]];
        if (to.empty() || to.back() != static_cast<int>(q)) to.push_back(static_cast<int>(q));
      }
    }
  }

  std::vector<Histories::PromoTraits> traits;
  for (const ActivePromo& ap : promos) traits.push_back({ap.exclusive, ap.p->no_threshold, ap.group});
  Histories histories(std::move(traits));
  State units;
  size_t group = 0;
  for (const auto& [root, line_ids] : groups) {
    std::vector<int> promo_ids = std::move(group_promos[group++]);
    Outcome best;
    if (ctx.greedy) {  // for comparisons: the first path of the joint search
      Search search(lines, promos, rules.tax_inclusive, ctx, result.steps, histories);
      best = search.Run(line_ids, promo_ids);
      result.optimal = false;
    } else {
      // The greedy answer of the component (its steps are not counted: one
      // path), priced at most once: before any coupon is left out, or with
      // promo_ids as they stay.
      std::optional<Outcome> greedy_answer;
      const auto greedy = [&, &line_ids = line_ids]() -> const Outcome& {
        if (!greedy_answer) {
          Context first = ctx;
          first.greedy = true;
          int64_t greedy_steps = 0;
          Search walk(lines, promos, rules.tax_inclusive, first, greedy_steps, histories);
          greedy_answer = walk.Run(line_ids, promo_ids);
        }
        return *greedy_answer;
      };
      if (std::any_of(promo_ids.begin(), promo_ids.end(), [&](int q) { return promos[q].coupon >= 0; })) {
        DropHopelessCoupons(promos, lines, line_ids, [&] { return greedy().total; }, promo_ids);
      }
      PartsSearch search(lines, promos, rules.tax_inclusive, ctx, result.steps, histories);
      best = search.Run(line_ids, promo_ids);
      if (search.exhausted()) {
        // Out of budget: the answer is never worse than the greedy one.
        result.optimal = false;
        if (greedy().BetterThan(best)) best = greedy();
      }
    }
    units.insert(units.end(), best.leaf->begin(), best.leaf->end());
  }

  // The explanation: lines, adjustments, tax, cash rounding.
  result.lines.resize(lines.size());
  std::vector<int64_t> final_sum(lines.size(), 0);
  // Per promotion and line, the units it touched and what it took off
  // them: one entry per slot and promotion in its history, then sorted by
  // (promotion, line) and merged (one vector, not a map per promotion).
  struct Touch {
    int q = 0;
    size_t line = 0;
    int64_t units = 0;
    int64_t discount = 0;
  };
  std::vector<Touch> by_promo;
  for (const Slot& x : units) {
    final_sum[static_cast<size_t>(x.unit.line)] += x.unit.price * x.count;
    for (const auto& [q, d] : histories[x.unit.history]) {
      by_promo.push_back(Touch{q, static_cast<size_t>(x.unit.line), x.count, d * x.count});
    }
  }
  std::sort(by_promo.begin(), by_promo.end(), [](const Touch& a, const Touch& b) {
    return a.q != b.q ? a.q < b.q : a.line < b.line;
  });
  {
    size_t out = 0;
    for (size_t i = 0; i < by_promo.size(); ++i) {
      if (out > 0 && by_promo[out - 1].q == by_promo[i].q && by_promo[out - 1].line == by_promo[i].line) {
        by_promo[out - 1].units += by_promo[i].units;
        by_promo[out - 1].discount += by_promo[i].discount;
      } else {
        by_promo[out++] = by_promo[i];
      }
    }
    by_promo.resize(out);
    // Each line's promotions, counted first: one allocation a line.
    std::vector<size_t> per_line(lines.size(), 0);
    for (const Touch& t : by_promo) ++per_line[t.line];
    for (size_t l = 0; l < lines.size(); ++l) result.lines[l].promotions.reserve(per_line[l]);
  }
  for (size_t l = 0; l < lines.size(); ++l) {
    LineResult& r = result.lines[l];
    const LineInfo& info = lines[l];
    r.unit_price = info.unit_price;
    r.price_source = info.source;
    r.undiscounted_unit_price = info.undiscounted_unit_price;
    r.list_amount = info.unit_base * info.units;
    r.discount = r.list_amount - final_sum[l];
    if (rules.tax_inclusive) {
      r.gross = final_sum[l];
      r.tax = *IncludedTax(r.gross, info.line->tax_rate_bp);
      r.net = r.gross - r.tax;
    } else {
      r.net = final_sum[l];
      r.tax = OfBp(r.net, info.line->tax_rate_bp, RoundingMode::kHalfUp);
      r.gross = r.net + r.tax;
    }
    result.list_total += r.list_amount;
    result.discount += r.discount;
    result.total += r.gross;
    result.net += r.net;
    result.tax += r.tax;
    result.units += info.line->sold_by == SoldBy::kWeight ? 1 : info.line->qty;
  }
  for (size_t from = 0, next = 0; from < by_promo.size(); from = next) {
    const int q = by_promo[from].q;
    while (next < by_promo.size() && by_promo[next].q == q) ++next;  // [from, next): promotion q, by line
    Adjustment adj;
    const ActivePromo& ap = promos[static_cast<size_t>(q)];
    adj.promotion = ap.named != nullptr ? ap.named : ap.p;
    if (ap.coupon >= 0) adj.code = ctx.coupons[static_cast<size_t>(ap.coupon)].code;
    int64_t touched = 0;
    adj.lines.reserve(next - from);
    for (size_t i = from; i < next; ++i) {
      const Touch& cell = by_promo[i];
      adj.lines.push_back(AdjustmentLine{cell.line, cell.units, cell.discount});
      adj.discount += cell.discount;
      touched += cell.units;
      result.lines[cell.line].promotions.push_back(LinePromotion{adj.promotion->id, cell.discount, adj.code});
    }
    if (ap.coupon >= 0) {
      CouponResult& c = result.coupons[static_cast<size_t>(ap.coupon)];
      c.applied = true;
      c.discount = adj.discount;
    }
    const int64_t size = adj.promotion->ApplicationSize();
    adj.applications = size > 0 ? touched / size : 1;
    result.adjustments.push_back(std::move(adj));
  }
  // A candidate coupon the choice left out: was its minimum spend met by the
  // units in its scope after layers 1-3 of the answer, those that the
  // answer's promotions of layers 1-3 leave it (other coupons aside: one it
  // lost to is "not_best")?
  for (size_t q = 0; q < promos.size(); ++q) {
    const ActivePromo& ap = promos[q];
    if (ap.coupon < 0 || result.coupons[static_cast<size_t>(ap.coupon)].applied) continue;
    int64_t spend = 0;
    for (const Slot& x : units) {
      if (!ap.in_scope[static_cast<size_t>(x.unit.line)]) continue;
      int64_t price = x.unit.price;
      bool compatible = true;
      for (const auto& [other, d] : histories[x.unit.history]) {
        const ActivePromo& o = promos[static_cast<size_t>(other)];
        if (o.p->layer() == 4) {
          price += d;
        } else if (o.exclusive || ap.exclusive || (ap.group >= 0 && ap.group == o.group)) {
          compatible = false;
        }
      }
      if (compatible) spend += price * x.count;
    }
    const int64_t need = ap.p->type == PromoType::kCouponThreshold ? ap.p->tiers.front().min : ap.p->min_spend;
    result.coupons[static_cast<size_t>(ap.coupon)].reason = spend < need ? "min_spend_not_met" : "not_best";
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
