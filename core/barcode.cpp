#include "core/barcode.h"

namespace aisle::core {
namespace {

bool IsTrimmed(char c) {
  return c == ' ' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f;
}

}  // namespace

std::string_view SymbologyName(Symbology s) {
  switch (s) {
    case Symbology::kEan13: return "EAN-13";
    case Symbology::kEan8: return "EAN-8";
    case Symbology::kUpcA: return "UPC-A";
  }
  return "EAN-13";
}

int GS1CheckDigit(std::string_view digits) {
  // Weights 3,1,3,1... from the rightmost digit of the payload.
  int sum = 0;
  int weight = 3;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    sum += (*it - '0') * weight;
    weight = 4 - weight;
  }
  return (10 - sum % 10) % 10;
}

Result<Barcode> NormalizeBarcode(std::string_view input) {
  size_t begin = 0;
  size_t end = input.size();
  while (begin < end && IsTrimmed(input[begin])) ++begin;
  while (end > begin && IsTrimmed(input[end - 1])) --end;
  const std::string_view code = input.substr(begin, end - begin);
  if (code.empty()) return Error::Make("barcode_empty", "no barcode given", "barcode");
  for (char c : code) {
    if (c < '0' || c > '9') {
      return Error::Make("barcode_not_numeric", "a barcode has digits only", "barcode");
    }
  }
  Symbology symbology;
  switch (code.size()) {
    case 13: symbology = Symbology::kEan13; break;
    case 12: symbology = Symbology::kUpcA; break;
    case 8: symbology = Symbology::kEan8; break;
    default:
      return Error::Make("barcode_invalid_length",
                         "expected 8 (EAN-8), 12 (UPC-A) or 13 (EAN-13) digits, got " +
                             std::to_string(code.size()),
                         "barcode");
  }
  const int expected = GS1CheckDigit(code.substr(0, code.size() - 1));
  if (code.back() - '0' != expected) {
    return Error::Make("barcode_bad_check_digit",
                       "check digit should be " + std::to_string(expected), "barcode");
  }
  std::string gtin(code);
  if (symbology == Symbology::kUpcA) gtin.insert(0, "0");
  return Barcode{std::move(gtin), symbology};
}

}  // namespace aisle::core
