// The C API (mprapi.h) over RouterConfig: configuration handles (sessions)
// with their interface handles, and conversions to the C structures.

#include "writers/rras/mprapi.h"

#include <cstring>
#include <map>
#include <memory>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "engine/codes.h"
#include "writers/rras/mprapi_binding.h"
#include "writers/rras/router_config.h"
#include "writers/service/api_registry.h"
#include "writers/service/c_memory.h"

namespace shadowset::rras {
namespace {

using service::CopyBytes;
using service::CopyString;
using service::NewRoot;

service::ApiRegistry<RouterConfig>& Registry() {
  static auto* registry = new service::ApiRegistry<RouterConfig>();
  return *registry;
}

thread_local std::string t_principal;

// A configuration handle: the router it names, its caller, and the
// interface handles it gave out (id -> interface name).
struct Session {
  std::string server;
  std::string principal;
  std::map<uintptr_t, std::string> interfaces;
  uintptr_t next_interface = 1;
};

class Sessions {
 public:
  absl::Mutex mu;
  std::map<const void*, std::unique_ptr<Session>> open ABSL_GUARDED_BY(mu);
};

Sessions& AllSessions() {
  static auto* sessions = new Sessions();
  return *sessions;
}

DWORD Code(const absl::Status& status) {
  if (status.ok()) return ERROR_SUCCESS;
  std::optional<uint32_t> code = CodeOf(status);
  return code ? *code : ERROR_CAN_NOT_COMPLETE;
}

std::string Blob(LPBYTE data, DWORD size) {
  if (data == nullptr || size == 0) return "";
  return std::string(reinterpret_cast<const char*>(data), size);
}

// Runs `fn(router, session)` for a live handle.
template <typename F>
DWORD WithSession(HANDLE handle, F&& fn) {
  if (handle == nullptr) return ERROR_INVALID_PARAMETER;
  Session copy;
  {
    Sessions& all = AllSessions();
    absl::MutexLock l(&all.mu);
    auto it = all.open.find(handle);
    if (it == all.open.end()) return ERROR_INVALID_HANDLE;
    copy.server = it->second->server;
    copy.principal = it->second->principal;
  }
  auto lease = Registry().Find(copy.server);
  if (!lease) return ERROR_INVALID_HANDLE;
  return fn(*lease->get(), copy.principal);
}

// The interface name behind an interface handle, or "" if unknown.
std::string InterfaceOf(HANDLE config, HANDLE iface) {
  Sessions& all = AllSessions();
  absl::MutexLock l(&all.mu);
  auto it = all.open.find(config);
  if (it == all.open.end()) return "";
  auto i = it->second->interfaces.find(reinterpret_cast<uintptr_t>(iface));
  return i == it->second->interfaces.end() ? "" : i->second;
}

// A handle for interface `name` in session `config` (reused if given out).
HANDLE HandleFor(HANDLE config, const std::string& name) {
  Sessions& all = AllSessions();
  absl::MutexLock l(&all.mu);
  auto it = all.open.find(config);
  if (it == all.open.end()) return nullptr;
  Session& s = *it->second;
  for (const auto& [id, n] : s.interfaces) {
    if (n == name) return reinterpret_cast<HANDLE>(id);
  }
  uintptr_t id = s.next_interface++;
  s.interfaces[id] = name;
  return reinterpret_cast<HANDLE>(id);
}

void Fill(HANDLE config, const Interface& i, MPR_INTERFACE_0* out) {
  std::memset(out->wszInterfaceName, 0, sizeof(out->wszInterfaceName));
  std::memcpy(out->wszInterfaceName, i.name.data(),
              std::min(i.name.size(), size_t{MAX_INTERFACE_NAME_LEN}));
  out->hInterface = HandleFor(config, i.name);
  out->fEnabled = i.enabled ? TRUE : FALSE;
  out->dwIfType = static_cast<ROUTER_INTERFACE_TYPE>(i.type);
  out->dwConnectionState = ROUTER_IF_STATE_UNREACHABLE;
  out->fUnReachabilityReasons = 0;
  out->dwLastError = 0;
}

uint32_t TransportIdOf(HANDLE transport) {
  return static_cast<uint32_t>(reinterpret_cast<uintptr_t>(transport));
}

HANDLE TransportHandle(uint32_t id) {
  return reinterpret_cast<HANDLE>(static_cast<uintptr_t>(id));
}

// Paging shared by the enumerations.
template <typename T, typename Out, typename FillFn>
DWORD Page(const std::vector<T>& all, DWORD level, LPBYTE* buffer,
           DWORD max_len, LPDWORD read, LPDWORD total, LPDWORD resume,
           FillFn fill) {
  if (buffer == nullptr || read == nullptr || total == nullptr) {
    return ERROR_INVALID_PARAMETER;
  }
  *buffer = nullptr;
  *read = *total = 0;
  if (level != 0) return ERROR_INVALID_PARAMETER;
  size_t start = resume != nullptr ? *resume : 0;
  if (start >= all.size()) return ERROR_NO_MORE_ITEMS;
  size_t n = 1;
  if (max_len != 0xFFFFFFFFu) {
    n = std::max<size_t>(1, max_len / sizeof(Out));
  } else {
    n = all.size();
  }
  n = std::min(n, all.size() - start);
  Out* out = NewRoot<Out>(n);
  if (out == nullptr) return ERROR_NOT_ENOUGH_MEMORY;
  for (size_t i = 0; i < n; ++i) fill(all[start + i], &out[i]);
  *buffer = reinterpret_cast<LPBYTE>(out);
  *read = static_cast<DWORD>(n);
  *total = static_cast<DWORD>(all.size() - start);
  if (resume != nullptr) *resume = static_cast<DWORD>(start + n);
  return start + n < all.size() ? ERROR_MORE_DATA : ERROR_SUCCESS;
}

}  // namespace

RrasApiBinding::RrasApiBinding(std::string server_name, RouterConfig* config)
    : name_(std::move(server_name)), bound_(Registry().Bind(name_, config)) {}

RrasApiBinding::~RrasApiBinding() {
  if (bound_) Registry().Unbind(name_);
}

}  // namespace shadowset::rras

using namespace shadowset::rras;  // NOLINT: the C entry points below

extern "C" {

void MprConfigSetCallerPrincipal(const char* principal) {
  t_principal = principal != nullptr ? principal : "";
}

const char* MprConfigErrorName(DWORD code) {
  absl::string_view name = RrasCodeName(code);
  return name.empty() ? "" : name.data();
}

DWORD MprConfigServerConnect(const char* lpwsServerName, HANDLE* phMprConfig) {
  if (phMprConfig == nullptr) return ERROR_INVALID_PARAMETER;
  *phMprConfig = nullptr;
  std::string server = lpwsServerName != nullptr ? lpwsServerName : "";
  auto lease = Registry().Find(server);
  if (!lease) return RPC_S_INVALID_BINDING;
  if (!lease->get()->IsAdministrator(t_principal)) return ERROR_ACCESS_DENIED;
  auto session = std::make_unique<Session>();
  session->server = lease->name();
  session->principal = t_principal;
  Sessions& all = AllSessions();
  absl::MutexLock l(&all.mu);
  if (all.open.size() >= kMaxConfigHandles) return ERROR_NOT_ENOUGH_MEMORY;
  HANDLE handle = session.get();
  all.open[handle] = std::move(session);
  *phMprConfig = handle;
  return ERROR_SUCCESS;
}

void MprConfigServerDisconnect(HANDLE hMprConfig) {
  Sessions& all = AllSessions();
  absl::MutexLock l(&all.mu);
  all.open.erase(hMprConfig);
}

DWORD MprConfigServerBackup(HANDLE hMprConfig, const char* lpwsPath) {
  return WithSession(hMprConfig, [&](RouterConfig& r, const std::string& who) {
    return Code(r.Backup(who, lpwsPath != nullptr ? lpwsPath : ""));
  });
}

DWORD MprConfigServerRestore(HANDLE hMprConfig, const char* lpwsPath) {
  return WithSession(hMprConfig, [&](RouterConfig& r, const std::string& who) {
    return Code(r.Restore(who, lpwsPath != nullptr ? lpwsPath : ""));
  });
}

DWORD MprConfigBufferFree(void* pBuffer) {
  shadowset::service::FreeRoot(pBuffer);
  return ERROR_SUCCESS;
}

DWORD MprConfigInterfaceCreate(HANDLE hMprConfig, DWORD dwLevel,
                               LPBYTE lpbBuffer, HANDLE* phRouterInterface) {
  if (dwLevel != 0 || lpbBuffer == nullptr || phRouterInterface == nullptr) {
    return ERROR_INVALID_PARAMETER;
  }
  const auto* in = reinterpret_cast<const MPR_INTERFACE_0*>(lpbBuffer);
  Interface iface;
  iface.name.assign(in->wszInterfaceName,
                    strnlen(in->wszInterfaceName, MAX_INTERFACE_NAME_LEN + 1));
  iface.type = static_cast<InterfaceType>(in->dwIfType);
  iface.enabled = in->fEnabled != FALSE;
  return WithSession(hMprConfig, [&](RouterConfig& r, const std::string& who) {
    DWORD rc = Code(r.CreateInterface(who, iface));
    if (rc == ERROR_SUCCESS) *phRouterInterface = HandleFor(hMprConfig, iface.name);
    return rc;
  });
}

DWORD MprConfigInterfaceGetHandle(HANDLE hMprConfig,
                                  const char* lpwsInterfaceName,
                                  HANDLE* phRouterInterface) {
  if (lpwsInterfaceName == nullptr || phRouterInterface == nullptr) {
    return ERROR_INVALID_PARAMETER;
  }
  return WithSession(hMprConfig, [&](RouterConfig& r, const std::string& who) {
    absl::StatusOr<Interface> iface = r.GetInterface(who, lpwsInterfaceName);
    if (!iface.ok()) return Code(iface.status());
    *phRouterInterface = HandleFor(hMprConfig, iface->name);
    return DWORD{ERROR_SUCCESS};
  });
}

DWORD MprConfigInterfaceGetInfo(HANDLE hMprConfig, HANDLE hRouterInterface,
                                DWORD dwLevel, LPBYTE* lplpBuffer,
                                LPDWORD lpdwBufferSize) {
  if (dwLevel != 0 || lplpBuffer == nullptr) return ERROR_INVALID_PARAMETER;
  *lplpBuffer = nullptr;
  return WithSession(hMprConfig, [&](RouterConfig& r, const std::string& who) {
    std::string name = InterfaceOf(hMprConfig, hRouterInterface);
    if (name.empty()) return DWORD{ERROR_INVALID_HANDLE};
    absl::StatusOr<Interface> iface = r.GetInterface(who, name);
    if (!iface.ok()) return Code(iface.status());
    auto* out = NewRoot<MPR_INTERFACE_0>();
    if (out == nullptr) return DWORD{ERROR_NOT_ENOUGH_MEMORY};
    Fill(hMprConfig, *iface, out);
    *lplpBuffer = reinterpret_cast<LPBYTE>(out);
    if (lpdwBufferSize != nullptr) *lpdwBufferSize = sizeof(MPR_INTERFACE_0);
    return DWORD{ERROR_SUCCESS};
  });
}

DWORD MprConfigInterfaceSetInfo(HANDLE hMprConfig, HANDLE hRouterInterface,
                                DWORD dwLevel, LPBYTE lpbBuffer) {
  if (dwLevel != 0 || lpbBuffer == nullptr) return ERROR_INVALID_PARAMETER;
  const auto* in = reinterpret_cast<const MPR_INTERFACE_0*>(lpbBuffer);
  return WithSession(hMprConfig, [&](RouterConfig& r, const std::string& who) {
    std::string name = InterfaceOf(hMprConfig, hRouterInterface);
    if (name.empty()) return DWORD{ERROR_INVALID_HANDLE};
    absl::StatusOr<Interface> iface = r.GetInterface(who, name);
    if (!iface.ok()) return Code(iface.status());
    iface->enabled = in->fEnabled != FALSE;
    iface->type = static_cast<InterfaceType>(in->dwIfType);
    return Code(r.SetInterface(who, *iface));
  });
}

DWORD MprConfigInterfaceDelete(HANDLE hMprConfig, HANDLE hRouterInterface) {
  return WithSession(hMprConfig, [&](RouterConfig& r, const std::string& who) {
    std::string name = InterfaceOf(hMprConfig, hRouterInterface);
    if (name.empty()) return DWORD{ERROR_INVALID_HANDLE};
    return Code(r.DeleteInterface(who, name));
  });
}

DWORD MprConfigInterfaceEnum(HANDLE hMprConfig, DWORD dwLevel,
                             LPBYTE* lplpBuffer, DWORD dwPrefMaxLen,
                             LPDWORD lpdwEntriesRead, LPDWORD lpdwTotalEntries,
                             LPDWORD lpdwResumeHandle) {
  return WithSession(hMprConfig, [&](RouterConfig& r, const std::string& who) {
    absl::StatusOr<std::vector<Interface>> all = r.EnumInterfaces(who);
    if (!all.ok()) return Code(all.status());
    return Page<Interface, MPR_INTERFACE_0>(
        *all, dwLevel, lplpBuffer, dwPrefMaxLen, lpdwEntriesRead,
        lpdwTotalEntries, lpdwResumeHandle,
        [&](const Interface& i, MPR_INTERFACE_0* out) {
          Fill(hMprConfig, i, out);
        });
  });
}

DWORD MprConfigInterfaceTransportAdd(HANDLE hMprConfig, HANDLE hRouterInterface,
                                     DWORD dwTransportId,
                                     const char* lpwsTransportName,
                                     LPBYTE pInterfaceInfo,
                                     DWORD dwInterfaceInfoSize,
                                     HANDLE* phRouterIfTransport) {
  return WithSession(hMprConfig, [&](RouterConfig& r, const std::string& who) {
    std::string name = InterfaceOf(hMprConfig, hRouterInterface);
    if (name.empty()) return DWORD{ERROR_INVALID_HANDLE};
    InterfaceTransport t;
    t.transport_id = dwTransportId;
    t.name = lpwsTransportName != nullptr ? lpwsTransportName : "";
    t.info = Blob(pInterfaceInfo, dwInterfaceInfoSize);
    DWORD rc = Code(r.AddInterfaceTransport(who, name, t));
    if (rc == ERROR_SUCCESS && phRouterIfTransport != nullptr) {
      *phRouterIfTransport = TransportHandle(dwTransportId);
    }
    return rc;
  });
}

DWORD MprConfigInterfaceTransportRemove(HANDLE hMprConfig,
                                        HANDLE hRouterInterface,
                                        HANDLE hRouterIfTransport) {
  return WithSession(hMprConfig, [&](RouterConfig& r, const std::string& who) {
    std::string name = InterfaceOf(hMprConfig, hRouterInterface);
    if (name.empty()) return DWORD{ERROR_INVALID_HANDLE};
    return Code(
        r.RemoveInterfaceTransport(who, name, TransportIdOf(hRouterIfTransport)));
  });
}

DWORD MprConfigTransportCreate(HANDLE hMprConfig, DWORD dwTransportId,
                               const char* lpwsTransportName,
                               LPBYTE pGlobalInfo, DWORD dwGlobalInfoSize,
                               LPBYTE pClientInterfaceInfo,
                               DWORD dwClientInterfaceInfoSize,
                               const char* lpwsDLLPath,
                               HANDLE* phRouterTransport) {
  return WithSession(hMprConfig, [&](RouterConfig& r, const std::string& who) {
    Transport t;
    t.id = dwTransportId;
    t.name = lpwsTransportName != nullptr ? lpwsTransportName : "";
    t.global_info = Blob(pGlobalInfo, dwGlobalInfoSize);
    t.client_interface_info = Blob(pClientInterfaceInfo, dwClientInterfaceInfoSize);
    t.dll_path = lpwsDLLPath != nullptr ? lpwsDLLPath : "";
    DWORD rc = Code(r.CreateTransport(who, t));
    if (rc == ERROR_SUCCESS && phRouterTransport != nullptr) {
      *phRouterTransport = TransportHandle(dwTransportId);
    }
    return rc;
  });
}

DWORD MprConfigTransportGetHandle(HANDLE hMprConfig, DWORD dwTransportId,
                                  HANDLE* phRouterTransport) {
  if (phRouterTransport == nullptr) return ERROR_INVALID_PARAMETER;
  return WithSession(hMprConfig, [&](RouterConfig& r, const std::string& who) {
    DWORD rc = Code(r.GetTransport(who, dwTransportId).status());
    if (rc == ERROR_SUCCESS) *phRouterTransport = TransportHandle(dwTransportId);
    return rc;
  });
}

DWORD MprConfigTransportGetInfo(HANDLE hMprConfig, HANDLE hRouterTransport,
                                LPBYTE* ppGlobalInfo, LPDWORD lpdwGlobalInfoSize,
                                LPBYTE* ppClientInterfaceInfo,
                                LPDWORD lpdwClientInterfaceInfoSize,
                                char** lplpwsDLLPath) {
  return WithSession(hMprConfig, [&](RouterConfig& r, const std::string& who) {
    absl::StatusOr<Transport> t = r.GetTransport(who, TransportIdOf(hRouterTransport));
    if (!t.ok()) return Code(t.status());
    auto blob = [](const std::string& bytes, LPBYTE* out, LPDWORD size) {
      if (out == nullptr) return;
      uint8_t* root = NewRoot<uint8_t>(bytes.size());
      if (root != nullptr && !bytes.empty()) {
        std::memcpy(root, bytes.data(), bytes.size());
      }
      *out = root;
      if (size != nullptr) *size = static_cast<DWORD>(bytes.size());
    };
    blob(t->global_info, ppGlobalInfo, lpdwGlobalInfoSize);
    blob(t->client_interface_info, ppClientInterfaceInfo,
         lpdwClientInterfaceInfoSize);
    if (lplpwsDLLPath != nullptr) {
      char* path = NewRoot<char>(t->dll_path.size() + 1);
      if (path != nullptr) std::memcpy(path, t->dll_path.c_str(), t->dll_path.size() + 1);
      *lplpwsDLLPath = path;
    }
    return DWORD{ERROR_SUCCESS};
  });
}

DWORD MprConfigTransportDelete(HANDLE hMprConfig, HANDLE hRouterTransport) {
  return WithSession(hMprConfig, [&](RouterConfig& r, const std::string& who) {
    return Code(r.DeleteTransport(who, TransportIdOf(hRouterTransport)));
  });
}

DWORD MprConfigTransportEnum(HANDLE hMprConfig, DWORD dwLevel,
                             LPBYTE* lplpBuffer, DWORD dwPrefMaxLen,
                             LPDWORD lpdwEntriesRead, LPDWORD lpdwTotalEntries,
                             LPDWORD lpdwResumeHandle) {
  return WithSession(hMprConfig, [&](RouterConfig& r, const std::string& who) {
    absl::StatusOr<std::vector<Transport>> all = r.EnumTransports(who);
    if (!all.ok()) return Code(all.status());
    return Page<Transport, MPR_TRANSPORT_0>(
        *all, dwLevel, lplpBuffer, dwPrefMaxLen, lpdwEntriesRead,
        lpdwTotalEntries, lpdwResumeHandle,
        [](const Transport& t, MPR_TRANSPORT_0* out) {
          out->dwTransportId = t.id;
          out->hTransport = TransportHandle(t.id);
          std::memset(out->wszTransportName, 0, sizeof(out->wszTransportName));
          std::memcpy(out->wszTransportName, t.name.data(),
                      std::min(t.name.size(), size_t{MAX_TRANSPORT_NAME_LEN}));
        });
  });
}

}  // extern "C"
