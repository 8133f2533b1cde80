#include "tools/admin.h"

#include <termios.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <optional>

#include "core/json_read.h"
#include "server/admin_service.h"
#include "server/auth.h"
#include "server/roles.h"
#include "server/store.h"

namespace aisle::tools {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using server::Actor;
using server::Store;

constexpr const char* kUsage =
    "  aisle staff list   --store S [--data-dir D]\n"
    "  aisle staff add    --store S --code C --name N --role R [--data-dir D]   (PIN asked for)\n"
    "  aisle staff disable|enable|reset-pin --store S --code C [--data-dir D]\n"
    "  aisle device enroll --store S --name N [--data-dir D]   one-time code for a new device\n"
    "  aisle device list   --store S [--data-dir D]\n"
    "  aisle device revoke --device ID [--data-dir D]\n"
    "  aisle printer add    --store S --name N --host H [--port 9100] [--columns 48] [--encoding gb18030]\n"
    "                       [--data-dir D]   a receipt printer on the store's network (raw TCP)\n"
    "  aisle printer list   --store S [--data-dir D]\n"
    "  aisle printer remove --printer ID [--data-dir D]\n"
    "  aisle role list [--data-dir D]\n"
    "  aisle role set ROLE --file role.json [--data-dir D]\n"
    "  aisle audit verify [--store S] [--data-dir D] [--anchors FILE]\n"
    "  aisle store policy --store S [--offline-hours N] [--offline-coupons yes|no] [--offline-points-max N]\n"
    "                     [--data-dir D]   what the store's devices may do offline (no flag: show it)\n";

struct Parsed {
  std::string verb;
  std::vector<std::string> positional;
  std::map<std::string, std::string> flags;
};

std::optional<Parsed> Parse(const std::vector<std::string>& args, const char* command) {
  Parsed p;
  for (size_t i = 0; i < args.size(); ++i) {
    if (args[i].starts_with("--")) {
      if (i + 1 >= args.size()) {
        std::cerr << "aisle " << command << ": " << args[i] << " needs a value\n" << kUsage;
        return std::nullopt;
      }
      p.flags[args[i].substr(2)] = args[i + 1];
      ++i;
    } else if (p.verb.empty()) {
      p.verb = args[i];
    } else {
      p.positional.push_back(args[i]);
    }
  }
  return p;
}

// The flags a verb needs, present and non-empty; prints what is missing.
bool Need(const Parsed& p, std::initializer_list<const char*> names) {
  for (const char* name : names) {
    auto it = p.flags.find(name);
    if (it == p.flags.end() || it->second.empty()) {
      std::cerr << "aisle: --" << name << " is required\n" << kUsage;
      return false;
    }
  }
  return true;
}

std::optional<std::string> Flag(const Parsed& p, const char* name) {
  auto it = p.flags.find(name);
  return it == p.flags.end() ? std::nullopt : std::optional(it->second);
}

// Opens the data folder's database; nullopt (with a message) when there is none.
std::unique_ptr<Store> Open(const Parsed& p) {
  const fs::path db = fs::path(Flag(p, "data-dir").value_or("data")) / "aisle.db";
  if (!fs::exists(db)) {
    std::cerr << "aisle: no database at " << db.string() << " (aisle demo-load, or start aisled once)\n";
    return nullptr;
  }
  server::InitCrypto();
  auto store = std::make_unique<Store>(db.string());
  const char* env = std::getenv("AISLE_AUDIT_ANCHOR_FILE");
  if (auto anchors = Flag(p, "anchors")) {
    store->set_audit_anchor_path(*anchors);
  } else if (env != nullptr && *env != '\0') {
    store->set_audit_anchor_path(env);
  }
  return store;
}

Actor CliActor(const std::string& store_id) {
  const char* user = std::getenv("USER");
  return Actor{store_id, std::string("cli:") + (user != nullptr && *user != '\0' ? user : "unknown"), "cli", ""};
}

// The PIN from the terminal (twice, no echo) or the first line of stdin.
std::optional<std::string> ReadPin() {
  if (!::isatty(STDIN_FILENO)) {
    std::string pin;
    if (!std::getline(std::cin, pin)) return std::nullopt;
    return pin;
  }
  termios old{};
  ::tcgetattr(STDIN_FILENO, &old);
  termios quiet = old;
  quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
  std::string first, second;
  ::tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
  std::cerr << "PIN: " << std::flush;
  std::getline(std::cin, first);
  std::cerr << "\nPIN again: " << std::flush;
  std::getline(std::cin, second);
  std::cerr << "\n";
  ::tcsetattr(STDIN_FILENO, TCSANOW, &old);
  if (first != second) {
    std::cerr << "aisle: the two PINs differ\n";
    return std::nullopt;
  }
  return first;
}

// Prints a service's answer; 0 when it succeeded, 1 with the error otherwise.
int Report(const core::Result<json>& result) {
  if (!result) {
    std::cerr << "aisle: " << result.error().message << " (" << result.error().code << ")\n";
    return 1;
  }
  std::cout << result->dump(2) << "\n";
  return 0;
}

}  // namespace

int StaffCommand(const std::vector<std::string>& args) {
  auto p = Parse(args, "staff");
  if (!p) return 2;
  if (p->verb == "list") {
    if (!Need(*p, {"store"})) return 2;
    auto store = Open(*p);
    if (!store) return 1;
    const json list = server::ListStaff(*store, p->flags["store"]);  // kept: a range over a temporary's member dangles
    for (const json& s : list["staff"]) {
      std::cout << s["staff_code"].get<std::string>() << "\t" << s["role"].get<std::string>() << "\t"
                << (s["active"].get<bool>() ? "active" : "disabled") << "\t" << s["name"].get<std::string>() << "\n";
    }
    return 0;
  }
  if (p->verb != "add" && p->verb != "disable" && p->verb != "enable" && p->verb != "reset-pin") {
    std::cerr << kUsage;
    return 2;
  }
  if (!Need(*p, {"store", "code"})) return 2;
  if (p->verb == "add" && !Need(*p, {"name", "role"})) return 2;
  auto store = Open(*p);
  if (!store) return 1;
  const std::string& store_id = p->flags["store"];
  const std::string& code = p->flags["code"];
  const Actor by = CliActor(store_id);
  if (p->verb == "disable" || p->verb == "enable") {
    return Report(server::SetStaffActive(*store, by, store_id, code, p->verb == "enable"));
  }
  auto pin = ReadPin();
  if (!pin) {
    std::cerr << "aisle: no PIN given\n";
    return 1;
  }
  if (p->verb == "add") return Report(server::AddStaff(*store, by, store_id, code, p->flags["name"], p->flags["role"], *pin));
  return Report(server::ResetPin(*store, by, store_id, code, *pin));
}

int DeviceCommand(const std::vector<std::string>& args) {
  auto p = Parse(args, "device");
  if (!p) return 2;
  if (p->verb == "enroll") {
    if (!Need(*p, {"store", "name"})) return 2;
    auto store = Open(*p);
    if (!store) return 1;
    auto code = server::CreateEnrollment(*store, CliActor(p->flags["store"]), p->flags["store"], p->flags["name"]);
    if (!code) return Report(code);
    std::cout << "Enrollment code for \"" << p->flags["name"] << "\" in " << p->flags["store"] << ": "
              << (*code)["code"].get<std::string>() << "\n(one time, valid until " << (*code)["expires_at"].get<std::string>()
              << "; type it on the device's sign-in screen, or scan its QR code in the back office)\n";
    return 0;
  }
  if (p->verb == "list") {
    if (!Need(*p, {"store"})) return 2;
    auto store = Open(*p);
    if (!store) return 1;
    const json list = server::ListDevices(*store, p->flags["store"]);  // kept: a range over a temporary's member dangles
    for (const json& d : list["devices"]) {
      std::cout << d["device_id"].get<std::string>() << "\t" << d["status"].get<std::string>() << "\t"
                << (d["enrolled"].get<bool>() ? "enrolled" : "demo") << "\t" << d["name"].get<std::string>() << "\n";
    }
    return 0;
  }
  if (p->verb == "revoke") {
    if (!Need(*p, {"device"})) return 2;
    auto store = Open(*p);
    if (!store) return 1;
    auto device = store->FindDevice(p->flags["device"]);
    if (!device) {
      std::cerr << "aisle: no device " << p->flags["device"] << "\n";
      return 1;
    }
    return Report(server::RevokeDevice(*store, CliActor(device->store_id), p->flags["device"]));
  }
  std::cerr << kUsage;
  return 2;
}

// aisle store policy: a store's offline policies (docs/sync.md, "Store offline policies").
int StoreCommand(const std::vector<std::string>& args) {
  auto p = Parse(args, "store");
  if (!p) return 2;
  if (p->verb != "policy" || !Need(*p, {"store"})) {
    std::cerr << kUsage;
    return 2;
  }
  std::optional<int64_t> hours, points;
  std::optional<bool> coupons;
  for (auto [flag, target] : {std::pair{"offline-hours", &hours}, std::pair{"offline-points-max", &points}}) {
    if (auto text = Flag(*p, flag)) {
      char* end = nullptr;
      *target = std::strtoll(text->c_str(), &end, 10);
      if (text->empty() || *end != '\0') {
        std::cerr << "aisle: --" << flag << " must be a number\n";
        return 2;
      }
    }
  }
  if (auto text = Flag(*p, "offline-coupons")) {
    if (*text != "yes" && *text != "no") {
      std::cerr << "aisle: --offline-coupons must be yes or no\n";
      return 2;
    }
    coupons = *text == "yes";
  }
  auto store = Open(*p);
  if (!store) return 1;
  const std::string store_id = p->flags["store"];
  if (!hours && !coupons && !points) {
    auto policy = server::FindOfflinePolicy(*store, store_id);
    if (!policy) {
      std::cerr << "aisle: no store " << store_id << "\n";
      return 1;
    }
    std::cout << json{{"store_id", store_id}, {"policies", server::OfflinePolicyToJson(*policy)}}.dump(2) << "\n";
    return 0;
  }
  return Report(server::SetOfflinePolicy(*store, CliActor(store_id), store_id, hours, coupons, points));
}

int PrinterCommand(const std::vector<std::string>& args) {
  auto p = Parse(args, "printer");
  if (!p) return 2;
  if (p->verb == "add") {
    if (!Need(*p, {"store", "name", "host"})) return 2;
    server::Printer printer;
    printer.store_id = p->flags["store"];
    printer.name = p->flags["name"];
    printer.host = p->flags["host"];
    for (auto [flag, target] : {std::pair{"port", &printer.port}, std::pair{"columns", &printer.columns}}) {
      if (auto text = Flag(*p, flag)) {
        char* end = nullptr;
        *target = std::strtoll(text->c_str(), &end, 10);
        if (text->empty() || *end != '\0') {
          std::cerr << "aisle: --" << flag << " must be a number\n";
          return 2;
        }
      }
    }
    printer.encoding = Flag(*p, "encoding").value_or("gb18030");
    auto store = Open(*p);
    if (!store) return 1;
    return Report(server::AddPrinter(*store, CliActor(printer.store_id), printer));
  }
  if (p->verb == "list") {
    if (!Need(*p, {"store"})) return 2;
    auto store = Open(*p);
    if (!store) return 1;
    const json list = server::ListPrinters(*store, p->flags["store"]);  // kept: the loop reads into it
    for (const json& r : list["printers"]) {
      std::cout << r["printer_id"].get<std::string>() << "\t" << r["host"].get<std::string>() << ":" << r["port"].get<int64_t>()
                << "\t" << r["columns"].get<int64_t>() << " columns\t" << r["encoding"].get<std::string>() << "\t"
                << r["name"].get<std::string>() << "\n";
    }
    return 0;
  }
  if (p->verb == "remove") {
    if (!Need(*p, {"printer"})) return 2;
    auto store = Open(*p);
    if (!store) return 1;
    auto printer = server::FindPrinter(*store, p->flags["printer"]);
    if (!printer) {
      std::cerr << "aisle: no printer " << p->flags["printer"] << "\n";
      return 1;
    }
    return Report(server::RemovePrinter(*store, CliActor(printer->store_id), printer->printer_id));
  }
  std::cerr << kUsage;
  return 2;
}

int RoleCommand(const std::vector<std::string>& args) {
  auto p = Parse(args, "role");
  if (!p) return 2;
  if (p->verb == "list") {
    auto store = Open(*p);
    if (!store) return 1;
    store->WithConnection([](server::Database& db) {
      for (const server::Role& r : server::ListRoles(db)) std::cout << server::RoleToJson(r).dump() << "\n";
    });
    return 0;
  }
  if (p->verb == "set" && p->positional.size() == 1 && Need(*p, {"file"})) {
    std::ifstream in(p->flags["file"]);
    if (!in) {
      std::cerr << "aisle: cannot read " << p->flags["file"] << "\n";
      return 1;
    }
    auto body = core::ParseJson(std::string(std::istreambuf_iterator<char>(in), {}));
    if (!body) return Report(body.error());
    auto store = Open(*p);
    if (!store) return 1;
    return Report(server::PutRole(*store, CliActor(Flag(*p, "store").value_or("HQ")), p->positional[0], *body));
  }
  std::cerr << kUsage;
  return 2;
}

int AuditCommand(const std::vector<std::string>& args) {
  auto p = Parse(args, "audit");
  if (!p) return 2;
  if (p->verb != "verify") {
    std::cerr << kUsage;
    return 2;
  }
  auto store = Open(*p);
  if (!store) return 1;
  const std::string anchors = store->audit_anchor_path();
  std::vector<server::AuditChainReport> reports;
  store->WithConnection([&](server::Database& db) { reports = server::VerifyAudit(db, anchors, Flag(*p, "store").value_or("")); });
  int broken = 0;
  for (const auto& r : reports) {
    if (r.intact) {
      std::cout << r.store_id << ": intact, " << r.entries << " entries, anchored up to " << r.anchored_seq;
      if (r.entries > r.anchored_seq) std::cout << " (" << r.entries - r.anchored_seq << " not anchored yet)";
      std::cout << "\n";
    } else {
      ++broken;
      std::cout << r.store_id << ": BROKEN at entry " << r.broken_seq << ": " << r.problem << "\n";
    }
  }
  if (reports.empty()) std::cout << "no audit entries yet\n";
  std::cout << "anchors: " << anchors << "\n";
  return broken == 0 ? 0 : 1;
}

}  // namespace aisle::tools
