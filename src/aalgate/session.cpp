#include "aalgate/session.hpp"

#include <string>
#include <vector>

#include "aalgate/json_fields.hpp"

namespace aalgate {
namespace {

using json_fields::Json;

std::optional<Aal> parse_aal_name(std::string_view name) {
  if (name == "aal0") return Aal::aal0;
  if (name == "aal1") return Aal::aal1;
  if (name == "aal2") return Aal::aal2;
  if (name == "aal3") return Aal::aal3;
  return std::nullopt;
}

// The level a method without a recorded `aal` stands for (Kratos's migration table, widened to
// the methods Kratos has added since; an unknown name stands for nothing).
std::optional<Aal> level_of_method_name(std::string_view method) {
  static constexpr std::string_view kFirstFactors[] = {
      "password",      "oidc",          "saml", "passkey",
      "link_recovery", "code_recovery", "code", "v0.6_legacy_session"};
  static constexpr std::string_view kSecondFactors[] = {"totp", "lookup_secret", "webauthn"};
  for (const std::string_view name : kFirstFactors) {
    if (method == name) return Aal::aal1;
  }
  for (const std::string_view name : kSecondFactors) {
    if (method == name) return Aal::aal2;
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
  std::optional<Aal> level;  ///< recorded, or from the name; none for an unknown method
  std::optional<Timestamp> completed_at;
  bool recorded_aal2 = false;  ///< the entry itself says aal2 (or aal3)
};

// Kratos's Session.SetAuthenticatorAssuranceLevel.
Aal derive_aal(const std::vector<Method>& methods) {
  if (methods.empty()) return Aal::aal0;
  // Upstream MFA: a lone oidc/saml login that the identity provider vouched for at aal2.
  if (methods.size() == 1 && methods[0].recorded_aal2 &&
      (methods[0].name == "oidc" || methods[0].name == "saml")) {
    return Aal::aal2;
  }
  bool first = false;
  bool second = false;
  for (const Method& m : methods) {
    first = first || m.level == Aal::aal1;
    second = second || (m.level && *m.level >= Aal::aal2);
  }
  return first && second ? Aal::aal2 : Aal::aal1;
}

}  // namespace

std::string_view to_string(Aal aal) {
  switch (aal) {
    case Aal::aal0:
      return "aal0";
    case Aal::aal1:
      return "aal1";
    case Aal::aal2:
      return "aal2";
    case Aal::aal3:
      return "aal3";
  }
  return "aal0";
}

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
      if (recorded.empty()) {
        method.level = level_of_method_name(method.name);
      } else {
        method.level = parse_aal_name(recorded);
        if (!method.level) return std::nullopt;
        method.recorded_aal2 = *method.level >= Aal::aal2;
      }
      if (method.completed_at && is_go_zero_time(*method.completed_at)) method.completed_at.reset();
      methods.push_back(std::move(method));
    }
  }
  for (const Method& m : methods) {
    if (m.level && *m.level >= Aal::aal2 && m.completed_at &&
        (!session.aal2_completed_at || at_or_before(*session.aal2_completed_at, *m.completed_at))) {
      session.aal2_completed_at = m.completed_at;
    }
  }

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
