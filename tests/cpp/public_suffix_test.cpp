// aalgate::PublicSuffixList on the data file the build generates from Debian's
// public_suffix_list.dat (tools/public-suffix.mjs), against the behaviour of Go's
// golang.org/x/net/publicsuffix that Kratos uses to drop unsafe wildcards.
#include "aalgate/public_suffix.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>

namespace {

using aalgate::PublicSuffixList;

const PublicSuffixList& list() {
  static const PublicSuffixList loaded = [] {
    std::ifstream file(AALGATE_PUBLIC_SUFFIX_FILE, std::ios::binary);
    std::ostringstream data;
    data << file.rdbuf();
    auto parsed = PublicSuffixList::parse(data.str());
    if (!parsed) {
      ADD_FAILURE() << AALGATE_PUBLIC_SUFFIX_FILE << ": " << parsed.error().message;
      return PublicSuffixList::parse("aalgate-psl 1\ncom\n").value();
    }
    return std::move(parsed).value();
  }();
  return loaded;
}

bool registrable(std::string_view domain) { return list().has_registrable_domain(domain); }

// A name that is a public suffix as a whole: no registrable domain, and its own public suffix.
void expect_public_suffix(std::string_view name) {
  EXPECT_FALSE(registrable(name)) << name;
  EXPECT_EQ(list().public_suffix(name), name);
}

TEST(PublicSuffix, loads_the_generated_list_with_both_sections) {
  EXPECT_EQ(list().source().substr(0, 14), "source-sha256=");
  EXPECT_GT(list().rule_count(), 9000U);
  EXPECT_EQ(list().public_suffix("a.co.uk"), "co.uk");          // ICANN
  EXPECT_EQ(list().public_suffix("a.github.io"), "github.io");  // PRIVATE
}

TEST(PublicSuffix, vercel_app_has_no_registrable_domain) { expect_public_suffix("vercel.app"); }

TEST(PublicSuffix, public_suffixes_have_no_registrable_domain) {
  for (const char* suffix :
       {"com", "co.uk", "vercel.app", "github.io", "appspot.com", "blogspot.com", "app", "io"}) {
    expect_public_suffix(suffix);
  }
}

TEST(PublicSuffix, names_one_label_under_a_public_suffix_are_registrable) {
  for (const char* domain : {"example.com", "example.co.uk", "foo.vercel.app", "bar.github.io",
                             "x.appspot.com", "www.example.com", "a.b.example.co.uk"}) {
    EXPECT_TRUE(registrable(domain)) << domain;
  }
  EXPECT_EQ(list().public_suffix("www.example.co.uk"), "co.uk");
  EXPECT_EQ(list().public_suffix("a.b.foo.vercel.app"), "vercel.app");
}

TEST(PublicSuffix, wildcard_rules_make_one_more_label_public) {
  // *.ck (and no rule "ck"), *.kawasaki.jp, *.sch.uk, private *.compute.amazonaws.com
  for (const char* suffix :
       {"foo.ck", "foo.kawasaki.jp", "foo.sch.uk", "eu-west-1.compute.amazonaws.com"}) {
    expect_public_suffix(suffix);
  }
  EXPECT_TRUE(registrable("bar.foo.ck"));
  EXPECT_TRUE(registrable("bar.foo.kawasaki.jp"));
  EXPECT_TRUE(registrable("school.foo.sch.uk"));
  EXPECT_TRUE(registrable("host.eu-west-1.compute.amazonaws.com"));
  EXPECT_EQ(list().public_suffix("a.b.c.ck"), "c.ck");
  EXPECT_EQ(list().public_suffix("a.b.kawasaki.jp"), "b.kawasaki.jp");
  // A wildcard's parent that is no rule of its own falls to the default rule.
  EXPECT_FALSE(registrable("ck"));
  EXPECT_EQ(list().public_suffix("kawasaki.jp"), "jp");
  EXPECT_TRUE(registrable("kawasaki.jp"));
}

TEST(PublicSuffix, exception_rules_cut_the_wildcard_short) {
  // !www.ck, !city.kawasaki.jp
  EXPECT_TRUE(registrable("www.ck"));
  EXPECT_EQ(list().public_suffix("www.ck"), "ck");
  EXPECT_EQ(list().public_suffix("a.www.ck"), "ck");
  EXPECT_TRUE(registrable("city.kawasaki.jp"));
  EXPECT_EQ(list().public_suffix("city.kawasaki.jp"), "kawasaki.jp");
  EXPECT_EQ(list().public_suffix("www.city.kawasaki.jp"), "kawasaki.jp");
}

TEST(PublicSuffix, unknown_tlds_fall_to_the_default_rule) {
  EXPECT_TRUE(registrable("example.notatld"));
  EXPECT_FALSE(registrable("notatld"));
  EXPECT_EQ(list().public_suffix("a.b.notatld"), "notatld");
}

TEST(PublicSuffix, single_labels_have_no_registrable_domain) {
  expect_public_suffix("localhost");
  EXPECT_FALSE(registrable("com"));
}

TEST(PublicSuffix, empty_labels_and_edge_dots_have_no_registrable_domain) {
  for (const char* bad : {"", ".", "..", ".com", "com.", ".example.com", "example.com.",
                          "a..example.com", "example..com", "..example.com"}) {
    EXPECT_FALSE(registrable(bad)) << bad;
  }
  // PublicSuffix itself still answers, as Go's does.
  EXPECT_EQ(list().public_suffix("example.com."), "");
  EXPECT_EQ(list().public_suffix("a..com"), "com");
}

TEST(PublicSuffix, ip_addresses_are_their_own_public_suffix) {
  for (const char* ip :
       {"127.0.0.1", "10.1.2.3", "::1", "::", "2001:db8::68", "fe80::1%eth0", "::ffff:1.2.3.4",
        "1:2:3:4:5:6:7:8", "1:2:3:4:5:6:1.2.3.4", "fe80::1%.com"}) {  // a zone is any text
    expect_public_suffix(ip);
  }
  // Not addresses to Go's netip.ParseAddr: names like any other.
  for (const char* name : {"1.2.3", "01.2.3.4", "256.1.1.1", "1.2.3.4.5", "1:2:3:4:5:6:7:1.2.3.4",
                           "1::2::3.com", "12345::1.com", "::1.com", "1.2.3.4%eth0"}) {
    EXPECT_NE(list().public_suffix(name), name) << name;
  }
  EXPECT_TRUE(registrable("1.2.3"));
  EXPECT_TRUE(registrable("256.1.1.1"));
}

TEST(PublicSuffix, idn_rules_match_in_punycode) {
  // 公司.cn is xn--55qx5d.cn; рф is xn--p1ai.
  EXPECT_FALSE(registrable("xn--55qx5d.cn"));
  EXPECT_EQ(list().public_suffix("example.xn--55qx5d.cn"), "xn--55qx5d.cn");
  EXPECT_FALSE(registrable("xn--p1ai"));
  EXPECT_TRUE(registrable("xn--d1acufc.xn--p1ai"));
}

TEST(PublicSuffix, idn_rules_match_in_unicode_too_unlike_go) {
  EXPECT_FALSE(registrable("\xE5\x85\xAC\xE5\x8F\xB8.cn"));  // 公司.cn
  EXPECT_EQ(list().public_suffix("example.\xE5\x85\xAC\xE5\x8F\xB8.cn"),
            "\xE5\x85\xAC\xE5\x8F\xB8.cn");
  EXPECT_FALSE(registrable("\xD1\x80\xD1\x84"));  // рф
}

TEST(PublicSuffix, input_is_taken_byte_for_byte_as_go_does) {
  // Go does not lower-case: upper-case labels match no rule (callers lower-case first).
  EXPECT_EQ(list().public_suffix("EXAMPLE.CO.UK"), "UK");
  EXPECT_TRUE(registrable("CO.UK"));
  EXPECT_TRUE(registrable("VERCEL.APP"));
  EXPECT_FALSE(registrable("co.uk"));
}

// EffectiveTLDPlusOne as the core spells it: the label before the public suffix and the suffix,
// or "" where Go returns an error.
std::string etld_plus_one(std::string_view domain) {
  if (!registrable(domain)) return "";
  const std::size_t end = domain.size() - list().public_suffix(domain).size() - 1;
  const std::size_t dot = domain.substr(0, end).rfind('.');
  return std::string(domain.substr(dot == std::string_view::npos ? 0 : dot + 1));
}

// Go's answers (golang.org/x/net v0.63.0 with its table regenerated from Debian's
// public_suffix_list.dat 20230209 by its gen.go), on rules that have not changed since.
TEST(PublicSuffix, agrees_with_go_on_a_sample) {
  struct Case {
    const char* domain;
    const char* etld_plus_one;
  };
  for (const Case& c : {
           Case{"com", ""},
           Case{"a.b.c.example.com", "example.com"},
           Case{"www.example.co.uk", "example.co.uk"},
           Case{"uk", ""},
           Case{"x.bar.github.io", "bar.github.io"},
           Case{"b.a.www.ck", "www.ck"},
           Case{"kawasaki.jp", "kawasaki.jp"},
           Case{"www.city.kawasaki.jp", "city.kawasaki.jp"},
           Case{"example.co.jp", "example.co.jp"},
           Case{"sch.uk", "sch.uk"},
           Case{"school.foo.sch.uk", "school.foo.sch.uk"},
           Case{"compute.amazonaws.com", "amazonaws.com"},
           Case{"host.eu-west-1.compute.amazonaws.com", "host.eu-west-1.compute.amazonaws.com"},
           Case{"a.b.notatld", "b.notatld"},
           Case{"foo.localhost", "foo.localhost"},
           Case{"in-addr.arpa", ""},
           Case{"1.in-addr.arpa", "1.in-addr.arpa"},
           Case{"example.xn--55qx5d.cn", "example.xn--55qx5d.cn"},
           Case{"xn--d1acufc.xn--p1ai", "xn--d1acufc.xn--p1ai"},
           Case{"com.xn--p1ai", "com.xn--p1ai"},
           Case{"..", ""},
           Case{"example.com..", ""},
           Case{"Example.Com", "Example.Com"},
           Case{"co.UK", "co.UK"},
           Case{"256.1.1.1", "1.1"},
           Case{"1.2.3.4.5", "4.5"},
           Case{"01.2.3.4", "3.4"},
           Case{"1.2.3.4%eth0", "3.4%eth0"},
           Case{"::ffff:1.2.3", "2.3"},
           Case{"2001:DB8::68", ""},
           Case{"fe80::1%x.y.z", ""},
           Case{"1:2:3:4:5:6:7::", ""},
           Case{"1:2:3:4:5:6:7:8::", ""},
           Case{"1:2:3:4:5:6:7:1.2.3.4", "3.4"},
           Case{"1::2::3.com", "1::2::3.com"},
           Case{"::1.com", "::1.com"},
           Case{"example.com:443", "example.com:443"},
           Case{"[::1]", ""},
           Case{"x%eth0.com", "x%eth0.com"},
           Case{"example.1.2.3.4", "3.4"},
           Case{"*.com", "*.com"},
           Case{"example.*", "example.*"},
           Case{"-.com", "-.com"},
           Case{"a_b.co.uk", "a_b.co.uk"},
           Case{"uk.com", ""},
           Case{"x.k12.ak.us", "x.k12.ak.us"},
           Case{"x.er", ""},
           Case{"y.x.er", "y.x.er"},
           Case{"nom.br", "nom.br"},
           Case{"x.nom.br", ""},
           Case{"y.x.nom.br", "y.x.nom.br"},
           Case{"x.com.br", "x.com.br"},
       }) {
    EXPECT_EQ(etld_plus_one(c.domain), c.etld_plus_one) << c.domain;
  }
}

TEST(PublicSuffix, a_small_list_parses) {
  const auto parsed = PublicSuffixList::parse(
      "aalgate-psl 1 test list\n~ck !www *\ncom\njp !city.kawasaki "
      "*.kawasaki\n");
  ASSERT_TRUE(parsed) << parsed.error().message;
  const PublicSuffixList& small = parsed.value();
  EXPECT_EQ(small.source(), "test list");
  EXPECT_EQ(small.rule_count(), 6U);
  EXPECT_EQ(small.public_suffix("a.b.ck"), "b.ck");
  EXPECT_EQ(small.public_suffix("a.www.ck"), "ck");
  EXPECT_EQ(small.public_suffix("a.b.kawasaki.jp"), "b.kawasaki.jp");
  EXPECT_EQ(small.public_suffix("a.city.kawasaki.jp"), "kawasaki.jp");
  EXPECT_EQ(small.public_suffix("a.co.uk"), "uk");
  EXPECT_TRUE(PublicSuffixList::parse("aalgate-psl 1\ncom\n"));
}

TEST(PublicSuffix, malformed_data_is_an_error) {
  for (const char* bad : {
           "",
           "garbage\ncom\n",
           "aalgate-psl 2\ncom\n",
           "aalgate-psl 10\ncom\n",
           "aalgate-psl 1",
           "aalgate-psl 1\n",
           "aalgate-psl 1\ncom",         // truncated: no final newline
           "aalgate-psl 1\ncom\n\n",     // empty line
           "aalgate-psl 1\r\ncom\r\n",   // CRLF
           "aalgate-psl 1\nCOM\n",       // upper case
           "aalgate-psl 1\ncom  co\n",   // empty rule
           "aalgate-psl 1\ncom co \n",   // trailing space
           "aalgate-psl 1\n~ck\n",       // a group without rules
           "aalgate-psl 1\n~\n",         // no label
           "aalgate-psl 1\ncom *.\n",    // wildcard without a name
           "aalgate-psl 1\ncom **\n",    // not a wildcard
           "aalgate-psl 1\ncom a*\n",    // a star inside a label
           "aalgate-psl 1\ncom !\n",     // exception without a label
           "aalgate-psl 1\ncom !*\n",    // wildcard exception
           "aalgate-psl 1\ncom a..b\n",  // empty label
           "aalgate-psl 1\ncom .a\n",    // empty label
           "aalgate-psl 1\ncom a.\n",    // empty label
           "aalgate-psl 1\ncom a/b\n",   // not a label character
           "aalgate-psl 1\ncom !a a\n",  // a.com both a rule and an exception
           "aalgate-psl 1\ncom \xFF\n",  // not UTF-8
       }) {
    const auto parsed = PublicSuffixList::parse(bad);
    ASSERT_FALSE(parsed) << bad;
    EXPECT_EQ(parsed.error().code, "publicSuffixList") << bad;
    EXPECT_FALSE(parsed.error().message.empty());
  }
  const std::string nul("aalgate-psl 1\ncom a\0b\n", 22);
  EXPECT_FALSE(PublicSuffixList::parse(nul));
}

}  // namespace
