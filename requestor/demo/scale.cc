#include "requestor/demo/scale.h"

namespace shadowset::demo {
namespace {

constexpr uint64_t kMiB = uint64_t{1} << 20;

DemoScaleSpec Small() {
  DemoScaleSpec s;
  s.name = "small";
  s.leases = 300;
  s.interfaces = 10;
  s.phonebook_entries = 20;
  s.directory_objects = 2000;
  s.dhcp_volume_size = 4 * kMiB;
  s.rras_volume_size = 1 * kMiB;
  s.directory_db_size = 8 * kMiB;
  s.directory_log_generation_size = 256 << 10;
  s.directory_log_generations = 16;
  s.dhcp_ops_per_second = 100;
  s.rras_saves_per_second = 10;
  s.directory_changes_per_second = 100;
  s.load_time = absl::Seconds(1);
  return s;
}

DemoScaleSpec Medium() {
  DemoScaleSpec s;
  s.name = "medium";
  s.leases = 20000;
  s.interfaces = 50;
  s.phonebook_entries = 200;
  s.directory_objects = 100000;
  s.dhcp_volume_size = 64 * kMiB;
  s.rras_volume_size = 4 * kMiB;
  s.directory_db_size = 256 * kMiB;
  s.directory_log_generation_size = 1 * kMiB;
  s.directory_log_generations = 256;
  s.dhcp_ops_per_second = 200;
  s.rras_saves_per_second = 20;
  s.directory_changes_per_second = 200;
  s.load_time = absl::Seconds(5);
  return s;
}

DemoScaleSpec Large() {
  DemoScaleSpec s = Medium();
  s.name = "large";
  s.leases = 60000;
  s.interfaces = 150;
  s.phonebook_entries = 600;
  s.directory_objects = 300000;
  s.dhcp_volume_size = 256 * kMiB;
  s.rras_volume_size = 16 * kMiB;
  s.directory_db_size = 512 * kMiB;
  s.dhcp_ops_per_second = 500;
  s.rras_saves_per_second = 50;
  s.directory_changes_per_second = 500;
  s.load_time = absl::Seconds(10);
  return s;
}

}  // namespace

DemoScaleSpec DemoScaleSpecOf(DemoScale scale) {
  switch (scale) {
    case DemoScale::kSmall:
      return Small();
    case DemoScale::kLarge:
      return Large();
    case DemoScale::kMedium:
      break;
  }
  return Medium();
}

std::optional<DemoScale> ParseDemoScale(absl::string_view name) {
  if (name == "small") return DemoScale::kSmall;
  if (name == "medium") return DemoScale::kMedium;
  if (name == "large") return DemoScale::kLarge;
  return std::nullopt;
}

}  // namespace shadowset::demo
