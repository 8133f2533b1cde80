// Typed, non-throwing reads of JSON input for core and the server.
//
// core's WASM build aborts on a C++ exception, so nothing here calls a
// throwing accessor of nlohmann::json: every read checks the type first and
// turns a missing or mistyped field into an Error naming the field's path
// ("lines[2].qty"). Unknown fields are ignored (forward compatibility).
#ifndef AISLE_CORE_JSON_READ_H_
#define AISLE_CORE_JSON_READ_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "core/result.h"

namespace aisle::core {

using Json = nlohmann::json;

// Parses text into JSON; malformed text is error "invalid_json".
Result<Json> ParseJson(std::string_view text);

// Compact JSON with sorted keys (nlohmann::json keeps object keys sorted) and
// invalid UTF-8 replaced rather than thrown on: the canonical form used to
// compare operations and in golden fixtures.
std::string ToCanonicalJson(const Json& value);

// "lines" + 2 -> "lines[2]"; "" + "qty" -> "qty"; "lines[2]" + "qty" -> "lines[2].qty".
std::string JoinPath(std::string_view base, std::string_view key);
std::string IndexPath(std::string_view base, size_t index);

Error WrongType(const std::string& path, std::string_view expected);
Error Missing(const std::string& path);

// Each reads obj[key]; `base` is the path of obj for error messages.
// Required reads fail when the key is absent or null; optional ones give nullopt.
Result<int64_t> ReadInt(const Json& obj, std::string_view key, std::string_view base);
Result<std::optional<int64_t>> ReadOptionalInt(const Json& obj, std::string_view key,
                                                std::string_view base);
Result<std::string> ReadString(const Json& obj, std::string_view key, std::string_view base);
Result<std::optional<std::string>> ReadOptionalString(const Json& obj, std::string_view key,
                                                      std::string_view base);
// Returns the array at obj[key] (required, must be an array).
Result<const Json*> ReadArray(const Json& obj, std::string_view key, std::string_view base);
// Returns the object at obj[key] (required, must be an object).
Result<const Json*> ReadObject(const Json& obj, std::string_view key, std::string_view base);

Json ErrorToJson(const Error& error);

}  // namespace aisle::core

#endif  // AISLE_CORE_JSON_READ_H_
