#include "aalgate/session.hpp"

#include <cstddef>
#include <iterator>
#include <string>
#include <vector>

#include "aalgate/json_fields.hpp"

namespace aalgate {
namespace {

using json_fields::Json;

// In enum order: the name of each level, and what parse_aal_name reads.
constexpr std::string_view kAalNames[] = {"aal0", "aal1", "aal2", "aal3"};

std::optional<Aal> parse_aal_name(std::string_view name) {
  for (std::size_t i = 0; i < std::size(kAalNames); ++i) {
    if (name == kAalNames[i]) return static_cast<Aal>(i);
  }
  return std::nullopt;
}

// An optional timestamp field: absent/null → none; present → must parse, else invalid.
bool read_timestamp(const Json& object, std::string_view key, std::optional<Timestamp>& out) {
  const Json* value = json_fields::find(object, key);
  if (value == nullptr) return true;
  if (!value->is_string()) return false;
  out = parse_rfc3339(value->get_ref<const std::string&>());
  return out.has_value();
}

bool read_optional_string(const Json& object, std::string_view key, std::string& out) {
  const Json* value = json_fields::find(object, key);
  if (value == nullptr) return true;
  if (!value->is_string()) return false;
  out = value->get<std::string>();
  return true;
}

struct Method {
  std::string name;
  std::optional<Aal> level;  ///< as recorded in `aal`; none when empty, absent or unknown
  std::optional<Timestamp> completed_at;
  [[nodiscard]] bool is_upstream() const { return name == "oidc" || name == "saml"; }
};

// Kratos's session/session.go Session.SetAuthenticatorAssuranceLevel: a method counts only by
// its recorded `aal` (aal1 or aal2; no fallback from its name, nothing for aal3 or unknown
// values); an oidc/saml entry at aal2 counts as both levels (upstream MFA).
Aal derive_aal(const std::vector<Method>& methods) {
  if (methods.empty()) return Aal::aal0;
  bool first = false;
  bool second = false;
  for (const Method& m : methods) {
    first = first || m.level == Aal::aal1 || (m.level == Aal::aal2 && m.is_upstream());
    second = second || m.level == Aal::aal2;
  }
  return first && second ? Aal::aal2 : Aal::aal1;
}

}  // namespace

std::string_view to_string(Aal aal) { return kAalNames[static_cast<std::size_t>(aal)]; }

std::optional<Session> parse_session(std::string_view json_text) {
  const std::optional<Json> parsed = json_fields::parse(json_text, /*reject_duplicate_keys=*/true);
  if (!parsed || !parsed->is_object()) return std::nullopt;
  const Json& json = *parsed;
  Session session;

  const Json* active = json_fields::find(json, "active");
  if (active == nullptr || !active->is_boolean()) return std::nullopt;
  session.active = active->get<bool>();

  std::optional<Timestamp> expires_at;
  if (!read_timestamp(json, "expires_at", expires_at) || !expires_at) return std::nullopt;
  session.expires_at = *expires_at;
  if (!read_timestamp(json, "authenticated_at", session.authenticated_at)) return std::nullopt;

  std::vector<Method> methods;
  if (const Json* list = json_fields::find(json, "authentication_methods")) {
    if (!list->is_array()) return std::nullopt;
    methods.reserve(list->size());
    for (const Json& entry : *list) {
      if (!entry.is_object()) return std::nullopt;
      Method method;
      std::string recorded;
      if (!read_optional_string(entry, "method", method.name) ||
          !read_optional_string(entry, "aal", recorded) ||
          !read_timestamp(entry, "completed_at", method.completed_at)) {
        return std::nullopt;
      }
      method.level = parse_aal_name(recorded);
      if (method.completed_at && is_go_zero_time(*method.completed_at)) method.completed_at.reset();
      methods.push_back(std::move(method));
    }
  }
  bool local_second_factor = false;
  bool upstream_second_factor = false;
  for (const Method& m : methods) {
    if (!m.level || *m.level < Aal::aal2) continue;
    (m.is_upstream() ? upstream_second_factor : local_second_factor) = true;
    if (m.completed_at &&
        (!session.aal2_completed_at || at_or_before(*session.aal2_completed_at, *m.completed_at))) {
      session.aal2_completed_at = m.completed_at;
    }
  }
  session.aal2_from_upstream_only = upstream_second_factor && !local_second_factor;

  std::string level;
  if (!read_optional_string(json, "authenticator_assurance_level", level)) return std::nullopt;
  if (level.empty()) {
    session.aal = derive_aal(methods);
  } else {
    const std::optional<Aal> sent = parse_aal_name(level);
    if (!sent) return std::nullopt;
    session.aal = *sent;
  }
  return session;
}

bool is_aal2_required_error(std::string_view json_text) {
  const std::optional<Json> parsed = json_fields::parse(json_text, /*reject_duplicate_keys=*/true);
  if (!parsed) return false;
  const Json* error = json_fields::find(*parsed, "error");
  const Json* id = error != nullptr ? json_fields::find(*error, "id") : nullptr;
  return id != nullptr && id->is_string() &&
         id->get_ref<const std::string&>() == "session_aal2_required";
}

}  // namespace aalgate
