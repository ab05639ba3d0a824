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
  std::string challenge;
  double sessionExpiresAt = -1;  // ms since the epoch; -1 when no valid session was read
  int httpStatus = 0;            // aalgate::http_status(verdict): 0 go on, else 401/403/503
};

struct RouteValue {
  bool ok = false;
  std::string code;
  std::string message;
  std::string aal;
  double maxAge = -1;  // seconds; -1 when unset
  std::string operation;
  int rule = -1;  // -1: the policy's default
};

struct ChallengeValue {
  bool found = false;
  std::string aal;
  double maxAge = -1;  // seconds; -1 when unset
};

DecisionValue error_value(const aalgate::Error& error) {
  DecisionValue out;
  out.code = error.code;
  out.message = error.message;
  return out;
}

DecisionValue to_value(const aalgate::Decision& decision) {
  DecisionValue out;
  out.ok = true;
  out.verdict = aalgate::to_string(decision.verdict);
  out.url = decision.url;
  out.reason = aalgate::reason_code(decision);
  if (decision.aal) out.aal = aalgate::to_string(*decision.aal);
  out.requiredAal = aalgate::to_string(decision.required_aal);
  for (const aalgate::Warning warning : decision.warnings) {
    if (!out.warnings.empty()) out.warnings.push_back(',');
    out.warnings.append(aalgate::to_string(warning));
  }
  out.challenge = decision.challenge;
  out.httpStatus = aalgate::http_status(decision.verdict);
  if (decision.session_expires_at) {
    out.sessionExpiresAt = static_cast<double>(decision.session_expires_at->seconds) * 1000.0 +
                           static_cast<double>(decision.session_expires_at->nanos / 1000000);
  }
  return out;
}

// What the HTTP call gave, as js/normalize.js numbers it (OUTCOME): 0 nothing (no session),
// 1 an answer (status, body), 2 no answer: unreachable, 3 no answer: timed out. A status that is
// not a whole HTTP code becomes 0: unexpected for decide, "use error.code" for recover.
aalgate::WhoamiOutcome outcome(int kind, double status, const std::string& body) {
  const bool whole =
      std::isfinite(status) && status == std::floor(status) && status >= 100 && status <= 599;
  const aalgate::NoAnswer no_answer = kind == 2   ? aalgate::NoAnswer::unreachable
                                      : kind == 3 ? aalgate::NoAnswer::timeout
                                                  : aalgate::NoAnswer::none;
  return {kind == 1, whole ? static_cast<int>(status) : 0, body, no_answer};
}

// One configured gate; owned by JS (`delete()`), reused for every call.
class Gate {
 public:
  // `public_suffix_data`: "" until the core answers code "publicSuffixList", then the text of
  // aalgate-public-suffix.dat (parsed for this call only, not kept).
  ConfigureResult configure(const std::string& config_json, const std::string& public_suffix_data) {
    std::optional<aalgate::PublicSuffixList> suffixes;
    if (!public_suffix_data.empty()) {
      aalgate::Result<aalgate::PublicSuffixList> parsed =
          aalgate::PublicSuffixList::parse(public_suffix_data);
      if (!parsed) return {false, parsed.error().code, parsed.error().message};
      suffixes = std::move(parsed).value();
    }
    aalgate::Result<aalgate::Config> config =
        aalgate::parse_config(config_json, suffixes ? &*suffixes : nullptr);
    if (!config) return {false, config.error().code, config.error().message};
    config_ = std::move(config).value();
    return {true, "", ""};
  }

  DecisionValue decide(int kind, double status, const std::string& body,
                       const std::string& requirement_json) const {
    return with_requirement(requirement_json, [&](const aalgate::Requirement& requirement) {
      return aalgate::decide(*config_, outcome(kind, status, body), requirement);
    });
  }

  DecisionValue recover(int kind, double status, const std::string& body,
                        const std::string& requirement_json) const {
    return with_requirement(requirement_json, [&](const aalgate::Requirement& requirement) {
      return aalgate::recover(*config_, outcome(kind, status, body), requirement);
    });
  }

  DecisionValue decideRequest(int kind, double status, const std::string& body,
                              const std::string& request_json) const {
    if (!config_) return unconfigured();
    const auto decision =
        aalgate::decide_request(*config_, outcome(kind, status, body), request_json);
    if (!decision) return error_value(decision.error());
    return to_value(decision.value());
  }

  RouteValue requirementFor(const std::string& method, const std::string& url) const {
    RouteValue out;
    if (!config_) {
      out.code = "gate.unconfigured";
      return out;
    }
    const auto route = aalgate::requirement_for(*config_, method, url);
    if (!route) {
      out.code = route.error().code;
      out.message = route.error().message;
      return out;
    }
    const aalgate::Requirement& r = route.value().requirement;
    out.ok = true;
    out.aal = aalgate::to_string(r.aal);
    if (r.max_age_ns) out.maxAge = static_cast<double>(*r.max_age_ns) / 1e9;
    if (r.operation) out.operation = aalgate::to_string(*r.operation);
    if (route.value().rule) out.rule = static_cast<int>(*route.value().rule);
    return out;
  }

  // Whether a server's answer may send the browser to `url` (one of Kratos's own pages).
  bool isSelfServiceUrl(const std::string& url) const {
    return config_ && aalgate::is_self_service_url(url, *config_);
  }

  ChallengeValue parseChallenge(const std::string& header) const {
    ChallengeValue out;
    const auto challenge = aalgate::parse_challenge(header);
    if (!challenge) return out;
    out.found = true;
    out.aal = aalgate::to_string(challenge->aal);
    if (challenge->max_age_seconds) out.maxAge = static_cast<double>(*challenge->max_age_seconds);
    return out;
  }

 private:
  // The requirement parsed against this gate's configuration, then `decide` on it.
  template <class Decide>
  DecisionValue with_requirement(const std::string& requirement_json, Decide&& decide) const {
    if (!config_) return unconfigured();
    const auto requirement = aalgate::parse_requirement(requirement_json, *config_);
    if (!requirement) return error_value(requirement.error());
    return to_value(decide(requirement.value()));
  }

  static DecisionValue unconfigured() {
    return error_value({"gate.unconfigured", "configure() has not succeeded on this gate"});
  }

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
      .field("warnings", &DecisionValue::warnings)
      .field("challenge", &DecisionValue::challenge)
      .field("sessionExpiresAt", &DecisionValue::sessionExpiresAt)
      .field("httpStatus", &DecisionValue::httpStatus);
  emscripten::value_object<RouteValue>("RouteValue")
      .field("ok", &RouteValue::ok)
      .field("code", &RouteValue::code)
      .field("message", &RouteValue::message)
      .field("aal", &RouteValue::aal)
      .field("maxAge", &RouteValue::maxAge)
      .field("operation", &RouteValue::operation)
      .field("rule", &RouteValue::rule);
  emscripten::value_object<ChallengeValue>("ChallengeValue")
      .field("found", &ChallengeValue::found)
      .field("aal", &ChallengeValue::aal)
      .field("maxAge", &ChallengeValue::maxAge);
  emscripten::class_<Gate>("Gate")
      .constructor<>()
      .function("configure", &Gate::configure)
      .function("decide", &Gate::decide)
      .function("recover", &Gate::recover)
      .function("decideRequest", &Gate::decideRequest)
      .function("requirementFor", &Gate::requirementFor)
      .function("parseChallenge", &Gate::parseChallenge)
      .function("isSelfServiceUrl", &Gate::isSelfServiceUrl);
}
