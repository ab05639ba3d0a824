#include "aalgate/request.hpp"

#include <algorithm>
#include <string>

#include "aalgate/explain.hpp"
#include "aalgate/json_fields.hpp"
#include "aalgate/policy.hpp"

namespace aalgate {

using json_fields::Json;

Result<RouteRequirement> requirement_for(const Config& config, std::string_view method,
                                         std::string_view url) {
  if (!is_method_token(method)) {
    return Error{"request.method",
                 "must be an HTTP method such as \"GET\", got \"" + std::string(method) + "\""};
  }
  const std::size_t matched = std::min(url.find_first_of("?#"), url.size());
  if (matched > kMostRequestPathBytes) {
    return Error{"request.url", "must be at most " + std::to_string(kMostRequestPathBytes) +
                                    " bytes before its query, got " + std::to_string(matched)};
  }
  const std::optional<std::vector<std::string>> segments = request_path_segments(url);
  if (!segments) {
    return Error{"request.url",
                 "must be an absolute http(s) URL or a path starting with /, got \"" +
                     std::string(url.substr(0, 200)) + "\""};
  }
  if (segments->size() > kMostRequestSegments) {
    return Error{"request.url", "must have at most " + std::to_string(kMostRequestSegments) +
                                    " path segments, got " + std::to_string(segments->size())};
  }
  const RouteMatch match = match_route(config.policy, method, *segments);
  RouteRequirement route;
  route.rule = match.rule;
  apply_requirement_spec(*match.requirement, config, route.requirement);
  return route;
}

namespace {

// The route's decision: returnTo defaulting to the request's own URL when it is one (a bare path
// has no origin to return to).
Decision decide_route(const Config& config, const WhoamiOutcome& whoami, std::string_view method,
                      std::string_view url, const RouteRequirement& route, Requirement& requirement,
                      Explanation* explanation) {
  if (!requirement.return_to && !url.empty() && url.front() != '/') {
    requirement.return_to = std::string(url);
  }
  // The route is looked up, not decided: a step that never applies.
  Explainer(explanation).rule("route", false, [&](Check& c) {
    c.quoted(method) << " ";
    c.quoted(url) << ": ";
    if (route.rule) {
      c << "policy rule " << static_cast<std::int64_t>(*route.rule);
    } else {
      c << "the policy's default";
    }
    c << ", aal " << to_string(requirement.aal);
    if (requirement.max_age_ns) (c << ", maxAge ").seconds(*requirement.max_age_ns);
    if (requirement.operation) c << ", operation " << to_string(*requirement.operation);
  });
  return decide(config, whoami, requirement, explanation);
}

}  // namespace

Result<Decision> decide_request(const Config& config, const WhoamiOutcome& whoami,
                                const RequestFields& request, Explanation* explanation) {
  Result<RouteRequirement> route = requirement_for(config, request.method, request.url);
  if (!route) return route.error();
  Requirement requirement = route.value().requirement;
  Result<Timestamp> now = now_from_ms(request.now_ms, "request");
  if (!now) return now.error();
  requirement.now = now.value();
  if (request.return_to && !request.return_to->empty()) {
    requirement.return_to = std::string(*request.return_to);
  }
  return decide_route(config, whoami, request.method, request.url, route.value(), requirement,
                      explanation);
}

Result<Decision> decide_request(const Config& config, const WhoamiOutcome& whoami,
                                std::string_view request_json, Explanation* explanation) {
  const std::optional<Json> parsed = json_fields::parse(request_json);
  if (!parsed || !parsed->is_object() || json_fields::is_unserializable(*parsed)) {
    return Error{"request", "must be an object { method, url, returnTo?, now? }"};
  }
  const Json& json = *parsed;
  if (const std::string* key =
          json_fields::unknown_key(json, {"method", "url", "returnTo", "now"})) {
    return Error{"request." + *key, "is not a request field (method, url, returnTo, now)"};
  }
  const Json* method = json_fields::find(json, "method");
  if (method == nullptr)
    return Error{"request.method", "is required: an HTTP method such as \"GET\""};
  if (!method->is_string()) {
    return Error{"request.method", "must be a string, got " + json_fields::describe(*method)};
  }
  const Json* url = json_fields::find(json, "url");
  if (url == nullptr) return Error{"request.url", "is required: the request URL or path"};
  if (!url->is_string()) {
    return Error{"request.url", "must be a string, got " + json_fields::describe(*url)};
  }
  Result<RouteRequirement> route = requirement_for(config, method->get_ref<const std::string&>(),
                                                   url->get_ref<const std::string&>());
  if (!route) return route.error();

  Requirement requirement = route.value().requirement;
  // returnTo and now read by the requirement's rules (the other fields were refused above).
  if (std::optional<Error> error = read_requirement_extras(json, "request", requirement)) {
    return *std::move(error);
  }
  return decide_route(config, whoami, method->get_ref<const std::string&>(),
                      url->get_ref<const std::string&>(), route.value(), requirement, explanation);
}

}  // namespace aalgate
