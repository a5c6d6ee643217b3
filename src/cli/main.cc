// lode: a log store in one binary. See README.md.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstring>

#include "base/crash_report.h"
#include "cli/commands.h"

namespace {

constexpr const char* kVersion = "lode 0.1.0";

struct Command {
  const char* name;
  lode::CommandRunner (*add)(CLI::App&);
};

constexpr Command kCommands[] = {
    {"serve", lode::AddServeCommand},   {"forward", lode::AddForwardCommand},
    {"import", lode::AddImportCommand}, {"query", lode::AddQueryCommand},
    {"labels", lode::AddLabelsCommand}, {"series", lode::AddSeriesCommand},
    {"rules", lode::AddRulesCommand},   {"patterns", lode::AddPatternsCommand},
    {"trace", lode::AddTraceCommand},   {"verify", lode::AddVerifyCommand},
};

}  // namespace

int main(int argc, char** argv) {
  // A command that is run from scripts many times a second (lode query in
  // a loop) should start at once: --version answers before any set-up.
  if (argc == 2 && std::strcmp(argv[1], "--version") == 0) {
    std::puts(kVersion);
    return 0;
  }
  lode::InstallCrashReport();
  CLI::App app{"lode: stores log lines compressed and searchable, and answers LogQL queries."};
  app.name("lode");
  app.require_subcommand(1);
  app.set_version_flag("--version", kVersion);
  app.footer("Run 'lode COMMAND --help' for the flags of a command.");

  // Only the command named first is set up (each declares dozens of
  // flags); `lode --help`, a misspelt command or none set up all.
  const Command* named = nullptr;
  if (argc > 1) {
    for (const Command& c : kCommands) {
      if (std::strcmp(argv[1], c.name) == 0) named = &c;
    }
  }
  std::vector<std::pair<const char*, lode::CommandRunner>> runners;
  for (const Command& c : kCommands) {
    if (named == nullptr || named == &c) runners.emplace_back(c.name, c.add(app));
  }

  CLI11_PARSE(app, argc, argv);

  for (const auto* sub : app.get_subcommands()) {
    for (auto& [name, run] : runners) {
      if (sub->get_name() == name) return run();
    }
  }
  return 1;
}
