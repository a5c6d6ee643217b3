#include "base/dynamic_library.h"

#include <gtest/gtest.h>

#include <cstring>

namespace lode {
namespace {

TEST(DynamicLibraryTest, BindsAFunctionOfALibraryFoundByItsSoname) {
  auto lib = DynamicLibrary::Open({"libdoes-not-exist.so.9", "libc.so.6"});
  ASSERT_TRUE(lib.ok()) << lib.status().ToString();
  EXPECT_EQ(lib->name(), "libc.so.6");
  decltype(&strlen) fn = nullptr;
  ASSERT_TRUE(lib->Bind("strlen", fn).ok());
  EXPECT_EQ(fn("four"), 4u);
}

TEST(DynamicLibraryTest, AMissingLibraryOrSymbolIsAnErrorThatNamesIt) {
  auto missing = DynamicLibrary::Open({"libdoes-not-exist.so.9"});
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("libdoes-not-exist.so.9"), std::string::npos);

  auto lib = DynamicLibrary::Open({"libc.so.6"});
  ASSERT_TRUE(lib.ok());
  void (*fn)() = nullptr;
  Status status = lib->Bind("no_such_function_here", fn);
  ASSERT_FALSE(status.ok());
  EXPECT_NE(status.message().find("no_such_function_here"), std::string::npos);
}

}  // namespace
}  // namespace lode
