#include "aalgate/flow_url.hpp"

#include <string_view>

#include "aalgate/return_to.hpp"
#include "aalgate/url.hpp"

namespace aalgate {
namespace {

class QueryBuilder {
 public:
  explicit QueryBuilder(std::string& url) : url_(url) {}
  void add(std::string_view name, std::string_view value) {
    add_escaped(name, {});
    append_query_escaped(url_, value);
  }
  void add_escaped(std::string_view name, std::string_view escaped) {
    url_.push_back(first_ ? '?' : '&');
    first_ = false;
    url_.append(name);
    url_.push_back('=');
    url_.append(escaped);
  }
  void add_if(std::string_view name, const std::optional<std::string>& value) {
    if (value) add(name, *value);
  }

 private:
  std::string& url_;
  bool first_ = true;
};

std::string flow_path(const Config& config, std::string_view self_service) {
  std::string url = config.base_url;
  url.append("/self-service/");
  url.append(self_service);
  url.append(config.flow == Flow::api ? "/api" : "/browser");
  return url;
}

// Adds return_to when the policy allows it; says whether one was refused.
bool add_return_to(QueryBuilder& query, const Config& config, const Requirement& requirement) {
  if (!requirement.return_to) return false;
  const PreparedReturnTo* prepared = requirement.prepared_return_to;
  if (prepared != nullptr && prepared->value == *requirement.return_to) {
    if (!prepared->allowed) return true;
    query.add_escaped("return_to", prepared->escaped);
    return false;
  }
  if (!is_return_to_allowed(*requirement.return_to, config.return_to)) return true;
  query.add("return_to", *requirement.return_to);
  return false;
}

}  // namespace

FlowUrl build_login_url(const Config& config, const Requirement& requirement,
                        LoginUrlOptions options) {
  FlowUrl result{flow_path(config, "login")};
  result.url.reserve(result.url.size() + 64 +
                     (requirement.return_to ? requirement.return_to->size() * 3 : 0));
  QueryBuilder query(result.url);
  if (options.refresh) query.add("refresh", "true");
  if (options.aal2) query.add("aal", "aal2");
  result.return_to_dropped = add_return_to(query, config, requirement);
  query.add_if("login_challenge", requirement.login_challenge);
  query.add_if("organization", requirement.organization);
  query.add_if("via", requirement.via);
  return result;
}

void prepare_return_to(const Config& config, std::string_view return_to, PreparedReturnTo& out) {
  out.value.assign(return_to.data(), return_to.size());
  out.allowed = is_return_to_allowed(return_to, config.return_to);
  out.escaped.clear();
  if (out.allowed) append_query_escaped(out.escaped, return_to);
}

FlowUrl build_settings_url(const Config& config, const Requirement& requirement) {
  FlowUrl result{flow_path(config, "settings")};
  QueryBuilder query(result.url);
  result.return_to_dropped = add_return_to(query, config, requirement);
  return result;
}

}  // namespace aalgate
