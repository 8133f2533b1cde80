// Result<T>: a value or an Error, the way core reports expected failures.
//
// core throws nothing (its WASM build aborts on a throw), so every function
// that can fail on bad input returns Result<T>. The API follows std::expected
// (has_value/value/error) so it can be swapped for it once every toolchain we
// build with has one. Error codes are stable snake_case strings: the server
// maps them to HTTP statuses in one table (server/api_errors.cpp).
#ifndef AISLE_CORE_RESULT_H_
#define AISLE_CORE_RESULT_H_

#include <string>
#include <utility>
#include <variant>

namespace aisle::core {

struct Error {
  std::string code;     // stable, machine readable: "barcode_bad_check_digit"
  std::string message;  // for people, English
  std::string field;    // path of the offending input field, "" if none

  static Error Make(std::string code, std::string message, std::string field = {}) {
    return Error{std::move(code), std::move(message), std::move(field)};
  }
};

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::in_place_index<0>, std::move(value)) {}  // NOLINT: implicit by design
  Result(Error error) : v_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  bool has_value() const { return v_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  const Error& error() const { return std::get<1>(v_); }

  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Error> v_;
};

// Result<void>: success or an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  Result() = default;
  Result(Error error) : error_(std::move(error)), ok_(false) {}  // NOLINT

  bool has_value() const { return ok_; }
  explicit operator bool() const { return ok_; }
  const Error& error() const { return error_; }

 private:
  Error error_;
  bool ok_ = true;
};

}  // namespace aisle::core

#endif  // AISLE_CORE_RESULT_H_
