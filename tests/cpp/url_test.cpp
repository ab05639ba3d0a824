#include "aalgate/url.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

#include "aalgate/public_suffix.hpp"
#include "aalgate/return_to.hpp"

namespace {

TEST(Url, splits_absolute_http_urls) {
  const auto url = aalgate::parse_http_url("HTTPS://Auth.Example.COM:8443/.ory/x?y#z");
  ASSERT_TRUE(url);
  EXPECT_EQ(url->scheme, "https");
  EXPECT_EQ(url->host_port, "auth.example.com:8443");
  EXPECT_EQ(url->path, "/.ory/x");
  EXPECT_TRUE(url->has_query);
  EXPECT_TRUE(url->has_fragment);
  EXPECT_FALSE(url->has_userinfo);
}

TEST(Url, refuses_what_is_not_an_http_url) {
  for (const char* bad :
       {"ftp://a.com", "https:a.com", "https:/a.com", "//a.com", "https://", "https://a b.com",
        "https://a.com:99999", "https://a.com:x", "https://[zz]/", "https://a.com\\@b.com",
        "javascript:alert(1)", "https://a\x01.com", "https://a.com/\xED\xA0\x80"}) {
    EXPECT_FALSE(aalgate::parse_http_url(bad)) << bad;
  }
  EXPECT_TRUE(aalgate::parse_http_url("http://[::1]:4433/")->host_port == "[::1]:4433");
  EXPECT_TRUE(aalgate::parse_http_url("https://u:p@a.com/")->has_userinfo);
}

TEST(Url, escapes_all_but_unreserved_bytes) {
  std::string out;
  aalgate::append_query_escaped(out, "a-._~Z9 +/&=?#%\xC3\xA9");
  EXPECT_EQ(out, "a-._~Z9%20%2B%2F%26%3D%3F%23%25%C3%A9");
}

TEST(Url, validates_utf8_strictly) {
  EXPECT_TRUE(aalgate::is_valid_utf8("\xF0\x9F\x98\x80"));
  EXPECT_FALSE(aalgate::is_valid_utf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(aalgate::is_valid_utf8("\xED\xA0\x80"));      // lone surrogate
  EXPECT_FALSE(aalgate::is_valid_utf8("\xF4\x90\x80\x80"));  // past U+10FFFF
}

TEST(ReturnTo, wildcard_entries_ask_for_the_public_suffix_list_only_when_one_decides) {
  const auto asked = aalgate::compile_allowed_return_url("https://*.example.com/", 0, nullptr);
  ASSERT_FALSE(asked);
  EXPECT_EQ(asked.error().code, aalgate::kPublicSuffixListRequired);
  // Nothing follows the star, or not a URL at all: refused without the list.
  for (const char* bad : {"https://*", "https://www.ory.*", "not a url"}) {
    const auto compiled = aalgate::compile_allowed_return_url(bad, 3, nullptr);
    ASSERT_FALSE(compiled) << bad;
    EXPECT_EQ(compiled.error().code, "config.allowedReturnUrls[3]");
  }
  EXPECT_TRUE(aalgate::compile_allowed_return_url("https://app.example.com/", 0, nullptr));
}

TEST(ReturnTo, wildcard_on_a_public_suffix_is_refused_naming_the_suffix) {
  std::ifstream in(AALGATE_PUBLIC_SUFFIX_FILE, std::ios::binary);
  const std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto list = aalgate::PublicSuffixList::parse(data);
  ASSERT_TRUE(list) << list.error().message;
  EXPECT_TRUE(aalgate::compile_allowed_return_url("https://*.example.com/", 0, &list.value()));
  for (const char* bad : {"https://*.com", "https://*foo.com", "https://*.vercel.app",
                          "https://a.*.example.com", "https://*.*.example.com"}) {
    const auto compiled = aalgate::compile_allowed_return_url(bad, 3, &list.value());
    ASSERT_FALSE(compiled) << bad;
    EXPECT_EQ(compiled.error().code, "config.allowedReturnUrls[3]");
  }
  const auto vercel =
      aalgate::compile_allowed_return_url("https://*.vercel.app/", 1, &list.value());
  ASSERT_FALSE(vercel);
  EXPECT_NE(vercel.error().message.find("\"vercel.app\" is a public suffix"), std::string::npos)
      << vercel.error().message;
}

}  // namespace
