// shadowset demo

#include "requestor/cli/demo_command.h"

#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <random>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "engine/env.h"
#include "engine/internal/status_macros.h"
#include "requestor/cli/interrupt.h"
#include "requestor/cli/progress.h"
#include "requestor/demo/demo.h"
#include "requestor/demo/summary.h"

namespace shadowset::cli {
namespace {

using demo::DemoObserver;
using demo::DemoProgress;

struct DemoFlags {
  std::string dir;
  bool keep = false;
  int seconds = 0;  // 0: the scale's
  std::string scale = "medium";
};

// The directory the demo works in, and how to remove what it made.
class Workspace {
 public:
  // `dir` (empty or absent), or a new one under $TMPDIR (else /var/tmp).
  static absl::StatusOr<Workspace> Make(Env* env, const std::string& dir) {
    if (!dir.empty()) {
      ASSIGN_OR_RETURN(FileType type, env->GetFileType(dir));
      if (type == FileType::kMissing) {
        RETURN_IF_ERROR(env->CreateDir(dir));
        return Workspace(env, dir, /*created=*/true);
      }
      if (type != FileType::kDirectory) {
        return absl::FailedPreconditionError(
            absl::StrCat("--dir ", dir, " is not a directory"));
      }
      ASSIGN_OR_RETURN(std::vector<std::string> entries, env->ListDir(dir));
      if (!entries.empty()) {
        return absl::FailedPreconditionError(absl::StrCat(
            "--dir ", dir, " is not empty (give an empty or new directory)"));
      }
      return Workspace(env, dir, /*created=*/false);
    }
    const char* tmp = std::getenv("TMPDIR");
    const std::string base = tmp != nullptr && *tmp != '\0' ? tmp : "/var/tmp";
    std::random_device random;
    for (int attempt = 0;; ++attempt) {
      std::string path = JoinPath(
          base, absl::StrFormat("shadowset-demo-%d-%08x", getpid(), random()));
      absl::Status st = env->CreateDir(path);
      if (st.ok()) return Workspace(env, path, /*created=*/true);
      if (!absl::IsAlreadyExists(st) || attempt == 10) {
        return absl::Status(st.code(),
                            absl::StrCat("cannot make a directory for the demo "
                                         "in ",
                                         base, ": ", st.message()));
      }
    }
  }

  const std::string& path() const { return path_; }

  // Removes what the demo made (the directory too, if it made it).
  absl::Status Remove() {
    if (created_) return RemoveTree(env_, path_);
    ASSIGN_OR_RETURN(std::vector<std::string> entries, env_->ListDir(path_));
    for (const std::string& e : entries) {
      RETURN_IF_ERROR(RemoveTree(env_, JoinPath(path_, e)));
    }
    return absl::OkStatus();
  }

 private:
  Workspace(Env* env, std::string path, bool created)
      : env_(env), path_(std::move(path)), created_(created) {}

  Env* env_;
  std::string path_;
  bool created_;
};

// Tells the demo's phases on stdout: numbered titles, indented notes, a
// progress line per transfer (or all of it as JSON lines).
class Narrator : public DemoObserver {
 public:
  explicit Narrator(const Context& ctx)
      : ctx_(ctx), style_(ChooseProgressStyle(ctx.json)) {}

  void Phase(absl::string_view title) override {
    EndProgress();
    ++phase_;
    if (ctx_.json) {
      ctx_.Emit({{"phase", phase_}, {"title", std::string(title)}});
    } else {
      ctx_.Say(
          absl::StrFormat("%s%d. %s", phase_ == 1 ? "" : "\n", phase_, title));
    }
  }

  void Note(absl::string_view line) override {
    EndProgress();
    if (ctx_.json) {
      ctx_.Emit({{"note", std::string(line)}});
    } else {
      ctx_.Say(absl::StrCat("   ", line));
    }
  }

  void Progress(const DemoProgress& p) override {
    if (line_ == nullptr) {
      line_ = std::make_unique<ProgressLine>(
          style_, ctx_.json ? p.label : absl::StrCat("   ", p.label),
          p.unit == DemoProgress::Unit::kBytes ? ProgressUnit::kBytes
                                               : ProgressUnit::kItems);
    }
    line_->Update(p.done, p.total, p.elapsed, p.finished);
    if (p.finished) line_.reset();
  }

  void EndProgress() { line_.reset(); }

 private:
  const Context& ctx_;
  const ProgressStyle style_;
  int phase_ = 0;
  std::unique_ptr<ProgressLine> line_;
};

absl::Status RunDemoCommand(const Context& ctx, const DemoFlags& flags) {
  Env* env = Env::Default();
  demo::DemoOptions o;
  o.scale =
      demo::ParseDemoScale(flags.scale).value_or(demo::DemoScale::kMedium);
  if (flags.seconds > 0) o.load_time = absl::Seconds(flags.seconds);
  o.cancel = InstallInterruptHandlers();
  ASSIGN_OR_RETURN(Workspace workspace, Workspace::Make(env, flags.dir));
  o.dir = workspace.path();
  if (!ctx.json) {
    ctx.Say(absl::StrCat(
        "shadowset demo: three live services backed up "
        "consistently while they keep working, restored, and "
        "proven identical to the snapshot instant\n(working in ",
        o.dir,
        flags.keep ? ", kept at the end)\n" : ", removed at the end)\n"));
  }
  Narrator narrator(ctx);
  absl::StatusOr<demo::DemoReport> report = demo::RunDemo(o, &narrator);
  narrator.EndProgress();
  absl::Status removed = flags.keep ? absl::OkStatus() : workspace.Remove();
  RETURN_IF_ERROR(report.status());
  if (ctx.json) {
    ctx.Emit({{"summary", demo::SummaryJson(*report)}});
  } else {
    ctx.Say("");
    std::string summary = demo::FormatSummary(*report);
    summary.pop_back();  // Say adds the newline
    ctx.Say(summary);
    if (flags.keep) {
      ctx.Say(absl::StrCat("kept ", o.dir, " (the token key is in ", o.dir,
                           "/backup.key)"));
    }
  }
  if (!report->passed()) {
    int failed = 0;
    std::string names;
    for (const demo::DemoCheck& c : report->checks) {
      if (c.passed) continue;
      absl::StrAppend(&names, failed++ == 0 ? "" : "; ", c.name);
    }
    return absl::DataLossError(
        absl::StrFormat("the demo failed %d of %d checks: %s", failed,
                        report->checks.size(), names));
  }
  if (!removed.ok()) {
    return absl::Status(removed.code(),
                        absl::StrCat("every check passed, but removing ", o.dir,
                                     " failed: ", removed.message()));
  }
  return absl::OkStatus();
}

}  // namespace

void AddDemoCommand(Cli& cli) {
  Context& ctx = cli.context();
  auto* cmd = cli.app().add_subcommand(
      "demo",
      "the whole product in one run: three live services backed up "
      "consistently under load, restored and proven identical");
  auto flags = std::make_shared<DemoFlags>();
  cmd->add_option("--scale", flags->scale,
                  "small (seconds), medium (the default) or large")
      ->check(CLI::IsMember({"small", "medium", "large"}));
  cmd->add_option("--seconds", flags->seconds,
                  "seconds the services work before each backup "
                  "(default: 1, 5 or 10 by scale)")
      ->check(CLI::Range(1, 86400));
  cmd->add_option("--dir", flags->dir,
                  "work in this directory (empty or absent; default: a new "
                  "one under $TMPDIR, else /var/tmp)");
  cmd->add_flag("--keep", flags->keep,
                "keep the data directories and backups at the end");
  cli.OnRun(cmd, [&ctx, flags]() { return RunDemoCommand(ctx, *flags); });
}

}  // namespace shadowset::cli
