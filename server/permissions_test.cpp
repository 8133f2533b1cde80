// The route permission matrix of docs/security.md against the router itself:
// every route has a row and every row a route, and one staff member of each
// role calling every route gets 403 exactly where the table says ✗. Runs the
// real Api on a real SQLite file with the demo chain.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "server/api.h"
#include "server/auth.h"
#include "server/demo_data.h"

namespace aisle::server {
namespace {

struct MatrixRow {
  std::string permission;
  std::map<std::string, bool> allowed;  // role -> ✓
};

std::vector<std::string> Cells(const std::string& line) {
  std::vector<std::string> cells;
  std::stringstream in(line);
  std::string cell;
  std::getline(in, cell, '|');  // before the first bar
  while (std::getline(in, cell, '|')) {
    const size_t a = cell.find_first_not_of(' ');
    const size_t b = cell.find_last_not_of(' ');
    cells.push_back(a == std::string::npos ? "" : cell.substr(a, b - a + 1));
  }
  return cells;
}

// "METHOD /path" -> row, from the table under "## Route permissions".
std::map<std::string, MatrixRow> ReadMatrix(std::vector<std::string>& roles) {
  std::ifstream in(std::string(AISLE_SOURCE_DIR) + "/docs/security.md");
  EXPECT_TRUE(in) << "docs/security.md not found";
  std::map<std::string, MatrixRow> rows;
  std::string line;
  bool section = false;
  while (std::getline(in, line)) {
    if (line.starts_with("## ")) section = line == "## Route permissions";
    if (!section || !line.starts_with("|")) continue;
    const auto cells = Cells(line);
    if (cells.size() < 3) continue;
    if (cells[0] == "Route") {
      roles.assign(cells.begin() + 2, cells.end());
      continue;
    }
    if (!cells[0].starts_with("`")) continue;
    MatrixRow row{cells[1], {}};
    for (size_t i = 0; i < roles.size() && i + 2 < cells.size(); ++i) row.allowed[roles[i]] = cells[i + 2] == "✓";
    rows[cells[0].substr(1, cells[0].size() - 2)] = row;
  }
  return rows;
}

std::string Fill(std::string pattern) {
  static const std::map<std::string, std::string> kValues = {
      {"{sale_id}", "no-such-sale"}, {"{role}", "matrix_probe"},          {"{store_id}", "SH01"},
      {"{staff_code}", "nobody"},    {"{device_id}", "no-such-device"}};
  for (const auto& [name, value] : kValues) {
    if (size_t at = pattern.find(name); at != std::string::npos) pattern.replace(at, name.size(), value);
  }
  return pattern;
}

class PermissionMatrix : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    InitCrypto();
    char pattern[] = "/tmp/aisle-perm-XXXXXX";
    dir_ = mkdtemp(pattern);
    store_ = new Store(dir_ + "/aisle.db");
    LoadDemoData(*store_);
  }
  static void TearDownTestSuite() {
    delete store_;
    std::filesystem::remove_all(dir_);
  }
  static std::string dir_;
  static Store* store_;
};
std::string PermissionMatrix::dir_;
Store* PermissionMatrix::store_ = nullptr;

TEST_F(PermissionMatrix, EveryRouteHasItsRowAndEveryRoleGetsWhatTheTableSays) {
  std::vector<std::string> roles;
  const auto matrix = ReadMatrix(roles);
  ASSERT_EQ(roles, (std::vector<std::string>{"associate", "senior_associate", "store_manager", "area_manager",
                                             "hq_admin"}));
  Api api(*store_, ApiOptions{.demo = true, .version = "test"});
  // One demo staff member per role (server/demo_data.cpp).
  const std::map<std::string, std::pair<std::string, std::string>> kStaff = {
      {"associate", {"1001", "1111"}},       {"senior_associate", {"1501", "1515"}},
      {"store_manager", {"2001", "222222"}}, {"area_manager", {"8001", "888888"}},
      {"hq_admin", {"9001", "999999"}}};
  std::map<std::string, std::string> tokens;
  for (const auto& [role, staff] : kStaff) {
    const ApiResponse r = api.Handle({"POST", "/api/v1/sessions", "",
                                      R"({"store_id":"SH01","device_id":"demo-device-1","staff_code":")" +
                                          staff.first + R"(","pin":")" + staff.second + "\"}"});
    ASSERT_EQ(r.status, 201) << role << ": " << r.body;
    tokens[role] = nlohmann::json::parse(r.body)["token"];
  }

  size_t checked = 0;
  std::set<std::string> routes;
  for (const RouteInfo& route : Api::Routes()) {
    const std::string key = std::string(route.method) + " " + std::string(route.pattern);
    routes.insert(key);
    auto row = matrix.find(key);
    ASSERT_NE(row, matrix.end()) << key << " has no row in docs/security.md's route table";
    EXPECT_EQ(row->second.permission, route.permission) << key;
    for (const std::string& role : roles) {
      const ApiResponse r =
          api.Handle({std::string(route.method), Fill(std::string(route.pattern)), "Bearer " + tokens[role], "{}"});
      const bool allowed = row->second.allowed.at(role);
      if (allowed) {
        EXPECT_NE(r.status, 403) << key << " as " << role << ": " << r.body;
        EXPECT_NE(r.status, 401) << key << " as " << role << ": " << r.body;
      } else {
        EXPECT_EQ(r.status, 403) << key << " as " << role << ": " << r.body;
        EXPECT_NE(r.body.find("\"forbidden\""), std::string::npos) << key << " as " << role << ": " << r.body;
      }
      ++checked;
    }
  }
  for (const auto& [key, row] : matrix) EXPECT_TRUE(routes.contains(key)) << key << " is in the table but not a route";
  std::cout << "checked " << checked << " route x role pairs\n";
}

TEST_F(PermissionMatrix, StoreRolesActInTheirOwnStoreOnly) {
  Api api(*store_, ApiOptions{.demo = true, .version = "test"});
  const auto sign_in = [&](const std::string& code, const std::string& pin) {
    const ApiResponse r = api.Handle({"POST", "/api/v1/sessions", "",
                                      R"({"store_id":"SH01","device_id":"demo-device-1","staff_code":")" + code +
                                          R"(","pin":")" + pin + "\"}"});
    return "Bearer " + nlohmann::json::parse(r.body)["token"].get<std::string>();
  };
  const std::string manager = sign_in("2001", "222222");
  const std::string area = sign_in("8001", "888888");
  EXPECT_EQ(api.Handle({"GET", "/api/v1/staff?store=BJ01", manager, ""}).status, 403);
  EXPECT_EQ(api.Handle({"GET", "/api/v1/staff?store=SH01", manager, ""}).status, 200);
  EXPECT_EQ(api.Handle({"GET", "/api/v1/staff?store=BJ01", area, ""}).status, 200);  // chain scope
  EXPECT_EQ(api.Handle({"POST", "/api/v1/staff/BJ01/1101/disable", manager, ""}).status, 403);
  // A store manager cannot make an HQ admin.
  const ApiResponse r = api.Handle({"POST", "/api/v1/staff", manager,
                                    R"({"store_id":"SH01","staff_code":"7777","name":"X","role":"hq_admin","pin":"135790"})"});
  EXPECT_EQ(r.status, 403) << r.body;
}

}  // namespace
}  // namespace aisle::server
