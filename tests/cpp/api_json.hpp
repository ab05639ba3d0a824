#pragma once
/// @file api_json.hpp
/// @brief Test support: the core's answers as JSON in the JS API's shapes (js/marshal.js): a
/// Decision, a route's requirement, a challenge. For the native conformance runner
/// (conformance_test.cpp) and the Wasm/native differential's driver (fuzz/differential_driver.cpp),
/// which compare them with what the vectors and the Wasm core give.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "aalgate/aalgate.hpp"

namespace aalgate_test {

/// @brief `{verdict, url, reason, aal, requiredAal, warnings, challenge}`; an empty url or
/// challenge is null, as the JS API gives them.
inline nlohmann::json decision_json(const aalgate::Decision& d) {
  using Json = nlohmann::json;
  const auto or_null = [](const std::string& text) { return text.empty() ? Json() : Json(text); };
  Json warnings = Json::array();
  for (const aalgate::Warning w : d.warnings)
    warnings.push_back(std::string(aalgate::to_string(w)));
  return Json{{"verdict", std::string(aalgate::to_string(d.verdict))},
              {"url", or_null(d.url)},
              {"reason", aalgate::reason_code(d)},
              {"aal", d.aal ? Json(std::string(aalgate::to_string(*d.aal))) : Json()},
              {"requiredAal", std::string(aalgate::to_string(d.required_aal))},
              {"warnings", warnings},
              {"challenge", or_null(d.challenge)}};
}

/// @brief `gate.requirementFor`'s `{aal, maxAge?, operation?, rule}`: maxAge in seconds, rule
/// null for the policy's default.
inline nlohmann::json route_json(const aalgate::RouteRequirement& route) {
  using Json = nlohmann::json;
  Json out = Json::object();
  out["aal"] = std::string(aalgate::to_string(route.requirement.aal));
  if (route.requirement.max_age_ns) {
    out["maxAge"] = static_cast<double>(*route.requirement.max_age_ns) / 1e9;
  }
  if (route.requirement.operation) {
    out["operation"] = std::string(aalgate::to_string(*route.requirement.operation));
  }
  out["rule"] = route.rule ? Json(*route.rule) : Json();
  return out;
}

/// @brief `gate.parseChallenge`'s `{aal, maxAge?}`, or null for no step-up challenge.
inline nlohmann::json challenge_json(const std::optional<aalgate::ChallengeRequirement>& found) {
  using Json = nlohmann::json;
  if (!found) return Json();
  Json out = Json::object();
  out["aal"] = std::string(aalgate::to_string(found->aal));
  if (found->max_age_seconds) out["maxAge"] = *found->max_age_seconds;
  return out;
}

}  // namespace aalgate_test
