// RrasWriter: the router configuration's writer (writers/writer.h). One
// DATABASE component, "router-configuration", on the configuration's
// volume; Freeze stops configuration saves (callers block until Thaw or
// Abort) and flushes; the sequence number at Freeze says which
// configuration a snapshot holds.
//
// Thread safety: as ServiceWriter.

#ifndef SHADOWSET_WRITERS_RRAS_RRAS_WRITER_H_
#define SHADOWSET_WRITERS_RRAS_RRAS_WRITER_H_

#include "writers/rras/router_config.h"
#include "writers/service/service_writer.h"

namespace shadowset::rras {

// The writer class id of the router configuration writer.
inline constexpr char kRrasWriterClassId[] =
    "6a1f2c3e-8d4b-4f6a-9e1c-2b7d5a9c0e41";

class RrasWriter final : public service::ServiceWriter {
 public:
  // `config` must outlive the writer.
  explicit RrasWriter(RouterConfig* config);
};

}  // namespace shadowset::rras

#endif  // SHADOWSET_WRITERS_RRAS_RRAS_WRITER_H_
