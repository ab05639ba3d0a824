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
    url_.push_back(first_ ? '?' : '&');
    first_ = false;
    url_.append(name);
    url_.push_back('=');
    append_query_escaped(url_, value);
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
  if (!is_return_to_allowed(*requirement.return_to, config.return_to)) return true;
  query.add("return_to", *requirement.return_to);
  return false;
}

}  // namespace

FlowUrl build_login_url(const Config& config, const Requirement& requirement,
                        LoginUrlOptions options) {
  FlowUrl result{flow_path(config, "login")};
  QueryBuilder query(result.url);
  if (options.refresh) query.add("refresh", "true");
  if (options.aal2) query.add("aal", "aal2");
  result.return_to_dropped = add_return_to(query, config, requirement);
  query.add_if("login_challenge", requirement.login_challenge);
  query.add_if("organization", requirement.organization);
  query.add_if("via", requirement.via);
  return result;
}

FlowUrl build_settings_url(const Config& config, const Requirement& requirement) {
  FlowUrl result{flow_path(config, "settings")};
  QueryBuilder query(result.url);
  result.return_to_dropped = add_return_to(query, config, requirement);
  return result;
}

}  // namespace aalgate
