// The test harness itself (lode_process.h): what the programs it starts
// inherit from the test.
#include <gtest/gtest.h>

#include "lode_process.h"

namespace lode::testing {
namespace {

// Tests count a server's open descriptors (many tenants, soak): the
// server must not hold the harness's files and the test's sockets too.
TEST(HarnessTest, ASpawnedProgramHoldsOnlyItsStandardDescriptors) {
  TempDir dir;
  LodeServer server(dir.path() + "/data");  // a test with connections open
  CommandResult r = RunProgram({"sh", "-c", "ls /proc/$$/fd"});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out, "0\n1\n2\n") << r.out;
}

}  // namespace
}  // namespace lode::testing
