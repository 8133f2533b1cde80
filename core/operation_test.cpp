#include "core/operation.h"

#include <gtest/gtest.h>

#include <functional>

namespace aisle::core {
namespace {

Json SaleOp() {
  return Json::parse(R"({"op_id":"0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b","type":"sale.completed",
    "store_id":"SH01","device_id":"demo-device-1","device_seq":7,"device_time":"2026-11-24T10:00:00Z",
    "hlc":"1795000000000-00002","payload":{"sale_id":"s-1","currency":"CNY",
      "lines":[{"barcode":"6901234567892","qty":2,"unit_price":1999}],
      "tenders":[{"type":"cash","amount":5000}],"total":3998},"future_field":{"x":1}})");
}

TEST(Operation, ParsesEnvelopeAndCanonicalForm) {
  auto op = ParseOperation(SaleOp());
  ASSERT_TRUE(op) << op.error().message;
  EXPECT_EQ(op->type, kSaleCompleted);
  EXPECT_EQ(op->store_id, "SH01");
  EXPECT_EQ(op->canonical.find(' '), std::string::npos);
  EXPECT_LT(op->canonical.find("\"device_id\""), op->canonical.find("\"op_id\""));  // sorted
  EXPECT_EQ(op->version, 1);
  EXPECT_EQ(op->device_seq, 7);
  EXPECT_EQ(op->hlc, (Hlc{1'795'000'000'000, 2}));
  EXPECT_EQ(op->staff_id, "");
  EXPECT_TRUE(op->depends_on.empty());
}

TEST(Operation, OptionalEnvelopeFields) {
  Json raw = SaleOp();
  raw["version"] = 2;
  raw["staff_id"] = "1001";
  raw["depends_on"] = {"0190a1b2-c3d4-7e5f-8a9b-000000000001"};
  auto op = ParseOperation(raw);
  ASSERT_TRUE(op) << op.error().message;
  EXPECT_EQ(op->version, 2);
  EXPECT_EQ(op->staff_id, "1001");
  EXPECT_EQ(op->depends_on, std::vector<std::string>{"0190a1b2-c3d4-7e5f-8a9b-000000000001"});
}

TEST(Operation, SyncFieldErrors) {
  const std::vector<std::pair<std::function<void(Json&)>, std::pair<std::string, std::string>>> cases = {
      {[](Json& o) { o.erase("device_seq"); }, {"missing_field", "device_seq"}},
      {[](Json& o) { o["device_seq"] = 0; }, {"invalid_device_seq", "device_seq"}},
      {[](Json& o) { o["device_seq"] = kMaxDeviceSeq + 1; }, {"invalid_device_seq", "device_seq"}},
      {[](Json& o) { o["device_seq"] = "3"; }, {"invalid_type", "device_seq"}},
      {[](Json& o) { o.erase("hlc"); }, {"missing_field", "hlc"}},
      {[](Json& o) { o["hlc"] = "yesterday"; }, {"invalid_hlc", "hlc"}},
      {[](Json& o) { o["version"] = 0; }, {"invalid_version", "version"}},
      {[](Json& o) { o["staff_id"] = ""; }, {"invalid_id", "staff_id"}},
      {[](Json& o) { o["depends_on"] = {"nope"}; }, {"invalid_op_id", "depends_on[0]"}},
      {[](Json& o) { o["depends_on"] = {o["op_id"]}; }, {"invalid_dependency", "depends_on[0]"}},
      {[](Json& o) { o["depends_on"] = "0190a1b2-c3d4-7e5f-8a9b-000000000001"; }, {"invalid_type", "depends_on"}},
  };
  for (const auto& [change, expected] : cases) {
    Json raw = SaleOp();
    change(raw);
    auto op = ParseOperation(raw);
    ASSERT_FALSE(op) << raw.dump();
    EXPECT_EQ(op.error().code, expected.first) << raw.dump();
    EXPECT_EQ(op.error().field, expected.second) << raw.dump();
  }
}

TEST(Operation, EnvelopeErrors) {
  Json op = SaleOp();
  op["op_id"] = "not-a-uuid";
  EXPECT_EQ(ParseOperation(op).error().code, "invalid_op_id");
  op = SaleOp();
  op["store_id"] = 7;
  EXPECT_EQ(ParseOperation(op).error().field, "store_id");
  op = SaleOp();
  op.erase("payload");
  EXPECT_EQ(ParseOperation(op).error().code, "missing_field");
  EXPECT_EQ(ParseOperation(Json::array()).error().code, "invalid_type");
}

TEST(SalePayload, ChangeAndTenders) {
  auto sale = ParseSalePayload(SaleOp()["payload"]);
  ASSERT_TRUE(sale) << sale.error().message;
  EXPECT_EQ(sale->total, 3998);
  EXPECT_EQ(sale->change, 1002);
  EXPECT_EQ(sale->lines[0].barcode, "6901234567892");
}

TEST(SalePayload, Errors) {
  struct Case {
    const char* pointer;
    Json value;
    const char* code;
    const char* field;
  };
  const Case cases[] = {
      {"/lines/0/qty", -1, "invalid_quantity", "payload.lines[0].qty"},
      {"/lines/0/qty", "2", "invalid_type", "payload.lines[0].qty"},
      {"/lines/0/qty", 1.5, "invalid_type", "payload.lines[0].qty"},
      {"/lines/0/barcode", "6901234567893", "barcode_bad_check_digit", "payload.lines[0].barcode"},
      {"/lines", Json::array(), "empty_sale", "payload.lines"},
      {"/tenders/0/amount", 1000, "tender_insufficient", "payload.tenders"},
      {"/tenders/0/type", "card", "non_cash_overpayment", "payload.tenders"},
      {"/tenders/0/type", "bitcoin", "unknown_tender_type", "payload.tenders[0].type"},
      {"/currency", "XXX", "unknown_currency", "payload.currency"},
      {"/total", -1, "invalid_amount", "payload.total"},
      {"/sale_id", "", "invalid_id", "payload.sale_id"},
  };
  for (const Case& c : cases) {
    Json payload = SaleOp()["payload"];
    payload[Json::json_pointer(c.pointer)] = c.value;
    auto sale = ParseSalePayload(payload);
    ASSERT_FALSE(sale) << c.pointer;
    EXPECT_EQ(sale.error().code, c.code) << c.pointer;
    EXPECT_EQ(sale.error().field, c.field) << c.pointer;
  }
}

TEST(FeedbackPayload, ParsesAndChecks) {
  auto ok = ParseFeedbackPayload(Json::parse(R"({"sale_id":"s-1","rating":5,"comment":"很好"})"));
  ASSERT_TRUE(ok) << ok.error().message;
  EXPECT_EQ(ok->rating, 5);
  EXPECT_EQ(ok->comment, "很好");
  EXPECT_EQ(ParseFeedbackPayload(Json::parse(R"({"sale_id":"s-1","rating":6})")).error().code, "invalid_rating");
  EXPECT_EQ(ParseFeedbackPayload(Json::parse(R"({"rating":3})")).error().field, "payload.sale_id");
  Json long_comment = {{"sale_id", "s-1"}, {"rating", 3}, {"comment", std::string(501, 'x')}};
  EXPECT_EQ(ParseFeedbackPayload(long_comment).error().code, "comment_too_long");
}

TEST(Uuid, Shape) {
  EXPECT_TRUE(IsUuid("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b"));
  EXPECT_FALSE(IsUuid("0190a1b2c3d47e5f8a9b0c1d2e3f4a5b"));
  EXPECT_FALSE(IsUuid("0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5g"));
}

}  // namespace
}  // namespace aisle::core
