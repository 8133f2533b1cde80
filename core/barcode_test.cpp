#include "core/barcode.h"

#include <gtest/gtest.h>

namespace aisle::core {
namespace {

struct Case {
  const char* input;
  const char* want_gtin;  // nullptr: expect error
  const char* want_error;
};

TEST(Barcode, Table) {
  const Case cases[] = {
      {"6901234567892", "6901234567892", nullptr},
      {"4006381333931", "4006381333931", nullptr},
      {" 4006381333931\r\n", "4006381333931", nullptr},  // keyboard wedge suffix
      {"036000291452", "0036000291452", nullptr},        // UPC-A -> EAN-13
      {"96385074", "96385074", nullptr},                 // EAN-8
      {"6901234567893", nullptr, "barcode_bad_check_digit"},
      {"96385075", nullptr, "barcode_bad_check_digit"},
      {"036000291453", nullptr, "barcode_bad_check_digit"},
      {"690123456789", nullptr, "barcode_bad_check_digit"},
      {"12345", nullptr, "barcode_invalid_length"},
      {"69012345678921", nullptr, "barcode_invalid_length"},
      {"69012345678a2", nullptr, "barcode_not_numeric"},
      {"-901234567892", nullptr, "barcode_not_numeric"},
      {"   ", nullptr, "barcode_empty"},
  };
  for (const Case& c : cases) {
    auto got = NormalizeBarcode(c.input);
    if (c.want_gtin != nullptr) {
      ASSERT_TRUE(got) << c.input << ": " << got.error().message;
      EXPECT_EQ(got->gtin, c.want_gtin);
    } else {
      ASSERT_FALSE(got) << c.input;
      EXPECT_EQ(got.error().code, c.want_error) << c.input;
      EXPECT_EQ(got.error().field, "barcode");
    }
  }
}

TEST(Barcode, Symbology) {
  EXPECT_EQ(NormalizeBarcode("036000291452")->symbology, Symbology::kUpcA);
  EXPECT_EQ(SymbologyName(NormalizeBarcode("96385074")->symbology), "EAN-8");
  EXPECT_EQ(GS1CheckDigit("690123456789"), 2);
}

}  // namespace
}  // namespace aisle::core
