// Uses the installed library: a volume, a write, a snapshot, a read back.
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "engine/engine.h"

int main(int argc, char** argv) {
  if (argc != 2) return 2;
  std::string dir = argv[1];
  auto fail = [](const absl::Status& st) {
    std::fprintf(stderr, "consumer: %s\n", std::string(st.message()).c_str());
    return 1;
  };
  shadowset::InitOptions init;
  init.block_size = 4096;
  init.diff_area_max = 16 << 20;
  if (absl::Status st = shadowset::Engine::Init(dir, init); !st.ok()) return fail(st);
  auto engine = shadowset::Engine::Open(dir);
  if (!engine.ok()) return fail(engine.status());
  if (auto v = (*engine)->CreateVolume("v", 1 << 20); !v.ok()) return fail(v.status());
  shadowset::Volume* v = (*engine)->GetVolume("v").value();
  std::vector<uint8_t> a(4096, 'a'), b(4096, 'b'), got(4096);
  if (absl::Status st = v->Write(0, a); !st.ok()) return fail(st);
  auto set = (*engine)->CreateSnapshotSet({"v"});
  if (!set.ok()) return fail(set.status());
  if (absl::Status st = v->Write(0, b); !st.ok()) return fail(st);
  auto snap = (*engine)->OpenSnapshot(set->id, "v");
  if (!snap.ok()) return fail(snap.status());
  if (absl::Status st = (*snap)->Read(0, absl::MakeSpan(got)); !st.ok()) return fail(st);
  if (got != a) {
    std::fprintf(stderr, "consumer: snapshot does not read its instant\n");
    return 1;
  }
  std::printf("consumer: ok\n");
  return 0;
}
