#pragma once
/// @file explain.hpp
/// @brief Why a decision came out as it did (issue 12): each rule of the decision table
/// considered, in order, with the values it read, and for `invalid_session` the field that was
/// wrong. Filled only when a caller asks (decide, recover and decide_request take an
/// `Explanation*`, null by default), so deciding without it costs nothing more.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aalgate/config.hpp"
#include "aalgate/requirement.hpp"
#include "aalgate/session.hpp"
#include "aalgate/timestamp.hpp"

namespace aalgate {

struct WhoamiOutcome;

/// @brief One rule considered: its row in docs/contract.md §2 ("0", "0'", "1".."10", "S"; for
/// recover the table's own ids), what it checked with the values it read, and whether it applied.
struct ExplainStep {
  std::string rule;
  std::string check;
  bool applies = false;
};

/// @brief Why a 200 body is not a valid Session: the field (`expires_at`,
/// `authentication_methods[1].aal`, or `(body)` for the whole text) and what is wrong with it.
struct SessionProblem {
  std::string field;
  std::string problem;
};

/// @brief What a decision read and the rules it went through; to_json() is what callers get.
struct Explanation {
  std::string_view table = "decide";  ///< "decide" or "recover"
  /// What Kratos's answer was: session, status, no_session, unreachable, timeout, error_body.
  std::string_view answer = "no_session";
  std::optional<int> status;
  ServerAal server_aal = ServerAal::highest_available;
  std::optional<Operation> operation;
  RequiredAal required_aal = RequiredAal::aal1;
  std::optional<std::int64_t> max_age_ns;
  std::int64_t leeway_ns = 0;
  Timestamp now;
  std::optional<Session> session;
  std::optional<SessionProblem> problem;
  std::vector<ExplainStep> steps;
};

/// @brief Writes a step's check: text, numbers, durations and instants, each appended by an
/// out-of-line function (the description code stays small in the Wasm).
class Check {
 public:
  explicit Check(std::string& out) : out_(out) {}
  Check& operator<<(std::string_view text);
  Check& operator<<(const char* text) { return *this << std::string_view(text); }
  Check& operator<<(std::int64_t number);
  Check& operator<<(int number) { return *this << static_cast<std::int64_t>(number); }
  /// "620s", "1.5s" (format_seconds).
  Check& seconds(std::int64_t nanos);
  /// RFC 3339 in UTC (format_rfc3339).
  Check& time(Timestamp at);
  /// `"text"`, at most 64 bytes of it (cut at a UTF-8 boundary, "…" when cut): input quoted.
  Check& quoted(std::string_view text);

 private:
  std::string& out_;
};

/// @brief A null-safe handle on an Explanation: `rule()` records a step only when there is one
/// (the description is written only then) and returns `applies`, so a rule reads
/// `if (explain.rule("5", session.aal == Aal::aal0, [&](Check& c) { c << ...; }))`.
class Explainer {
 public:
  explicit Explainer(Explanation* out) : out_(out) {}
  [[nodiscard]] bool on() const { return out_ != nullptr; }
  [[nodiscard]] Explanation* operator->() const { return out_; }

  template <class Describe>
  bool rule(std::string_view id, bool applies, Describe&& describe) {
    if (out_ != nullptr) {
      Check check = add_step(id, applies);
      describe(check);
    }
    return applies;
  }

 private:
  Check add_step(std::string_view id, bool applies);
  Explanation* out_;
};

/// @brief The inputs every explanation states: the server model, the requirement, the answer.
void explain_inputs(Explanation& out, const Config& config, const WhoamiOutcome& whoami,
                    const Requirement& requirement);

/// @brief The check of the body size rule (`size`): how large the body was against
/// `maxBodyBytes`, or that the caller measured it over and left it out.
void explain_body_size(Check& check, const Config& config, const WhoamiOutcome& whoami);

/// @brief Why the 200 body of `whoami` is not a valid Session (call it when reading failed).
[[nodiscard]] SessionProblem diagnose_session(const WhoamiOutcome& whoami);

/// @brief A duration for people: "620s", "1.5s", "-2s" (seconds, up to millisecond precision).
[[nodiscard]] std::string format_seconds(std::int64_t nanos);

/// @brief `2026-12-04T17:09:13.5Z`: RFC 3339 in UTC, fractions without trailing zeros.
[[nodiscard]] std::string format_rfc3339(Timestamp at);

/// @brief The explanation as JSON text (DESIGN.md "Explanations"; js/index.d.ts Explanation).
[[nodiscard]] std::string to_json(const Explanation& explanation);

}  // namespace aalgate
