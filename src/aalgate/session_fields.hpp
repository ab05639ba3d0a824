#pragma once
/// @file session_fields.hpp
/// @brief Internal: a Session from its fields as a reader found them (the JSON text reader and
/// the session record reader share it): Kratos's AAL rule and the second-factor times.

#include <optional>
#include <string_view>

#include "aalgate/session.hpp"
#include "aalgate/timestamp.hpp"

namespace aalgate {

/// @brief One `authentication_methods` entry: absent strings are "".
struct MethodFields {
  std::string_view name;
  std::string_view aal;
  std::optional<Timestamp> completed_at;
};

/// @brief A session's fields, the methods folded in as they are read (nothing kept per method).
class SessionFields {
 public:
  bool active = false;
  Timestamp expires_at;
  std::optional<Timestamp> authenticated_at;
  std::string_view level;  ///< `authenticator_assurance_level`; "" when absent

  /// @brief Counts one method entry (in the list's order).
  void add_method(const MethodFields& method);

  /// @brief The Session: the sent level, or the one derived from the methods when it is "";
  /// nullopt when the sent level is not a level name.
  [[nodiscard]] std::optional<Session> session() const;

 private:
  bool any_method_ = false;
  bool first_factor_ = false;   ///< an aal1 method, or an upstream (oidc/saml) one at aal2
  bool second_factor_ = false;  ///< a method at aal2
  bool local_aal2_ = false;     ///< a method at aal2 or higher that is not oidc/saml
  bool upstream_aal2_ = false;  ///< an oidc/saml method at aal2 or higher
  std::optional<Timestamp> aal2_completed_at_;
};

}  // namespace aalgate
