// Runs the golden fixtures in tests/fixtures/<function>/NAME.in.json against
// the native build and compares with NAME.out.json byte for byte. The WASM
// build runs the same files (tests/wasm/fixtures.test.mjs).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "core/cart_json.h"
#include "core/drawer.h"
#include "core/escpos.h"
#include "core/pricing/returns.h"

namespace aisle::core {
namespace {

namespace fs = std::filesystem;

std::string ReadFile(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  return text;
}

TEST(Fixtures, NativeMatchesGoldenOutput) {
  const std::map<std::string, std::function<std::string(std::string_view)>> functions = {
      {"cart", PriceCartJson},
      {"pricing", PriceCartJson},
      {"barcode", NormalizeBarcodeJson},
      {"change", CashChangeJson},
      {"drawer", DrawerReportJson},
      {"escpos", EscPosEncodeJson},
      {"returns", PriceReturnJson},
      {"exchange", PriceExchangeJson}};
  int count = 0;
  for (const auto& [folder, fn] : functions) {
    const fs::path dir = fs::path(AISLE_FIXTURES_DIR) / folder;
    ASSERT_TRUE(fs::is_directory(dir)) << dir;
    std::vector<fs::path> inputs;
    for (const auto& entry : fs::directory_iterator(dir)) {
      const std::string name = entry.path().filename().string();
      if (name.size() > 8 && name.ends_with(".in.json")) inputs.push_back(entry.path());
    }
    std::sort(inputs.begin(), inputs.end());
    for (const fs::path& in : inputs) {
      std::string out_name = in.filename().string();
      out_name.replace(out_name.size() - 8, 8, ".out.json");
      const fs::path out = in.parent_path() / out_name;
      ASSERT_TRUE(fs::exists(out)) << out;
      std::string input = ReadFile(in);
      // Barcode fixtures hold a JSON string: the raw scanned text.
      if (folder == "barcode") input = Json::parse(input).get<std::string>();
      EXPECT_EQ(fn(input), ReadFile(out)) << in;
      ++count;
    }
  }
  EXPECT_GE(count, 10);
}

// The pricing fixtures again, as the terminal sends them: the rules document
// loaded once (LoadRulesJson), the request naming it by rules_id. Same bytes
// out; a document that does not load gives the fixture's error.
TEST(Fixtures, LoadedRulesGiveTheSameOutput) {
  const fs::path dir = fs::path(AISLE_FIXTURES_DIR) / "pricing";
  int loaded = 0, refused = 0;
  for (const auto& entry : fs::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (!name.ends_with(".in.json")) continue;
    Json request = Json::parse(ReadFile(entry.path()));
    if (!request.contains("rules") || request["rules"].is_null()) continue;
    const fs::path out = dir / (name.substr(0, name.size() - 8) + ".out.json");
    const std::string expected = ReadFile(out);
    const Json load = Json::parse(LoadRulesJson(request["rules"].dump()));
    if (load.contains("error")) {
      const Json golden = Json::parse(expected);
      ASSERT_TRUE(golden.contains("error")) << name << ": " << load.dump();
      EXPECT_EQ(load["error"]["code"], golden["error"]["code"]) << name;
      EXPECT_EQ(load["error"].value("field", ""), golden["error"].value("field", "")) << name;
      ++refused;
      continue;
    }
    EXPECT_EQ(load["version"], request["rules"].value("version", "")) << name;
    request.erase("rules");
    request["rules_id"] = load["rules_id"];
    EXPECT_EQ(PriceCartJson(request.dump()), expected) << name;
    ++loaded;
  }
  EXPECT_GE(loaded, 40);
  EXPECT_GE(refused, 1);
}

std::string ErrorCode(const std::string& out) {
  const Json j = Json::parse(out);
  return j.contains("error") ? j["error"]["code"].get<std::string>() + " " + j["error"].value("field", "") : "";
}

TEST(LoadedRules, KeepsTheLastFourUsed) {
  const auto rules = [](int i) {
    return Json{{"version", "v" + std::to_string(i)},
                {"promotions", Json::array({{{"id", "P"}, {"type", "percent_off"}, {"scope", {{"all", true}}},
                                             {"percent_bp", 100 * i}}})}}
        .dump();
  };
  const auto price = [](const std::string& id) {
    return PriceCartJson(Json{{"currency", "CNY"},
                              {"lines", Json::array({{{"barcode", "6901234567892"}, {"qty", 1}, {"unit_price", 10000},
                                                      {"tax_rate_bp", 1300}}})},
                              {"rules_id", id},
                              {"context", {{"now", "2026-11-24T10:00:00Z"}, {"store_id", "SH01"}}}}
                             .dump());
  };
  std::vector<std::string> ids;
  for (int i = 1; i <= kLoadedRules; ++i) ids.push_back(Json::parse(LoadRulesJson(rules(i)))["rules_id"]);
  EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()).size(), ids.size());
  // Each prices with its own document: 1 % .. 4 % off ¥100.
  for (int i = 1; i <= kLoadedRules; ++i) {
    const Json out = Json::parse(price(ids[i - 1]));
    EXPECT_EQ(out["total"], 10000 - 100 * i) << out.dump();
    EXPECT_EQ(out["rules_version"], "v" + std::to_string(i));
  }
  // The first was used last but three; using it again keeps it, so the
  // fifth load forgets the second instead.
  EXPECT_EQ(ErrorCode(price(ids[0])), "");
  const std::string fifth = Json::parse(LoadRulesJson(rules(5)))["rules_id"];
  EXPECT_EQ(ErrorCode(price(ids[1])), "rules_not_loaded rules_id");
  EXPECT_EQ(ErrorCode(price(ids[0])), "");
  EXPECT_EQ(Json::parse(price(fifth))["total"], 9500);
  EXPECT_EQ(ErrorCode(price("rules-unknown")), "rules_not_loaded rules_id");
}

TEST(LoadedRules, RefusesBadInput) {
  EXPECT_EQ(ErrorCode(LoadRulesJson("{")), "invalid_json ");
  EXPECT_EQ(ErrorCode(LoadRulesJson(R"({"version":"v","promotions":[{"id":"P","type":"percent_off","scope":{"all":true}}]})")),
            "promotion_invalid rules.promotions[0].percent_bp");
  const std::string id = Json::parse(LoadRulesJson(R"({"version":"v","promotions":[]})"))["rules_id"];
  const Json cart = {{"currency", "CNY"},
                     {"lines", Json::array({{{"barcode", "6901234567892"}, {"qty", 1}, {"unit_price", 100},
                                             {"tax_rate_bp", 1300}}})}};
  Json both = cart;
  both["rules_id"] = id;
  both["rules"] = {{"version", "v"}, {"promotions", Json::array()}};
  both["context"] = {{"now", "2026-11-24T10:00:00Z"}, {"store_id", "SH01"}};
  EXPECT_EQ(ErrorCode(PriceCartJson(both.dump())), "request_invalid rules_id");
  Json no_context = cart;
  no_context["rules_id"] = id;
  EXPECT_EQ(ErrorCode(PriceCartJson(no_context.dump())), "context_invalid context");
  Json not_text = cart;
  not_text["rules_id"] = 7;
  EXPECT_NE(ErrorCode(PriceCartJson(not_text.dump())), "");
}

}  // namespace
}  // namespace aisle::core
