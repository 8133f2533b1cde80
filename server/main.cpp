// aisled: the Aisle server. See `aisled --help` and docs/server.md.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <iostream>

#include "server/api.h"
#include "server/auth.h"
#include "server/config.h"
#include "server/demo_data.h"
#include "server/http_server.h"
#include "server/store.h"

#ifndef AISLE_VERSION
#define AISLE_VERSION "0.0.0"
#endif

namespace {

namespace fs = std::filesystem;
using namespace aisle::server;

// One aisled per data folder: SQLite is embedded, so a second process on the
// same file would corrupt nobody's data but could interleave writes and
// confuse the change feed. The lock dies with the process (even on SIGKILL).
bool LockDataDir(const fs::path& dir) {
  const fs::path lock_path = dir / "aisled.lock";
  const int fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0 || ::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    std::cerr << "aisled: another aisled is already using " << dir << " (lock " << lock_path
              << "); stop it first or pick another --data-dir\n";
    return false;
  }
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) == 0 && ::write(fd, pid.data(), pid.size()) < 0) {
    // The pid is only a hint for people; the lock is what counts.
  }
  return true;  // fd stays open for the life of the process
}

fs::path DefaultWebRoot(const char* argv0) {
  std::error_code ec;
  fs::path exe = fs::read_symlink("/proc/self/exe", ec);
  if (ec) exe = fs::absolute(argv0);
  return (exe.parent_path() / ".." / "web" / "dist").lexically_normal();
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> args(argv + 1, argv + argc);
  auto config = ParseConfig(args, [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    return v ? std::optional<std::string>(v) : std::nullopt;
  });
  if (!config) {
    std::cerr << "aisled: " << config.error().message << "\n";
    return 2;
  }
  if (config->help) {
    std::cout << HelpText();
    return 0;
  }
  if (config->version) {
    std::cout << "aisled " << AISLE_VERSION << "\n";
    return 0;
  }
  try {
    InitCrypto();
    const fs::path data_dir = config->data_dir;
    fs::create_directories(data_dir);
    if (!LockDataDir(data_dir)) return 1;
    Store store((data_dir / "aisle.db").string());
    if (!config->audit_anchor_file.empty()) store.set_audit_anchor_path(config->audit_anchor_file);
    if (config->demo) {
      const DemoSummary demo = LoadDemoData(store);
      std::cerr << "aisled: demo data ready (" << demo.products_added << " products and " << demo.staff_added
                << " staff added this time; " << store.Count("products") << " products in all; promotions "
                << demo.rules_version << ")\n"
                << DemoCredentials();
    }
    Api api(store, ApiOptions{config->demo, config->session_ttl_seconds, config->lockout_seconds, AISLE_VERSION});
    HttpServerOptions http{config->bind, config->port, config->web_root, config->max_body_bytes, config->threads,
                           config->tls_cert, config->tls_key};
    if (http.web_root.empty()) http.web_root = DefaultWebRoot(argv[0]).string();
    HttpServer server(http, api);
    server.Run([&] {
      const std::string scheme = config->tls_cert.empty() ? "http" : "https";
      const std::string host = config->bind == "0.0.0.0" ? "<this machine's LAN address>" : config->bind;
      std::cerr << "aisled " << AISLE_VERSION << " listening on " << scheme << "://" << host << ":" << config->port
                << "/ (data " << (data_dir / "aisle.db").string() << ", schema v" << store.SchemaVersion()
                << ", web " << http.web_root << ")\n";
    });
    std::cerr << "aisled: stopped cleanly\n";
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "aisled: " << e.what() << "\n";
    return 1;
  }
}
