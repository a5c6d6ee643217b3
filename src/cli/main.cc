// lode: a log store in one binary. See README.md.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/commands.h"

int main(int argc, char** argv) {
  CLI::App app{"lode: stores log lines compressed and searchable, and answers LogQL queries."};
  app.name("lode");
  app.require_subcommand(1);
  app.set_version_flag("--version", "lode 0.1.0");
  app.footer("Run 'lode COMMAND --help' for the flags of a command.");

  lode::CommandRunner serve = lode::AddServeCommand(app);
  lode::CommandRunner forward = lode::AddForwardCommand(app);
  lode::CommandRunner import = lode::AddImportCommand(app);
  lode::CommandRunner query = lode::AddQueryCommand(app);
  lode::CommandRunner labels = lode::AddLabelsCommand(app);
  lode::CommandRunner series = lode::AddSeriesCommand(app);

  CLI11_PARSE(app, argc, argv);

  for (const auto* sub : app.get_subcommands()) {
    if (sub->get_name() == "serve") return serve();
    if (sub->get_name() == "forward") return forward();
    if (sub->get_name() == "import") return import();
    if (sub->get_name() == "query") return query();
    if (sub->get_name() == "labels") return labels();
    if (sub->get_name() == "series") return series();
  }
  return 1;
}
