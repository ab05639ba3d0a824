#pragma once
/// @file result.hpp
/// @brief Errors as values: `Result<T>` holds a value or an `Error` whose code names the field.

#include <string>
#include <utility>
#include <variant>

namespace aalgate {

/// @brief An invalid configuration or requirement. `code` is the path of the offending field,
/// e.g. `config.baseUrl` or `requirement.maxAge`; `message` says what is wrong, for people.
struct Error {
  std::string code;
  std::string message;
};

/// @brief A value or an Error; never throws (the core builds with -fno-exceptions for Wasm).
template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}      // NOLINT
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT

  [[nodiscard]] bool has_value() const { return state_.index() == 0; }
  explicit operator bool() const { return has_value(); }
  [[nodiscard]] const T& value() const& { return *std::get_if<0>(&state_); }
  [[nodiscard]] T& value() & { return *std::get_if<0>(&state_); }
  [[nodiscard]] T&& value() && { return std::move(*std::get_if<0>(&state_)); }
  [[nodiscard]] const Error& error() const { return *std::get_if<1>(&state_); }

 private:
  std::variant<T, Error> state_;
};

}  // namespace aalgate
