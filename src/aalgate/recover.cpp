#include "aalgate/recover.hpp"

#include <optional>
#include <string>
#include <string_view>

#include "aalgate/decision_builder.hpp"
#include "aalgate/explain.hpp"
#include "aalgate/json_fields.hpp"
#include "aalgate/return_to.hpp"
#include "aalgate/url.hpp"

namespace aalgate {
namespace {

using json_fields::Json;

// `redirect_browser_to` at the top level, else in `error.details`.
std::optional<std::string> redirect_of(const Json& body, const Json& error) {
  const Json* top = json_fields::find(body, "redirect_browser_to");
  if (top != nullptr && top->is_string()) return top->get<std::string>();
  const Json* details = json_fields::find(error, "details");
  const Json* nested =
      details != nullptr ? json_fields::find(*details, "redirect_browser_to") : nullptr;
  if (nested != nullptr && nested->is_string()) return nested->get<std::string>();
  return std::nullopt;
}

// A dot segment, plain or percent-encoded (`..`, `%2e%2E`, `.`), which a browser resolves.
bool has_dot_segment(std::string_view path) {
  std::size_t start = 0;
  while (start <= path.size()) {
    const std::size_t slash = path.find('/', start);
    std::string segment(
        path.substr(start, slash == std::string_view::npos ? path.npos : slash - start));
    for (std::size_t at = 0; (at = segment.find('%', at)) != std::string::npos;) {
      if (segment.compare(at, 3, "%2e") == 0 || segment.compare(at, 3, "%2E") == 0) {
        segment.replace(at, 3, ".");
      } else {
        ++at;
      }
    }
    if (segment == "." || segment == "..") return true;
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return false;
}

// An origin the configuration names in `redirectOrigins` (an OIDC provider, Hydra, the UI).
bool on_redirect_origin(std::string_view url, const Config& config) {
  const std::optional<AbsoluteUrl> parsed = parse_http_url(url);
  if (!parsed || parsed->has_userinfo) return false;
  const std::string origin = origin_of(*parsed);
  for (const std::string& allowed : config.redirect_origins) {
    if (origin == allowed) return true;
  }
  return false;
}

// What decide asks for when this requirement finds the session too old, for an error that
// interrupted such a flow: the refresh the requirement needs, else its level.
LoginUrlOptions options_for(const Requirement& requirement) {
  const bool aal2 = requirement.aal == RequiredAal::aal2;
  const bool settings = requirement.operation == Operation::settings;
  if (requirement.max_age_ns && (!settings || *requirement.max_age_ns > 0)) {
    return aal2 && !settings ? LoginUrlOptions::reauthenticate_second_factor()
                             : LoginUrlOptions::reauthenticate();
  }
  return aal2 ? LoginUrlOptions::step_up() : LoginUrlOptions::first_login();
}

Verdict verdict_for(LoginUrlOptions options) {
  return options.refresh ? Verdict::refresh : options.aal2 ? Verdict::step_up : Verdict::login;
}

// How recover answers a Kratos error id: one row per id Kratos sends (its reason is the id).
enum class Recovery {
  login_url,        ///< the row's verdict and login URL
  level_met,        ///< session_already_available: allow, or the refresh the requirement needs
  follow_redirect,  ///< Kratos's redirect_browser_to, when aalgate may follow it
  restart_flow,     ///< a fresh flow for what the requirement needs
};

struct KratosErrorRow {
  std::string_view id;
  Recovery recovery;
  Verdict verdict = Verdict::login;  ///< login_url only
  LoginUrlOptions options = {};      ///< login_url only
  bool keeps_own_return_to = false;  ///< without the caller's, use the redirect's return_to
  bool drops_return_to = false;      ///< Kratos refused the return_to: none, with a warning
};

// The Kratos error ids recover knows (DESIGN.md, "Recovering from Kratos errors"). Adding one
// is a row here, vectors in tests/conformance/recover.json and the reason in js/index.d.ts.
constexpr KratosErrorRow kKratosErrors[] = {
    {"session_aal2_required", Recovery::login_url, Verdict::step_up, LoginUrlOptions::step_up(),
     true},
    {"session_refresh_required", Recovery::login_url, Verdict::refresh,
     LoginUrlOptions::reauthenticate(), true},
    {"session_aal1_required", Recovery::login_url, Verdict::login, LoginUrlOptions::first_login()},
    {"session_inactive", Recovery::login_url, Verdict::login, LoginUrlOptions::first_login()},
    {"session_already_available", Recovery::level_met},
    {"browser_location_change_required", Recovery::follow_redirect},
    {"self_service_flow_return_to_forbidden",
     Recovery::restart_flow,
     Verdict::login,
     {},
     false,
     true},
    {"self_service_flow_expired", Recovery::restart_flow},
};

const KratosErrorRow* find_row(std::string_view id) {
  for (const KratosErrorRow& row : kKratosErrors) {
    if (row.id == id) return &row;
  }
  return nullptr;
}

bool on_base_origin(std::string_view url, const Config& config) {
  const std::optional<AbsoluteUrl> parsed = parse_http_url(url);
  const std::optional<AbsoluteUrl> base = parse_http_url(config.base_url);
  return parsed && base && !parsed->has_userinfo && origin_of(*parsed) == origin_of(*base);
}

std::string sanitize_id(std::string_view id) {
  std::string out;
  for (const char c : id.substr(0, 64)) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    out.push_back(keep ? c : (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : '_');
  }
  return out;
}

}  // namespace

bool is_self_service_url(std::string_view url, const Config& config) {
  const std::optional<AbsoluteUrl> parsed = parse_http_url(url);
  if (!parsed || parsed->has_userinfo || has_dot_segment(parsed->path)) return false;
  const std::string prefix = config.base_url + "/self-service/";
  const std::string rebuilt = origin_of(*parsed) + parsed->path;
  return rebuilt.compare(0, prefix.size(), prefix) == 0;
}

Decision recover(const Config& config, const WhoamiOutcome& error_outcome,
                 const Requirement& requirement, Explanation* explanation) {
  Explainer explain(explanation);
  if (explain.on()) {
    explain_inputs(*explanation, config, error_outcome, requirement);
    explanation->table = "recover";
    if (explanation->answer == "session" || explanation->answer == "status") {
      explanation->answer = "error_body";
    }
  }
  if (explain.rule("0'", error_outcome.no_answer != NoAnswer::none, [&](Check& c) {
        c << (error_outcome.no_answer == NoAnswer::none ? "Kratos answered"
                                                        : "Kratos gave no answer");
      })) {
    DecisionBuilder out(config, requirement);
    return out.without_url(Verdict::error, error_outcome.no_answer == NoAnswer::timeout
                                               ? Reason::kratos_timeout
                                               : Reason::kratos_unreachable);
  }
  // A body over maxBodyBytes is not parsed (as in decide; a step only when it decides).
  if (is_body_too_large(config, error_outcome) &&
      explain.rule("size", true, [&](Check& c) { explain_body_size(c, config, error_outcome); })) {
    DecisionBuilder out(config, requirement);
    return out.without_url(Verdict::error, Reason::body_too_large);
  }
  Requirement next = requirement;
  const std::optional<Json> body =
      error_outcome.present ? json_fields::parse(error_outcome.body, true) : std::nullopt;
  const Json* error = body ? json_fields::find(*body, "error") : nullptr;
  if (error != nullptr && !error->is_object()) error = nullptr;
  int status = error_outcome.status;
  if (status == 0 && error != nullptr) {
    const Json* code = json_fields::find(*error, "code");
    if (code != nullptr && code->is_number_integer()) status = code->get<int>();
  }
  const Json* id_value = error != nullptr ? json_fields::find(*error, "id") : nullptr;
  const std::string id =
      id_value != nullptr && id_value->is_string() ? id_value->get<std::string>() : "";
  const std::optional<std::string> redirect =
      error != nullptr ? redirect_of(*body, *error) : std::nullopt;

  const KratosErrorRow* row = find_row(id);
  // The error's own return_to, when the caller gives none (keeps a settings flow going).
  if (row != nullptr && row->keeps_own_return_to && !next.return_to && redirect &&
      on_base_origin(*redirect, config)) {
    std::optional<std::string> own = find_query_param(*redirect, "return_to");
    if (own && !own->empty() && is_return_to_allowed(*own, config.return_to)) next.return_to = own;
  }
  if (row != nullptr && row->drops_return_to) next.return_to.reset();

  DecisionBuilder out(config, next);
  explain.rule("error.id", id.empty() || row == nullptr, [&](Check& c) {
    c << "error.id ";
    if (id.empty()) {
      c << "absent, status " << status << (status == 401 ? ": no session" : ": not a Kratos error");
    } else {
      c.quoted(id) << ", status " << status
                   << (row == nullptr ? ": not an error aalgate recovers from"
                                      : ": recovered by its row");
    }
  });
  if (row != nullptr) {
    explain.rule(row->id, true, [&](Check& c) {
      switch (row->recovery) {
        case Recovery::login_url:
          c << "a login flow for what Kratos asked";
          return;
        case Recovery::level_met:
          c << "the level is met; required " << to_string(requirement.aal);
          if (requirement.max_age_ns) (c << ", maxAge ").seconds(*requirement.max_age_ns);
          return;
        case Recovery::follow_redirect:
          c << "follow redirect_browser_to when it is a self-service URL or a configured "
               "redirect origin";
          return;
        case Recovery::restart_flow:
          c << "a fresh flow for what the requirement needs";
          return;
      }
    });
  }
  if (id.empty()) {
    // A bare 401 (whoami's has no id) is "no session"; anything else without an id is unknown.
    if (status == 401) {
      return out.login(Verdict::login, Reason::no_session, LoginUrlOptions::first_login());
    }
    return out.without_url(Verdict::error, Reason::unexpected_response);
  }
  if (row == nullptr) {
    out.set_kratos_reason("kratos_" + sanitize_id(id));
    return out.without_url(Verdict::error, Reason::kratos_id);
  }
  out.set_kratos_reason(std::string(row->id));
  switch (row->recovery) {
    case Recovery::login_url:
      return out.login(row->verdict, Reason::kratos_id, row->options);
    case Recovery::level_met: {
      // The requested level is met (selfservice/flow/login/handler.go NewLoginFlow): an aal1
      // requirement goes on, or refreshes for a max age (the session's age is unknown here); an
      // aal2 one re-authenticates the second factor (a step-up on an aal2 session).
      if (requirement.aal == RequiredAal::aal2) {
        return out.login(Verdict::refresh, Reason::kratos_id,
                         LoginUrlOptions::reauthenticate_second_factor());
      }
      const LoginUrlOptions options = options_for(requirement);
      if (options.refresh) return out.login(Verdict::refresh, Reason::kratos_id, options);
      return out.without_url(Verdict::allow, Reason::kratos_id);
    }
    case Recovery::follow_redirect:
      if (redirect && is_self_service_url(*redirect, config)) {
        const bool refresh = find_query_param(*redirect, "refresh") == "true";
        const bool aal2 = find_query_param(*redirect, "aal") == "aal2";
        const Verdict verdict = refresh ? Verdict::refresh
                                : aal2  ? Verdict::step_up
                                        : Verdict::login;
        return out.redirect(verdict, Reason::kratos_id, *redirect, aal2);
      }
      // Elsewhere only when the configuration names that origin (OIDC provider, Hydra, UI).
      if (redirect && on_redirect_origin(*redirect, config)) {
        return out.redirect(Verdict::login, Reason::kratos_id, *redirect, false);
      }
      return out.without_url(Verdict::error, Reason::redirect_not_allowed);
    case Recovery::restart_flow: {
      // A flow error keeps what the interrupted flow was for: the refresh or level the
      // requirement needs, with a fresh flow.
      if (row->drops_return_to) out.add_warning(Warning::return_to_dropped);
      const LoginUrlOptions options = options_for(requirement);
      return out.login(verdict_for(options), Reason::kratos_id, options, std::nullopt,
                       requirement.aal == RequiredAal::aal2);
    }
  }
  return out.without_url(Verdict::error, Reason::unexpected_response);
}

}  // namespace aalgate
