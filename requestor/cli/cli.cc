#include "requestor/cli/cli.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <iostream>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "engine/codes.h"
#include "engine/internal/status_macros.h"

namespace shadowset::cli {

absl::StatusOr<std::unique_ptr<Engine>> Context::OpenEngine() const {
  return Engine::Open(data_dir);
}

void Context::Say(absl::string_view line) const {
  std::fwrite(line.data(), 1, line.size(), stdout);
  std::fputc('\n', stdout);
  std::fflush(stdout);
}

void Context::Emit(const nlohmann::json& doc) const { Say(doc.dump()); }

Cli::Cli() : app_("shadowset: application-consistent point-in-time backups", "shadowset") {
  const char* env_data = std::getenv("SHADOWSET_DATA");
  ctx_.data_dir = env_data != nullptr && *env_data != '\0' ? env_data
                                                          : "./shadowset-data";
  app_.option_defaults()->always_capture_default();
  app_.fallthrough();
  app_.require_subcommand(1);
  app_.add_option("--data", ctx_.data_dir,
                  "data directory (default: $SHADOWSET_DATA, else "
                  "./shadowset-data)");
  app_.add_flag("--json", ctx_.json, "machine-readable output");
}

void Cli::OnRun(CLI::App* sub, Action fn) {
  sub->callback([this, fn = std::move(fn)] { action_ = fn; });
}

void Cli::AddCodeNames(std::function<absl::string_view(uint32_t)> names) {
  code_names_.push_back(std::move(names));
}

std::string Cli::DescribeCode(uint32_t code) const {
  for (const auto& names : code_names_) {
    absl::string_view name = names(code);
    if (!name.empty()) return FormatCode(code, name);
  }
  return FormatCode(code);
}

namespace {

// What the words of argv name, as far as the subcommands go: the words
// ("backup frob"), and whether the last one is unknown or a group left
// without its command. Options are skipped with their values; an option
// no command on the way knows ends the walk (CLI11 names it).
struct CommandWords {
  std::string words;
  bool unknown = false;        // the last word names no command there
  const CLI::App* incomplete;  // a group given without its command
};

CommandWords WalkCommands(const CLI::App& root, int argc, char** argv) {
  std::vector<const CLI::App*> chain = {&root};
  CommandWords out{"", false, nullptr};
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--") return out;
    if (arg == "-h" || arg == "--help") return out;  // help, not a command
    if (arg.size() > 1 && arg[0] == '-') {
      if (arg.find('=') != std::string::npos) continue;
      const CLI::Option* option = nullptr;
      for (auto app = chain.rbegin(); app != chain.rend() && !option; ++app) {
        option = (*app)->get_option_no_throw(arg);
      }
      if (option == nullptr) return out;
      if (option->get_items_expected_max() > 0) ++i;  // its value
      continue;
    }
    const std::vector<const CLI::App*> subs =
        chain.back()->get_subcommands([](const CLI::App*) { return true; });
    if (subs.empty()) return out;  // a command's own arguments follow
    absl::StrAppend(&out.words, out.words.empty() ? "" : " ", arg);
    auto known = std::find_if(subs.begin(), subs.end(), [&](const CLI::App* s) {
      return s->check_name(arg);
    });
    if (known == subs.end()) {
      out.unknown = true;
      return out;
    }
    chain.push_back(*known);
  }
  if (chain.back()->get_require_subcommand_min() > 0) {
    out.incomplete = chain.back();
  }
  return out;
}

// "'shadowset backup --help'", or "--help" at the top.
std::string HelpFor(absl::string_view words) {
  return words.empty() ? "--help"
                       : absl::StrCat("'shadowset ", words, " --help'");
}

}  // namespace

int Cli::Run(int argc, char** argv) {
  // Name an unknown or missing command plainly (CLI11 would report "a
  // subcommand is required").
  const CommandWords walk = WalkCommands(app_, argc, argv);
  if (walk.unknown) {
    const size_t last = walk.words.rfind(' ');
    std::fprintf(stderr, "shadowset: unknown command '%s' (see %s)\n",
                 walk.words.c_str(),
                 HelpFor(last == std::string::npos
                             ? ""
                             : absl::string_view(walk.words).substr(0, last))
                     .c_str());
    return 2;
  }
  if (walk.incomplete != nullptr) {
    std::vector<std::string> names;
    for (const CLI::App* sub : walk.incomplete->get_subcommands(
             [](const CLI::App*) { return true; })) {
      names.push_back(sub->get_name());
    }
    std::fprintf(
        stderr, "shadowset: %s a command: %s (see %s)\n",
        walk.words.empty() ? "give"
                           : absl::StrCat("'", walk.words, "' needs").c_str(),
        absl::StrJoin(names, ", ").c_str(), HelpFor(walk.words).c_str());
    return 2;
  }
  try {
    app_.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app_.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app_.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app_.exit(e);
  } catch (const CLI::ParseError& e) {
    std::string what = e.what();
    while (!what.empty() && (what.back() == '\n' || what.back() == ' ')) {
      what.pop_back();
    }
    for (char& c : what) {
      if (c == '\n') c = ' ';
    }
    std::fprintf(stderr, "shadowset: %s (see --help)\n", what.c_str());
    return 2;
  }
  if (!action_) {
    std::fprintf(stderr, "shadowset: nothing to do (see --help)\n");
    return 2;
  }
  absl::Status st = action_();
  if (st.ok()) return 0;
  std::string line(st.message());
  if (std::optional<uint32_t> code = CodeOf(st); code && *code != 0) {
    absl::StrAppend(&line, ": ", DescribeCode(*code));
  }
  for (char& c : line) {
    if (c == '\n') c = ' ';
  }
  std::fprintf(stderr, "shadowset: %s\n", line.c_str());
  return absl::IsCancelled(st) ? 130 : 1;
}

absl::StatusOr<uint64_t> ParseSize(absl::string_view flag,
                                   absl::string_view text) {
  std::string t = absl::AsciiStrToUpper(absl::StripAsciiWhitespace(text));
  uint64_t mult = 1;
  if (!t.empty() && !std::isdigit(static_cast<unsigned char>(t.back()))) {
    if (t.size() >= 2 && t.back() == 'B' &&
        !std::isdigit(static_cast<unsigned char>(t[t.size() - 2]))) {
      t.pop_back();  // "64MB" is read as "64M"
    }
    switch (t.back()) {
      case 'K': mult = uint64_t{1} << 10; break;
      case 'M': mult = uint64_t{1} << 20; break;
      case 'G': mult = uint64_t{1} << 30; break;
      case 'T': mult = uint64_t{1} << 40; break;
      default: mult = 0;
    }
    t.pop_back();
  }
  uint64_t n = 0;
  if (mult == 0 || t.empty() || !absl::SimpleAtoi(t, &n) ||
      t.find_first_not_of("0123456789") != std::string::npos ||
      (n != 0 && mult > UINT64_MAX / n)) {
    return absl::InvalidArgumentError(absl::StrCat(
        "bad size for ", flag, ": '", text,
        "' (use bytes or a K/M/G/T suffix, e.g. 64M)"));
  }
  return n * mult;
}

absl::StatusOr<absl::Duration> ParseDuration(absl::string_view flag,
                                             absl::string_view text) {
  absl::string_view t = absl::StripAsciiWhitespace(text);
  absl::Duration total = absl::ZeroDuration();
  bool any = false;
  size_t i = 0;
  while (i < t.size()) {
    size_t j = i;
    while (j < t.size() && std::isdigit(static_cast<unsigned char>(t[j]))) ++j;
    int64_t n = 0;
    if (j == i || j == t.size() || !absl::SimpleAtoi(t.substr(i, j - i), &n)) {
      any = false;
      break;
    }
    switch (t[j]) {
      case 's': total += absl::Seconds(n); break;
      case 'm': total += absl::Minutes(n); break;
      case 'h': total += absl::Hours(n); break;
      case 'd': total += absl::Hours(24 * n); break;
      default: n = -1;
    }
    if (n < 0) {
      any = false;
      break;
    }
    any = true;
    i = j + 1;
  }
  if (!any || total <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "bad duration for ", flag, ": '", text,
        "' (use e.g. 90s, 15m, 36h, 180d)"));
  }
  return total;
}

}  // namespace shadowset::cli
