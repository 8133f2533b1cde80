// aisled's configuration: command-line flags, each with an AISLE_* variable
// in the environment as its default (the flag wins). `aisled --help` prints
// HelpText(), which lists every flag.
#ifndef AISLE_SERVER_CONFIG_H_
#define AISLE_SERVER_CONFIG_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace aisle::server {

struct Config {
  std::string bind = "127.0.0.1";
  uint16_t port = 8080;
  std::string data_dir = "data";
  bool demo = false;
  std::string tls_cert;  // both or neither
  std::string tls_key;
  std::string web_root;  // default: <exe dir>/../web/dist
  int64_t max_body_bytes = 1 << 20;
  int threads = 8;
  int64_t session_ttl_seconds = 12 * 3600;
  int64_t lockout_seconds = 300;
  std::string audit_anchor_file;  // default: <data_dir>/audit-anchors.log
  bool help = false;
  bool version = false;
};

using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;

// Parses args (without argv[0]); env supplies AISLE_* defaults.
core::Result<Config> ParseConfig(const std::vector<std::string>& args, const EnvLookup& env);
std::string HelpText();

}  // namespace aisle::server

#endif  // AISLE_SERVER_CONFIG_H_
