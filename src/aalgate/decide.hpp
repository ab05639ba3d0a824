#pragma once
/// @file decide.hpp
/// @brief The decision (docs/contract.md §2): from a whoami outcome and a requirement to a verdict.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "aalgate/config.hpp"
#include "aalgate/requirement.hpp"
#include "aalgate/session.hpp"

namespace aalgate {

struct Explanation;

/// @brief What the app should do.
enum class Verdict { allow, login, step_up, refresh, enroll, error };

/// @brief Why; one per row of docs/contract.md §2's table.
enum class Reason {
  no_session,
  server_requires_aal2,
  unexpected_response,
  invalid_session,
  session_inactive,
  session_expired,
  no_authentication,
  second_factor_unavailable,
  aal2_required,
  second_factor_stale,
  reauthentication_required,
  satisfied,
  public_route,        ///< "public": the requirement is `aal: 'none'`
  kratos_unreachable,  ///< no answer: the connection failed
  kratos_timeout,      ///< no answer within the caller's time limit
  // gate.recover:
  redirect_not_allowed,  ///< a redirect_browser_to aalgate will not follow
  kratos_id,       ///< the Kratos error id answered, in Decision::kratos_reason (recover's table)
  core_failure,    ///< the core itself failed (core_failure_decision): never from decide
  token_claim,     ///< a tokenized session's claim a rule needs is missing or wrong: "claim_<name>"
                   ///< in Decision::kratos_reason
  body_too_large,  ///< the body is larger than Config::max_body_bytes: not read
};

/// @brief Something the caller should know that did not change the verdict.
enum class Warning { highest_available_unverifiable, return_to_dropped };

/// @brief Why an HTTP call to Kratos gave no answer at all.
enum class NoAnswer { none, unreachable, timeout };

/// @brief How a 200 body is given: JSON text as Kratos sent it, the session record js/ writes
/// for a Session object it read field by field (session_record.hpp), or the verified claims of
/// a tokenized session as JSON text (token_claims.hpp).
enum class BodyFormat { json_text, session_record, token_claims };

/// @brief What an HTTP call to Kratos gave: nothing (no session), a status and a body, or no
/// answer (`no_answer`: the call failed, so nothing is known). A Session object or JSON text is
/// `{true, 200, text}`; for recover, a body without a known status has status 0.
struct WhoamiOutcome {
  bool present = false;
  int status = 0;
  std::string_view body;
  NoAnswer no_answer = NoAnswer::none;
  BodyFormat format = BodyFormat::json_text;
  /// The caller measured the body above Config::max_body_bytes and left it out (`body` is
  /// empty): js/call.js, and a response whose reading stopped at the limit (js/kratos.js).
  bool body_over_limit = false;
};

/// @brief Whether an answer's body is over `config.max_body_bytes` (or its caller said so):
/// checked before any parsing, such a body is decided `error`, reason `body_too_large`.
[[nodiscard]] bool is_body_too_large(const Config& config, const WhoamiOutcome& whoami);

/// @brief The verdict and, for every verdict but allow and error, the URL to send the user to.
struct Decision {
  Verdict verdict = Verdict::error;
  std::string url;  ///< empty exactly when verdict is allow or error
  Reason reason = Reason::unexpected_response;
  std::optional<Aal> aal;  ///< the session's level, when a valid session was read
  RequiredAal required_aal = RequiredAal::aal1;
  std::vector<Warning> warnings;
  std::string challenge;  ///< RFC 9470 `WWW-Authenticate` value for step_up and refresh, else ""
  /// For Reason::kratos_id: a known Kratos error id as is (`session_aal2_required`), any
  /// other as `kratos_<id>` with the id reduced to [a-z0-9_]. For Reason::token_claim:
  /// `claim_<name>`.
  std::string kratos_reason;
  /// The session's `expires_at` when a valid Session was read: how long a whoami answer may be
  /// cached (the worker's cache never keeps one past it).
  std::optional<Timestamp> session_expires_at;
};

/// @brief Decides by docs/contract.md §2's rules, first match wins. Never throws, never fails:
/// malformed or hostile whoami content gives `error` or `login`, never `allow`.
/// @param explanation when given, filled with the rules considered and the values read
/// (explain.hpp); the decision is the same with or without it.
[[nodiscard]] Decision decide(const Config& config, const WhoamiOutcome& whoami,
                              const Requirement& requirement, Explanation* explanation = nullptr);

/// @brief What to answer when the core itself failed (a trap or an abort inside the Wasm module)
/// and cannot be asked: `error`, reason `core_failure`, no URL, no session. js/ takes it from the
/// core at load (wasm/bindings.cpp names()) and answers it for the call that failed.
[[nodiscard]] Decision core_failure_decision();

/// @brief The HTTP status a server answers a request with for `verdict` when it does not redirect
/// (aalgate/worker): 0 for allow (the request goes on), 401 for login, step_up and refresh (with
/// the challenge), 403 for enroll (the user must add a factor first), 503 for error (Kratos's
/// answer could not be judged: never a pass).
[[nodiscard]] int http_status(Verdict verdict);

[[nodiscard]] std::string_view to_string(Verdict verdict);
[[nodiscard]] std::string_view to_string(Reason reason);
/// @brief The decision's reason code: `to_string(reason)`, or the Kratos id for kratos_id.
[[nodiscard]] std::string reason_code(const Decision& decision);
[[nodiscard]] std::string_view to_string(Warning warning);

}  // namespace aalgate
