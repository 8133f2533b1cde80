// Test helpers: run aisled as a real child process on a loopback port with
// its own temporary data folder, and talk HTTP/1.1 to it with Beast.
#ifndef AISLE_TESTS_SERVER_AISLED_PROCESS_H_
#define AISLE_TESTS_SERVER_AISLED_PROCESS_H_

#include <sys/types.h>

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace aisle::testing {

struct HttpResult {
  int status = 0;
  std::string body;
  std::map<std::string, std::string> headers;
  nlohmann::json Json() const { return nlohmann::json::parse(body, nullptr, false); }
};

// One HTTP request over a fresh loopback connection; `headers` are added as given.
HttpResult Http(uint16_t port, const std::string& method, const std::string& target,
                const std::string& body = "", const std::string& token = "",
                const std::map<std::string, std::string>& headers = {});

// Runs a command line through /bin/sh with `input` on its stdin; the exit
// code and what it wrote to stdout and stderr together.
struct ToolResult {
  int exit_code = -1;
  std::string output;
};
ToolResult RunCommand(const std::string& command, const std::string& input = "");

// SQL on <data_dir>/aisle.db itself (not through the API), read-only: the
// first column of the first row as an integer (-1 when there is none), or
// every row's first column as text and second as an integer.
int64_t SqlCount(const std::string& data_dir, const std::string& sql);
std::vector<std::pair<std::string, int64_t>> SqlRows(const std::string& data_dir, const std::string& sql);

// Signs staff in on a --demo aisled (which registers the device on first
// sign-in) and returns the session token ("" and a test failure otherwise).
std::string SignInToken(uint16_t port, const std::string& store, const std::string& staff, const std::string& pin,
                        const std::string& device);

// A UUID-shaped op id numbered n ("0190a1b2-c3d4-7e5f-8a9b-00000000002a").
std::string Uuid(uint64_t n);

// A free TCP port on 127.0.0.1 (bound to port 0 and released).
uint16_t FreePort();
std::string MakeTempDir();

class AisledProcess {
 public:
  // Starts aisled (--demo unless demo is false) on a free port with `extra`
  // flags and waits for /healthz.
  AisledProcess(const std::string& data_dir, const std::vector<std::string>& extra = {}, bool demo = true);
  ~AisledProcess();

  uint16_t port() const { return port_; }
  pid_t pid() const { return pid_; }
  const std::string& log_path() const { return log_path_; }
  std::string Log() const;
  // Sends a signal and waits for exit; returns the exit status (or -signal).
  int Stop(int signal);

 private:
  uint16_t port_ = 0;
  pid_t pid_ = -1;
  std::string log_path_;
};

}  // namespace aisle::testing

#endif  // AISLE_TESTS_SERVER_AISLED_PROCESS_H_
