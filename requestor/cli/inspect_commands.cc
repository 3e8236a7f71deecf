// shadowset token show FILE | writers list | writers status: what a token
// says, and what the writers of the data directory's services declare and
// how they are.

#include <memory>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "engine/backup/token.h"
#include "engine/env.h"
#include "engine/internal/status_macros.h"
#include "requestor/cli/backup_cli_support.h"
#include "requestor/cli/cli.h"
#include "requestor/cli/output.h"
#include "requestor/writer_metadata_json.h"
#include "writers/framework.h"

namespace shadowset::cli {
namespace {

std::string Hex(const Sha256Digest& d) {
  std::string out;
  for (uint8_t b : d) absl::StrAppendFormat(&out, "%02x", b);
  return out;
}

void AddToken(Cli& cli) {
  Context& ctx = cli.context();
  auto* token = cli.app().add_subcommand("token", "expiry tokens");
  token->require_subcommand(1);
  auto* show = token->add_subcommand(
      "show", "print an expiry token (a token file or a backup set)");
  auto file = std::make_shared<std::string>();
  show->add_option("FILE", *file, "token file, or a backup set directory")
      ->required();
  cli.OnRun(show, [&ctx, file]() -> absl::Status {
    Env* env = Env::Default();
    std::string path = *file;
    ASSIGN_OR_RETURN(FileType type, env->GetFileType(path));
    if (type == FileType::kDirectory) path = JoinPath(path, "token");
    absl::StatusOr<std::string> bytes = ReadFileToString(env, path);
    if (absl::IsNotFound(bytes.status())) {
      return absl::NotFoundError(absl::StrCat("no expiry token at ", path));
    }
    RETURN_IF_ERROR(bytes.status());
    absl::StatusOr<ExpiryToken> t = DecodeToken(*bytes);
    if (!t.ok()) {
      absl::Status st(t.status().code(),
                      absl::StrCat(path, ": ", t.status().message()));
      t.status().ForEachPayload(
          [&st](absl::string_view url, const absl::Cord& p) {
            st.SetPayload(url, p);
          });
      return st;
    }
    const std::string version = absl::StrCat(t->major, ".", t->minor);
    if (ctx.json) {
      ctx.Emit({{"format_version", version},
                {"backup_id", t->backup_id},
                {"set_id", t->set_id.ToString()},
                {"created", TimeText(t->created)},
                {"expires", TimeText(t->expires)},
                {"manifest_sha256", Hex(t->manifest_sha256)},
                {"writers", t->writer_ids},
                {"signed", t->is_signed}});
      return absl::OkStatus();
    }
    ctx.Say(absl::StrCat("expiry token of backup ", t->backup_id));
    ctx.Say(absl::StrCat("  format    ", version));
    ctx.Say(absl::StrCat("  set       ", t->set_id.ToString()));
    ctx.Say(absl::StrCat("  created   ", TimeText(t->created)));
    ctx.Say(absl::StrCat("  expires   ", TimeText(t->expires)));
    ctx.Say(absl::StrCat("  manifest  sha256 ", Hex(t->manifest_sha256)));
    ctx.Say(absl::StrCat(
        "  writers   ",
        t->writer_ids.empty() ? "(none)" : absl::StrJoin(t->writer_ids, ", ")));
    ctx.Say(absl::StrCat("  signature ",
                         t->is_signed ? "HMAC-SHA-256 (signed)" : "unsigned"));
    return absl::OkStatus();
  });
}

void SayMetadata(const Context& ctx, const WriterMetadata& m) {
  ctx.Say(absl::StrFormat("%s  (class %s, instance %s)", m.name, m.class_id,
                          m.instance_id));
  ctx.Say(absl::StrFormat(
      "  usage %s, source %s, restore %s, restore lifetime %s, freeze "
      "timeout %s",
      UsageTypeName(m.usage), SourceTypeName(m.source),
      RestoreMethodName(m.restore_method), DurationText(m.restore_lifetime),
      DurationText(m.freeze_timeout)));
  ctx.Say(absl::StrCat("  backup types ",
                       absl::StrJoin(m.supported_types, ", ",
                                     [](std::string* out, BackupType t) {
                                       absl::StrAppend(out, BackupTypeName(t));
                                     })));
  for (const Component& c : m.components) {
    ctx.Say(absl::StrFormat("  component %s (%s, %s) on %s", c.name,
                            ComponentTypeName(c.type), c.logical_path,
                            absl::StrJoin(c.volumes, ", ")));
  }
}

void AddWriters(Cli& cli) {
  Context& ctx = cli.context();
  auto* writers = cli.app().add_subcommand(
      "writers", "the writers of the services in the data directory");
  writers->require_subcommand(1);

  auto* list = writers->add_subcommand("list", "what each writer declares");
  cli.OnRun(list, [&ctx]() -> absl::Status {
    ASSIGN_OR_RETURN(Hosted h, Host(ctx.data_dir));
    WriterSession session(h.registry.get(), FrameworkOptions{});
    RETURN_IF_ERROR(session.Identify(absl::InfiniteFuture()));
    std::vector<WriterMetadata> metadata = session.Metadata();
    if (ctx.json) {
      nlohmann::json out = nlohmann::json::array();
      for (const WriterMetadata& m : metadata) {
        out.push_back(WriterMetadataToJson(m));
      }
      ctx.Emit(out);
      return absl::OkStatus();
    }
    if (metadata.empty()) {
      ctx.Say("no writers: no service with a writer lives in " + ctx.data_dir);
    }
    for (const WriterMetadata& m : metadata) SayMetadata(ctx, m);
    return absl::OkStatus();
  });

  auto* status = writers->add_subcommand(
      "status", "each writer's state and failure (after Identify)");
  cli.OnRun(status, [&ctx]() -> absl::Status {
    ASSIGN_OR_RETURN(Hosted h, Host(ctx.data_dir));
    WriterSession session(h.registry.get(), FrameworkOptions{});
    // A failing Identify is what status reports, not an error of its own.
    session.Identify(absl::InfiniteFuture()).IgnoreError();
    std::vector<WriterStatus> statuses = session.Status();
    if (ctx.json) {
      nlohmann::json out = nlohmann::json::array();
      for (const WriterStatus& s : statuses) {
        out.push_back(
            {{"name", s.metadata.name},
             {"instance_id", s.metadata.instance_id},
             {"state", std::string(WriterStateName(s.state))},
             {"failure", std::string(WriterFailureName(s.failure))},
             {"error", s.error.ok() ? "" : std::string(s.error.message())}});
      }
      ctx.Emit(out);
      return absl::OkStatus();
    }
    if (statuses.empty()) {
      ctx.Say("no writers: no service with a writer lives in " + ctx.data_dir);
      return absl::OkStatus();
    }
    ctx.Say(absl::StrFormat("%-20s %-30s %s", "WRITER", "STATE", "FAILURE"));
    for (size_t i = 0; i < statuses.size(); ++i) {
      const WriterStatus& s = statuses[i];
      ctx.Say(absl::StrFormat(
          "%-20s %-30s %s%s",
          s.metadata.name.empty() ? absl::StrCat("writer #", i + 1)
                                  : s.metadata.name,
          WriterStateName(s.state), WriterFailureName(s.failure),
          s.error.ok() ? "" : absl::StrCat(": ", s.error.message())));
    }
    return absl::OkStatus();
  });
}

}  // namespace

void AddInspectCommands(Cli& cli) {
  AddToken(cli);
  AddWriters(cli);
}

}  // namespace shadowset::cli
