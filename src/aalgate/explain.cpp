#include "aalgate/explain.hpp"

#include <cstddef>
#include <cstdint>

#include "aalgate/decide.hpp"
#include "aalgate/json_fields.hpp"
#include "aalgate/session_fields.hpp"
#include "aalgate/session_record.hpp"
#include "aalgate/whoami_reader.hpp"

namespace aalgate {
namespace {

using json_fields::Json;

// At most `limit` bytes of `text`, cut at a UTF-8 character boundary, "…" when cut.
std::string excerpt(std::string_view text, std::size_t limit = 40) {
  if (text.size() <= limit) return std::string(text);
  std::size_t end = limit;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end)) + "\xE2\x80\xA6";
}

// A timestamp member as parse_session reads it: absent or null is fine unless `required`.
std::optional<std::string> time_problem(const Json& object, std::string_view key, bool required) {
  const Json* value = json_fields::find(object, key);
  if (value == nullptr) return required ? std::optional<std::string>("is missing") : std::nullopt;
  if (!value->is_string()) {
    return "must be an RFC 3339 time string, got " + json_fields::describe(*value);
  }
  const std::string& text = value->get_ref<const std::string&>();
  if (!parse_rfc3339(text)) return "is not an RFC 3339 time: \"" + excerpt(text) + "\"";
  return std::nullopt;
}

std::optional<std::string> string_problem(const Json& object, std::string_view key) {
  const Json* value = json_fields::find(object, key);
  if (value == nullptr || value->is_string()) return std::nullopt;
  return "must be a string, got " + json_fields::describe(*value);
}

// The checks of parse_session (session_oracle.cpp reads the same), in its order, each saying
// what it found.
SessionProblem text_problem(std::string_view text) {
  std::size_t stopped_at = 0;
  if (!is_readable_json(text, &stopped_at)) {
    const std::string where = " (reading stops at byte " + std::to_string(stopped_at) + ")";
    if (text.find('\0') != std::string_view::npos) return {"(body)", "holds a NUL byte" + where};
    // JSON without the repeated-key check: then the text failed on a repeated key.
    if (json_fields::parse(text)) {
      return {"(body)", "names a key twice in one object (JSON.parse would keep the last)" + where};
    }
    return {"(body)", "is not JSON" + where};
  }
  const std::optional<Json> parsed = json_fields::parse(text, /*reject_duplicate_keys=*/true);
  if (!parsed) return {"(body)", "is not JSON"};
  const Json& json = *parsed;
  if (!json.is_object())
    return {"(body)", "must be a Session object, got " + json_fields::describe(json)};

  const Json* active = json_fields::find(json, "active");
  if (active == nullptr) return {"active", "is missing"};
  if (!active->is_boolean()) {
    return {"active", "must be a boolean, got " + json_fields::describe(*active)};
  }
  if (auto problem = time_problem(json, "expires_at", true)) return {"expires_at", *problem};
  if (auto problem = time_problem(json, "authenticated_at", false)) {
    return {"authenticated_at", *problem};
  }
  if (const Json* list = json_fields::find(json, "authentication_methods")) {
    if (!list->is_array()) {
      return {"authentication_methods",
              "must be an array or null, got " + json_fields::describe(*list)};
    }
    std::size_t index = 0;
    for (const Json& entry : *list) {
      const std::string field = "authentication_methods[" + std::to_string(index++) + "]";
      if (!entry.is_object())
        return {field, "must be an object, got " + json_fields::describe(entry)};
      if (auto problem = string_problem(entry, "method")) return {field + ".method", *problem};
      if (auto problem = string_problem(entry, "aal")) return {field + ".aal", *problem};
      if (auto problem = time_problem(entry, "completed_at", false)) {
        return {field + ".completed_at", *problem};
      }
    }
  }
  if (auto problem = string_problem(json, "authenticator_assurance_level")) {
    return {"authenticator_assurance_level", *problem};
  }
  const Json* level = json_fields::find(json, "authenticator_assurance_level");
  if (level != nullptr) {
    const std::string& name = level->get_ref<const std::string&>();
    if (!name.empty() && !parse_aal(name)) {
      return {"authenticator_assurance_level",
              "is not a level (aal0 to aal3): \"" + excerpt(name) + "\""};
    }
  }
  return {"(body)", "no problem found"};
}

std::string_view answer_of(const WhoamiOutcome& whoami) {
  if (whoami.no_answer == NoAnswer::unreachable) return "unreachable";
  if (whoami.no_answer == NoAnswer::timeout) return "timeout";
  if (!whoami.present) return "no_session";
  if (whoami.format == BodyFormat::token_claims) return "token_claims";
  return whoami.status == 200 ? "session" : "status";
}

void append_string(std::string& out, std::string_view text) {
  static constexpr char kHex[] = "0123456789abcdef";
  out.push_back('"');
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(c);
    } else if (byte < 0x20) {
      out += "\\u00";
      out.push_back(kHex[byte >> 4]);
      out.push_back(kHex[byte & 15]);
    } else {
      out.push_back(c);
    }
  }
  out.push_back('"');
}

// Seconds as a JSON number: "620", "1.5", "-0.25" (milliseconds at most).
std::string seconds_number(std::int64_t nanos) {
  const bool negative = nanos < 0;
  const std::uint64_t magnitude =
      negative ? 0 - static_cast<std::uint64_t>(nanos) : static_cast<std::uint64_t>(nanos);
  const std::uint64_t millis = magnitude / 1000000;
  std::string out = negative && millis > 0 ? "-" : "";
  out += std::to_string(millis / 1000);
  std::uint64_t fraction = millis % 1000;
  if (fraction != 0) {
    std::string digits = std::to_string(fraction);
    digits.insert(0, 3 - digits.size(), '0');
    while (digits.back() == '0') digits.pop_back();
    out += "." + digits;
  }
  return out;
}

// The age of an instant at `now`, negative ages counted as 0 (docs/contract.md §2, Ages).
std::int64_t age_at(Timestamp at, Timestamp now) {
  const std::int64_t age = nanos_between(at, now);
  return age < 0 ? 0 : age;
}

class JsonWriter {
 public:
  void key(std::string_view name) {
    if (!first_) out_.push_back(',');
    first_ = false;
    append_string(out_, name);
    out_.push_back(':');
  }
  void string(std::string_view name, std::string_view value) {
    key(name);
    append_string(out_, value);
  }
  void raw(std::string_view name, std::string_view value) {
    key(name);
    out_ += value;
  }
  void open(std::string_view name, char bracket) {
    key(name);
    out_.push_back(bracket);
    first_ = true;
  }
  void close(char bracket) {
    out_.push_back(bracket);
    first_ = false;
  }
  std::string& text() { return out_; }

 private:
  std::string out_ = "{";
  bool first_ = true;
};

std::string time_or_null(const std::optional<Timestamp>& at) {
  if (!at) return "null";
  std::string out;
  append_string(out, format_rfc3339(*at));
  return out;
}

}  // namespace

Check& Check::operator<<(std::string_view text) {
  out_.append(text.data(), text.size());
  return *this;
}

Check& Check::operator<<(std::int64_t number) {
  out_ += std::to_string(number);
  return *this;
}

Check& Check::seconds(std::int64_t nanos) {
  out_ += format_seconds(nanos);
  return *this;
}

Check& Check::time(Timestamp at) {
  out_ += format_rfc3339(at);
  return *this;
}

Check& Check::quoted(std::string_view text) {
  out_.push_back('"');
  out_ += excerpt(text, 64);
  out_.push_back('"');
  return *this;
}

Check Explainer::add_step(std::string_view id, bool applies) {
  out_->steps.push_back({std::string(id), std::string(), applies});
  return Check(out_->steps.back().check);
}

void explain_inputs(Explanation& out, const Config& config, const WhoamiOutcome& whoami,
                    const Requirement& requirement) {
  out.answer = answer_of(whoami);
  if (whoami.present && whoami.no_answer == NoAnswer::none && whoami.status != 0) {
    out.status = whoami.status;
  }
  out.server_aal = config.whoami_required_aal;
  out.operation = requirement.operation;
  out.required_aal = requirement.aal;
  out.max_age_ns = requirement.max_age_ns;
  out.leeway_ns = config.leeway_ns;
  out.now = requirement.now;
}

void explain_body_size(Check& c, const Config& config, const WhoamiOutcome& whoami) {
  // The same text whether the core measured the body or its caller did (js/call.js leaves an
  // over-limit body out, so its size is not known here).
  (void)whoami;
  c << "the body is over maxBodyBytes " << static_cast<std::int64_t>(config.max_body_bytes)
    << ": not read";
}

SessionProblem diagnose_session(const WhoamiOutcome& whoami) {
  if (whoami.format == BodyFormat::json_text) return text_problem(whoami.body);
  SessionProblem problem{"(record)", "no problem found"};
  (void)read_session_record(whoami.body, &problem);
  return problem;
}

std::string format_seconds(std::int64_t nanos) { return seconds_number(nanos) + "s"; }

// Howard Hinnant's civil_from_days: the proleptic Gregorian date of a day count.
std::string format_rfc3339(Timestamp at) {
  const std::int64_t days = at.seconds >= 0 ? at.seconds / 86400 : (at.seconds - 86399) / 86400;
  const std::int64_t in_day = at.seconds - days * 86400;
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const auto two = [](std::int64_t value) {
    std::string digits = std::to_string(value);
    return digits.size() < 2 ? "0" + digits : digits;
  };
  std::string year_text = std::to_string(year < 0 ? -year : year);
  year_text.insert(0, year_text.size() < 4 ? 4 - year_text.size() : 0, '0');
  std::string out = (year < 0 ? "-" : "") + year_text + "-" + two(month) + "-" + two(day) + "T" +
                    two(in_day / 3600) + ":" + two(in_day / 60 % 60) + ":" + two(in_day % 60);
  if (at.nanos != 0) {
    std::string digits = std::to_string(at.nanos);
    digits.insert(0, 9 - digits.size(), '0');
    while (digits.back() == '0') digits.pop_back();
    out += "." + digits;
  }
  return out + "Z";
}

std::string to_json(const Explanation& explanation) {
  JsonWriter out;
  out.string("table", explanation.table);
  out.open("inputs", '{');
  out.string("answer", explanation.answer);
  out.raw("status", explanation.status ? std::to_string(*explanation.status) : "null");
  out.string("serverAal",
             explanation.server_aal == ServerAal::highest_available ? "highest_available" : "aal1");
  if (explanation.operation) {
    out.string("operation", to_string(*explanation.operation));
  } else {
    out.raw("operation", "null");
  }
  out.string("requiredAal", to_string(explanation.required_aal));
  out.raw("maxAge",
          explanation.max_age_ns ? seconds_number(*explanation.max_age_ns) : std::string("null"));
  out.raw("leeway", seconds_number(explanation.leeway_ns));
  out.raw("now", time_or_null(explanation.now));
  out.close('}');

  if (const std::optional<Session>& session = explanation.session) {
    const Timestamp now = explanation.now;
    out.open("session", '{');
    out.string("aal", to_string(session->aal));
    out.raw("active", session->active ? "true" : "false");
    out.raw("expiresAt", time_or_null(session->expires_at));
    out.raw("authenticatedAt", time_or_null(session->authenticated_at));
    out.raw("secondFactorAt", time_or_null(session->aal2_completed_at));
    out.raw("aal1Age", session->authenticated_at
                           ? seconds_number(age_at(*session->authenticated_at, now))
                           : std::string("null"));
    const std::optional<Timestamp> aal2_at =
        session->aal < Aal::aal2 || !session->authenticated_at ? std::nullopt
        : session->aal2_completed_at                           ? session->aal2_completed_at
                                                               : session->authenticated_at;
    out.raw("aal2Age", aal2_at ? seconds_number(age_at(*aal2_at, now)) : std::string("null"));
    out.raw("upstreamMfaOnly", session->aal2_from_upstream_only ? "true" : "false");
    out.close('}');
  } else {
    out.raw("session", "null");
  }
  if (explanation.problem) {
    out.open("problem", '{');
    out.string("field", explanation.problem->field);
    out.string("problem", explanation.problem->problem);
    out.close('}');
  } else {
    out.raw("problem", "null");
  }
  out.open("steps", '[');
  bool first = true;
  for (const ExplainStep& step : explanation.steps) {
    std::string& text = out.text();
    if (!first) text.push_back(',');
    first = false;
    text += "{\"rule\":";
    append_string(text, step.rule);
    text += ",\"check\":";
    append_string(text, step.check);
    text += step.applies ? ",\"applies\":true}" : ",\"applies\":false}";
  }
  out.close(']');
  out.text().push_back('}');
  return std::move(out.text());
}

}  // namespace aalgate
