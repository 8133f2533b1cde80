#include "server/config.h"

#include <cstdlib>
#include <string_view>

namespace aisle::server {
namespace {

using core::Error;

struct Flag {
  std::string_view name;  // without the leading --
  std::string_view env;
  std::string_view value_name;  // empty: a switch
  std::string_view help;
};

constexpr Flag kFlags[] = {
    {"port", "AISLE_PORT", "N", "TCP port to listen on (default 8080)"},
    {"bind", "AISLE_BIND", "ADDR", "address to listen on (default 127.0.0.1; 0.0.0.0 for phones on the LAN)"},
    {"data-dir", "AISLE_DATA_DIR", "DIR", "folder for aisle.db and the lock file (default ./data)"},
    {"demo", "AISLE_DEMO", "", "load the demo chain (idempotent) and let new devices sign in"},
    {"tls-cert", "AISLE_TLS_CERT", "FILE", "PEM certificate chain: serve HTTPS (see tools/make-local-ca.sh)"},
    {"tls-key", "AISLE_TLS_KEY", "FILE", "PEM private key for --tls-cert"},
    {"web-root", "AISLE_WEB_ROOT", "DIR", "the built web app (default <aisled dir>/../web/dist)"},
    {"max-body", "AISLE_MAX_BODY", "BYTES", "largest request body accepted (default 1048576)"},
    {"threads", "AISLE_THREADS", "N", "I/O threads (default 8: a push waits on one for its group commit)"},
    {"session-ttl", "AISLE_SESSION_TTL", "SECONDS", "how long a sign-in lasts (default 43200)"},
    {"lockout", "AISLE_LOCKOUT", "SECONDS", "sign-in lockout after 5 wrong PINs (default 300)"},
    {"audit-anchor-file", "AISLE_AUDIT_ANCHOR_FILE", "FILE",
     "where audit chain heads are appended (default <data-dir>/audit-anchors.log; put it on another disk)"},
    {"help", "", "", "show this help"},
    {"version", "", "", "print the version"},
};

core::Result<int64_t> ParseInt(std::string_view flag, const std::string& text, int64_t min, int64_t max) {
  char* end = nullptr;
  const long long v = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || v < min || v > max) {
    return Error::Make("invalid_flag",
                       "--" + std::string(flag) + " needs a number from " + std::to_string(min) + " to " +
                           std::to_string(max) + ", got '" + text + "'",
                       std::string(flag));
  }
  return static_cast<int64_t>(v);
}

core::Result<void> Apply(Config& c, std::string_view name, const std::string& value) {
  auto number = [&](int64_t min, int64_t max, auto& out) -> core::Result<void> {
    auto v = ParseInt(name, value, min, max);
    if (!v) return v.error();
    out = static_cast<std::remove_reference_t<decltype(out)>>(*v);
    return {};
  };
  if (name == "port") return number(1, 65535, c.port);
  if (name == "bind") c.bind = value;
  else if (name == "data-dir") c.data_dir = value;
  else if (name == "demo") c.demo = value != "0" && value != "false";
  else if (name == "tls-cert") c.tls_cert = value;
  else if (name == "tls-key") c.tls_key = value;
  else if (name == "web-root") c.web_root = value;
  else if (name == "max-body") return number(1024, int64_t{1} << 30, c.max_body_bytes);
  else if (name == "threads") return number(1, 64, c.threads);
  else if (name == "session-ttl") return number(60, 30 * 24 * 3600, c.session_ttl_seconds);
  else if (name == "lockout") return number(1, 24 * 3600, c.lockout_seconds);
  else if (name == "audit-anchor-file") c.audit_anchor_file = value;
  else if (name == "help") c.help = true;
  else if (name == "version") c.version = true;
  return {};
}

}  // namespace

core::Result<Config> ParseConfig(const std::vector<std::string>& args, const EnvLookup& env) {
  Config c;
  for (const Flag& f : kFlags) {
    if (f.env.empty()) continue;
    if (auto v = env(std::string(f.env)); v && !v->empty()) {
      if (auto ok = Apply(c, f.name, *v); !ok) return ok.error();
    }
  }
  for (size_t i = 0; i < args.size(); ++i) {
    std::string_view arg = args[i];
    if (!arg.starts_with("--")) {
      return Error::Make("invalid_flag", "unexpected argument '" + args[i] + "' (see --help)");
    }
    arg.remove_prefix(2);
    std::string value;
    bool has_value = false;
    if (const size_t eq = arg.find('='); eq != std::string_view::npos) {
      value = std::string(arg.substr(eq + 1));
      arg = arg.substr(0, eq);
      has_value = true;
    }
    const Flag* flag = nullptr;
    for (const Flag& f : kFlags) {
      if (f.name == arg) flag = &f;
    }
    if (flag == nullptr) return Error::Make("invalid_flag", "unknown flag --" + std::string(arg) + " (see --help)");
    if (flag->value_name.empty()) {
      if (!has_value) value = "1";
    } else if (!has_value) {
      if (i + 1 >= args.size()) {
        return Error::Make("invalid_flag", "--" + std::string(arg) + " needs a value");
      }
      value = args[++i];
    }
    if (auto ok = Apply(c, flag->name, value); !ok) return ok.error();
  }
  if (c.tls_cert.empty() != c.tls_key.empty()) {
    return Error::Make("invalid_flag", "--tls-cert and --tls-key go together");
  }
  return c;
}

std::string HelpText() {
  std::string out =
      "aisled — the Aisle point-of-sale server: JSON API, sync and the web terminal.\n\n"
      "Usage: aisled [flags]\n\nFlags (each also read from the environment variable shown):\n";
  for (const Flag& f : kFlags) {
    std::string left = "  --" + std::string(f.name);
    if (!f.value_name.empty()) left += " " + std::string(f.value_name);
    if (left.size() < 26) left.resize(26, ' ');
    out += left + std::string(f.help);
    if (!f.env.empty()) out += "  [" + std::string(f.env) + "]";
    out += "\n";
  }
  out +=
      "\nExample: aisled --demo --bind 0.0.0.0 --port 8443 --tls-cert certs/server.crt "
      "--tls-key certs/server.key\n";
  return out;
}

}  // namespace aisle::server
