// docs/printing.md end to end on loopback: a real TCP listener on 127.0.0.1
// plays the store's receipt printer, `aisle printer add` registers it beside
// a running aisled, and POST /api/v1/print must deliver exactly the ESC/POS
// bytes the terminal sent. Also: the answer when the printer is unreachable,
// a printer of another store, bad data, the printers list per store, `aisle
// printer list|remove`, and that the document never reaches aisled's log.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <future>
#include <thread>

#include "core/base64.h"
#include "core/escpos.h"
#include "tests/server/aisled_process.h"

namespace aisle::testing {
namespace {

using nlohmann::json;

const std::string kAisle = AISLE_PATH;

// A receipt printer as aisled sees one: accepts a connection on 127.0.0.1 and
// keeps everything written until the other side closes.
class LoopbackPrinter {
 public:
  LoopbackPrinter() {
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd_, 4) != 0 ||
        ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      throw std::runtime_error("cannot listen on 127.0.0.1");
    }
    port_ = ntohs(addr.sin_port);
  }
  ~LoopbackPrinter() { ::close(fd_); }
  uint16_t port() const { return port_; }

  // The bytes of the next job (one connection, read to its end), on a thread.
  std::future<std::string> NextJob() {
    return std::async(std::launch::async, [fd = fd_] {
      const int conn = ::accept(fd, nullptr, nullptr);
      std::string job;
      char buffer[4096];
      for (ssize_t n; conn >= 0 && (n = ::read(conn, buffer, sizeof buffer)) > 0;) job.append(buffer, static_cast<size_t>(n));
      if (conn >= 0) ::close(conn);
      return job;
    });
  }

 private:
  int fd_ = -1;
  uint16_t port_ = 0;
};

json AddPrinter(const std::string& dir, const std::string& store, const std::string& name, uint16_t port) {
  const ToolResult r = RunCommand(kAisle + " printer add --data-dir " + dir + " --store " + store + " --name '" + name +
                                  "' --host 127.0.0.1 --port " + std::to_string(port) + " --columns 32");
  EXPECT_EQ(r.exit_code, 0) << r.output;
  const size_t brace = r.output.find('{');
  return brace == std::string::npos ? json() : json::parse(r.output.substr(brace), nullptr, false);
}

class PrintTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir();
    server_ = std::make_unique<AisledProcess>(dir_);
  }
  void TearDown() override {
    if (HasFailure() && server_) std::cerr << "--- aisled log ---\n" << server_->Log();
    server_.reset();
    std::filesystem::remove_all(dir_);
  }
  std::string SignIn(const std::string& store, const std::string& staff, const std::string& pin,
                     const std::string& device) {
    return SignInToken(server_->port(), store, staff, pin, device);
  }
  HttpResult Print(const std::string& token, const std::string& printer_id, const std::string& data) {
    return Http(server_->port(), "POST", "/api/v1/print", json{{"printer_id", printer_id}, {"data", data}}.dump(), token);
  }

  std::string dir_;
  std::unique_ptr<AisledProcess> server_;
};

TEST_F(PrintTest, BytesArriveExactlyAtTheStoresPrinterAndFailuresAreClear) {
  LoopbackPrinter printer;
  const json counter = AddPrinter(dir_, "SH01", "Counter 1", printer.port());
  ASSERT_TRUE(counter.contains("printer_id")) << counter;
  EXPECT_EQ(counter["columns"], 32);
  EXPECT_EQ(counter["encoding"], "gb18030");
  const uint16_t dead_port = FreePort();  // nothing listens there
  const json dead = AddPrinter(dir_, "SH01", "Back room", dead_port);
  const json beijing = AddPrinter(dir_, "BJ01", "北京 收银台", printer.port());

  const std::string sh = SignIn("SH01", "1001", "1111", "demo-device-1");
  const std::string bj = SignIn("BJ01", "1101", "1111", "bj-device-1");

  // Each store sees its own printers only.
  const json sh_list = Http(server_->port(), "GET", "/api/v1/printers", "", sh).Json();
  ASSERT_EQ(sh_list["printers"].size(), 2u) << sh_list;
  EXPECT_EQ(sh_list["printers"][0]["name"], "Back room");
  EXPECT_EQ(sh_list["printers"][1]["port"], printer.port());
  const json bj_list = Http(server_->port(), "GET", "/api/v1/printers", "", bj).Json();
  ASSERT_EQ(bj_list["printers"].size(), 1u) << bj_list;
  EXPECT_EQ(bj_list["printers"][0]["printer_id"], beijing["printer_id"]);

  // An X report as the terminal makes it: core's bytes, base64 over HTTP, the same bytes at the printer.
  auto doc = core::ParsePrintDocument(json::parse(
      R"({"columns":32,"encoding":"gb18030","lines":[{"type":"text","text":"X 报表 SECRET-REPORT-TEXT","align":"center"},)"
      R"({"type":"row","left":"现金","right":"¥694.00"},{"type":"cut"}]})"));
  ASSERT_TRUE(doc);
  const std::string bytes = core::EncodeEscPos(*doc);
  auto job = printer.NextJob();
  const HttpResult printed = Print(sh, counter["printer_id"], core::Base64Encode(bytes));
  ASSERT_EQ(printed.status, 200) << printed.body;
  EXPECT_EQ(printed.Json()["bytes"], bytes.size());
  ASSERT_EQ(job.wait_for(std::chrono::seconds(10)), std::future_status::ready);
  EXPECT_EQ(job.get(), bytes);

  // Nobody listening: 502 with a clear code, quickly.
  const auto started = std::chrono::steady_clock::now();
  const HttpResult unreachable = Print(sh, dead["printer_id"], core::Base64Encode(bytes));
  EXPECT_EQ(unreachable.status, 502) << unreachable.body;
  EXPECT_EQ(unreachable.Json()["error"]["code"], "printer_unreachable");
  EXPECT_NE(unreachable.Json()["error"]["message"].get<std::string>().find("127.0.0.1:" + std::to_string(dead_port)),
            std::string::npos);
  EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(5));

  // Another store's printer: refused before anything is sent.
  const HttpResult other = Print(sh, beijing["printer_id"], core::Base64Encode(bytes));
  EXPECT_EQ(other.status, 403) << other.body;
  EXPECT_EQ(other.Json()["error"]["code"], "printer_other_store");
  EXPECT_EQ(Print(sh, "prn-nosuch", core::Base64Encode(bytes)).Json()["error"]["code"], "printer_not_found");

  // Bad input names the field.
  const HttpResult bad = Print(sh, counter["printer_id"], "not base64!");
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.Json()["error"]["field"], "data");
  EXPECT_EQ(Print(sh, counter["printer_id"], "").Json()["error"]["code"], "invalid_data");
  EXPECT_EQ(Http(server_->port(), "POST", "/api/v1/print", "{}", sh).Json()["error"]["field"], "printer_id");
  EXPECT_EQ(Http(server_->port(), "POST", "/api/v1/print", "{}").status, 401);  // signed-in staff only

  // The document never reaches the log, in text or in base64.
  const std::string log = server_->Log();
  EXPECT_EQ(log.find("SECRET-REPORT-TEXT"), std::string::npos);
  EXPECT_EQ(log.find(core::Base64Encode(bytes).substr(0, 24)), std::string::npos);

  // The command line lists and removes; adding and removing are audited.
  const ToolResult listed = RunCommand(kAisle + " printer list --data-dir " + dir_ + " --store SH01");
  EXPECT_EQ(listed.exit_code, 0);
  EXPECT_NE(listed.output.find("127.0.0.1:" + std::to_string(printer.port()) + "\t32 columns\tgb18030\tCounter 1"),
            std::string::npos)
      << listed.output;
  EXPECT_EQ(RunCommand(kAisle + " printer remove --data-dir " + dir_ + " --printer " + dead["printer_id"].get<std::string>())
                .exit_code,
            0);
  EXPECT_EQ(Print(sh, dead["printer_id"], core::Base64Encode(bytes)).status, 404);
  EXPECT_EQ(SqlCount(dir_, "SELECT count(*) FROM audit_log WHERE action IN ('printer.added', 'printer.removed')"), 4);
  // Bad printers are refused by the command line with the reason.
  const ToolResult refused = RunCommand(kAisle + " printer add --data-dir " + dir_ +
                                        " --store SH01 --name X --host 'bad host' --port 9100");
  EXPECT_EQ(refused.exit_code, 1);
  EXPECT_NE(refused.output.find("invalid_host"), std::string::npos) << refused.output;
}

}  // namespace
}  // namespace aisle::testing
