#include "core/json_read.h"

namespace aisle::core {
namespace {

// obj[key] if obj is an object holding a non-null key, else nullptr.
const Json* Find(const Json& obj, std::string_view key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(std::string(key));
  if (it == obj.end() || it->is_null()) return nullptr;
  return &*it;
}

Result<std::optional<int64_t>> AsInt(const Json* v, const std::string& path) {
  if (v == nullptr) return std::optional<int64_t>{};
  if (v->is_number_unsigned()) {
    const uint64_t u = v->get<uint64_t>();
    if (u > static_cast<uint64_t>(INT64_MAX)) {
      return Error::Make("out_of_range", path + " is too large", path);
    }
    return std::optional<int64_t>(static_cast<int64_t>(u));
  }
  if (v->is_number_integer()) return std::optional<int64_t>(v->get<int64_t>());
  return WrongType(path, "an integer");
}

Result<std::optional<std::string>> AsString(const Json* v, const std::string& path) {
  if (v == nullptr) return std::optional<std::string>{};
  if (!v->is_string()) return WrongType(path, "a string");
  return std::optional<std::string>(v->get<std::string>());
}

}  // namespace

Result<Json> ParseJson(std::string_view text) {
  Json parsed = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return Error::Make("invalid_json", "the body is not valid JSON");
  return parsed;
}

std::string ToCanonicalJson(const Json& value) {
  return value.dump(-1, ' ', false, Json::error_handler_t::replace);
}

std::string JoinPath(std::string_view base, std::string_view key) {
  if (base.empty()) return std::string(key);
  std::string out(base);
  out += '.';
  out += key;
  return out;
}

std::string IndexPath(std::string_view base, size_t index) {
  return std::string(base) + "[" + std::to_string(index) + "]";
}

Error WrongType(const std::string& path, std::string_view expected) {
  return Error::Make("invalid_type", path + " must be " + std::string(expected), path);
}

Error Missing(const std::string& path) {
  return Error::Make("missing_field", path + " is required", path);
}

Result<std::optional<int64_t>> ReadOptionalInt(const Json& obj, std::string_view key,
                                                std::string_view base) {
  return AsInt(Find(obj, key), JoinPath(base, key));
}

Result<int64_t> ReadInt(const Json& obj, std::string_view key, std::string_view base) {
  auto v = ReadOptionalInt(obj, key, base);
  if (!v) return v.error();
  if (!v->has_value()) return Missing(JoinPath(base, key));
  return **v;
}

Result<std::optional<std::string>> ReadOptionalString(const Json& obj, std::string_view key,
                                                      std::string_view base) {
  return AsString(Find(obj, key), JoinPath(base, key));
}

Result<std::string> ReadString(const Json& obj, std::string_view key, std::string_view base) {
  auto v = ReadOptionalString(obj, key, base);
  if (!v) return v.error();
  if (!v->has_value()) return Missing(JoinPath(base, key));
  return std::move(**v);
}

Result<const Json*> ReadArray(const Json& obj, std::string_view key, std::string_view base) {
  const Json* v = Find(obj, key);
  if (v == nullptr) return Missing(JoinPath(base, key));
  if (!v->is_array()) return WrongType(JoinPath(base, key), "an array");
  return v;
}

Result<const Json*> ReadObject(const Json& obj, std::string_view key, std::string_view base) {
  const Json* v = Find(obj, key);
  if (v == nullptr) return Missing(JoinPath(base, key));
  if (!v->is_object()) return WrongType(JoinPath(base, key), "an object");
  return v;
}

Json ErrorToJson(const Error& error) {
  return Json{{"error", {{"code", error.code}, {"message", error.message}, {"field", error.field}}}};
}

}  // namespace aisle::core
