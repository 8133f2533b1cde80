// Base64 (RFC 4648, standard alphabet, with padding): how ESC/POS bytes
// travel in JSON, from core.wasm to the terminal and from the terminal to
// aisled's print relay. Pure and thread-safe.
#ifndef AISLE_CORE_BASE64_H_
#define AISLE_CORE_BASE64_H_

#include <string>
#include <string_view>

#include "core/result.h"

namespace aisle::core {

std::string Base64Encode(std::string_view bytes);
// Strict: length a multiple of 4, padding only at the end, no white space;
// anything else is error "invalid_base64".
Result<std::string> Base64Decode(std::string_view text);

}  // namespace aisle::core

#endif  // AISLE_CORE_BASE64_H_
