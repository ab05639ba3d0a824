#include "aalgate/session_oracle.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "aalgate/json_fields.hpp"
#include "aalgate/session_fields.hpp"

namespace aalgate {
namespace {

using json_fields::Json;

// An optional timestamp field: absent/null → none; present → must parse, else invalid.
bool read_timestamp(const Json& object, std::string_view key, std::optional<Timestamp>& out) {
  const Json* value = json_fields::find(object, key);
  if (value == nullptr) return true;
  if (!value->is_string()) return false;
  out = parse_rfc3339(value->get_ref<const std::string&>());
  return out.has_value();
}

// An optional string field: absent/null → ""; `out` views the string inside `object`.
bool read_optional_string(const Json& object, std::string_view key, std::string_view& out) {
  const Json* value = json_fields::find(object, key);
  if (value == nullptr) return true;
  if (!value->is_string()) return false;
  out = value->get_ref<const std::string&>();
  return true;
}

std::optional<Session> session_of(const std::optional<Json>& parsed) {
  if (!parsed || !parsed->is_object()) return std::nullopt;
  const Json& json = *parsed;
  SessionFields fields;

  const Json* active = json_fields::find(json, "active");
  if (active == nullptr || !active->is_boolean()) return std::nullopt;
  fields.active = active->get<bool>();

  std::optional<Timestamp> expires_at;
  if (!read_timestamp(json, "expires_at", expires_at) || !expires_at) return std::nullopt;
  fields.expires_at = *expires_at;
  if (!read_timestamp(json, "authenticated_at", fields.authenticated_at)) return std::nullopt;

  if (const Json* list = json_fields::find(json, "authentication_methods")) {
    if (!list->is_array()) return std::nullopt;
    for (const Json& entry : *list) {
      if (!entry.is_object()) return std::nullopt;
      MethodFields method;
      if (!read_optional_string(entry, "method", method.name) ||
          !read_optional_string(entry, "aal", method.aal) ||
          !read_timestamp(entry, "completed_at", method.completed_at)) {
        return std::nullopt;
      }
      fields.add_method(method);
    }
  }
  if (!read_optional_string(json, "authenticator_assurance_level", fields.level)) {
    return std::nullopt;
  }
  return fields.session();
}

bool aal2_required_of(const std::optional<Json>& parsed) {
  if (!parsed) return false;
  const Json* error = json_fields::find(*parsed, "error");
  const Json* id = error != nullptr ? json_fields::find(*error, "id") : nullptr;
  return id != nullptr && id->is_string() &&
         id->get_ref<const std::string&>() == "session_aal2_required";
}

// nlohmann/json's parse with repeated keys refused in objects down to container depth 2,
// through its callback parser: what json_fields::parse did before the reader checked it.
std::optional<Json> parse_checked(std::string_view text, bool reject_duplicate_keys) {
  if (text.find('\0') != std::string_view::npos) return std::nullopt;
  if (!reject_duplicate_keys) {
    Json value = Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
    if (value.is_discarded()) return std::nullopt;
    return value;
  }
  // Keys seen per open object, for the levels a decision reads (deeper ones are never read).
  constexpr int kCheckedDepth = 3;
  std::vector<std::vector<std::string>> open_objects;
  bool duplicate = false;
  const Json::parser_callback_t check = [&](int depth, Json::parse_event_t event, Json& parsed) {
    if (depth > kCheckedDepth) return true;
    switch (event) {
      case Json::parse_event_t::object_start:
        open_objects.emplace_back();
        break;
      case Json::parse_event_t::object_end:
        if (!open_objects.empty()) open_objects.pop_back();
        break;
      case Json::parse_event_t::key:
        if (!open_objects.empty() && parsed.is_string()) {
          std::vector<std::string>& keys = open_objects.back();
          const std::string& key = parsed.get_ref<const std::string&>();
          if (std::find(keys.begin(), keys.end(), key) != keys.end()) duplicate = true;
          keys.push_back(key);
        }
        break;
      default:
        break;
    }
    return true;
  };
  Json value = Json::parse(text.begin(), text.end(), check, /*allow_exceptions=*/false);
  if (value.is_discarded() || duplicate) return std::nullopt;
  return value;
}

// Every reading parses as the core's did: repeated keys refused in the first three levels.
std::optional<Json> parse(std::string_view json_text) {
  return parse_checked(json_text, /*reject_duplicate_keys=*/true);
}

}  // namespace

std::optional<Session> parse_session_oracle(std::string_view json_text) {
  return session_of(parse(json_text));
}

bool is_aal2_required_error_oracle(std::string_view json_text) {
  return aal2_required_of(parse(json_text));
}

WhoamiOracle read_whoami_oracle(std::string_view json_text) {
  const std::optional<Json> parsed = parse(json_text);
  return {session_of(parsed), aal2_required_of(parsed), parsed.has_value()};
}

}  // namespace aalgate
