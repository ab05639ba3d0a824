#include "aalgate/requirement.hpp"

#include <cstddef>

#include "aalgate/config.hpp"
#include "aalgate/json_fields.hpp"

namespace aalgate {
namespace {

using json_fields::Json;

std::optional<RequiredAal> parse_aal_name(std::string_view name) {
  if (name == "aal1" || name == "lax") return RequiredAal::aal1;
  if (name == "aal2") return RequiredAal::aal2;
  if (name == "highest_available" || name == "strict") return RequiredAal::highest_available;
  if (name == "none") return RequiredAal::none;
  return std::nullopt;
}

RequiredAal from_server(ServerAal aal) {
  return aal == ServerAal::aal1 ? RequiredAal::aal1 : RequiredAal::highest_available;
}

}  // namespace

std::string_view to_string(RequiredAal aal) {
  // In enum order (requirement.hpp).
  constexpr std::string_view kNames[] = {"aal1", "aal2", "highest_available", "none"};
  return kNames[static_cast<std::size_t>(aal)];
}

std::string_view to_string(Operation operation) {
  return operation == Operation::settings ? "settings" : "signin";
}

Result<RequirementSpec> parse_requirement_spec(const Json& object, const std::string& code_prefix) {
  RequirementSpec spec;
  const auto operation =
      json_fields::optional_string(object, "operation", code_prefix + ".operation");
  if (!operation) return operation.error();
  if (operation.value() == "signin") {
    spec.operation = Operation::signin;
  } else if (operation.value() == "settings") {
    spec.operation = Operation::settings;
  } else if (operation.value()) {
    return Error{code_prefix + ".operation",
                 "must be \"signin\" or \"settings\", got \"" + *operation.value() + "\""};
  }

  if (const Json* aal = json_fields::find(object, "aal")) {
    const std::optional<RequiredAal> parsed_aal =
        aal->is_string() ? parse_aal_name(aal->get_ref<const std::string&>()) : std::nullopt;
    if (!parsed_aal) {
      return Error{code_prefix + ".aal",
                   "must be \"aal1\", \"aal2\", \"highest_available\", \"lax\", \"strict\" or "
                   "\"none\", got " +
                       json_fields::describe(*aal)};
    }
    spec.aal = *parsed_aal;
  }

  const auto max_age = json_fields::optional_duration(object, "maxAge", code_prefix + ".maxAge");
  if (!max_age) return max_age.error();
  spec.max_age_ns = max_age.value();
  return spec;
}

void apply_requirement_spec(const RequirementSpec& spec, const Config& config,
                            Requirement& requirement) {
  requirement.operation = spec.operation;
  if (spec.operation == Operation::signin) {
    requirement.aal = from_server(config.whoami_required_aal);
  } else if (spec.operation == Operation::settings) {
    requirement.aal = from_server(config.settings_required_aal);
    requirement.max_age_ns = config.privileged_session_max_age_ns;
  }
  if (spec.aal) requirement.aal = *spec.aal;
  if (spec.max_age_ns) requirement.max_age_ns = spec.max_age_ns;
}

Result<Timestamp> now_from_ms(double ms, std::string_view code_prefix) {
  if (ms != ms) return current_time();  // NaN: not given
  if (const std::optional<Timestamp> instant = timestamp_from_unix_ms(ms)) return *instant;
  return Error{std::string(code_prefix) + ".now",
               "must be milliseconds since the epoch or a valid Date, got " +
                   json_fields::describe(Json(ms))};
}

std::optional<Error> read_requirement_extras(const Json& object, std::string_view code_prefix,
                                             Requirement& requirement) {
  const std::string prefix(code_prefix);
  if (const Json* now = json_fields::find(object, "now")) {
    if (!now->is_number()) {
      return Error{prefix + ".now", "must be milliseconds since the epoch or a valid Date, got " +
                                        json_fields::describe(*now)};
    }
    Result<Timestamp> instant = now_from_ms(now->get<double>(), prefix);
    if (!instant) return instant.error();
    requirement.now = instant.value();
  } else {
    requirement.now = current_time();
  }

  struct StringField {
    std::string_view key;
    std::optional<std::string>* target;
  };
  const StringField strings[] = {{"returnTo", &requirement.return_to},
                                 {"loginChallenge", &requirement.login_challenge},
                                 {"organization", &requirement.organization},
                                 {"via", &requirement.via}};
  // A JS string with a lone surrogate has no UTF-8 form; JS sends it as this marker. For
  // returnTo it stands for invalid UTF-8, which the return_to rules drop with a warning.
  if (const Json* return_to = json_fields::find(object, "returnTo")) {
    const Json* marker = json_fields::find(*return_to, "$unserializable");
    if (marker != nullptr && *marker == "ill-formed string") requirement.return_to = "\xFF";
  }
  for (const StringField& field : strings) {
    if (field.target->has_value()) continue;
    auto value =
        json_fields::optional_string(object, field.key, prefix + "." + std::string(field.key));
    if (!value) return value.error();
    // An empty string is no value: `returnTo: url || ''` must not emit `return_to=`.
    if (value.value() && !value.value()->empty()) *field.target = std::move(value).value();
  }
  return std::nullopt;
}

Result<Requirement> parse_requirement(std::string_view json_text, const Config& config) {
  std::optional<Json> parsed = json_fields::parse(json_text);
  if (parsed && parsed->is_null()) parsed = Json::object();
  if (!parsed || !parsed->is_object() || json_fields::is_unserializable(*parsed)) {
    return Error{"requirement", "must be an object such as { aal: 'aal2', maxAge: '10m' }"};
  }
  const Json& json = *parsed;
  // `rule` is what requirementFor adds; accepted so its result can be passed back as is.
  if (const std::string* key =
          json_fields::unknown_key(json, {"aal", "maxAge", "operation", "returnTo", "now",
                                          "loginChallenge", "organization", "via", "rule"})) {
    return Error{"requirement." + *key,
                 "is not a requirement field (aal, maxAge, operation, returnTo, now, "
                 "loginChallenge, organization, via)"};
  }
  const Result<RequirementSpec> spec = parse_requirement_spec(json, "requirement");
  if (!spec) return spec.error();
  Requirement requirement;
  apply_requirement_spec(spec.value(), config, requirement);

  if (std::optional<Error> error = read_requirement_extras(json, "requirement", requirement)) {
    return *std::move(error);
  }
  return requirement;
}

}  // namespace aalgate
