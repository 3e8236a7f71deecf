// RrasApiBinding: makes a RouterConfig reachable through the C API
// (writers/rras/mprapi.h) under a server name, for the binding's lifetime.
//
//   RrasApiBinding binding("router1", config.get());
//   MprConfigSetCallerPrincipal("alice");
//   HANDLE h;
//   DWORD rc = MprConfigServerConnect(NULL, &h);
//
// Thread safety: the destructor waits for C calls that use the router.

#ifndef SHADOWSET_WRITERS_RRAS_MPRAPI_BINDING_H_
#define SHADOWSET_WRITERS_RRAS_MPRAPI_BINDING_H_

#include <string>

#include "writers/rras/router_config.h"

namespace shadowset::rras {

class RrasApiBinding {
 public:
  // `config` must outlive the binding. A name already bound leaves this
  // binding inactive (bound() is false).
  RrasApiBinding(std::string server_name, RouterConfig* config);
  ~RrasApiBinding();
  RrasApiBinding(const RrasApiBinding&) = delete;
  RrasApiBinding& operator=(const RrasApiBinding&) = delete;

  bool bound() const { return bound_; }

 private:
  const std::string name_;
  bool bound_;
};

// Handles MprConfigServerConnect may have open at once.
inline constexpr size_t kMaxConfigHandles = 1024;

}  // namespace shadowset::rras

#endif  // SHADOWSET_WRITERS_RRAS_MPRAPI_BINDING_H_
