// shadowset init | volume ... | snapshot ... | check | events

#include <algorithm>
#include <cstring>
#include <deque>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"
#include "engine/codes.h"
#include "engine/env.h"
#include "engine/internal/aligned_buffer.h"
#include "engine/internal/status_macros.h"
#include "requestor/cli/cli.h"

namespace shadowset::cli {
namespace {

constexpr uint64_t kCopyChunk = uint64_t{8} << 20;

std::string Rfc3339(absl::Time t) {
  return absl::FormatTime("%Y-%m-%dT%H:%M:%E3SZ", t, absl::UTCTimeZone());
}

std::string HumanSize(uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  if (u == 0) return absl::StrFormat("%u B", bytes);
  return absl::StrFormat("%.1f %s", v, units[u]);
}

absl::StatusOr<SetId> ParseSetId(absl::string_view text) {
  std::optional<SetId> id = SetId::Parse(text);
  if (!id) {
    return absl::InvalidArgumentError(absl::StrCat(
        "'", text, "' is not a snapshot set id (expected a GUID such as "
                   "1b4e28ba-2fa1-41d2-883f-0016d3cca427)"));
  }
  return *id;
}

// Writes `size` bytes produced by `read(offset, span)` to `path` atomically:
// a temporary file, fsynced, renamed into place. Reading the next chunk
// overlaps writing the previous one (two buffers, a writer thread).
absl::Status ExportTo(const std::string& path, uint64_t size,
                      const std::function<absl::Status(uint64_t,
                                                       absl::Span<uint8_t>)>& read) {
  Env* env = Env::Default();
  std::string tmp = path + ".partial";
  ASSIGN_OR_RETURN(std::unique_ptr<File> out,
                   env->OpenFile(tmp, {.create = true}));
  RETURN_IF_ERROR(out->Truncate(0));
  const uint64_t chunk = std::min(kCopyChunk, std::max<uint64_t>(size, 1));
  struct Filled {
    internal::AlignedBuffer* buf;
    uint64_t offset, length;
  };
  struct Queues {
    std::deque<internal::AlignedBuffer*> free_bufs;
    std::deque<Filled> filled;
    bool done = false;
    absl::Status write_status;
    bool WriterReady() const { return !filled.empty() || done; }
    bool ReaderReady() const { return !free_bufs.empty(); }
  };
  internal::AlignedBuffer buffers[2] = {internal::AlignedBuffer(chunk),
                                        internal::AlignedBuffer(chunk)};
  absl::Mutex mu;
  Queues q;
  q.free_bufs = {&buffers[0], &buffers[1]};
  std::thread writer = env->StartThread("ss-export", [&] {
    for (;;) {
      Filled f;
      {
        absl::MutexLock l(&mu);
        mu.Await(absl::Condition(&q, &Queues::WriterReady));
        if (q.filled.empty()) return;
        f = q.filled.front();
        q.filled.pop_front();
      }
      absl::Status st = out->WriteAt(f.offset, f.buf->span().first(f.length));
      absl::MutexLock l(&mu);
      if (!st.ok() && q.write_status.ok()) q.write_status = st;
      q.free_bufs.push_back(f.buf);
    }
  });
  absl::Status st;
  for (uint64_t off = 0; off < size && st.ok(); off += chunk) {
    internal::AlignedBuffer* buf;
    {
      absl::MutexLock l(&mu);
      mu.Await(absl::Condition(&q, &Queues::ReaderReady));
      buf = q.free_bufs.front();
      q.free_bufs.pop_front();
      st = q.write_status;
    }
    if (!st.ok()) break;
    uint64_t n = std::min<uint64_t>(chunk, size - off);
    st = read(off, buf->span().first(n));
    absl::MutexLock l(&mu);
    if (st.ok()) {
      q.filled.push_back({buf, off, n});
    } else {
      q.free_bufs.push_back(buf);
    }
  }
  absl::Status write_status;
  {
    absl::MutexLock l(&mu);
    q.done = true;
  }
  writer.join();
  {
    absl::MutexLock l(&mu);
    write_status = q.write_status;
  }
  if (st.ok()) st = write_status;
  if (st.ok()) st = out->Sync();
  out.reset();
  if (!st.ok()) {
    env->RemoveFile(tmp).IgnoreError();
    return st;
  }
  RETURN_IF_ERROR(env->Rename(tmp, path));
  return env->SyncDir(DirName(path));
}

nlohmann::json SetJson(const SnapshotSetInfo& s) {
  nlohmann::json volumes = nlohmann::json::array();
  for (const SnapshotInfo& snap : s.snapshots) volumes.push_back(snap.volume);
  return {{"set_id", s.id.ToString()},
          {"created", Rfc3339(s.created)},
          {"volumes", volumes},
          {"persistent", s.persistent},
          {"corrupt", s.corrupt}};
}

void AddInit(Cli& cli) {
  Context& ctx = cli.context();
  auto* cmd = cli.app().add_subcommand("init", "create a data directory");
  auto block_size = std::make_shared<std::string>("16K");
  auto cap = std::make_shared<std::string>("1G");
  cmd->add_option("--block-size", *block_size,
                  "copy-on-write block size: a power of two, 4K to 1M");
  cmd->add_option("--diff-area-max", *cap,
                  "cap on the diff area (shadow storage)");
  cli.OnRun(cmd, [&ctx, block_size, cap]() -> absl::Status {
    InitOptions o;
    ASSIGN_OR_RETURN(uint64_t bs, ParseSize("--block-size", *block_size));
    ASSIGN_OR_RETURN(o.diff_area_max, ParseSize("--diff-area-max", *cap));
    if (bs > UINT32_MAX) {
      return absl::InvalidArgumentError("--block-size is too large");
    }
    o.block_size = static_cast<uint32_t>(bs);
    RETURN_IF_ERROR(Engine::Init(ctx.data_dir, o));
    if (ctx.json) {
      ctx.Emit({{"data_dir", ctx.data_dir},
                {"block_size", o.block_size},
                {"diff_area_max", o.diff_area_max}});
    } else {
      ctx.Say(absl::StrFormat("initialised %s: %s blocks, diff area up to %s",
                              ctx.data_dir, HumanSize(o.block_size),
                              HumanSize(o.diff_area_max)));
    }
    return absl::OkStatus();
  });
}

void AddVolume(Cli& cli) {
  Context& ctx = cli.context();
  auto* volume = cli.app().add_subcommand("volume", "manage volumes");
  volume->require_subcommand(1);

  auto* create = volume->add_subcommand("create", "create a volume");
  auto name = std::make_shared<std::string>();
  auto size = std::make_shared<std::string>();
  auto device = std::make_shared<std::string>();
  create->add_option("NAME", *name, "volume name")->required();
  create->add_option("--size", *size, "size (a multiple of the block size)")
      ->required();
  create->add_option("--device", *device,
                     "back it by this existing file or raw block device "
                     "(zeroed first) instead of a file in the data directory");
  cli.OnRun(create, [&ctx, name, size, device]() -> absl::Status {
    ASSIGN_OR_RETURN(uint64_t bytes, ParseSize("--size", *size));
    ASSIGN_OR_RETURN(auto engine, ctx.OpenEngine());
    ASSIGN_OR_RETURN(VolumeInfo info, engine->CreateVolume(*name, bytes, *device));
    if (ctx.json) {
      ctx.Emit({{"name", info.name}, {"id", info.id}, {"size", info.size},
                {"block_size", info.block_size}, {"path", info.path}});
    } else {
      ctx.Say(absl::StrFormat("created volume %s (%s, %u blocks of %s)",
                              info.name, HumanSize(info.size), info.block_count,
                              HumanSize(info.block_size)));
    }
    return absl::OkStatus();
  });

  auto* list = volume->add_subcommand("list", "list volumes");
  cli.OnRun(list, [&ctx]() -> absl::Status {
    ASSIGN_OR_RETURN(auto engine, ctx.OpenEngine());
    std::vector<VolumeInfo> volumes = engine->ListVolumes();
    if (ctx.json) {
      nlohmann::json out = nlohmann::json::array();
      for (const VolumeInfo& v : volumes) {
        out.push_back({{"name", v.name}, {"id", v.id}, {"size", v.size},
                       {"block_size", v.block_size},
                       {"live_snapshots", v.live_snapshots}, {"path", v.path}});
      }
      ctx.Emit(out);
      return absl::OkStatus();
    }
    ctx.Say(absl::StrFormat("%-20s %12s %10s  %s", "NAME", "SIZE", "SNAPSHOTS",
                            "PATH"));
    for (const VolumeInfo& v : volumes) {
      ctx.Say(absl::StrFormat("%-20s %12s %10u  %s", v.name, HumanSize(v.size),
                              v.live_snapshots, v.path));
    }
    return absl::OkStatus();
  });

  auto* write = volume->add_subcommand(
      "write", "write a file's bytes into a volume (flushed before exit)");
  auto wname = std::make_shared<std::string>();
  auto woffset = std::make_shared<std::string>("0");
  auto wfile = std::make_shared<std::string>();
  write->add_option("NAME", *wname, "volume")->required();
  write->add_option("--offset", *woffset, "byte offset");
  write->add_option("--file", *wfile, "file to write")->required();
  cli.OnRun(write, [&ctx, wname, woffset, wfile]() -> absl::Status {
    ASSIGN_OR_RETURN(uint64_t offset, ParseSize("--offset", *woffset));
    Env* env = Env::Default();
    ASSIGN_OR_RETURN(std::unique_ptr<File> in,
                     env->OpenFile(*wfile, {.read_only = true}));
    ASSIGN_OR_RETURN(uint64_t size, in->Size());
    ASSIGN_OR_RETURN(auto engine, ctx.OpenEngine());
    ASSIGN_OR_RETURN(Volume * v, engine->GetVolume(*wname));
    // Validate before the first byte is written.
    if (offset > v->size() || size > v->size() - offset) {
      return absl::OutOfRangeError(absl::StrFormat(
          "%s (%u bytes) at offset %u passes the end of volume '%s' (%u "
          "bytes)",
          *wfile, size, offset, *wname, v->size()));
    }
    internal::AlignedBuffer buf(std::min(kCopyChunk, std::max<uint64_t>(size, 1)));
    for (uint64_t off = 0; off < size; off += buf.size()) {
      uint64_t n = std::min<uint64_t>(buf.size(), size - off);
      RETURN_IF_ERROR(in->ReadAt(off, buf.span().first(n)));
      RETURN_IF_ERROR(v->Write(offset + off, buf.span().first(n)));
    }
    RETURN_IF_ERROR(v->Flush());
    if (ctx.json) {
      ctx.Emit({{"volume", *wname}, {"offset", offset}, {"bytes", size}});
    } else {
      ctx.Say(absl::StrFormat("wrote %u bytes to %s at offset %u", size, *wname,
                              offset));
    }
    return absl::OkStatus();
  });

  auto* read = volume->add_subcommand("read", "read a range of a volume");
  auto rname = std::make_shared<std::string>();
  auto roffset = std::make_shared<std::string>("0");
  auto rlength = std::make_shared<std::string>();
  auto rout = std::make_shared<std::string>();
  read->add_option("NAME", *rname, "volume")->required();
  read->add_option("--offset", *roffset, "byte offset");
  read->add_option("--length", *rlength, "bytes to read")->required();
  read->add_option("--out", *rout, "output file")->required();
  cli.OnRun(read, [&ctx, rname, roffset, rlength, rout]() -> absl::Status {
    ASSIGN_OR_RETURN(uint64_t offset, ParseSize("--offset", *roffset));
    ASSIGN_OR_RETURN(uint64_t length, ParseSize("--length", *rlength));
    ASSIGN_OR_RETURN(auto engine, ctx.OpenEngine());
    ASSIGN_OR_RETURN(Volume * v, engine->GetVolume(*rname));
    if (offset > v->size() || length > v->size() - offset) {
      return absl::OutOfRangeError(absl::StrFormat(
          "range of %u bytes at offset %u passes the end of volume '%s' (%u "
          "bytes)",
          length, offset, *rname, v->size()));
    }
    RETURN_IF_ERROR(ExportTo(*rout, length,
                             [&](uint64_t off, absl::Span<uint8_t> out) {
                               return v->Read(offset + off, out);
                             }));
    if (ctx.json) {
      ctx.Emit({{"volume", *rname}, {"offset", offset}, {"bytes", length},
                {"out", *rout}});
    } else {
      ctx.Say(absl::StrFormat("read %u bytes of %s at offset %u into %s", length,
                              *rname, offset, *rout));
    }
    return absl::OkStatus();
  });
}

void AddSnapshot(Cli& cli) {
  Context& ctx = cli.context();
  auto* snapshot = cli.app().add_subcommand("snapshot", "manage snapshot sets");
  snapshot->require_subcommand(1);

  auto* create = snapshot->add_subcommand(
      "create", "commit one persistent snapshot set over the volumes");
  auto volumes = std::make_shared<std::vector<std::string>>();
  create->add_option("VOLUME", *volumes, "volumes")->required();
  cli.OnRun(create, [&ctx, volumes]() -> absl::Status {
    ASSIGN_OR_RETURN(auto engine, ctx.OpenEngine());
    ASSIGN_OR_RETURN(SnapshotSetInfo set, engine->CreateSnapshotSet(*volumes));
    if (ctx.json) {
      ctx.Emit(SetJson(set));
    } else {
      ctx.Say(absl::StrFormat("created snapshot set %s of %s",
                              set.id.ToString(), absl::StrJoin(*volumes, ", ")));
    }
    return absl::OkStatus();
  });

  auto* list = snapshot->add_subcommand("list", "list snapshot sets, oldest first");
  cli.OnRun(list, [&ctx]() -> absl::Status {
    ASSIGN_OR_RETURN(auto engine, ctx.OpenEngine());
    std::vector<SnapshotSetInfo> sets = engine->ListSnapshotSets();
    if (ctx.json) {
      nlohmann::json out = nlohmann::json::array();
      for (const SnapshotSetInfo& s : sets) out.push_back(SetJson(s));
      ctx.Emit(out);
      return absl::OkStatus();
    }
    ctx.Say(absl::StrFormat("%-36s  %-24s  %s", "SET_ID", "CREATED", "VOLUMES"));
    for (const SnapshotSetInfo& s : sets) {
      std::vector<std::string> names;
      for (const SnapshotInfo& snap : s.snapshots) names.push_back(snap.volume);
      ctx.Say(absl::StrFormat("%-36s  %-24s  %s%s", s.id.ToString(),
                              Rfc3339(s.created), absl::StrJoin(names, ","),
                              s.corrupt ? "  (CORRUPT)" : ""));
    }
    return absl::OkStatus();
  });

  auto* del = snapshot->add_subcommand("delete", "delete a snapshot set");
  auto del_id = std::make_shared<std::string>();
  del->add_option("SET_ID", *del_id, "set id")->required();
  cli.OnRun(del, [&ctx, del_id]() -> absl::Status {
    ASSIGN_OR_RETURN(SetId id, ParseSetId(*del_id));
    ASSIGN_OR_RETURN(auto engine, ctx.OpenEngine());
    RETURN_IF_ERROR(engine->DeleteSnapshotSet(id));
    if (ctx.json) {
      ctx.Emit({{"deleted", id.ToString()}});
    } else {
      ctx.Say(absl::StrCat("deleted snapshot set ", id.ToString()));
    }
    return absl::OkStatus();
  });

  auto* exp = snapshot->add_subcommand(
      "export", "write a raw image of a volume at the snapshot instant");
  auto exp_id = std::make_shared<std::string>();
  auto exp_vol = std::make_shared<std::string>();
  auto exp_out = std::make_shared<std::string>();
  exp->add_option("SET_ID", *exp_id, "set id")->required();
  exp->add_option("VOLUME", *exp_vol, "volume")->required();
  exp->add_option("--out", *exp_out, "output file")->required();
  cli.OnRun(exp, [&ctx, exp_id, exp_vol, exp_out]() -> absl::Status {
    ASSIGN_OR_RETURN(SetId id, ParseSetId(*exp_id));
    ASSIGN_OR_RETURN(auto engine, ctx.OpenEngine());
    ASSIGN_OR_RETURN(std::unique_ptr<Snapshot> snap,
                     engine->OpenSnapshot(id, *exp_vol));
    absl::Time start = absl::Now();
    RETURN_IF_ERROR(ExportTo(*exp_out, snap->size(),
                             [&](uint64_t off, absl::Span<uint8_t> out) {
                               return snap->Read(off, out);
                             }));
    double secs = absl::ToDoubleSeconds(absl::Now() - start);
    if (ctx.json) {
      ctx.Emit({{"set_id", id.ToString()}, {"volume", *exp_vol},
                {"bytes", snap->size()}, {"out", *exp_out},
                {"seconds", secs}});
    } else {
      ctx.Say(absl::StrFormat("exported %s of %s (%s) to %s in %.2f s",
                              *exp_vol, id.ToString(), HumanSize(snap->size()),
                              *exp_out, secs));
    }
    return absl::OkStatus();
  });

  auto* changed = snapshot->add_subcommand(
      "changed", "blocks of a volume written between two snapshot sets");
  auto old_id = std::make_shared<std::string>();
  auto new_id = std::make_shared<std::string>();
  auto ch_vol = std::make_shared<std::string>();
  changed->add_option("OLD_SET", *old_id, "older set")->required();
  changed->add_option("NEW_SET", *new_id, "newer set")->required();
  changed->add_option("VOLUME", *ch_vol, "volume")->required();
  cli.OnRun(changed, [&ctx, old_id, new_id, ch_vol]() -> absl::Status {
    ASSIGN_OR_RETURN(SetId older, ParseSetId(*old_id));
    ASSIGN_OR_RETURN(SetId newer, ParseSetId(*new_id));
    ASSIGN_OR_RETURN(auto engine, ctx.OpenEngine());
    ASSIGN_OR_RETURN(std::vector<uint64_t> blocks,
                     engine->ChangedBlocks(older, newer, *ch_vol));
    if (ctx.json) {
      ctx.Emit({{"block_size", engine->block_size()}, {"blocks", blocks}});
    } else {
      ctx.Say(absl::StrFormat("%u changed blocks of %s", blocks.size(),
                              HumanSize(engine->block_size())));
      for (uint64_t b : blocks) ctx.Say(absl::StrCat(b));
    }
    return absl::OkStatus();
  });
}

void AddMaintenance(Cli& cli) {
  Context& ctx = cli.context();
  auto* check = cli.app().add_subcommand(
      "check", "scrub: verify every diff-area record and the index");
  cli.OnRun(check, [&ctx]() -> absl::Status {
    ASSIGN_OR_RETURN(auto engine, ctx.OpenEngine());
    ASSIGN_OR_RETURN(CheckReport report, engine->Check());
    if (ctx.json) {
      ctx.Emit({{"ok", report.ok()},
                {"records_checked", report.records_checked},
                {"bytes_checked", report.bytes_checked},
                {"segments", report.segments},
                {"problems", report.problems}});
    } else {
      ctx.Say(absl::StrFormat("checked %u records (%s) in %u segments: %s",
                              report.records_checked,
                              HumanSize(report.bytes_checked), report.segments,
                              report.ok() ? "ok" : "PROBLEMS FOUND"));
      for (const std::string& p : report.problems) ctx.Say("  " + p);
    }
    if (!report.ok()) {
      return absl::DataLossError(absl::StrFormat(
          "check found %u problem(s); the affected snapshot sets are marked "
          "corrupt",
          report.problems.size()));
    }
    return absl::OkStatus();
  });

  auto* events = cli.app().add_subcommand(
      "events", "cap deletions, corruption, recoveries and other events");
  auto limit = std::make_shared<size_t>(0);
  events->add_option("--limit", *limit, "only the newest N");
  cli.OnRun(events, [&ctx, limit]() -> absl::Status {
    ASSIGN_OR_RETURN(auto engine, ctx.OpenEngine());
    std::vector<Event> list = engine->Events(*limit);
    if (ctx.json) {
      nlohmann::json out = nlohmann::json::array();
      for (const Event& e : list) {
        out.push_back({{"seq", e.seq},
                       {"time", Rfc3339(e.time)},
                       {"kind", std::string(EventKindName(e.kind))},
                       {"set_id", e.set.is_nil() ? "" : e.set.ToString()},
                       {"volume", e.volume},
                       {"message", e.message}});
      }
      ctx.Emit(out);
      return absl::OkStatus();
    }
    for (const Event& e : list) {
      ctx.Say(absl::StrFormat("%5u  %s  %-16s %s%s%s", e.seq, Rfc3339(e.time),
                              EventKindName(e.kind),
                              e.volume.empty() ? "" : e.volume + ": ",
                              e.set.is_nil() ? "" : e.set.ToString() + ": ",
                              e.message));
    }
    return absl::OkStatus();
  });
}

}  // namespace

void AddEngineCommands(Cli& cli) {
  AddInit(cli);
  AddVolume(cli);
  AddSnapshot(cli);
  AddMaintenance(cli);
}

}  // namespace shadowset::cli
