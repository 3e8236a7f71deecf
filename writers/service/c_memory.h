// Memory handed out by the C APIs (dhcpsapi.h, mprapi.h): a *root* block
// owns every *child* block allocated for it, so the caller frees a whole
// result (a structure, its strings, its arrays) with one call
// (DhcpRpcFreeMemory, MprConfigBufferFree).
//
//   auto* info = NewRoot<DHCP_CLIENT_INFO_VQ>();
//   info->ClientName = CopyString(info, "pc-20");
//   ...
//   FreeRoot(info);   // frees the name too
//
// Thread safety: a root and its children belong to one thread at a time.

#ifndef SHADOWSET_WRITERS_SERVICE_C_MEMORY_H_
#define SHADOWSET_WRITERS_SERVICE_C_MEMORY_H_

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace shadowset::service {

namespace c_memory_internal {

inline constexpr uint64_t kRootMagic = 0x544F4F524D454D43ull;  // "CMEMROOT"

struct alignas(16) RootHeader {
  uint64_t magic;
  std::vector<void*>* children;
};

inline RootHeader* HeaderOf(const void* root) {
  return reinterpret_cast<RootHeader*>(
      const_cast<char*>(static_cast<const char*>(root)) - sizeof(RootHeader));
}

}  // namespace c_memory_internal

// A zeroed root block for `count` objects of T (plain C structs).
template <typename T>
T* NewRoot(size_t count = 1) {
  using c_memory_internal::RootHeader;
  size_t bytes = sizeof(RootHeader) + sizeof(T) * (count == 0 ? 1 : count);
  void* raw = std::calloc(1, bytes);
  if (raw == nullptr) return nullptr;
  auto* header = static_cast<RootHeader*>(raw);
  header->magic = c_memory_internal::kRootMagic;
  header->children = new (std::nothrow) std::vector<void*>();
  return reinterpret_cast<T*>(static_cast<char*>(raw) + sizeof(RootHeader));
}

// A zeroed block of `count` T owned by `root` (freed with it).
template <typename T>
T* NewChild(const void* root, size_t count = 1) {
  void* p = std::calloc(count == 0 ? 1 : count, sizeof(T));
  if (p == nullptr) return nullptr;
  c_memory_internal::HeaderOf(root)->children->push_back(p);
  return static_cast<T*>(p);
}

// A NUL-terminated copy of `s` owned by `root`.
inline char* CopyString(const void* root, absl::string_view s) {
  char* p = NewChild<char>(root, s.size() + 1);
  if (p != nullptr) std::memcpy(p, s.data(), s.size());
  return p;
}

// A copy of the bytes of `s` owned by `root` (nullptr when empty).
inline uint8_t* CopyBytes(const void* root, absl::string_view s) {
  if (s.empty()) return nullptr;
  uint8_t* p = NewChild<uint8_t>(root, s.size());
  if (p != nullptr) std::memcpy(p, s.data(), s.size());
  return p;
}

// Frees a root and its children. Null is ignored; anything else must be a
// root (a block already freed is detected and ignored only while its
// memory has not been reused).
inline void FreeRoot(void* root) {
  if (root == nullptr) return;
  c_memory_internal::RootHeader* header = c_memory_internal::HeaderOf(root);
  if (header->magic != c_memory_internal::kRootMagic) return;
  if (header->children != nullptr) {
    for (void* child : *header->children) std::free(child);
    delete header->children;
  }
  header->magic = 0;
  std::free(header);
}

}  // namespace shadowset::service

#endif  // SHADOWSET_WRITERS_SERVICE_C_MEMORY_H_
