#include "server/demo_data.h"

#include <sstream>
#include <stdexcept>
#include <vector>

#include "core/barcode.h"
#include "server/auth.h"
#include "server/demo_files.h"
#include "server/pricing_rules.h"

namespace aisle::server {
namespace {

struct DemoStaff {
  const char* store_id;
  const char* staff_code;
  const char* name;
  const char* role;
  const char* pin;
};

constexpr DemoStaff kStaff[] = {
    {"SH01", "1001", "王芳 Wang Fang", "associate", "1111"},
    {"SH01", "1501", "周婷 Zhou Ting", "senior_associate", "1515"},
    {"SH01", "2001", "李强 Li Qiang", "store_manager", "222222"},
    {"SH01", "8001", "孙磊 Sun Lei", "area_manager", "888888"},
    {"SH01", "9001", "陈静 Chen Jing", "hq_admin", "999999"},
    {"BJ01", "1101", "张伟 Zhang Wei", "associate", "1111"},
    {"BJ01", "2101", "刘洋 Liu Yang", "store_manager", "222222"},
    {"BJ01", "9101", "赵敏 Zhao Min", "hq_admin", "999999"},
};

std::vector<std::vector<std::string>> ParseTsv(std::string_view text) {
  std::vector<std::vector<std::string>> rows;
  std::istringstream in{std::string(text)};
  std::string line;
  bool header = true;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    if (header) {
      header = false;
      continue;
    }
    std::vector<std::string> cells;
    std::string cell;
    std::istringstream row(line);
    while (std::getline(row, cell, '\t')) cells.push_back(cell);
    rows.push_back(std::move(cells));
  }
  return rows;
}

// A deterministic stock quantity per (location, product index).
int64_t DemoStock(size_t location, size_t index, bool weighed) {
  const uint64_t h = (index + 1) * 2654435761u + location * 40503u;
  const int64_t units = location == 2 ? 100 + static_cast<int64_t>(h % 400) : 5 + static_cast<int64_t>(h % 36);
  return weighed ? units * 1000 : units;  // weighed stock is kept in grams
}

}  // namespace

std::string DemoCredentials() {
  std::string out = "Demo sign-in (store / staff code / PIN / role):\n";
  for (const DemoStaff& s : kStaff) {
    out += std::string("  ") + s.store_id + "  " + s.staff_code + "  " + s.pin + "  " + s.role + "\n";
  }
  return out;
}

DemoSummary LoadDemoData(Store& store) {
  DemoSummary summary;
  const auto products = ParseTsv(kDemoCatalogTsv);
  const auto members = ParseTsv(kDemoMembersTsv);
  // Hash PINs outside the transaction (slow by design), only for new staff.
  struct NewStaff {
    const DemoStaff* staff;
    std::string hash;
    PinSecrets secrets;
  };
  std::vector<NewStaff> new_staff;
  for (const DemoStaff& s : kStaff) {
    if (!store.FindStaff(s.store_id, s.staff_code)) new_staff.push_back({&s, HashPin(s.pin), DerivePinSecrets(s.pin)});
  }
  const int64_t now = UnixNow();
  store.WithTransaction([&](Database& db) {
    db.Exec(
        "INSERT OR IGNORE INTO locations (location_id, kind, name_zh, name_en, currency) VALUES "
        "('SH01', 'store', '上海南京西路店', 'Shanghai West Nanjing Road', 'CNY'),"
        "('BJ01', 'store', '北京三里屯店', 'Beijing Sanlitun', 'CNY'),"
        "('WH01', 'warehouse', '华东仓', 'East China Warehouse', 'CNY')");
    for (const auto& [s, hash, secrets] : new_staff) {
      db.Prepare("INSERT OR IGNORE INTO staff (store_id, staff_code, name, role, pin_hash) VALUES (?, ?, ?, ?, ?)")
          .Bind(1, s->store_id)
          .Bind(2, s->staff_code)
          .Bind(3, s->name)
          .Bind(4, s->role)
          .Bind(5, hash)
          .Run();
      summary.staff_added += db.Changes();
      Store::SavePinSecrets(db, s->store_id, s->staff_code, secrets);
    }
    db.Prepare("INSERT OR IGNORE INTO devices (device_id, store_id, registered_at) VALUES ('demo-device-1', 'SH01', ?)")
        .Bind(1, now)
        .Run();

    const char* const kLocations[] = {"SH01", "BJ01", "WH01"};
    for (size_t i = 0; i < products.size(); ++i) {
      const auto& c = products[i];
      if (c.size() < 9) throw std::runtime_error("demo catalog row " + std::to_string(i + 2) + " has too few columns");
      auto gtin = core::NormalizeBarcode(c[1]);
      if (!gtin) throw std::runtime_error("demo catalog row " + std::to_string(i + 2) + ": " + gtin.error().message);
      const Product p{c[0], gtin->gtin, c[2], c[3], c[4], c[5], std::stoll(c[6]),
                      static_cast<int32_t>(std::stoi(c[7])), c[8], "CNY"};
      auto existing = Store::FindProduct(db, p.barcode);
      if (!existing || ProductToJson(*existing) != ProductToJson(p)) {
        Store::UpsertProduct(db, p, now);
        ++summary.products_added;
      }
      for (size_t l = 0; l < 3; ++l) {
        db.Prepare(
              "INSERT OR IGNORE INTO stock_movements (location_id, sku, qty_delta, reason, ref, created_at) "
              "VALUES (?, ?, ?, 'initial', 'demo', ?)")
            .Bind(1, kLocations[l])
            .Bind(2, p.sku)
            .Bind(3, DemoStock(l, i, p.sold_by == "weight"))
            .Bind(4, now)
            .Run();
      }
    }
    // The demo promotions, published by the HQ admin (unchanged when already there).
    auto rules = PublishRules(db, nlohmann::json::parse(kDemoRulesJson), "9001", now);
    if (!rules) throw std::runtime_error("demo promotions: " + rules.error().message);
    summary.rules_version = (*rules)["version"].get<std::string>();
    for (const auto& m : members) {
      if (m.size() < 5) continue;
      db.Prepare("INSERT OR IGNORE INTO members (member_id, phone, name, tier) VALUES (?, ?, ?, ?)")
          .Bind(1, m[0])
          .Bind(2, m[1])
          .Bind(3, m[2])
          .Bind(4, m[3])
          .Run();
      if (db.Changes() > 0) {  // new: devices learn of it through the members feed
        Store::AppendChange(db, "members",
                            nlohmann::json{{"kind", "member"},
                                           {"op", "upsert"},
                                           {"member", {{"member_id", m[0]}, {"phone", m[1]}, {"name", m[2]}, {"tier", m[3]}}}}
                                .dump(),
                            now);
      }
      db.Prepare(
            "INSERT OR IGNORE INTO points_movements (member_id, delta, reason, ref, created_at) "
            "VALUES (?, ?, 'initial', 'demo', ?)")
          .Bind(1, m[0])
          .Bind(2, std::stoll(m[4]))
          .Bind(3, now)
          .Run();
    }
  });
  return summary;
}

}  // namespace aisle::server
