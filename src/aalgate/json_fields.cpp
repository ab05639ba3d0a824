#include "aalgate/json_fields.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "aalgate/duration.hpp"
#include "aalgate/whoami_reader.hpp"

namespace aalgate::json_fields {

std::optional<Json> parse(std::string_view text, bool reject_duplicate_keys) {
  // The checks nlohmann cannot make (a NUL byte, a repeated key) are the whoami reader's: one
  // pass that accepts exactly what nlohmann accepts (tests/cpp/whoami_reader_test.cpp), so
  // nlohmann's callback parser is not needed here.
  if (reject_duplicate_keys ? !is_readable_json(text) : text.find('\0') != std::string_view::npos) {
    return std::nullopt;
  }
  // nlohmann's own DOM builder through sax_parse: Json::parse would also compile its callback
  // parser (std::function, vector<bool>), which nothing here uses.
  Json value;
  nlohmann::detail::json_sax_dom_parser<Json> builder(value, /*allow_exceptions=*/false);
  if (!Json::sax_parse(text.begin(), text.end(), &builder)) return std::nullopt;
  return value;
}

const Json* find(const Json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

bool is_unserializable(const Json& value) {
  return value.is_object() && value.size() == 1 && value.contains("$unserializable");
}

namespace {

// The text Json::dump() gives for a number, without linking nlohmann's serializer (about 4 KB
// gzip of Wasm, reached only from here): integers in decimal, doubles through the same shortest
// round-trip formatter dump() uses (nlohmann::detail::to_chars), "null" for a non-finite one.
std::string number_text(const Json& value) {
  if (value.is_number_integer() && !value.is_number_unsigned()) {
    return std::to_string(value.get<std::int64_t>());
  }
  if (value.is_number_unsigned()) return std::to_string(value.get<std::uint64_t>());
  const double number = value.get<double>();
  if (!std::isfinite(number)) return "null";
  std::array<char, 64> buffer{};
  char* end = nlohmann::detail::to_chars(buffer.data(), buffer.data() + buffer.size(), number);
  return std::string(buffer.data(), static_cast<std::size_t>(end - buffer.data()));
}

}  // namespace

std::string describe(const Json& value) {
  if (value.is_object()) {
    const Json* marker = find(value, "$unserializable");
    if (marker != nullptr && marker->is_string()) return "a " + marker->get<std::string>();
    return "an object";
  }
  if (value.is_array()) return "an array";
  if (value.is_string()) return "the string \"" + value.get<std::string>() + "\"";
  if (value.is_boolean()) return "a boolean";
  if (value.is_number()) return "the number " + number_text(value);
  return "null";
}

Result<std::optional<std::string>> optional_string(const Json& object, std::string_view key,
                                                   const std::string& code) {
  const Json* value = find(object, key);
  if (value == nullptr) return std::optional<std::string>();
  if (!value->is_string()) return Error{code, "must be a string, got " + describe(*value)};
  return std::optional<std::string>(value->get<std::string>());
}

Result<std::optional<std::int64_t>> optional_duration(const Json& object, std::string_view key,
                                                      const std::string& code) {
  const Json* value = find(object, key);
  if (value == nullptr) return std::optional<std::int64_t>();
  std::optional<std::int64_t> nanos;
  if (value->is_number()) {
    nanos = seconds_to_nanos(value->get<double>());
  } else if (value->is_string()) {
    nanos = parse_go_duration(value->get_ref<const std::string&>());
  }
  if (!nanos) {
    return Error{code,
                 "must be a non-negative number of seconds or a Go duration such as "
                 "\"90s\", \"10m\" or \"1h30m\", got " +
                     describe(*value)};
  }
  return std::optional<std::int64_t>(*nanos);
}

const std::string* unknown_key(const Json& object, std::initializer_list<std::string_view> known) {
  for (auto it = object.begin(); it != object.end(); ++it) {
    bool found = false;
    for (const std::string_view k : known) found = found || it.key() == k;
    if (!found) return &it.key();
  }
  return nullptr;
}

}  // namespace aalgate::json_fields
