#pragma once
/// @file decision_json.hpp
/// @brief Test support: a Decision as JSON in the JS API's shape (js/marshal.js), for the native
/// conformance runner (conformance_test.cpp) and the Wasm/native differential's driver
/// (fuzz/differential_driver.cpp), which compare it with what the vectors and the Wasm core give.

#include <nlohmann/json.hpp>
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

}  // namespace aalgate_test
