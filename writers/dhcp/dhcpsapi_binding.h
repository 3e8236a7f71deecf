// DhcpApiBinding: makes a DhcpServer reachable through the C API
// (writers/dhcp/dhcpsapi.h) under a server name, for the binding's
// lifetime.
//
//   DhcpApiBinding binding("10.0.0.1", server.get());
//   DhcpSetCallerPrincipal("alice");
//   DWORD rc = DhcpCreateClientInfoVQ("10.0.0.1", &info);   // or NULL
//
// Thread safety: construction and destruction are safe from any thread;
// the destructor waits for C calls that use the server to return.

#ifndef SHADOWSET_WRITERS_DHCP_DHCPSAPI_BINDING_H_
#define SHADOWSET_WRITERS_DHCP_DHCPSAPI_BINDING_H_

#include <string>

#include "writers/dhcp/dhcp_server.h"

namespace shadowset::dhcp {

class DhcpApiBinding {
 public:
  // `server` must outlive the binding. A name already bound leaves this
  // binding inactive (bound() is false).
  DhcpApiBinding(std::string server_name, DhcpServer* server);
  ~DhcpApiBinding();
  DhcpApiBinding(const DhcpApiBinding&) = delete;
  DhcpApiBinding& operator=(const DhcpApiBinding&) = delete;

  bool bound() const { return bound_; }

 private:
  const std::string name_;
  bool bound_;
};

}  // namespace shadowset::dhcp

#endif  // SHADOWSET_WRITERS_DHCP_DHCPSAPI_BINDING_H_
