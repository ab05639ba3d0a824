#include "aalgate/challenge.hpp"

#include <vector>

#include "aalgate/ascii.hpp"

namespace aalgate {
namespace {

using ascii::is_tchar;
using ascii::to_lower;

constexpr std::int64_t kNanosPerSecond = 1000000000;

bool equals_ignoring_case(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (to_lower(a[i]) != to_lower(b[i])) return false;
  }
  return true;
}

struct Param {
  std::string name;
  std::string value;
};

struct Challenge {
  std::string scheme;
  std::vector<Param> params;
};

// A cursor over a WWW-Authenticate value (RFC 9110 section 11.6.1): challenges separated by
// commas, each a scheme then `name=value` parameters (token or quoted-string) or a token68.
class HeaderReader {
 public:
  explicit HeaderReader(std::string_view text) : text_(text) {}

  bool at_end() {
    skip_spaces_and_commas();
    return pos_ >= text_.size();
  }

  // Reads one challenge; false when the text is malformed.
  bool read_challenge(Challenge& out) {
    skip_spaces_and_commas();
    out.scheme = read_token();
    if (out.scheme.empty()) return false;
    out.params.clear();
    bool first = true;
    while (true) {
      skip_spaces();
      if (pos_ >= text_.size()) return true;
      const bool after_comma = text_[pos_] == ',';
      if (after_comma) {
        skip_spaces_and_commas();
        if (pos_ >= text_.size()) return true;
      } else if (!first) {
        return false;  // two items without a comma between them
      }
      const std::size_t item_start = pos_;
      const std::string name = read_token();
      skip_spaces();
      const bool has_equals = pos_ < text_.size() && text_[pos_] == '=';
      if (first && !after_comma && !name.empty() && is_token68_rest()) {
        first = false;  // token68 credentials hint (e.g. Basic): nothing aalgate reads
        continue;
      }
      if (name.empty() || !has_equals) {
        if (first && name.empty()) return false;
        pos_ = item_start;  // the scheme of the next challenge
        return true;
      }
      first = false;
      ++pos_;
      skip_spaces();
      Param param{name, ""};
      if (pos_ < text_.size() && text_[pos_] == '"') {
        if (!read_quoted(param.value)) return false;
      } else {
        param.value = read_token();
        if (param.value.empty()) return false;
      }
      out.params.push_back(std::move(param));
    }
  }

 private:
  void skip_spaces() {
    while (pos_ < text_.size() && (text_[pos_] == ' ' || text_[pos_] == '\t')) ++pos_;
  }
  void skip_spaces_and_commas() {
    while (pos_ < text_.size() &&
           (text_[pos_] == ' ' || text_[pos_] == '\t' || text_[pos_] == ',')) {
      ++pos_;
    }
  }
  // After a token at the start of a challenge's parameters: a token68 (credentials hint such
  // as Basic's) runs on with `/` and ends in `=`s, then the end or a comma.
  bool is_token68_rest() {
    std::size_t p = pos_;
    while (p < text_.size() && (text_[p] == '/' || is_tchar(text_[p]))) ++p;
    while (p < text_.size() && text_[p] == '=') ++p;
    while (p < text_.size() && (text_[p] == ' ' || text_[p] == '\t')) ++p;
    if (p < text_.size() && text_[p] != ',') return false;
    pos_ = p;
    return true;
  }
  std::string read_token() {
    const std::size_t start = pos_;
    while (pos_ < text_.size() && is_tchar(text_[pos_])) ++pos_;
    return std::string(text_.substr(start, pos_ - start));
  }
  bool read_quoted(std::string& out) {
    ++pos_;  // opening quote
    while (pos_ < text_.size()) {
      const char c = text_[pos_++];
      if (c == '"') return true;
      if (c == '\\') {
        if (pos_ >= text_.size()) return false;
        out.push_back(text_[pos_++]);
      } else {
        out.push_back(c);
      }
    }
    return false;  // unterminated
  }

  std::string_view text_;
  std::size_t pos_ = 0;
};

const std::string* find_param(const Challenge& challenge, std::string_view name) {
  for (const Param& p : challenge.params) {
    if (equals_ignoring_case(p.name, name)) return &p.value;
  }
  return nullptr;
}

std::optional<std::int64_t> parse_seconds(std::string_view text) {
  if (text.empty() || text.size() > 12) return std::nullopt;
  std::int64_t value = 0;
  for (const char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    value = value * 10 + (c - '0');
  }
  return value;
}

}  // namespace

std::string build_challenge(bool aal2, std::optional<std::int64_t> max_age_ns) {
  std::string out = R"(Bearer error="insufficient_user_authentication", error_description=")";
  out += max_age_ns ? "A more recent authentication is required\""
                    : "A second authentication factor is required\"";
  if (aal2) out += R"(, acr_values="aal2")";
  if (max_age_ns) {
    out += ", max_age=\"" + std::to_string(*max_age_ns / kNanosPerSecond) + "\"";
  }
  return out;
}

std::optional<ChallengeRequirement> parse_challenge(std::string_view header) {
  HeaderReader reader(header);
  Challenge challenge;
  while (!reader.at_end()) {
    if (!reader.read_challenge(challenge)) return std::nullopt;
    const std::string* error = find_param(challenge, "error");
    if (!equals_ignoring_case(challenge.scheme, "Bearer") || error == nullptr ||
        *error != "insufficient_user_authentication") {
      continue;
    }
    ChallengeRequirement requirement;
    const std::string* acr_values = find_param(challenge, "acr_values");
    const std::string* max_age = find_param(challenge, "max_age");
    if (acr_values == nullptr && max_age == nullptr) return std::nullopt;
    if (acr_values != nullptr) {
      bool known = false;
      std::size_t start = 0;
      const std::string& list = *acr_values;
      while (start <= list.size()) {
        const std::size_t space = list.find(' ', start);
        const std::string_view value = std::string_view(list).substr(
            start, space == std::string::npos ? list.npos : space - start);
        if (value == "aal2" || value == "aal3") {
          requirement.aal = RequiredAal::aal2;
          known = true;
        } else if (value == "aal1") {
          known = true;
        }
        if (space == std::string::npos) break;
        start = space + 1;
      }
      if (!known) return std::nullopt;
    }
    if (max_age != nullptr) {
      requirement.max_age_seconds = parse_seconds(*max_age);
      if (!requirement.max_age_seconds) return std::nullopt;
    }
    return requirement;
  }
  return std::nullopt;
}

}  // namespace aalgate
