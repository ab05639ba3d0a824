// Any bytes as a request URL (and, split at the first newline, a method before it): matching
// returns, public routes are only the public rule's, and decideRequest never allows a
// protected route without a session.
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string_view>

#include "aalgate/aalgate.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const aalgate::Config config =
      aalgate::parse_config(R"({"baseUrl":"https://auth.example.com","policy":{"rules":[
        {"path":"/public/**","aal":"none"},
        {"path":"/billing/**","methods":["POST"],"aal":"aal2","maxAge":"10m"},
        {"path":"/files/*.pdf","aal":"aal2"}]}})")
          .value();
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::size_t newline = input.find('\n');
  const std::string_view method =
      newline == std::string_view::npos ? "GET" : input.substr(0, newline);
  const std::string_view url =
      newline == std::string_view::npos ? input : input.substr(newline + 1);
  const auto route = aalgate::requirement_for(config, method, url);
  if (!route) return 0;
  const bool is_public = route.value().requirement.aal == aalgate::RequiredAal::none;
  if (is_public != (route.value().rule == std::size_t{0})) std::abort();
  // The same request through decideRequest, with no session: allow only on the public route.
  nlohmann::json request = {{"method", std::string(method)}, {"url", std::string(url)}};
  const auto decision = aalgate::decide_request(
      config, {}, request.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  if (decision && (decision.value().verdict == aalgate::Verdict::allow) != is_public) std::abort();
  return 0;
}
