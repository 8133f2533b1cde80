// aisle: the command line for people who run Aisle (IT, store managers,
// developers). Each subcommand prints what it did; errors go to stderr with
// exit code 1 (bad data) or 2 (bad usage).
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

#include "core/cart_json.h"
#include "server/auth.h"
#include "server/demo_data.h"
#include "server/store.h"
#include "tools/admin.h"
#include "tools/load.h"
#include "tools/seed.h"

namespace {

namespace fs = std::filesystem;
using namespace aisle;

constexpr const char* kUsage =
    "aisle — Aisle's command line\n\n"
    "Usage:\n"
    "  aisle barcode CODE...            check and normalise EAN-13 / EAN-8 / UPC-A codes\n"
    "  aisle price [FILE|-]             price a cart JSON with core (same engine as the terminal)\n"
    "  aisle price --cart C.json --rules R.json [--store SH01] [--tier gold] [--now 2026-11-24T10:00:00Z]\n"
    "                                   try a rules document on a cart before publishing it\n"
    "  aisle demo-load [--data-dir D]   load the demo chain into D/aisle.db (default ./data)\n"
    "  aisle seed [--data-dir D] [--products N] [--members N] [--store SH01]\n"
    "                                   add a synthetic catalog and member base (benchmarks)\n"
    "  aisle stats [--data-dir D]       row counts: products, sales, operations, price differences\n"
    "  aisle load [--url http://127.0.0.1:8080] [--devices 50] [--seconds 10] [--batch 1]\n"
    "                                   push-ingest load test against a running aisled, and the raw\n"
    "                                   SQLite commit rate of the same rows on this machine\n"
    "  aisle staff|device|printer|role|audit ...   the back office on the command line:\n"
    "  aisle staff list|add|disable|enable|reset-pin --store S [--code C --name N --role R]\n"
    "  aisle device enroll --store S --name N | list --store S | revoke --device ID\n"
    "  aisle printer add --store S --name N --host H [--port 9100] [--columns 48] [--encoding gb18030]\n"
    "                | list --store S | remove --printer ID   receipt printers on the store's network\n"
    "  aisle role list | set ROLE --file role.json\n"
    "  aisle store policy --store S [--offline-hours N] [--offline-coupons yes|no] [--offline-points-max N]\n"
    "  aisle audit verify [--store S] [--anchors FILE]   walk the hash chains, report the first broken link\n"
    "  aisle version\n";

std::string DataDir(const std::vector<std::string>& args) {
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == "--data-dir") return args[i + 1];
  }
  return "data";
}

int Barcode(const std::vector<std::string>& codes) {
  int bad = 0;
  for (const std::string& code : codes) {
    const std::string out = core::NormalizeBarcodeJson(code);
    std::cout << code << "\t" << out << "\n";
    if (out.starts_with("{\"error\"")) ++bad;
  }
  return bad == 0 ? 0 : 1;
}

// The text of a file, or of stdin for "-".
std::optional<std::string> ReadInput(const std::string& path) {
  if (path == "-") return std::string(std::istreambuf_iterator<char>(std::cin), {});
  std::ifstream in(path);
  if (!in) {
    std::cerr << "aisle: cannot read " << path << "\n";
    return std::nullopt;
  }
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// aisle price [FILE|-]: a whole priceCart request. With --cart and --rules the
// two documents are joined and the context comes from --now/--store/--tier
// (now: the current time), so a rules draft can be tried on a saved cart.
int Price(const std::vector<std::string>& args) {
  std::map<std::string, std::string> flags;
  std::vector<std::string> files;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i].starts_with("--") && i + 1 < args.size()) {
      flags[args[i].substr(2)] = args[i + 1];
      ++i;
    } else {
      files.push_back(args[i]);
    }
  }
  for (const auto& [flag, value] : flags) {
    if (flag != "cart" && flag != "rules" && flag != "now" && flag != "store" && flag != "tier") {
      std::cerr << "aisle price: unknown flag --" << flag << "\n" << kUsage;
      return 2;
    }
  }
  std::string input;
  if (flags.contains("rules") || flags.contains("cart")) {
    if (!flags.contains("rules") || !flags.contains("cart") || !files.empty()) {
      std::cerr << "aisle price: give both --cart FILE and --rules FILE (and no other file)\n";
      return 2;
    }
    auto cart_text = ReadInput(flags["cart"]);
    auto rules_text = ReadInput(flags["rules"]);
    if (!cart_text || !rules_text) return 1;
    auto cart = core::ParseJson(*cart_text);
    auto rules = core::ParseJson(*rules_text);
    for (const auto& [name, doc] : {std::pair{"cart", &cart}, std::pair{"rules", &rules}}) {
      if (!*doc || !(*doc)->is_object()) {
        std::cerr << "aisle price: " << flags[name] << " is not a JSON object\n";
        return 1;
      }
    }
    core::Json request = *cart;
    request["rules"] = *rules;
    core::Json context = request.value("context", core::Json::object());
    context["now"] = flags.contains("now") ? flags["now"] : context.value("now", server::IsoTime(server::UnixNow()));
    if (flags.contains("store")) context["store_id"] = flags["store"];
    if (flags.contains("tier")) context["member_tier"] = flags["tier"];
    request["context"] = context;
    input = request.dump();
  } else {
    auto text = ReadInput(files.empty() ? "-" : files[0]);
    if (!text) return 1;
    input = std::move(*text);
  }
  const std::string out = core::PriceCartJson(input);
  std::cout << out << "\n";
  return out.starts_with("{\"error\"") ? 1 : 0;
}

int DemoLoad(const std::vector<std::string>& args) {
  const fs::path dir = DataDir(args);
  fs::create_directories(dir);
  server::InitCrypto();
  server::Store store((dir / "aisle.db").string());
  const auto summary = server::LoadDemoData(store);
  std::cout << "demo data in " << (dir / "aisle.db").string() << ": " << summary.products_added
            << " products and " << summary.staff_added << " staff added (" << store.Count("products")
            << " products in all)\n"
            << server::DemoCredentials();
  return 0;
}

int Stats(const std::vector<std::string>& args) {
  const fs::path db = fs::path(DataDir(args)) / "aisle.db";
  if (!fs::exists(db)) {
    std::cerr << "aisle: no database at " << db.string() << "\n";
    return 1;
  }
  server::Store store(db.string());
  for (const char* table : {"products", "stock_movements", "staff", "devices", "ops", "sales", "sale_lines",
                            "price_differences", "changes", "members"}) {
    std::cout << table << "\t" << store.Count(table) << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::cerr << kUsage;
    return 2;
  }
  const std::string command = argv[1];
  const std::vector<std::string> args(argv + 2, argv + argc);
  try {
    if (command == "barcode" && !args.empty()) return Barcode(args);
    if (command == "price") return Price(args);
    if (command == "demo-load") return DemoLoad(args);
    if (command == "stats") return Stats(args);
    if (command == "seed") return tools::SeedCommand(args);
    if (command == "load") return tools::Load(args);
    if (command == "staff") return tools::StaffCommand(args);
    if (command == "device") return tools::DeviceCommand(args);
    if (command == "printer") return tools::PrinterCommand(args);
    if (command == "store") return tools::StoreCommand(args);
    if (command == "role") return tools::RoleCommand(args);
    if (command == "audit") return tools::AuditCommand(args);
    if (command == "version") {
      std::cout << "aisle " << AISLE_VERSION << "\n";
      return 0;
    }
    if (command == "help" || command == "--help" || command == "-h") {
      std::cout << kUsage;
      return 0;
    }
  } catch (const std::exception& e) {
    std::cerr << "aisle: " << e.what() << "\n";
    return 1;
  }
  std::cerr << kUsage;
  return 2;
}
