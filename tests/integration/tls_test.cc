// HTTPS: the real server with a certificate from the config, reached by
// curl and by lode's own client (forward, query) trusting it.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>

#include "base/time.h"
#include "lode_process.h"

namespace lode::testing {
namespace {

TEST(TlsTest, ServesHttpsWithTheConfiguredCertificate) {
  TempDir dir;
  const std::string cert = dir.path() + "/cert.pem", key = dir.path() + "/key.pem";
  CommandResult made =
      RunProgram({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-subj",
                  "/CN=localhost", "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1", "-days",
                  "2", "-keyout", key, "-out", cert});
  ASSERT_EQ(made.exit_code, 0) << made.err;
  std::string config = dir.path() + "/lode.yaml";
  std::ofstream(config) << "tls:\n  cert_file: " << cert << "\n  key_file: " << key << "\n";
  LodeServer server(dir.path() + "/data", {"--config", config});
  ASSERT_NE(server.Log().find("api=https://"), std::string::npos) << server.Log();
  const std::string https = "https://" + server.base_url().substr(7);

  CommandResult ready = RunProgram({"curl", "-sS", "--cacert", cert, https + "/ready"});
  EXPECT_EQ(ready.exit_code, 0) << ready.err;
  EXPECT_EQ(ready.out, "ready\n");
  // Plain HTTP on the TLS port gets no answer.
  CommandResult plain = RunProgram({"curl", "-sS", "-m", "5", server.base_url() + "/ready"});
  EXPECT_NE(plain.exit_code, 0);

  setenv("LODE_CA_FILE", cert.c_str(), 1);
  CommandResult fwd = RunLode({"forward", "--url", https, "-l", "app=tls", "-q"}, "over https\n");
  EXPECT_EQ(fwd.exit_code, 0) << fwd.err;
  CommandResult q =
      RunLode({"query", "--url", https, "--since", "1h", "-o", "raw", R"({app="tls"})"});
  EXPECT_EQ(q.exit_code, 0) << q.err;
  EXPECT_EQ(q.out, "over https\n");
  // The live tail over a TLS WebSocket.
  {
    LodeChild follow(
        {"query", "--url", https, "--follow", "--since", "1h", "-o", "raw", R"({app="tls"})"});
    EXPECT_TRUE(follow.WaitForStdout("over https\n", 10000)) << follow.Stderr();
  }
  // Without trusting the certificate, the client refuses to talk.
  unsetenv("LODE_CA_FILE");
  CommandResult untrusted =
      RunLode({"query", "--url", https, "--since", "1h", "-o", "raw", R"({app="tls"})"});
  EXPECT_NE(untrusted.exit_code, 0);
  EXPECT_NE(untrusted.err.find("certificate verify failed"), std::string::npos) << untrusted.err;
}

TEST(TlsTest, MissingCertificateIsAClearStartupError) {
  TempDir dir;
  std::string config = dir.path() + "/lode.yaml";
  std::ofstream(config) << "tls:\n  cert_file: " << dir.path()
                        << "/none.pem\n  key_file: " << dir.path() << "/none.key\n";
  CommandResult r = RunLode(
      {"serve", "--data", dir.path() + "/data", "--listen", "127.0.0.1:0", "--config", config});
  EXPECT_EQ(r.exit_code, 1);
  EXPECT_NE(r.err.find("none.pem cannot be read: No such file"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace lode::testing
