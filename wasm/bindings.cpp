// Embind bindings: translate strings in and a plain object out; every decision is the core's.
#include <emscripten/bind.h>

#include <cmath>
#include <optional>
#include <string>

#include "aalgate/aalgate.hpp"

namespace {

struct ConfigureResult {
  bool ok = false;
  std::string code;
  std::string message;
};

struct DecisionValue {
  bool ok = false;
  std::string code;
  std::string message;
  std::string verdict;
  std::string url;
  std::string reason;
  std::string aal;
  std::string requiredAal;
  std::string warnings;
};

// One configured gate; owned by JS (`delete()`), reused for every decision.
class Gate {
 public:
  ConfigureResult configure(const std::string& config_json) {
    aalgate::Result<aalgate::Config> config = aalgate::parse_config(config_json);
    if (!config) return {false, config.error().code, config.error().message};
    config_ = std::move(config).value();
    return {true, "", ""};
  }

  DecisionValue decide(bool present, double status, const std::string& body,
                       const std::string& requirement_json) const {
    DecisionValue out;
    if (!config_) {
      out.code = "gate.unconfigured";
      out.message = "configure() has not succeeded on this gate";
      return out;
    }
    const aalgate::Result<aalgate::Requirement> requirement =
        aalgate::parse_requirement(requirement_json, *config_);
    if (!requirement) {
      out.code = requirement.error().code;
      out.message = requirement.error().message;
      return out;
    }
    // A status that is not a whole HTTP code becomes 0, which the core calls unexpected.
    const int whole_status =
        std::isfinite(status) && status == std::floor(status) && status >= 100 && status <= 599
            ? static_cast<int>(status)
            : 0;
    const aalgate::Decision decision =
        aalgate::decide(*config_, {present, whole_status, body}, requirement.value());
    out.ok = true;
    out.verdict = aalgate::to_string(decision.verdict);
    out.url = decision.url;
    out.reason = aalgate::to_string(decision.reason);
    if (decision.aal) out.aal = aalgate::to_string(*decision.aal);
    out.requiredAal = aalgate::to_string(decision.required_aal);
    for (const aalgate::Warning warning : decision.warnings) {
      if (!out.warnings.empty()) out.warnings.push_back(',');
      out.warnings.append(aalgate::to_string(warning));
    }
    return out;
  }

 private:
  std::optional<aalgate::Config> config_;
};

}  // namespace

EMSCRIPTEN_BINDINGS(aalgate) {
  emscripten::value_object<ConfigureResult>("ConfigureResult")
      .field("ok", &ConfigureResult::ok)
      .field("code", &ConfigureResult::code)
      .field("message", &ConfigureResult::message);
  emscripten::value_object<DecisionValue>("DecisionValue")
      .field("ok", &DecisionValue::ok)
      .field("code", &DecisionValue::code)
      .field("message", &DecisionValue::message)
      .field("verdict", &DecisionValue::verdict)
      .field("url", &DecisionValue::url)
      .field("reason", &DecisionValue::reason)
      .field("aal", &DecisionValue::aal)
      .field("requiredAal", &DecisionValue::requiredAal)
      .field("warnings", &DecisionValue::warnings);
  emscripten::class_<Gate>("Gate")
      .constructor<>()
      .function("configure", &Gate::configure)
      .function("decide", &Gate::decide);
}
