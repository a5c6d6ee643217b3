#include "model/tenant.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace lode {
namespace {

TEST(ValidateTenantTest, Accepts) {
  for (const std::string& t : std::vector<std::string>{"fake", "team-a", "a.b_c", "A1", "x!*'()",
                                                       "...", std::string(150, 'a')}) {
    Status s = ValidateTenant(t);
    EXPECT_TRUE(s.ok()) << t << ": " << s.ToString();
  }
}

TEST(ValidateTenantTest, Rejects) {
  for (const std::string& t :
       std::vector<std::string>{"", ".", "..", "a/b", "a b", "a\\b", "a\nb", "a|b", "caf\xC3\xA9",
                                std::string("a\0b", 3), std::string(151, 'a')}) {
    Status s = ValidateTenant(t);
    EXPECT_FALSE(s.ok()) << t;
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << t;
  }
}

TEST(ParseTenantListTest, SingleAndMultiple) {
  auto one = ParseTenantList("fake");
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(*one, std::vector<std::string>{"fake"});
  auto two = ParseTenantList("a|b");
  ASSERT_TRUE(two.ok());
  EXPECT_EQ(*two, (std::vector<std::string>{"a", "b"}));
}

TEST(ParseTenantListTest, EmptyOrInvalidMemberIsError) {
  for (std::string_view header : {"a||b", "", "|a", "a|", "a|b/c", "a|.."}) {
    auto r = ParseTenantList(header);
    ASSERT_FALSE(r.ok()) << header;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument) << header;
  }
}

}  // namespace
}  // namespace lode
