// Runs the golden fixtures in tests/fixtures/<function>/NAME.in.json against
// the native build and compares with NAME.out.json byte for byte. The WASM
// build runs the same files (tests/wasm/fixtures.test.mjs).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
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

}  // namespace
}  // namespace aisle::core
