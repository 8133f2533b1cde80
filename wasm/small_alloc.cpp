// core.wasm's operator new and delete for small blocks (docs/benchmarks.md,
// "core.wasm vs native, the engine alone"). The pricing search makes and
// drops many small vectors and strings; glibc serves those from per-thread
// caches in a few instructions, emscripten's dlmalloc takes its general path
// every time, which made allocation the largest share of the engine's time
// in WebAssembly. Here blocks of up to kLargest bytes come from 64 KiB
// chunks, one size class per chunk, and go back to a free list of their
// class: the class of a block is found from its chunk (its address >> 16),
// so no header is needed. Chunks are never given back: what a pricing
// allocates at its peak stays ready for the next one. The module is
// single-threaded (no -pthread), so the lists need no lock. Larger blocks,
// and everything outside operator new (malloc), stay with dlmalloc.
#include <cstdint>
#include <cstdlib>
#include <new>

namespace {

constexpr size_t kGranule = 16;   // every block is 16-byte aligned, like malloc's
constexpr size_t kClasses = 16;   // 16, 32, ..., 256 bytes
constexpr size_t kLargest = kGranule * kClasses;
constexpr size_t kChunkBits = 16;
constexpr size_t kChunk = size_t{1} << kChunkBits;
static_assert(sizeof(void*) == 4, "for wasm32: one byte per 64 KiB of the 4 GiB address space");

uint8_t chunk_class[size_t{1} << (32 - kChunkBits)];  // per 64 KiB of memory: 0 not ours, else class + 1
void* free_list[kClasses];
char* bump[kClasses];
char* bump_end[kClasses];

// A block of n bytes, or nullptr when memory is exhausted.
void* TryAllocate(size_t n) {
  if (n > kLargest) return std::malloc(n);
  const size_t c = n == 0 ? 0 : (n - 1) / kGranule;
  if (void* p = free_list[c]) {
    free_list[c] = *static_cast<void**>(p);
    return p;
  }
  const size_t size = (c + 1) * kGranule;
  if (bump[c] == bump_end[c]) {
    char* chunk = static_cast<char*>(std::aligned_alloc(kChunk, kChunk));
    if (chunk == nullptr) return nullptr;
    chunk_class[reinterpret_cast<uintptr_t>(chunk) >> kChunkBits] = static_cast<uint8_t>(c + 1);
    bump[c] = chunk;
    bump_end[c] = chunk + kChunk - kChunk % size;
  }
  void* p = bump[c];
  bump[c] += size;
  return p;
}

// operator new's: exceptions are off, so running out of memory ends the
// module, as a throw of std::bad_alloc would.
void* Allocate(size_t n) {
  if (void* p = TryAllocate(n)) return p;
  std::abort();
}

// operator new with an alignment (a vector of __int128 asks for 16): the
// classes serve up to 16, anything stricter goes to aligned_alloc.
void* TryAllocateAligned(size_t n, std::align_val_t align) {
  const size_t a = static_cast<size_t>(align);
  if (a <= kGranule) return TryAllocate(n);
  return std::aligned_alloc(a, (n + a - 1) / a * a);
}

void* AllocateAligned(size_t n, std::align_val_t align) {
  if (void* p = TryAllocateAligned(n, align)) return p;
  std::abort();
}

void Release(void* p) {
  if (p == nullptr) return;
  const uint8_t k = chunk_class[reinterpret_cast<uintptr_t>(p) >> kChunkBits];
  if (k == 0) {
    std::free(p);
    return;
  }
  *static_cast<void**>(p) = free_list[k - 1];
  free_list[k - 1] = p;
}

}  // namespace

void* operator new(size_t n) { return Allocate(n); }
void* operator new[](size_t n) { return Allocate(n); }
void* operator new(size_t n, const std::nothrow_t&) noexcept { return TryAllocate(n); }
void* operator new[](size_t n, const std::nothrow_t&) noexcept { return TryAllocate(n); }
void operator delete(void* p) noexcept { Release(p); }
void operator delete[](void* p) noexcept { Release(p); }
void operator delete(void* p, size_t) noexcept { Release(p); }
void operator delete[](void* p, size_t) noexcept { Release(p); }
void operator delete(void* p, const std::nothrow_t&) noexcept { Release(p); }
void operator delete[](void* p, const std::nothrow_t&) noexcept { Release(p); }
void* operator new(size_t n, std::align_val_t a) { return AllocateAligned(n, a); }
void* operator new[](size_t n, std::align_val_t a) { return AllocateAligned(n, a); }
void* operator new(size_t n, std::align_val_t a, const std::nothrow_t&) noexcept { return TryAllocateAligned(n, a); }
void* operator new[](size_t n, std::align_val_t a, const std::nothrow_t&) noexcept { return TryAllocateAligned(n, a); }
void operator delete(void* p, std::align_val_t) noexcept { Release(p); }
void operator delete[](void* p, std::align_val_t) noexcept { Release(p); }
void operator delete(void* p, size_t, std::align_val_t) noexcept { Release(p); }
void operator delete[](void* p, size_t, std::align_val_t) noexcept { Release(p); }
void operator delete(void* p, std::align_val_t, const std::nothrow_t&) noexcept { Release(p); }
void operator delete[](void* p, std::align_val_t, const std::nothrow_t&) noexcept { Release(p); }
