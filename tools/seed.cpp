#include "tools/seed.h"

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <string>

#include "nlohmann/json.hpp"
#include "server/store.h"

namespace aisle::tools {
namespace {

constexpr const char* kSeedUsage =
    "Usage: aisle seed [--data-dir D] [--products N] [--members N] [--store SH01]\n"
    "  adds N synthetic products (EAN-13 barcodes 697…, SKU-S0000001…) with opening stock at the\n"
    "  store, and N members (M9000001…, phones 19900000001…) with an opening points balance.\n"
    "  Run `aisle demo-load` on the folder first.\n";

// The EAN-13 check digit of 12 digits.
char CheckDigit(const std::string& twelve) {
  int sum = 0;
  for (size_t i = 0; i < 12; ++i) sum += (twelve[i] - '0') * (i % 2 == 0 ? 1 : 3);
  return static_cast<char>('0' + (10 - sum % 10) % 10);
}

std::string Padded(long long n, int width) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%0*lld", width, n);
  return buf;
}

const char* const kCategories[] = {"skincare", "makeup", "fragrance", "snacks", "beverages", "apparel"};
const char* const kTiers[] = {"silver", "gold", "platinum"};

}  // namespace

int SeedCommand(const std::vector<std::string>& args) {
  std::string data_dir = "data", store_id = "SH01";
  long long products = 0, members = 0;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& flag = args[i];
    if (i + 1 >= args.size()) {
      std::cerr << "aisle seed: " << flag << " needs a value\n" << kSeedUsage;
      return 2;
    }
    const std::string& value = args[++i];
    if (flag == "--data-dir") data_dir = value;
    else if (flag == "--store") store_id = value;
    else if (flag == "--products") products = std::stoll(value);
    else if (flag == "--members") members = std::stoll(value);
    else {
      std::cerr << "aisle seed: unknown flag " << flag << "\n" << kSeedUsage;
      return 2;
    }
  }
  if (products < 0 || members < 0 || products > 999'999'999 || members > 9'999'999) {
    std::cerr << "aisle seed: counts must be 0..999999999 products, 0..9999999 members\n";
    return 2;
  }
  const std::filesystem::path db_path = std::filesystem::path(data_dir) / "aisle.db";
  if (!std::filesystem::exists(db_path)) {
    std::cerr << "aisle seed: no database at " << db_path.string() << " (run aisle demo-load first)\n";
    return 1;
  }
  server::Store store(db_path.string());
  if (!store.FindLocation(store_id)) {
    std::cerr << "aisle seed: no location " << store_id << "\n";
    return 1;
  }
  const int64_t now =
      std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  long long added_products = 0, added_members = 0;
  store.WithTransaction([&](server::Database& db) {
    auto product_exists = db.Prepare("SELECT 1 FROM products WHERE sku = ?");
    auto stock = db.Prepare(
        "INSERT OR IGNORE INTO stock_movements (location_id, sku, qty_delta, reason, ref, created_at) "
        "VALUES (?, ?, ?, 'initial', 'seed', ?)");
    for (long long i = 1; i <= products; ++i) {
      const std::string sku = "SKU-S" + Padded(i, 7);
      product_exists.Reset();
      product_exists.Bind(1, sku);
      if (product_exists.Step()) continue;
      const std::string twelve = "697" + Padded(i, 9);
      const char* category = kCategories[i % 6];
      const server::Product p{sku,
                              twelve + CheckDigit(twelve),
                              std::string("测试商品 ") + std::to_string(i),
                              "Test item " + std::to_string(i),
                              category,
                              "Seed",
                              990 + (i * 37) % 50'000,
                              i % 6 == 3 ? 900 : 1300,
                              "unit",
                              "CNY"};
      server::Store::UpsertProduct(db, p, now);  // with its catalog change, as any product
      stock.Reset();
      stock.Bind(1, store_id).Bind(2, sku).Bind(3, int64_t{5 + i % 40}).Bind(4, now).Run();
      ++added_products;
    }
    auto member = db.Prepare("INSERT OR IGNORE INTO members (member_id, phone, name, tier) VALUES (?, ?, ?, ?)");
    auto points = db.Prepare(
        "INSERT OR IGNORE INTO points_movements (member_id, delta, reason, ref, created_at) "
        "VALUES (?, ?, 'initial', 'seed', ?)");
    for (long long i = 1; i <= members; ++i) {
      const std::string id = "M9" + Padded(i, 7), phone = "199" + Padded(i, 8);
      const std::string name = "会员" + std::to_string(i), tier = kTiers[i % 3];
      member.Reset();
      member.Bind(1, id).Bind(2, phone).Bind(3, name).Bind(4, tier).Run();
      if (db.Changes() == 0) continue;
      server::Store::AppendChange(
          db, "members",
          nlohmann::json{{"kind", "member"},
                         {"op", "upsert"},
                         {"member", {{"member_id", id}, {"phone", phone}, {"name", name}, {"tier", tier}}}}
              .dump(),
          now);
      points.Reset();
      points.Bind(1, id).Bind(2, int64_t{(i * 131) % 20'000}).Bind(3, now).Run();
      ++added_members;
    }
  });
  std::cout << "seeded " << added_products << " products (stock at " << store_id << ") and " << added_members
            << " members into " << db_path.string() << "\n";
  return 0;
}

}  // namespace aisle::tools
