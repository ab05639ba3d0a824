#pragma once
/// @file aalgate.hpp
/// @brief aalgate's C++17 core: decide from a Kratos whoami outcome and build the login URL.
///
///   auto config = aalgate::parse_config(R"({"baseUrl":"https://auth.example.com"})");
///   auto requirement = aalgate::parse_requirement(R"({"aal":"aal2"})", config.value());
///   aalgate::Decision d = aalgate::decide(config.value(), {true, 200, body}, requirement.value());

#include "aalgate/challenge.hpp"
#include "aalgate/config.hpp"
#include "aalgate/decide.hpp"
#include "aalgate/explain.hpp"
#include "aalgate/policy.hpp"
#include "aalgate/public_suffix.hpp"
#include "aalgate/recover.hpp"
#include "aalgate/request.hpp"
#include "aalgate/requirement.hpp"
#include "aalgate/result.hpp"
#include "aalgate/session.hpp"
