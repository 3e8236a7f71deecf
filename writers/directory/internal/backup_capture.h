// DirectoryService::Capture: what an online backup captured at its snapshot
// instant (shared by directory_restore.cc, which takes it, and
// ds_backup.cc, which serves its files).
//
// Thread safety: immutable after construction (the snapshots are safe for
// concurrent reads).

#ifndef SHADOWSET_WRITERS_DIRECTORY_INTERNAL_BACKUP_CAPTURE_H_
#define SHADOWSET_WRITERS_DIRECTORY_INTERNAL_BACKUP_CAPTURE_H_

#include <memory>
#include <string>

#include "engine/snapshot.h"
#include "writers/directory/directory_service.h"
#include "writers/directory/internal/control_block.h"
#include "writers/directory/internal/patch_file.h"

namespace shadowset {

struct DirectoryService::Capture {
  SetId set_id;                        // auto-release; deleted at the end
  directory_internal::ControlBlock control;  // as of the snapshot
  directory_internal::PatchFile patch;  // describes the backup
  std::string patch_bytes;              // EncodePatchFile(patch)
  std::unique_ptr<Snapshot> database;   // the "<prefix>-db" snapshot
  std::unique_ptr<Snapshot> log;        // the "<prefix>-log" snapshot
};

}  // namespace shadowset

#endif  // SHADOWSET_WRITERS_DIRECTORY_INTERNAL_BACKUP_CAPTURE_H_
