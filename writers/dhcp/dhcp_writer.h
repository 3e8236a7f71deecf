// DhcpWriter: the DHCP server's writer (writers/writer.h). One DATABASE
// component, "dhcp-database", on the server's volume; Freeze stops
// mutations (callers block until Thaw or Abort) and flushes; the sequence
// number at Freeze says exactly which state a snapshot holds.
//
//   DhcpWriter writer(server.get());
//   RETURN_IF_ERROR(writer.Freeze(ctx));
//   ASSIGN_OR_RETURN(auto set, engine->CreateSnapshotSet(server->volumes()));
//   RETURN_IF_ERROR(writer.Thaw(ctx));
//
// Thread safety: as ServiceWriter.

#ifndef SHADOWSET_WRITERS_DHCP_DHCP_WRITER_H_
#define SHADOWSET_WRITERS_DHCP_DHCP_WRITER_H_

#include "writers/dhcp/dhcp_server.h"
#include "writers/service/service_writer.h"

namespace shadowset::dhcp {

// The writer class id (the Windows DHCP Jet Writer's).
inline constexpr char kDhcpWriterClassId[] =
    "be000cbe-11fe-4426-9c58-531aa6355fc4";

class DhcpWriter final : public service::ServiceWriter {
 public:
  // `server` must outlive the writer.
  explicit DhcpWriter(DhcpServer* server);
};

}  // namespace shadowset::dhcp

#endif  // SHADOWSET_WRITERS_DHCP_DHCP_WRITER_H_
