#include "core/pan.h"

namespace aisle::core {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool PassesLuhn(const std::string& digits) {
  int sum = 0;
  bool twice = false;
  for (auto it = digits.rbegin(); it != digits.rend(); ++it) {
    int d = *it - '0';
    if (twice) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

}  // namespace

bool ContainsCardNumber(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    if (!IsDigit(text[i])) {
      ++i;
      continue;
    }
    std::string digits;
    size_t j = i;
    while (j < text.size()) {
      if (IsDigit(text[j])) {
        digits += text[j++];
      } else if ((text[j] == ' ' || text[j] == '-') && j + 1 < text.size() && IsDigit(text[j + 1])) {
        ++j;  // one separator between two digits
      } else {
        break;
      }
    }
    if (digits.size() >= 13 && digits.size() <= 19 && PassesLuhn(digits)) return true;
    i = j;
  }
  return false;
}

Result<std::string> CheckFreeText(std::string text, const std::string& field) {
  if (ContainsCardNumber(text)) {
    return Error::Make("pan_not_allowed", "this looks like a card number: card numbers are never stored", field);
  }
  return text;
}

}  // namespace aisle::core
