#include <utility>

#include "tests/server/aisled_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <sqlite3.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <gtest/gtest.h>

namespace aisle::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;

HttpResult Http(uint16_t port, const std::string& method, const std::string& target, const std::string& body,
                const std::string& token, const std::map<std::string, std::string>& headers) {
  net::io_context ioc;
  tcp::socket socket(ioc);
  socket.connect(tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  http::request<http::string_body> req{http::string_to_verb(method), target, 11};
  req.set(http::field::host, "127.0.0.1");
  if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
  for (const auto& [name, value] : headers) req.set(name, value);
  if (!body.empty() || method == "POST") {
    req.set(http::field::content_type, "application/json");
    req.body() = body;
  }
  req.keep_alive(false);
  req.prepare_payload();
  http::write(socket, req);
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(64 * 1024 * 1024);
  http::read(socket, buffer, parser);
  HttpResult out;
  out.status = parser.get().result_int();
  out.body = parser.get().body();
  for (const auto& field : parser.get()) out.headers[std::string(field.name_string())] = std::string(field.value());
  beast::error_code ec;
  socket.shutdown(tcp::socket::shutdown_both, ec);
  return out;
}

namespace {

// Runs `sql` read-only on <data_dir>/aisle.db and calls row(stmt) for each row.
template <class F>
void EachRow(const std::string& data_dir, const std::string& sql, F&& row) {
  sqlite3* db = nullptr;
  sqlite3_open_v2((data_dir + "/aisle.db").c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* stmt = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &stmt, nullptr) == SQLITE_OK) {
    while (sqlite3_step(stmt) == SQLITE_ROW && row(stmt)) {
    }
  }
  sqlite3_finalize(stmt);
  sqlite3_close(db);
}

}  // namespace

int64_t SqlCount(const std::string& data_dir, const std::string& sql) {
  int64_t out = -1;
  EachRow(data_dir, sql, [&](sqlite3_stmt* stmt) {
    out = sqlite3_column_int64(stmt, 0);
    return false;  // the first row only
  });
  return out;
}

std::vector<std::pair<std::string, int64_t>> SqlRows(const std::string& data_dir, const std::string& sql) {
  std::vector<std::pair<std::string, int64_t>> out;
  EachRow(data_dir, sql, [&](sqlite3_stmt* stmt) {
    const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0));
    out.emplace_back(text ? text : "", sqlite3_column_count(stmt) > 1 ? sqlite3_column_int64(stmt, 1) : 0);
    return true;
  });
  return out;
}

std::string SignInToken(uint16_t port, const std::string& store, const std::string& staff, const std::string& pin,
                        const std::string& device) {
  const HttpResult r = Http(port, "POST", "/api/v1/sessions",
                            nlohmann::json{{"store_id", store}, {"device_id", device}, {"staff_code", staff}, {"pin", pin}}.dump());
  EXPECT_EQ(r.status, 201) << r.body;
  return r.Json().value("token", "");
}

std::string Uuid(uint64_t n) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "0190a1b2-c3d4-7e5f-8a9b-%012llx", static_cast<unsigned long long>(n));
  return buf;
}

uint16_t FreePort() {
  net::io_context ioc;
  tcp::acceptor acceptor(ioc, tcp::endpoint(net::ip::make_address("127.0.0.1"), 0));
  return acceptor.local_endpoint().port();
}

std::string MakeTempDir() {
  std::string pattern = "/tmp/aisle-test-XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  return pattern;
}

ToolResult RunCommand(const std::string& command, const std::string& input) {
  char pattern[] = "/tmp/aisle-cmd-XXXXXX";
  const int fd = mkstemp(pattern);
  if (fd < 0) throw std::runtime_error("mkstemp failed");
  ::close(fd);
  const std::string in_path = std::string(pattern) + ".in";
  std::ofstream(in_path) << input;
  ToolResult out;
  const int status = std::system((command + " < " + in_path + " > " + pattern + " 2>&1").c_str());
  out.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream result(pattern);
  out.output.assign(std::istreambuf_iterator<char>(result), {});
  std::remove(pattern);
  std::remove(in_path.c_str());
  return out;
}

AisledProcess::AisledProcess(const std::string& data_dir, const std::vector<std::string>& extra, bool demo) {
  port_ = FreePort();
  log_path_ = data_dir + "/aisled.log";
  std::vector<std::string> args = {AISLED_PATH, "--data-dir", data_dir, "--bind", "127.0.0.1",
                                   "--port", std::to_string(port_)};
  if (demo) args.push_back("--demo");
  args.insert(args.end(), extra.begin(), extra.end());
  pid_ = fork();
  if (pid_ == 0) {
    const int fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    dup2(fd, 1);
    dup2(fd, 2);
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("aisled exited during start:\n" + Log());
    }
    try {
      if (Http(port_, "GET", "/healthz").status == 200) return;
    } catch (const std::exception&) {
      // not listening yet
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error("aisled did not answer /healthz within 60 s:\n" + Log());
}

AisledProcess::~AisledProcess() {
  if (pid_ > 0) Stop(SIGKILL);
}

std::string AisledProcess::Log() const {
  std::ifstream in(log_path_);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

int AisledProcess::Stop(int signal) {
  if (pid_ <= 0) return -1;
  kill(pid_, signal);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return -WTERMSIG(status);
}

}  // namespace aisle::testing
