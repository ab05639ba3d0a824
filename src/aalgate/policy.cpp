#include "aalgate/policy.hpp"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "aalgate/ascii.hpp"
#include "aalgate/json_fields.hpp"
#include "aalgate/url.hpp"

namespace aalgate {
namespace {

using ascii::hex_value;
using ascii::is_unreserved;
using ascii::to_upper;

using json_fields::Json;

std::vector<std::string> split_segments(std::string_view path) {
  std::vector<std::string> segments;
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t slash = path.find('/', start);
    const std::size_t end = slash == std::string_view::npos ? path.size() : slash;
    if (end > start) segments.emplace_back(path.substr(start, end - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return segments;
}

// `*` matches any run of characters within one segment, possibly empty.
bool segment_matches(std::string_view pattern, std::string_view text) {
  std::size_t p = 0, t = 0, star = std::string_view::npos, resume = 0;
  while (t < text.size()) {
    if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      resume = t;
    } else if (p < pattern.size() && pattern[p] == text[t]) {
      ++p;
      ++t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

// Segment-level matching with `**` spanning any number of segments: segment_matches' greedy
// walk over segments instead of characters (a `**` is a `*`, any other pattern segment matches
// exactly one path segment), resuming after the last `**` on a mismatch. A pattern without
// `**` costs at most one look at each of its segments; the worst case is pattern × path.
bool path_matches(const std::vector<std::string>& pattern, const std::vector<std::string>& path) {
  constexpr std::size_t kNone = static_cast<std::size_t>(-1);
  std::size_t p = 0, t = 0, star = kNone, resume = 0;
  while (t < path.size()) {
    if (p < pattern.size() && pattern[p] == "**") {
      star = p++;
      resume = t;
    } else if (p < pattern.size() && segment_matches(pattern[p], path[t])) {
      ++p;
      ++t;
    } else if (star != kNone) {
      p = star + 1;
      t = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == "**") ++p;
  return p == pattern.size();
}

Result<std::vector<std::string>> compile_pattern(const Json& rule, const std::string& code) {
  const Json* path = json_fields::find(rule, "path");
  if (path == nullptr || !path->is_string()) {
    return Error{code, "is required: a path pattern such as \"/billing/**\""};
  }
  const std::string& text = path->get_ref<const std::string&>();
  if (text.size() > kMostPatternBytes) {
    return Error{code, "must be at most " + std::to_string(kMostPatternBytes) + " bytes, got " +
                           std::to_string(text.size())};
  }
  if (text.empty() || text.front() != '/' || text.find_first_of("?#\\") != std::string::npos ||
      has_control_characters(text)) {
    return Error{
        code, "must start with / and hold no ?, #, \\ or control characters, got \"" + text + "\""};
  }
  std::vector<std::string> segments = split_segments(text);
  for (const std::string& segment : segments) {
    if (segment == "." || segment == "..") {
      return Error{code, "must not hold . or .. segments (paths are matched resolved), got \"" +
                             text + "\""};
    }
    if (segment != "**" && segment.find("**") != std::string::npos) {
      return Error{code, "may use ** only as a whole segment, got \"" + text + "\""};
    }
  }
  return segments;
}

Result<std::vector<std::string>> compile_methods(const Json& rule, const std::string& code) {
  std::vector<std::string> methods;
  const Json* list = json_fields::find(rule, "methods");
  if (list == nullptr) return methods;
  if (!list->is_array() || list->empty()) {
    return Error{code,
                 "must be a non-empty array of HTTP methods, got " + json_fields::describe(*list)};
  }
  for (const Json& method : *list) {
    if (!method.is_string() || !is_method_token(method.get_ref<const std::string&>())) {
      return Error{code, "must hold HTTP method names, got " + json_fields::describe(method)};
    }
    std::string upper = method.get<std::string>();
    for (char& c : upper) c = to_upper(c);
    methods.push_back(std::move(upper));
  }
  return methods;
}

}  // namespace

bool is_method_token(std::string_view method) {
  if (method.empty()) return false;
  for (const char c : method) {
    if (!ascii::is_tchar(c)) return false;
  }
  return true;
}

Result<Policy> compile_policy(const Json& document) {
  if (!document.is_object() || json_fields::is_unserializable(document)) {
    return Error{"config.policy", "must be an object { rules: [...], default: {...} }, got " +
                                      json_fields::describe(document)};
  }
  if (const std::string* key = json_fields::unknown_key(document, {"rules", "default"})) {
    return Error{"config.policy." + *key, "is not a policy field (rules, default)"};
  }
  Policy policy;
  if (const Json* fallback = json_fields::find(document, "default")) {
    const std::string code = "config.policy.default";
    if (!fallback->is_object() || json_fields::is_unserializable(*fallback)) {
      return Error{code, "must be an object such as { aal: 'aal1' }"};
    }
    if (const std::string* key =
            json_fields::unknown_key(*fallback, {"aal", "maxAge", "operation"})) {
      return Error{code + "." + *key, "is not a requirement field (aal, maxAge, operation)"};
    }
    Result<RequirementSpec> spec = parse_requirement_spec(*fallback, code);
    if (!spec) return spec.error();
    policy.fallback = spec.value();
  }
  const Json* rules = json_fields::find(document, "rules");
  if (rules == nullptr) return policy;
  if (!rules->is_array()) {
    return Error{"config.policy.rules",
                 "must be an array of rules, got " + json_fields::describe(*rules)};
  }
  if (rules->size() > kMostPolicyRules) {
    return Error{"config.policy.rules", "must hold at most " + std::to_string(kMostPolicyRules) +
                                            " rules, got " + std::to_string(rules->size())};
  }
  std::size_t segments = 0;
  for (std::size_t i = 0; i < rules->size(); ++i) {
    const Json& rule = (*rules)[i];
    const std::string code = "config.policy.rules[" + std::to_string(i) + "]";
    if (!rule.is_object() || json_fields::is_unserializable(rule)) {
      return Error{code, "must be an object such as { path: '/billing/**', aal: 'aal2' }"};
    }
    if (const std::string* key =
            json_fields::unknown_key(rule, {"path", "methods", "aal", "maxAge", "operation"})) {
      return Error{code + "." + *key,
                   "is not a rule field (path, methods, aal, maxAge, operation)"};
    }
    PolicyRule compiled;
    Result<std::vector<std::string>> pattern = compile_pattern(rule, code + ".path");
    if (!pattern) return pattern.error();
    compiled.pattern = std::move(pattern).value();
    segments += compiled.pattern.size();
    if (segments > kMostPolicySegments) {
      return Error{code + ".path", "makes the policy's patterns hold more than " +
                                       std::to_string(kMostPolicySegments) +
                                       " path segments together"};
    }
    Result<std::vector<std::string>> methods = compile_methods(rule, code + ".methods");
    if (!methods) return methods.error();
    compiled.methods = std::move(methods).value();
    Result<RequirementSpec> spec = parse_requirement_spec(rule, code);
    if (!spec) return spec.error();
    compiled.requirement = spec.value();
    policy.rules.push_back(std::move(compiled));
  }
  return policy;
}

std::optional<std::vector<std::string>> request_path_segments(std::string_view url) {
  // Cut the query and fragment first: nothing after them is read, whatever their length.
  url = url.substr(0, url.find_first_of("?#"));
  std::string_view raw_path;
  std::string path_storage;
  if (!url.empty() && url.front() == '/') {
    raw_path = url;
  } else {
    std::optional<AbsoluteUrl> parsed = parse_http_url(url);
    if (!parsed) return std::nullopt;
    path_storage = std::move(parsed->path);
    raw_path = path_storage;
  }
  // Decode unreserved characters; encoded and raw separators both split segments.
  std::string decoded;
  decoded.reserve(raw_path.size());
  for (std::size_t i = 0; i < raw_path.size(); ++i) {
    const char c = raw_path[i];
    if (c == '\\') {
      decoded.push_back('/');
    } else if (c == '%' && i + 2 < raw_path.size() && hex_value(raw_path[i + 1]) >= 0 &&
               hex_value(raw_path[i + 2]) >= 0) {
      const auto byte =
          static_cast<char>(hex_value(raw_path[i + 1]) * 16 + hex_value(raw_path[i + 2]));
      if (is_unreserved(byte)) {
        decoded.push_back(byte);
      } else if (byte == '/' || byte == '\\') {
        decoded.push_back('/');
      } else if (byte == ';') {
        decoded.push_back(';');  // a server that decodes it would read path parameters
      } else {
        decoded.append(raw_path.substr(i, 3));
      }
      i += 2;
    } else {
      decoded.push_back(c);
    }
  }
  std::vector<std::string> resolved;
  for (std::string& segment : split_segments(decoded)) {
    // Path parameters (`;jsessionid=…`) are cut, as Tomcat and Spring do before routing, so
    // `/public/..;/billing` is `/billing` and `/billing;x/pay` is `/billing/pay`.
    segment.erase(std::min(segment.find(';'), segment.size()));
    if (segment.empty()) continue;
    if (segment == ".") continue;
    if (segment == "..") {
      if (!resolved.empty()) resolved.pop_back();
      continue;
    }
    resolved.push_back(std::move(segment));
  }
  return resolved;
}

RouteMatch match_route(const Policy& policy, std::string_view method,
                       const std::vector<std::string>& segments) {
  std::string upper(method);
  for (char& c : upper) c = to_upper(c);
  for (std::size_t i = 0; i < policy.rules.size(); ++i) {
    const PolicyRule& rule = policy.rules[i];
    bool method_ok = rule.methods.empty();
    for (const std::string& m : rule.methods) method_ok = method_ok || m == upper;
    if (method_ok && path_matches(rule.pattern, segments)) {
      return RouteMatch{i, &rule.requirement};
    }
  }
  return RouteMatch{std::nullopt, &policy.fallback};
}

}  // namespace aalgate
