#include "aalgate/config.hpp"

#include <cmath>
#include <optional>

#include "aalgate/duration.hpp"
#include "aalgate/json_fields.hpp"
#include "aalgate/url.hpp"

namespace aalgate {
namespace {

using json_fields::Json;

constexpr std::string_view kWhoamiAal = "session.whoami.required_aal";
constexpr std::string_view kSettingsAal = "selfservice.flows.settings.required_aal";
constexpr std::string_view kPrivilegedAge = "selfservice.flows.settings.privileged_session_max_age";
constexpr std::string_view kDefaultReturnUrl = "selfservice.default_browser_return_url";

// Kratos's config schema (embedx/config.schema.json) for privileged_session_max_age:
// ^([0-9]+(ns|us|ms|s|m|h))+$ — whole numbers with units, no fraction, no bare 0.
bool matches_kratos_duration_pattern(std::string_view text) {
  if (text.empty()) return false;
  std::size_t i = 0;
  while (i < text.size()) {
    const std::size_t digits = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
    if (i == digits) return false;
    const std::string_view rest = text.substr(i);
    if (rest.substr(0, 2) == "ns" || rest.substr(0, 2) == "us" || rest.substr(0, 2) == "ms") {
      i += 2;
    } else if (!rest.empty() && (rest[0] == 's' || rest[0] == 'm' || rest[0] == 'h')) {
      i += 1;
    } else {
      return false;
    }
  }
  return true;
}

Result<std::string> parse_base_url(const Json& config) {
  const Json* value = json_fields::find(config, "baseUrl");
  const std::string code = "config.baseUrl";
  if (value == nullptr) return Error{code, "is required: the Kratos public URL"};
  if (!value->is_string())
    return Error{code, "must be a string, got " + json_fields::describe(*value)};
  const std::string& text = value->get_ref<const std::string&>();
  const std::optional<AbsoluteUrl> url = parse_http_url(text);
  if (!url) return Error{code, "must be an absolute http or https URL, got \"" + text + "\""};
  if (url->has_userinfo || url->has_query || url->has_fragment ||
      text.find(' ') != std::string::npos) {
    return Error{code,
                 "must not carry userinfo, a query, a fragment or spaces, got \"" + text + "\""};
  }
  std::string path = url->path;
  while (!path.empty() && path.back() == '/') path.pop_back();
  return origin_of(*url) + path;
}

// A Kratos key, from the nested form of kratos.yml or the dotted form; null when neither.
Result<const Json*> kratos_key(const Json& kratos, std::string_view dotted) {
  const Json* nested = &kratos;
  std::size_t start = 0;
  while (nested != nullptr && start <= dotted.size()) {
    const std::size_t dot = dotted.find('.', start);
    const std::string_view part =
        dotted.substr(start, dot == std::string_view::npos ? dotted.npos : dot - start);
    nested = json_fields::find(*nested, part);
    if (dot == std::string_view::npos) break;
    // A section JS could not serialise (a function, a throwing getter) must not read as empty.
    if (nested != nullptr && (!nested->is_object() || json_fields::is_unserializable(*nested))) {
      return Error{"config.kratos." + std::string(dotted.substr(0, dot)),
                   "must be an object, got " + json_fields::describe(*nested)};
    }
    start = dot + 1;
  }
  const Json* flat = json_fields::find(kratos, dotted);
  if (nested != nullptr && flat != nullptr && *nested != *flat) {
    return Error{"config.kratos." + std::string(dotted),
                 "is given twice, nested and dotted, with different values"};
  }
  return flat != nullptr ? flat : nested;
}

Result<ServerAal> parse_server_aal(const Json& kratos, std::string_view key) {
  const Result<const Json*> value = kratos_key(kratos, key);
  if (!value) return value.error();
  if (value.value() == nullptr) return ServerAal::highest_available;
  const Json& v = *value.value();
  if (v.is_string() && v.get_ref<const std::string&>() == "aal1") return ServerAal::aal1;
  if (v.is_string() && v.get_ref<const std::string&>() == "highest_available") {
    return ServerAal::highest_available;
  }
  return Error{"config.kratos." + std::string(key),
               "must be \"aal1\" or \"highest_available\", got " + json_fields::describe(v)};
}

Result<std::int64_t> parse_privileged_age(const Json& kratos) {
  const Result<const Json*> value = kratos_key(kratos, kPrivilegedAge);
  if (!value) return value.error();
  if (value.value() == nullptr) return 3600LL * 1000000000LL;
  const Json& v = *value.value();
  std::optional<std::int64_t> nanos;
  if (v.is_string() && matches_kratos_duration_pattern(v.get_ref<const std::string&>())) {
    nanos = parse_go_duration(v.get_ref<const std::string&>());
  }
  if (!nanos) {
    return Error{"config.kratos." + std::string(kPrivilegedAge),
                 "must be a duration as Kratos's schema takes it (whole numbers with units "
                 "ns, us, ms, s, m, h: \"15m\", \"1h30m\", \"0s\"), got " +
                     json_fields::describe(v)};
  }
  return *nanos;
}

// selfservice.default_browser_return_url: where a relative return_to lands (x/redir's
// SecureRedirectTo takes its scheme and host). Absent: baseUrl's origin.
Result<std::optional<AbsoluteUrl>> parse_default_return_url(const Json& kratos) {
  const Result<const Json*> value = kratos_key(kratos, kDefaultReturnUrl);
  if (!value) return value.error();
  if (value.value() == nullptr) return std::optional<AbsoluteUrl>();
  const Json& v = *value.value();
  std::optional<AbsoluteUrl> url;
  if (v.is_string()) url = parse_http_url(v.get_ref<const std::string&>());
  if (!url || url->has_userinfo) {
    return Error{"config.kratos." + std::string(kDefaultReturnUrl),
                 "must be an absolute http or https URL, got " + json_fields::describe(v)};
  }
  return url;
}

// redirectOrigins: each an http(s) origin, nothing after the host and port.
Result<std::vector<std::string>> parse_redirect_origins(const Json& config) {
  std::vector<std::string> origins;
  const Json* list = json_fields::find(config, "redirectOrigins");
  if (list == nullptr) return origins;
  if (!list->is_array()) {
    return Error{"config.redirectOrigins",
                 "must be an array of origins such as \"https://accounts.example.com\", got " +
                     json_fields::describe(*list)};
  }
  for (std::size_t i = 0; i < list->size(); ++i) {
    const Json& entry = (*list)[i];
    const std::string code = "config.redirectOrigins[" + std::to_string(i) + "]";
    std::optional<AbsoluteUrl> url;
    if (entry.is_string()) url = parse_http_url(entry.get_ref<const std::string&>());
    if (!url || url->has_userinfo || url->has_query || url->has_fragment ||
        (!url->path.empty() && url->path != "/")) {
      return Error{code, "must be an http or https origin (scheme://host[:port], no path), got " +
                             json_fields::describe(entry)};
    }
    origins.push_back(origin_of(*url));
  }
  return origins;
}

// maxBodyBytes: a whole number of bytes from 1 to kMostMaxBodyBytes.
Result<std::size_t> parse_max_body_bytes(const Json& config) {
  const Json* value = json_fields::find(config, "maxBodyBytes");
  if (value == nullptr) return kDefaultMaxBodyBytes;
  if (value->is_number()) {
    const double bytes = value->get<double>();
    if (bytes >= 1 && bytes <= static_cast<double>(kMostMaxBodyBytes) &&
        bytes == std::floor(bytes)) {
      return static_cast<std::size_t>(bytes);
    }
  }
  return Error{"config.maxBodyBytes",
               "must be a whole number of bytes from 1 to 1073741824 (1 GiB; default 1048576, "
               "1 MiB), got " +
                   json_fields::describe(*value)};
}

Result<ReturnToPolicy> parse_return_to_policy(const Json& config, const std::string& base_url,
                                              const std::optional<AbsoluteUrl>& default_return,
                                              const PublicSuffixList* public_suffixes) {
  ReturnToPolicy policy;
  const std::optional<AbsoluteUrl> base = parse_http_url(base_url);
  const AbsoluteUrl& relative_origin = default_return ? *default_return : *base;
  policy.relative_scheme = relative_origin.scheme;
  policy.relative_host_port = relative_origin.host_port;
  const Json* list = json_fields::find(config, "allowedReturnUrls");
  if (list == nullptr) return policy;
  if (!list->is_array()) {
    return Error{"config.allowedReturnUrls",
                 "must be an array of URLs, got " + json_fields::describe(*list)};
  }
  policy.restricted = true;
  // Kratos always allows its own self-service pages (x/redir SecureRedirectAllowSelfServiceURLs).
  policy.allowed.push_back(
      AllowedReturnUrl{base->scheme, base->host_port, false,
                       decode_path(base->path).value_or(base->path) + "/self-service"});
  for (std::size_t i = 0; i < list->size(); ++i) {
    const Json& entry = (*list)[i];
    if (!entry.is_string()) {
      return Error{"config.allowedReturnUrls[" + std::to_string(i) + "]",
                   "must be a string, got " + json_fields::describe(entry)};
    }
    Result<AllowedReturnUrl> compiled =
        compile_allowed_return_url(entry.get_ref<const std::string&>(), i, public_suffixes);
    if (!compiled) return compiled.error();
    policy.allowed.push_back(std::move(compiled).value());
  }
  return policy;
}

}  // namespace

Result<Config> parse_config(std::string_view json_text, const PublicSuffixList* public_suffixes) {
  const std::optional<Json> parsed = json_fields::parse(json_text);
  if (!parsed || !parsed->is_object() || json_fields::is_unserializable(*parsed)) {
    return Error{"config", "must be an object with at least baseUrl"};
  }
  const Json& json = *parsed;
  if (const std::string* key =
          json_fields::unknown_key(json, {"baseUrl", "flow", "allowedReturnUrls", "kratos",
                                          "leeway", "policy", "redirectOrigins", "maxBodyBytes"})) {
    return Error{"config." + *key,
                 "is not a configuration field (baseUrl, flow, allowedReturnUrls, kratos, "
                 "leeway, policy, redirectOrigins, maxBodyBytes)"};
  }
  Config config;
  Result<std::string> base_url = parse_base_url(json);
  if (!base_url) return base_url.error();
  config.base_url = std::move(base_url).value();

  const Result<std::optional<std::string>> flow =
      json_fields::optional_string(json, "flow", "config.flow");
  if (!flow) return flow.error();
  if (flow.value() == "api") {
    config.flow = Flow::api;
  } else if (flow.value() && *flow.value() != "browser") {
    return Error{"config.flow", "must be \"browser\" or \"api\", got \"" + *flow.value() + "\""};
  }

  const Json empty = Json::object();
  const Json* kratos = json_fields::find(json, "kratos");
  if (kratos != nullptr && (!kratos->is_object() || json_fields::is_unserializable(*kratos))) {
    return Error{"config.kratos", "must be an object mirroring the Kratos configuration, got " +
                                      json_fields::describe(*kratos)};
  }
  const Json& mirror = kratos != nullptr ? *kratos : empty;
  const Result<ServerAal> whoami_aal = parse_server_aal(mirror, kWhoamiAal);
  if (!whoami_aal) return whoami_aal.error();
  config.whoami_required_aal = whoami_aal.value();
  const Result<ServerAal> settings_aal = parse_server_aal(mirror, kSettingsAal);
  if (!settings_aal) return settings_aal.error();
  config.settings_required_aal = settings_aal.value();
  const Result<std::int64_t> privileged = parse_privileged_age(mirror);
  if (!privileged) return privileged.error();
  config.privileged_session_max_age_ns = privileged.value();
  const Result<std::optional<AbsoluteUrl>> default_return = parse_default_return_url(mirror);
  if (!default_return) return default_return.error();

  Result<ReturnToPolicy> return_to =
      parse_return_to_policy(json, config.base_url, default_return.value(), public_suffixes);
  if (!return_to) return return_to.error();
  config.return_to = std::move(return_to).value();
  Result<std::vector<std::string>> redirect_origins = parse_redirect_origins(json);
  if (!redirect_origins) return redirect_origins.error();
  config.redirect_origins = std::move(redirect_origins).value();

  const Result<std::optional<std::int64_t>> leeway =
      json_fields::optional_duration(json, "leeway", "config.leeway");
  if (!leeway) return leeway.error();
  config.leeway_ns = leeway.value().value_or(0);

  const Result<std::size_t> max_body_bytes = parse_max_body_bytes(json);
  if (!max_body_bytes) return max_body_bytes.error();
  config.max_body_bytes = max_body_bytes.value();

  if (const Json* policy = json_fields::find(json, "policy")) {
    Result<Policy> compiled = compile_policy(*policy);
    if (!compiled) return compiled.error();
    config.policy = std::move(compiled).value();
  }
  return config;
}

}  // namespace aalgate
