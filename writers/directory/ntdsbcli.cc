// The C API (ntdsbcli.h) over the C++ one (ds_backup.h): argument checks
// the C signatures need, status-to-code conversion, and C memory.

#include "writers/directory/ntdsbcli.h"

#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "engine/codes.h"
#include "engine/engine.h"
#include "writers/directory/directory_codes.h"
#include "writers/directory/directory_service.h"
#include "writers/directory/ds_backup.h"

namespace {

using shadowset::DsBackupContext;
using shadowset::DsRestoreContext;

// Every handle of a client lives until the client closes.
struct Handle {
  DS_CLIENT* client = nullptr;
  std::unique_ptr<DsBackupContext> backup;
  std::unique_ptr<DsRestoreContext> restore;
};

uint32_t Code(const absl::Status& status) {
  if (status.ok()) return ERROR_SUCCESS;
  std::optional<uint32_t> code = shadowset::CodeOf(status);
  return code.has_value() ? *code : hrError;
}

// Copies `bytes` into memory the caller frees with DsBackupFree.
uint32_t Give(const std::string& bytes, void** out, uint32_t* size) {
  void* p = std::malloc(bytes.empty() ? 1 : bytes.size());
  if (p == nullptr) return shadowset::kErrorNotEnoughMemory;
  std::memcpy(p, bytes.data(), bytes.size());
  *out = p;
  *size = static_cast<uint32_t>(bytes.size());
  return ERROR_SUCCESS;
}

Handle* AsHandle(HBC hbc) { return static_cast<Handle*>(hbc); }

uint32_t BackupList(HBC hbc, char** list, uint32_t* size, bool logs) {
  Handle* h = AsHandle(hbc);
  if (h == nullptr || h->backup == nullptr || list == nullptr ||
      size == nullptr) {
    return ERROR_INVALID_PARAMETER;
  }
  absl::StatusOr<std::string> r = logs ? h->backup->DsBackupGetBackupLogs()
                                       : h->backup->DsBackupGetDatabaseNames();
  if (!r.ok()) return Code(r.status());
  void* out = nullptr;
  uint32_t code = Give(*r, &out, size);
  if (code == ERROR_SUCCESS) *list = static_cast<char*>(out);
  return code;
}

}  // namespace

struct DS_CLIENT {
  std::unique_ptr<shadowset::Engine> engine;
  std::unique_ptr<shadowset::DirectoryService> directory;
  std::unique_ptr<shadowset::DsClient> client;
  std::vector<std::unique_ptr<Handle>> handles;

  HBC Add(std::unique_ptr<Handle> h) {
    h->client = this;
    handles.push_back(std::move(h));
    return handles.back().get();
  }
};

extern "C" {

uint32_t DsClientOpen(const char* data_dir, const char* volume_prefix,
                      uint32_t flags, DS_CLIENT** client) {
  if (data_dir == nullptr || client == nullptr ||
      (flags & ~DS_CLIENT_RESTORE_MODE) != 0) {
    return ERROR_INVALID_PARAMETER;
  }
  auto c = std::make_unique<DS_CLIENT>();
  absl::StatusOr<std::unique_ptr<shadowset::Engine>> engine =
      shadowset::Engine::Open(data_dir);
  if (!engine.ok()) return hrCouldNotConnect;
  c->engine = std::move(*engine);
  shadowset::DirectoryOptions options;
  if (volume_prefix != nullptr) options.volume_prefix = volume_prefix;
  options.restore_mode = (flags & DS_CLIENT_RESTORE_MODE) != 0;
  absl::StatusOr<std::unique_ptr<shadowset::DirectoryService>> directory =
      shadowset::DirectoryService::Open(c->engine.get(), options);
  if (!directory.ok()) return hrCouldNotConnect;
  c->directory = std::move(*directory);
  c->client = std::make_unique<shadowset::DsClient>(c->directory.get());
  *client = c.release();
  return ERROR_SUCCESS;
}

void DsClientClose(DS_CLIENT* client) {
  if (client == nullptr) return;
  client->handles.clear();  // ends open contexts before the directory goes
  delete client;
}

uint32_t DsSetAuthIdentity(DS_CLIENT* client, const char* user,
                           const char* domain, const char* password) {
  if (client == nullptr || user == nullptr) return ERROR_INVALID_PARAMETER;
  return Code(client->client->DsSetAuthIdentity(
      user, domain != nullptr ? domain : "", password != nullptr ? password : ""));
}

uint32_t DsIsNTDSOnline(DS_CLIENT* client, const char* server, int* online) {
  if (client == nullptr || server == nullptr || online == nullptr) {
    return ERROR_INVALID_PARAMETER;
  }
  absl::StatusOr<bool> r = client->client->DsIsNTDSOnline(server);
  if (!r.ok()) return Code(r.status());
  *online = *r ? 1 : 0;
  return ERROR_SUCCESS;
}

uint32_t DsBackupPrepare(DS_CLIENT* client, const char* server, uint32_t grbit,
                         uint32_t backup_type, void** expiry_token,
                         uint32_t* expiry_token_size, HBC* phbc) {
  if (expiry_token == nullptr || expiry_token_size == nullptr) {
    return hrInvalidParam;
  }
  if (client == nullptr || server == nullptr || phbc == nullptr) {
    return ERROR_INVALID_PARAMETER;
  }
  absl::StatusOr<shadowset::DsBackupPrepared> r =
      client->client->DsBackupPrepare(server, grbit, backup_type);
  if (!r.ok()) return Code(r.status());
  uint32_t code = Give(r->expiry_token, expiry_token, expiry_token_size);
  if (code != ERROR_SUCCESS) return code;
  auto h = std::make_unique<Handle>();
  h->backup = std::move(r->context);
  *phbc = client->Add(std::move(h));
  return ERROR_SUCCESS;
}

uint32_t DsBackupGetDatabaseNames(HBC hbc, char** attachment_info,
                                  uint32_t* size) {
  return BackupList(hbc, attachment_info, size, /*logs=*/false);
}

uint32_t DsBackupGetBackupLogs(HBC hbc, char** log_files, uint32_t* size) {
  return BackupList(hbc, log_files, size, /*logs=*/true);
}

uint32_t DsBackupOpenFile(HBC hbc, const char* attachment_name,
                          uint32_t read_hint_size, int64_t* file_size) {
  Handle* h = AsHandle(hbc);
  if (h == nullptr || h->backup == nullptr || attachment_name == nullptr ||
      file_size == nullptr) {
    return ERROR_INVALID_PARAMETER;
  }
  absl::StatusOr<uint64_t> r =
      h->backup->DsBackupOpenFile(attachment_name, read_hint_size);
  if (!r.ok()) return Code(r.status());
  *file_size = static_cast<int64_t>(*r);
  return ERROR_SUCCESS;
}

uint32_t DsBackupRead(HBC hbc, void* buffer, uint32_t buffer_size,
                      uint32_t* read) {
  Handle* h = AsHandle(hbc);
  if (h == nullptr || h->backup == nullptr || buffer == nullptr ||
      read == nullptr) {
    return ERROR_INVALID_PARAMETER;
  }
  *read = 0;
  absl::StatusOr<uint32_t> r = h->backup->DsBackupRead(
      absl::MakeSpan(static_cast<uint8_t*>(buffer), buffer_size));
  if (!r.ok()) return Code(r.status());
  *read = *r;
  return ERROR_SUCCESS;
}

uint32_t DsBackupClose(HBC hbc) {
  Handle* h = AsHandle(hbc);
  if (h == nullptr || h->backup == nullptr) return ERROR_INVALID_PARAMETER;
  return Code(h->backup->DsBackupClose());
}

uint32_t DsBackupTruncateLogs(HBC hbc) {
  Handle* h = AsHandle(hbc);
  if (h == nullptr || h->backup == nullptr) return ERROR_INVALID_PARAMETER;
  return Code(h->backup->DsBackupTruncateLogs());
}

uint32_t DsBackupEnd(HBC hbc) {
  Handle* h = AsHandle(hbc);
  if (h == nullptr || h->backup == nullptr) return ERROR_INVALID_PARAMETER;
  return Code(h->backup->DsBackupEnd());
}

void DsBackupFree(void* buffer) { std::free(buffer); }

uint32_t DsRestorePrepare(DS_CLIENT* client, const char* server,
                          uint32_t restore_flags, const void* expiry_token,
                          uint32_t expiry_token_size, HBC* phbc) {
  if (client == nullptr || server == nullptr || phbc == nullptr) {
    return ERROR_INVALID_PARAMETER;
  }
  std::string token;
  if (expiry_token != nullptr && expiry_token_size > 0) {
    token.assign(static_cast<const char*>(expiry_token), expiry_token_size);
  }
  absl::StatusOr<std::unique_ptr<DsRestoreContext>> r =
      client->client->DsRestorePrepare(server, restore_flags, token);
  if (!r.ok()) return Code(r.status());
  auto h = std::make_unique<Handle>();
  h->restore = std::move(*r);
  *phbc = client->Add(std::move(h));
  return ERROR_SUCCESS;
}

uint32_t DsRestoreGetDatabaseLocations(HBC hbc, char** locations,
                                       uint32_t* size) {
  Handle* h = AsHandle(hbc);
  if (h == nullptr || h->restore == nullptr || locations == nullptr ||
      size == nullptr) {
    return ERROR_INVALID_PARAMETER;
  }
  absl::StatusOr<std::string> r = h->restore->DsRestoreGetDatabaseLocations();
  if (!r.ok()) return Code(r.status());
  void* out = nullptr;
  uint32_t code = Give(*r, &out, size);
  if (code == ERROR_SUCCESS) *locations = static_cast<char*>(out);
  return code;
}

uint32_t DsRestoreRegister(HBC hbc, const char* checkpoint_file_path,
                           const char* log_path, const EDB_RSTMAP* map,
                           int32_t count, const char* backup_log_path,
                           uint32_t gen_low, uint32_t gen_high) {
  Handle* h = AsHandle(hbc);
  if (h == nullptr || h->restore == nullptr || count < 0 ||
      (count > 0 && map == nullptr)) {
    return ERROR_INVALID_PARAMETER;
  }
  std::vector<DsRestoreContext::RestoreMapEntry> entries;
  for (int32_t i = 0; i < count; ++i) {
    if (map[i].szDatabaseName == nullptr || map[i].szNewDatabaseName == nullptr) {
      return ERROR_INVALID_PARAMETER;
    }
    entries.push_back({map[i].szDatabaseName, map[i].szNewDatabaseName});
  }
  auto text = [](const char* s) { return s != nullptr ? s : ""; };
  return Code(h->restore->DsRestoreRegister(
      text(checkpoint_file_path), text(log_path), entries,
      text(backup_log_path), gen_low, gen_high));
}

uint32_t DsRestoreOpenFile(HBC hbc, const char* name, int64_t size) {
  Handle* h = AsHandle(hbc);
  if (h == nullptr || h->restore == nullptr || name == nullptr || size < 0) {
    return ERROR_INVALID_PARAMETER;
  }
  return Code(h->restore->DsRestoreOpenFile(name, static_cast<uint64_t>(size)));
}

uint32_t DsRestoreWrite(HBC hbc, const void* data, uint32_t size) {
  Handle* h = AsHandle(hbc);
  if (h == nullptr || h->restore == nullptr || (data == nullptr && size > 0)) {
    return ERROR_INVALID_PARAMETER;
  }
  return Code(h->restore->DsRestoreWrite(
      absl::MakeConstSpan(static_cast<const uint8_t*>(data), size)));
}

uint32_t DsRestoreCloseFile(HBC hbc) {
  Handle* h = AsHandle(hbc);
  if (h == nullptr || h->restore == nullptr) return ERROR_INVALID_PARAMETER;
  return Code(h->restore->DsRestoreCloseFile());
}

uint32_t DsRestoreRegisterComplete(HBC hbc, uint32_t restore_state) {
  Handle* h = AsHandle(hbc);
  if (h == nullptr || h->restore == nullptr) return ERROR_INVALID_PARAMETER;
  return Code(h->restore->DsRestoreRegisterComplete(restore_state));
}

uint32_t DsRestoreEnd(HBC hbc) {
  Handle* h = AsHandle(hbc);
  if (h == nullptr || h->restore == nullptr) return ERROR_INVALID_PARAMETER;
  return Code(h->restore->DsRestoreEnd());
}

}  // extern "C"
