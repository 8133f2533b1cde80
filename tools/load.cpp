// `aisle load`: D simulated devices push sales (one header, three lines, one
// cash tender) to a running aisled over keep-alive HTTP connections, each
// waiting for its answer before the next push, for S seconds. Then, in the
// same run, the same rows are committed straight into a fresh SQLite file of
// the same schema and settings (WAL, synchronous=FULL) with the same batch
// size by one writer: the raw rate this machine's disk allows. Prints both
// and their ratio.
//
// With --live N it measures live nudges instead: N WebSocket clients on
// /api/v1/live, one sale pushed every 50 ms for S seconds, and for each
// nudge the time from the server sending it after the commit ("at_ms") to
// each client reading it (same machine, same clock).
#include "tools/load.h"

#include <algorithm>
#include <functional>
#include <memory>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <mutex>
#include <random>
#include <stdexcept>
#include <thread>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/websocket.hpp>
#include <nlohmann/json.hpp>

#include "server/store.h"

namespace aisle::tools {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using tcp = net::ip::tcp;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string host = "127.0.0.1";
  std::string port = "8080";
  int devices = 50;
  int seconds = 10;
  int batch = 1;
  std::string store = "SH01";
  std::string staff = "1001";
  std::string pin = "1111";
  std::string raw_dir;  // default: a temporary folder
  int live = 0;         // > 0: the nudge-latency test with this many WebSocket clients
};

// One keep-alive HTTP/1.1 connection.
class Connection {
 public:
  Connection(const std::string& host, const std::string& port) : socket_(ioc_) {
    tcp::resolver resolver(ioc_);
    net::connect(socket_, resolver.resolve(host, port));
  }
  json Request(http::verb verb, const std::string& target, const std::string& body, const std::string& token) {
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "aisle-load");
    if (!token.empty()) req.set(http::field::authorization, "Bearer " + token);
    req.set(http::field::content_type, "application/json");
    req.body() = body;
    req.keep_alive(true);
    req.prepare_payload();
    http::write(socket_, req);
    http::response_parser<http::string_body> parser;
    parser.body_limit(64 << 20);
    http::read(socket_, buffer_, parser);
    const int status = parser.get().result_int();
    if (status >= 300) throw std::runtime_error(target + ": HTTP " + std::to_string(status) + " " + parser.get().body());
    return json::parse(parser.get().body());
  }

 private:
  net::io_context ioc_;
  tcp::socket socket_;
  beast::flat_buffer buffer_;
};

struct Product {
  std::string sku;
  std::string barcode;
  int64_t price = 0;
};

// One sale: three lines of three products, paid in cash.
json SaleOp(const std::string& device, int64_t seq, const std::vector<Product>& products, std::mt19937_64& rng,
            const std::string& store) {
  json lines = json::array();
  int64_t total = 0;
  for (int l = 0; l < 3; ++l) {
    const Product& p = products[rng() % products.size()];
    lines.push_back({{"barcode", p.barcode}, {"qty", 1}, {"unit_price", p.price}});
    total += p.price;
  }
  const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                      std::chrono::system_clock::now().time_since_epoch()).count();
  char uuid[40];
  std::snprintf(uuid, sizeof uuid, "%08llx-%04llx-7%03llx-8%03llx-%012llx", static_cast<unsigned long long>(ms >> 16),
                static_cast<unsigned long long>(ms & 0xffff), static_cast<unsigned long long>(rng() & 0xfff),
                static_cast<unsigned long long>(rng() & 0xfff), static_cast<unsigned long long>(rng() & 0xffffffffffffULL));
  char hlc[32];
  std::snprintf(hlc, sizeof hlc, "%013lld-00000", static_cast<long long>(ms));
  return {{"op_id", uuid},
          {"type", "sale.completed"},
          {"store_id", store},
          {"device_id", device},
          {"device_seq", seq},
          {"device_time", server::IsoTime(ms / 1000)},
          {"hlc", hlc},
          {"payload",
           {{"sale_id", std::string("load-") + uuid},
            {"currency", "CNY"},
            {"lines", lines},
            {"tenders", {{{"type", "cash"}, {"amount", total}}}},
            {"total", total}}}};
}

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v[std::min(v.size() - 1, static_cast<size_t>(p * static_cast<double>(v.size())))];
}

// The rows aisled writes for one sale, straight into SQLite.
void WriteRawSale(server::Database& db, const json& op, int64_t now) {
  const json& sale = op["payload"];
  const std::string sale_id = sale["sale_id"];
  db.Prepare(
        "INSERT INTO ops (op_id, type, version, store_id, device_id, staff_code, device_seq, device_time, hlc, "
        "server_hlc, received_at, canonical, result) VALUES (?, ?, 1, ?, ?, '1001', ?, ?, ?, ?, ?, ?, ?)")
      .Bind(1, op["op_id"].get<std::string>()).Bind(2, op["type"].get<std::string>())
      .Bind(3, op["store_id"].get<std::string>()).Bind(4, op["device_id"].get<std::string>())
      .Bind(5, op["device_seq"].get<int64_t>()).Bind(6, op["device_time"].get<std::string>())
      .Bind(7, op["hlc"].get<std::string>()).Bind(8, op["hlc"].get<std::string>()).Bind(9, now)
      .Bind(10, op.dump()).Bind(11, std::string(R"({"status":"applied"})")).Run();
  db.Prepare(
        "INSERT INTO sales (sale_id, op_id, store_id, device_id, staff_code, currency, total, net, tax, tendered, "
        "change_due, server_total, device_time, received_at) VALUES (?, ?, ?, ?, '1001', 'CNY', ?, ?, ?, ?, 0, ?, ?, ?)")
      .Bind(1, sale_id).Bind(2, op["op_id"].get<std::string>()).Bind(3, op["store_id"].get<std::string>())
      .Bind(4, op["device_id"].get<std::string>()).Bind(5, sale["total"].get<int64_t>())
      .Bind(6, sale["total"].get<int64_t>()).Bind(7, int64_t{0}).Bind(8, sale["total"].get<int64_t>())
      .Bind(9, sale["total"].get<int64_t>()).Bind(10, op["device_time"].get<std::string>()).Bind(11, now).Run();
  int64_t line_no = 0;
  for (const json& l : sale["lines"]) {
    ++line_no;
    db.Prepare(
          "INSERT INTO sale_lines (sale_id, line_no, sku, barcode, qty, unit_price, tax_rate_bp, sold_by, gross, net, "
          "tax) VALUES (?, ?, ?, ?, ?, ?, 1300, 'unit', ?, ?, 0)")
        .Bind(1, sale_id).Bind(2, line_no).Bind(3, l["barcode"].get<std::string>())
        .Bind(4, l["barcode"].get<std::string>()).Bind(5, l["qty"].get<int64_t>())
        .Bind(6, l["unit_price"].get<int64_t>()).Bind(7, l["unit_price"].get<int64_t>())
        .Bind(8, l["unit_price"].get<int64_t>()).Run();
    db.Prepare(
          "INSERT INTO raw_stock (location_id, sku, qty_delta, reason, ref, created_at) VALUES (?, ?, ?, 'sale', ?, ?) "
          "ON CONFLICT (location_id, sku, reason, ref) DO UPDATE SET qty_delta = qty_delta + excluded.qty_delta")
        .Bind(1, op["store_id"].get<std::string>()).Bind(2, l["barcode"].get<std::string>())
        .Bind(3, -l["qty"].get<int64_t>()).Bind(4, sale_id).Bind(5, now).Run();
  }
  db.Prepare("INSERT INTO sale_tenders (sale_id, tender_no, type, amount) VALUES (?, 1, 'cash', ?)")
      .Bind(1, sale_id).Bind(2, sale["total"].get<int64_t>()).Run();
  db.Prepare("INSERT OR IGNORE INTO device_seqs (device_id, device_seq, op_id) VALUES (?, ?, ?)")
      .Bind(1, op["device_id"].get<std::string>()).Bind(2, op["device_seq"].get<int64_t>())
      .Bind(3, op["op_id"].get<std::string>()).Run();
}

// N live clients read nudges on one thread while sales are pushed; prints
// the latency from the nudge's send to each client's read.
int RunLive(const Options& o, const std::string& token, const std::vector<Product>& products) {
  namespace websocket = boost::beast::websocket;
  struct Client {
    explicit Client(net::io_context& ioc) : ws(ioc) {}
    websocket::stream<tcp::socket> ws;
    beast::flat_buffer buffer;
  };
  net::io_context ioc;
  std::vector<std::unique_ptr<Client>> clients;
  std::mutex mutex;
  std::vector<double> latencies;
  int64_t nudges = 0;
  Connection http_conn(o.host, o.port);
  tcp::resolver resolver(ioc);
  const auto endpoints = resolver.resolve(o.host, o.port);
  for (int i = 0; i < o.live; ++i) {
    const json ticket = http_conn.Request(http::verb::post, "/api/v1/live/tickets", "", token);
    auto c = std::make_unique<Client>(ioc);
    net::connect(c->ws.next_layer(), endpoints);
    c->ws.handshake(o.host, "/api/v1/live?ticket=" + ticket["ticket"].get<std::string>());
    clients.push_back(std::move(c));
  }
  std::function<void(Client*)> read = [&](Client* c) {
    c->ws.async_read(c->buffer, [&, c](beast::error_code ec, size_t) {
      if (ec) return;
      const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                              std::chrono::system_clock::now().time_since_epoch()).count();
      const json m = json::parse(beast::buffers_to_string(c->buffer.data()), nullptr, false);
      c->buffer.consume(c->buffer.size());
      if (m.is_object() && m.value("type", "") == "moved" && m.contains("at_ms")) {
        std::lock_guard lock(mutex);
        latencies.push_back(static_cast<double>(now_ms - m["at_ms"].get<int64_t>()));
        ++nudges;
      }
      read(c);
    });
  };
  for (auto& c : clients) read(c.get());
  std::thread reader([&] { ioc.run(); });
  std::cout << "aisle load --live: " << o.live << " WebSocket clients connected; one sale every 50 ms for "
            << o.seconds << " s" << std::endl;
  std::mt19937_64 rng(5);
  int64_t pushes = 0;
  const auto stop_at = Clock::now() + std::chrono::seconds(o.seconds);
  while (Clock::now() < stop_at) {
    json batch = json::array({SaleOp("live-load-device", ++pushes, products, rng, o.store)});
    http_conn.Request(http::verb::post, "/api/v1/sync/push", json{{"ops", batch}}.dump(), token);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  std::this_thread::sleep_for(std::chrono::seconds(1));  // the last nudges in flight
  for (auto& c : clients) {
    beast::error_code ec;
    c->ws.next_layer().shutdown(tcp::socket::shutdown_both, ec);
  }
  ioc.stop();
  reader.join();
  std::lock_guard lock(mutex);
  std::printf("nudges:     %lld of %lld expected (%lld pushes x %d clients); latency send -> read p50 %.1f ms, "
              "p99 %.1f ms, max %.1f ms\n",
              static_cast<long long>(nudges), static_cast<long long>(pushes) * o.live, static_cast<long long>(pushes),
              o.live, Percentile(latencies, 0.5), Percentile(latencies, 0.99), Percentile(latencies, 1.0));
  return nudges > 0 ? 0 : 1;
}

int Usage(const std::string& message) {
  std::cerr << "aisle load: " << message << "\n"
            << "Usage: aisle load [--url http://127.0.0.1:8080] [--devices 50] [--seconds 10] [--batch 1]\n"
            << "                  [--store SH01 --staff 1001 --pin 1111] [--raw-dir DIR]\n"
            << "       aisle load --live 500 [--url ...] [--seconds 10]   (nudge latency to N WebSocket clients)\n";
  return 2;
}

}  // namespace

int Load(const std::vector<std::string>& args) {
  Options o;
  for (size_t i = 0; i < args.size(); i += 2) {
    if (i + 1 >= args.size()) return Usage("missing value for " + args[i]);
    const std::string& flag = args[i];
    const std::string& value = args[i + 1];
    try {
      if (flag == "--url") {
        const std::string prefix = "http://";
        if (!value.starts_with(prefix)) return Usage("--url must start with http://");
        const std::string rest = value.substr(prefix.size());
        const size_t colon = rest.find(':');
        o.host = rest.substr(0, colon);
        o.port = colon == std::string::npos ? "80" : rest.substr(colon + 1);
        while (!o.port.empty() && o.port.back() == '/') o.port.pop_back();
      } else if (flag == "--devices") {
        o.devices = std::stoi(value);
      } else if (flag == "--seconds") {
        o.seconds = std::stoi(value);
      } else if (flag == "--batch") {
        o.batch = std::stoi(value);
      } else if (flag == "--store") {
        o.store = value;
      } else if (flag == "--staff") {
        o.staff = value;
      } else if (flag == "--pin") {
        o.pin = value;
      } else if (flag == "--raw-dir") {
        o.raw_dir = value;
      } else if (flag == "--live") {
        o.live = std::stoi(value);
      } else {
        return Usage("unknown flag " + flag);
      }
    } catch (const std::exception&) {
      return Usage(flag + " needs a number");
    }
  }
  if (o.devices < 1 || o.devices > 1000 || o.seconds < 1 || o.batch < 1 || o.batch > 500 || o.live < 0 ||
      o.live > 5000) {
    return Usage("--devices 1..1000, --seconds 1.., --batch 1..500, --live 0..5000");
  }

  // Sign in once; every simulated device pushes with that session.
  Connection setup(o.host, o.port);
  const json session = setup.Request(
      http::verb::post, "/api/v1/sessions",
      json{{"store_id", o.store}, {"device_id", "demo-device-1"}, {"staff_code", o.staff}, {"pin", o.pin}}.dump(), "");
  const std::string token = session["token"];
  std::vector<Product> products;
  const json feed = setup.Request(http::verb::get, "/api/v1/sync/pull?since=0&scope=catalog&limit=1000", "", token);
  for (const json& c : feed["changes"]) {
    const json& p = c["product"];
    if (p.is_object() && p["sold_by"] == "unit") products.push_back({p["sku"], p["barcode"], p["price"]});
  }
  if (products.empty()) throw std::runtime_error("the catalog has no unit products to sell");
  if (o.live > 0) return RunLive(o, token, products);
  std::cout << "aisle load: " << o.devices << " devices, " << o.batch << " sale(s) per push, " << o.seconds
            << " s against http://" << o.host << ":" << o.port << std::endl;

  const std::string run = std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
  std::atomic<int64_t> sales{0};
  std::atomic<int64_t> errors{0};
  std::mutex latency_mutex;
  std::vector<double> latencies;
  const auto start = Clock::now();
  const auto stop_at = start + std::chrono::seconds(o.seconds);
  std::vector<std::thread> devices;
  for (int d = 0; d < o.devices; ++d) {
    devices.emplace_back([&, d] {
      std::mt19937_64 rng(static_cast<uint64_t>(d) * 7919 + 1);
      const std::string device = "load-" + run + "-" + std::to_string(d);
      std::vector<double> mine;
      int64_t seq = 0;
      try {
        Connection c(o.host, o.port);
        while (Clock::now() < stop_at) {
          json batch = json::array();
          for (int i = 0; i < o.batch; ++i) batch.push_back(SaleOp(device, ++seq, products, rng, o.store));
          const auto t0 = Clock::now();
          const json answer = c.Request(http::verb::post, "/api/v1/sync/push", json{{"ops", batch}}.dump(), token);
          mine.push_back(std::chrono::duration<double, std::milli>(Clock::now() - t0).count());
          for (const json& r : answer["results"]) {  // stored with an exception (stock sold past zero) counts
            (r["status"] == "applied" || r["status"] == "accepted_with_exception" ? sales : errors) += 1;
          }
        }
      } catch (const std::exception& e) {
        ++errors;
        std::cerr << "device " << d << ": " << e.what() << "\n";
      }
      std::lock_guard lock(latency_mutex);
      latencies.insert(latencies.end(), mine.begin(), mine.end());
    });
  }
  for (std::thread& t : devices) t.join();
  const double elapsed = std::chrono::duration<double>(Clock::now() - start).count();
  const double served = static_cast<double>(sales.load()) / elapsed;
  std::printf("aisled:     %lld sales in %.1f s = %.0f sales/s; push p50 %.1f ms, p99 %.1f ms; %lld not applied\n",
              static_cast<long long>(sales.load()), elapsed, served, Percentile(latencies, 0.5),
              Percentile(latencies, 0.99), static_cast<long long>(errors.load()));

  // The same rows, the same batch size, straight into SQLite: one writer.
  // A fresh folder of its own (inside --raw-dir: put it on the disk aisled's data is on), removed after.
  const std::filesystem::path raw_dir =
      (o.raw_dir.empty() ? std::filesystem::temp_directory_path() : std::filesystem::path(o.raw_dir)) /
      ("aisle-load-raw-" + run);
  std::filesystem::create_directories(raw_dir);
  const auto raw_path = raw_dir / "raw.db";
  int64_t raw_sales = 0;
  double raw_elapsed = 0;
  {
    server::Store raw(raw_path.string());  // the same schema and settings as aisled's
    raw.WithTransaction([](server::Database& db) {
      db.Exec("CREATE TABLE raw_stock (location_id TEXT, sku TEXT, qty_delta INTEGER, reason TEXT, ref TEXT, "
              "created_at INTEGER, UNIQUE (location_id, sku, reason, ref))");
    });
    std::mt19937_64 rng(99);
    const auto raw_start = Clock::now();
    const auto raw_stop = raw_start + std::chrono::seconds(std::max(2, o.seconds / 2));
    int64_t seq = 0;
    while (Clock::now() < raw_stop) {
      raw.WithTransaction([&](server::Database& db) {
        for (int i = 0; i < o.batch; ++i) WriteRawSale(db, SaleOp("raw-device", ++seq, products, rng, o.store), 0);
      });
      raw_sales += o.batch;
    }
    raw_elapsed = std::chrono::duration<double>(Clock::now() - raw_start).count();
  }
  std::filesystem::remove_all(raw_dir);
  const double raw_rate = static_cast<double>(raw_sales) / raw_elapsed;
  std::printf("raw SQLite: %lld sales in %.1f s = %.0f sales/s (same rows, %d per commit, WAL, synchronous=FULL)\n",
              static_cast<long long>(raw_sales), raw_elapsed, raw_rate, o.batch);
  std::printf("ratio:      %.0f %% of raw\n", 100.0 * served / raw_rate);
  return errors.load() == 0 ? 0 : 1;
}

}  // namespace aisle::tools
