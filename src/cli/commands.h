// The subcommands of the lode binary. Each Add*Command registers its
// flags on the CLI11 app and returns a function that runs it after
// parsing, returning the process exit code.
#pragma once

#include <functional>

namespace CLI {
class App;
}

namespace lode {

using CommandRunner = std::function<int()>;

CommandRunner AddServeCommand(CLI::App& app);
CommandRunner AddForwardCommand(CLI::App& app);
CommandRunner AddImportCommand(CLI::App& app);
CommandRunner AddQueryCommand(CLI::App& app);
CommandRunner AddLabelsCommand(CLI::App& app);
CommandRunner AddSeriesCommand(CLI::App& app);
CommandRunner AddRulesCommand(CLI::App& app);
CommandRunner AddPatternsCommand(CLI::App& app);
CommandRunner AddTraceCommand(CLI::App& app);
CommandRunner AddVerifyCommand(CLI::App& app);

}  // namespace lode
