// ApiRegistry<T>: the table through which a C API (dhcpsapi.h, mprapi.h)
// finds the service objects of this process by name. A binding registers
// an object under a name; C calls look it up, holding a lease that keeps
// the object registered (Unbind waits for calls in flight).
//
//   static ApiRegistry<DhcpServer> registry;
//   registry.Bind("dhcp1", server);
//   { auto lease = registry.Find("dhcp1"); if (lease) lease->get()->...; }
//   registry.Unbind("dhcp1");   // returns once no call uses it
//
// Thread safety: safe for concurrent use.

#ifndef SHADOWSET_WRITERS_SERVICE_API_REGISTRY_H_
#define SHADOWSET_WRITERS_SERVICE_API_REGISTRY_H_

#include <map>
#include <optional>
#include <string>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"

namespace shadowset::service {

template <typename T>
class ApiRegistry {
 public:
  // Keeps an object registered while a call uses it.
  class Lease {
   public:
    Lease(ApiRegistry* registry, std::string name, T* object)
        : registry_(registry), name_(std::move(name)), object_(object) {}
    Lease(Lease&& other) noexcept
        : registry_(other.registry_),
          name_(std::move(other.name_)),
          object_(other.object_) {
      other.registry_ = nullptr;
    }
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease() {
      if (registry_ != nullptr) registry_->Release(name_);
    }
    T* get() const { return object_; }
    // The name the object is bound under.
    const std::string& name() const { return name_; }

   private:
    ApiRegistry* registry_;
    std::string name_;
    T* object_;
  };

  // Registers `object` under `name`. Returns false if the name is taken.
  bool Bind(const std::string& name, T* object) {
    absl::MutexLock l(&mu_);
    return entries_.emplace(name, Entry{object, 0}).second;
  }

  // Unregisters `name` once no call uses it.
  void Unbind(const std::string& name) {
    absl::MutexLock l(&mu_);
    auto idle = [this, &name]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      auto it = entries_.find(name);
      return it == entries_.end() || it->second.in_flight == 0;
    };
    mu_.Await(absl::Condition(&idle));
    entries_.erase(name);
  }

  // The object named `name`; an empty name means the only one registered.
  // nullopt if unknown or ambiguous.
  std::optional<Lease> Find(const std::string& name) {
    absl::MutexLock l(&mu_);
    auto it = entries_.end();
    if (name.empty()) {
      if (entries_.size() == 1) it = entries_.begin();
    } else {
      it = entries_.find(name);
    }
    if (it == entries_.end()) return std::nullopt;
    ++it->second.in_flight;
    return std::optional<Lease>(std::in_place, this, it->first, it->second.object);
  }

 private:
  struct Entry {
    T* object;
    int in_flight;
  };

  void Release(const std::string& name) {
    absl::MutexLock l(&mu_);
    auto it = entries_.find(name);
    if (it != entries_.end()) --it->second.in_flight;
  }

  absl::Mutex mu_;
  std::map<std::string, Entry> entries_ ABSL_GUARDED_BY(mu_);
};

}  // namespace shadowset::service

#endif  // SHADOWSET_WRITERS_SERVICE_API_REGISTRY_H_
