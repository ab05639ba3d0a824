#pragma once
/// @file decision_builder.hpp
/// @brief Internal: assembles a Decision (URL, warnings, challenge) for decide and recover.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "aalgate/challenge.hpp"
#include "aalgate/config.hpp"
#include "aalgate/decide.hpp"
#include "aalgate/flow_url.hpp"

namespace aalgate {

class DecisionBuilder {
 public:
  DecisionBuilder(const Config& config, const Requirement& requirement)
      : config_(config), requirement_(requirement) {
    decision_.required_aal = requirement.aal;
    if (requirement.aal == RequiredAal::highest_available &&
        config.whoami_required_aal != ServerAal::highest_available) {
      decision_.warnings.push_back(Warning::highest_available_unverifiable);
    }
  }

  void set_session(const Session& session) {
    decision_.aal = session.aal;
    decision_.session_expires_at = session.expires_at;
  }

  Decision without_url(Verdict verdict, Reason reason) {
    decision_.verdict = verdict;
    decision_.reason = reason;
    return std::move(decision_);
  }

  /// A login-flow URL. step_up and refresh verdicts carry an RFC 9470 challenge that asks for
  /// aal2 when the URL does (or `challenge_aal2`); a refresh's `max_age` is
  /// `challenge_max_age_ns` (0 when Kratos asked for it without one).
  Decision login(Verdict verdict, Reason reason, LoginUrlOptions options,
                 std::optional<std::int64_t> challenge_max_age_ns = std::nullopt,
                 bool challenge_aal2 = false) {
    return with_url(verdict, reason, build_login_url(config_, requirement_, options),
                    options.aal2 || challenge_aal2, challenge_max_age_ns);
  }

  /// A URL Kratos sent, already checked by the caller.
  Decision redirect(Verdict verdict, Reason reason, std::string url, bool aal2) {
    return with_url(verdict, reason, FlowUrl{std::move(url), false}, aal2, 0);
  }

  Decision enroll(Reason reason) {
    return with_url(Verdict::enroll, reason, build_settings_url(config_, requirement_), false,
                    std::nullopt);
  }

  void add_warning(Warning warning) { decision_.warnings.push_back(warning); }
  void set_kratos_reason(std::string reason) { decision_.kratos_reason = std::move(reason); }

 private:
  Decision with_url(Verdict verdict, Reason reason, FlowUrl url, bool aal2,
                    std::optional<std::int64_t> max_age_ns) {
    decision_.url = std::move(url.url);
    if (url.return_to_dropped) decision_.warnings.push_back(Warning::return_to_dropped);
    if (verdict == Verdict::step_up) decision_.challenge = build_challenge(true, std::nullopt);
    if (verdict == Verdict::refresh)
      decision_.challenge = build_challenge(aal2, max_age_ns.value_or(0));
    return without_url(verdict, reason);
  }

  const Config& config_;
  const Requirement& requirement_;
  Decision decision_;
};

}  // namespace aalgate
