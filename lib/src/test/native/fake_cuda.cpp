// Test-only fake of the CUDA driver API (the subset dev.vtrain.backend.cuda.CudaDriver binds),
// running vtrain's real kernel sources on the CPU. Device memory is host memory; streams execute
// at once, in order. cuModuleLoadData parses the PTX's .entry names, and cuModuleGetFunction only
// finds a kernel that is both in the PTX and compiled here, so the PTX, the sources and the Java
// kernel table must agree. Launches are checked as the real driver would (grid and block sizes,
// argument pointers), and synchronising kernels must use VT_BLOCK threads. Exports fake_cuda_*
// functions for the tests: live allocations, launch counts, and a switch that hides the device.
// Built by the tests with g++ (see FakeCuda.java); never shipped.
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "cuda_emulation.h"

thread_local dim3 threadIdx;
thread_local dim3 blockIdx;
dim3 blockDim;
dim3 gridDim;

// Synchronising kernels run each CUDA thread of a block as a fiber on the calling thread:
// __syncthreads switches back to the scheduler, which resumes every fiber in turn, so all of a
// block's threads reach each barrier before any passes it. A hand-written x86-64 switch (callee-
// saved registers and the stack pointer) keeps a launch cheap; elsewhere ucontext does the same.
constexpr int kMaxFibers = 1024;
constexpr std::size_t kFiberStack = 64 * 1024;

struct Fiber {
    void* sp = nullptr;
    bool done = false;
    dim3 tid;
};

static Fiber fibers[kMaxFibers];
static char* fiberStacks = nullptr;
static void* schedulerSp = nullptr;
static int currentFiber = -1;
static const char* current_kernel = "";
static std::function<void()> fiberBody;

#if defined(__x86_64__)
extern "C" void vt_fiber_switch(void** save, void* load);
asm(R"(
.text
.globl vt_fiber_switch
.type vt_fiber_switch, @function
vt_fiber_switch:
    pushq %rbp
    pushq %rbx
    pushq %r12
    pushq %r13
    pushq %r14
    pushq %r15
    movq %rsp, (%rdi)
    movq %rsi, %rsp
    popq %r15
    popq %r14
    popq %r13
    popq %r12
    popq %rbx
    popq %rbp
    ret
.size vt_fiber_switch, .-vt_fiber_switch
)");

static void fiberEntry() {
    fiberBody();
    fibers[currentFiber].done = true;
    vt_fiber_switch(&fibers[currentFiber].sp, schedulerSp);
    std::abort();  // a finished fiber is never resumed
}

static void* fiberStart(int i) {
    auto top = reinterpret_cast<std::uintptr_t>(fiberStacks + (i + 1) * kFiberStack) &
               ~std::uintptr_t(15);
    void** sp = reinterpret_cast<void**>(top);
    *--sp = nullptr;                                  // fiberEntry's (absent) return address
    *--sp = reinterpret_cast<void*>(&fiberEntry);     // where vt_fiber_switch returns to
    for (int r = 0; r < 6; r++) *--sp = nullptr;      // rbp, rbx, r12-r15
    return sp;
}

static void resumeFiber(int i) { vt_fiber_switch(&schedulerSp, fibers[i].sp); }
static void yieldFiber() { vt_fiber_switch(&fibers[currentFiber].sp, schedulerSp); }
#else
#include <ucontext.h>
static ucontext_t contexts[kMaxFibers];
static ucontext_t schedulerContext;

static void fiberEntry() {
    fiberBody();
    fibers[currentFiber].done = true;
    swapcontext(&contexts[currentFiber], &schedulerContext);
    std::abort();
}

static void* fiberStart(int i) {
    getcontext(&contexts[i]);
    contexts[i].uc_stack.ss_sp = fiberStacks + i * kFiberStack;
    contexts[i].uc_stack.ss_size = kFiberStack;
    contexts[i].uc_link = nullptr;
    makecontext(&contexts[i], fiberEntry, 0);
    return nullptr;
}

static void resumeFiber(int i) { swapcontext(&schedulerContext, &contexts[i]); }
static void yieldFiber() { swapcontext(&contexts[currentFiber], &schedulerContext); }
#endif

static bool inSyncKernel = false;

void __syncthreads() {
    if (!inSyncKernel) {
        std::fprintf(stderr, "fake CUDA: kernel %s calls __syncthreads but is registered without\n",
                     current_kernel);
        std::abort();
    }
    yieldFiber();
    // Resumed by the scheduler, which has set this fiber's threadIdx again.
}

#include "core.cu"
#include "updates.cu"
#include "conv.cu"
#include "norm.cu"

namespace {

struct KernelEntry {
    bool syncs;
    std::function<void(void**)> call;
};

template <typename... A, std::size_t... I>
void invoke(void (*f)(A...), void** p, std::index_sequence<I...>) {
    f(*static_cast<A*>(p[I])...);
}

template <typename... A>
KernelEntry entry(void (*f)(A...), bool syncs) {
    return KernelEntry{syncs, [f](void** p) { invoke(f, p, std::index_sequence_for<A...>{}); }};
}

std::map<std::string, KernelEntry>& kernels() {
    static std::map<std::string, KernelEntry> table = {
        {"vt_add_row_vector", entry(vt_add_row_vector, false)},
        {"vt_sum_rows", entry(vt_sum_rows, false)},
        {"vt_activation", entry(vt_activation, false)},
        {"vt_activation_backward", entry(vt_activation_backward, false)},
        {"vt_softmax_xent", entry(vt_softmax_xent, false)},
        {"vt_count_correct", entry(vt_count_correct, false)},
        {"vt_squared_error", entry(vt_squared_error, true)},
        {"vt_sum_into", entry(vt_sum_into, true)},
        {"vt_sum_squares", entry(vt_sum_squares, true)},
        {"vt_sum_double", entry(vt_sum_double, true)},
        {"vt_add_l1", entry(vt_add_l1, true)},
        {"vt_scale", entry(vt_scale, false)},
        {"vt_multiply", entry(vt_multiply, false)},
        {"vt_add", entry(vt_add, false)},
        {"vt_clamp", entry(vt_clamp, false)},
        {"vt_dropout_mask", entry(vt_dropout_mask, false)},
        {"vt_im2col", entry(vt_im2col, false)},
        {"vt_col2im", entry(vt_col2im, false)},
        {"vt_gather_columns", entry(vt_gather_columns, false)},
        {"vt_scatter_columns", entry(vt_scatter_columns, false)},
        {"vt_max_pool", entry(vt_max_pool, false)},
        {"vt_max_pool_backward", entry(vt_max_pool_backward, false)},
        {"vt_avg_pool", entry(vt_avg_pool, false)},
        {"vt_avg_pool_backward", entry(vt_avg_pool_backward, false)},
        {"vt_transpose_samples", entry(vt_transpose_samples, false)},
        {"vt_bn_train_stats", entry(vt_bn_train_stats, true)},
        {"vt_bn_eval_stats", entry(vt_bn_eval_stats, false)},
        {"vt_bn_apply", entry(vt_bn_apply, false)},
        {"vt_bn_backward_sums", entry(vt_bn_backward_sums, true)},
        {"vt_bn_backward_dx", entry(vt_bn_backward_dx, false)},
        {"vt_sgd", entry(vt_sgd, false)},
        {"vt_adam", entry(vt_adam, false)},
        {"vt_rmsprop", entry(vt_rmsprop, false)},
        {"vt_adagrad", entry(vt_adagrad, false)},
    };
    return table;
}

struct Function {
    std::string name;
    KernelEntry* kernel;
};

struct Module {
    std::set<std::string> entries;
    std::vector<Function*> functions;
};

std::mutex lock;
int devices = 1;
bool initialised = false;
std::map<void*, std::size_t> allocations;
std::map<void*, std::size_t> hostAllocations;
long long launches = 0;
int contextRefs = 0;
int sentinel_context, sentinel_stream, sentinel_event;

void runKernel(const Function& f, dim3 grid, dim3 block, void** params) {
    gridDim = grid;
    blockDim = block;
    current_kernel = f.name.c_str();
    unsigned int threads = block.x * block.y * block.z;
    unsigned int blocks = grid.x * grid.y * grid.z;
    if (!f.kernel->syncs) {
        for (unsigned int b = 0; b < blocks; b++) {
            blockIdx = dim3{b % grid.x, (b / grid.x) % grid.y, b / (grid.x * grid.y)};
            for (unsigned int t = 0; t < threads; t++) {
                threadIdx = dim3{t % block.x, (t / block.x) % block.y, t / (block.x * block.y)};
                f.kernel->call(params);
            }
        }
        return;
    }
    if (fiberStacks == nullptr) {
        fiberStacks = static_cast<char*>(std::malloc(kMaxFibers * kFiberStack));
    }
    inSyncKernel = true;
    fiberBody = [&] { f.kernel->call(params); };
    for (unsigned int b = 0; b < blocks; b++) {
        blockIdx = dim3{b % grid.x, (b / grid.x) % grid.y, b / (grid.x * grid.y)};
        for (unsigned int t = 0; t < threads; t++) {
            fibers[t].tid = dim3{t % block.x, (t / block.x) % block.y, t / (block.x * block.y)};
            fibers[t].done = false;
            fibers[t].sp = fiberStart(t);
        }
        bool running = true;
        while (running) {
            running = false;
            for (unsigned int t = 0; t < threads; t++) {
                if (fibers[t].done) continue;
                currentFiber = t;
                threadIdx = fibers[t].tid;
                resumeFiber(t);
                if (!fibers[t].done) running = true;
            }
        }
    }
    inSyncKernel = false;
}

bool isDevice(unsigned long long p, std::size_t bytes) {
    for (auto& [base, size] : allocations) {
        auto b = reinterpret_cast<unsigned long long>(base);
        if (p >= b && p + bytes <= b + size) return true;
    }
    return false;
}

}  // namespace

typedef int CUresult;
enum {
    OK = 0,
    INVALID_VALUE = 1,
    OUT_OF_MEMORY = 2,
    NOT_INITIALIZED = 3,
    NO_DEVICE = 100,
    INVALID_DEVICE = 101,
    INVALID_IMAGE = 200,
    NOT_FOUND = 500,
    LAUNCH_OUT_OF_RESOURCES = 701,
    ILLEGAL_ADDRESS = 700
};

extern "C" {

int fake_cuda_set_devices(int n) {
    std::lock_guard g(lock);
    devices = n;
    return 0;
}
long long fake_cuda_live_bytes() {
    std::lock_guard g(lock);
    long long sum = 0;
    for (auto& a : allocations) sum += a.second;
    return sum;
}
long long fake_cuda_live_allocations() {
    std::lock_guard g(lock);
    return (long long)allocations.size() + (long long)hostAllocations.size();
}
long long fake_cuda_launches() {
    std::lock_guard g(lock);
    return launches;
}
int fake_cuda_context_refs() {
    std::lock_guard g(lock);
    return contextRefs;
}

CUresult cuGetErrorName(CUresult error, const char** name) {
    switch (error) {
        case OK: *name = "CUDA_SUCCESS"; return OK;
        case INVALID_VALUE: *name = "CUDA_ERROR_INVALID_VALUE"; return OK;
        case OUT_OF_MEMORY: *name = "CUDA_ERROR_OUT_OF_MEMORY"; return OK;
        case NOT_INITIALIZED: *name = "CUDA_ERROR_NOT_INITIALIZED"; return OK;
        case NO_DEVICE: *name = "CUDA_ERROR_NO_DEVICE"; return OK;
        case INVALID_DEVICE: *name = "CUDA_ERROR_INVALID_DEVICE"; return OK;
        case INVALID_IMAGE: *name = "CUDA_ERROR_INVALID_IMAGE"; return OK;
        case NOT_FOUND: *name = "CUDA_ERROR_NOT_FOUND"; return OK;
        case ILLEGAL_ADDRESS: *name = "CUDA_ERROR_ILLEGAL_ADDRESS"; return OK;
        case LAUNCH_OUT_OF_RESOURCES: *name = "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES"; return OK;
        default: *name = nullptr; return INVALID_VALUE;
    }
}

CUresult cuInit(unsigned int flags) {
    std::lock_guard g(lock);
    if (flags != 0) return INVALID_VALUE;
    if (devices == 0) return NO_DEVICE;
    initialised = true;
    return OK;
}

#define NEED_INIT \
    if (!initialised) return NOT_INITIALIZED

CUresult cuDriverGetVersion(int* v) {
    *v = 13000;
    return OK;
}
CUresult cuDeviceGetCount(int* n) {
    NEED_INIT;
    *n = devices;
    return OK;
}
CUresult cuDeviceGet(int* d, int ordinal) {
    NEED_INIT;
    if (ordinal < 0 || ordinal >= devices) return INVALID_DEVICE;
    *d = ordinal;
    return OK;
}
CUresult cuDeviceGetName(char* name, int len, int d) {
    NEED_INIT;
    std::snprintf(name, len, "vtrain fake CUDA device %d (kernels on the CPU)", d);
    return OK;
}
CUresult cuDeviceGetAttribute(int* v, int attribute, int d) {
    NEED_INIT;
    switch (attribute) {
        case 75: *v = 9; return OK;   // compute capability major
        case 76: *v = 0; return OK;   // minor
        case 16: *v = 2; return OK;   // multiprocessors
        default: return INVALID_VALUE;
    }
}
CUresult cuDeviceTotalMem_v2(std::size_t* bytes, int d) {
    NEED_INIT;
    *bytes = std::size_t(1) << 30;
    return OK;
}
CUresult cuDevicePrimaryCtxRetain(void** ctx, int d) {
    NEED_INIT;
    std::lock_guard g(lock);
    contextRefs++;
    *ctx = &sentinel_context;
    return OK;
}
CUresult cuDevicePrimaryCtxRelease_v2(int d) {
    std::lock_guard g(lock);
    if (contextRefs == 0) return INVALID_VALUE;
    // As the real driver: the last release destroys the context and frees its device memory.
    if (--contextRefs == 0) {
        for (auto& a : allocations) std::free(a.first);
        allocations.clear();
    }
    return OK;
}
CUresult cuCtxSetCurrent(void* ctx) {
    return ctx == &sentinel_context ? OK : INVALID_VALUE;
}
CUresult cuStreamCreate(void** s, unsigned int flags) {
    *s = &sentinel_stream;
    return OK;
}
CUresult cuStreamDestroy_v2(void* s) { return s == &sentinel_stream ? OK : INVALID_VALUE; }
CUresult cuStreamSynchronize(void* s) { return s == &sentinel_stream ? OK : INVALID_VALUE; }
CUresult cuEventCreate(void** e, unsigned int flags) {
    *e = &sentinel_event;
    return OK;
}
CUresult cuEventRecord(void* e, void* s) {
    return e == &sentinel_event && s == &sentinel_stream ? OK : INVALID_VALUE;
}
CUresult cuEventSynchronize(void* e) { return e == &sentinel_event ? OK : INVALID_VALUE; }
CUresult cuEventDestroy_v2(void* e) { return e == &sentinel_event ? OK : INVALID_VALUE; }

CUresult cuMemAlloc_v2(unsigned long long* p, std::size_t bytes) {
    NEED_INIT;
    if (bytes == 0) return INVALID_VALUE;
    void* m = std::aligned_alloc(256, (bytes + 255) / 256 * 256);
    if (m == nullptr) return OUT_OF_MEMORY;
    // Device memory is not zeroed: fill with NaN bits so a kernel that reads before writing shows.
    std::memset(m, 0xff, bytes);
    std::lock_guard g(lock);
    allocations[m] = bytes;
    *p = reinterpret_cast<unsigned long long>(m);
    return OK;
}
CUresult cuMemFree_v2(unsigned long long p) {
    std::lock_guard g(lock);
    auto it = allocations.find(reinterpret_cast<void*>(p));
    if (it == allocations.end()) return INVALID_VALUE;
    allocations.erase(it);
    std::free(reinterpret_cast<void*>(p));
    return OK;
}
CUresult cuMemAllocHost_v2(void** p, std::size_t bytes) {
    NEED_INIT;
    void* m = std::aligned_alloc(4096, (bytes + 4095) / 4096 * 4096);
    if (m == nullptr) return OUT_OF_MEMORY;
    std::lock_guard g(lock);
    hostAllocations[m] = bytes;
    *p = m;
    return OK;
}
CUresult cuMemFreeHost(void* p) {
    std::lock_guard g(lock);
    if (hostAllocations.erase(p) == 0) return INVALID_VALUE;
    std::free(p);
    return OK;
}
CUresult cuMemGetInfo_v2(std::size_t* free, std::size_t* total) {
    *total = std::size_t(1) << 30;
    *free = *total - (std::size_t)fake_cuda_live_bytes();
    return OK;
}
CUresult cuMemcpyHtoDAsync_v2(unsigned long long dst, const void* src, std::size_t bytes, void* s) {
    if (s != &sentinel_stream) return INVALID_VALUE;
    {
        std::lock_guard g(lock);
        if (!isDevice(dst, bytes)) return ILLEGAL_ADDRESS;
        // vtrain stages every upload through pinned memory: refuse any other source.
        bool pinned = false;
        auto at = static_cast<const char*>(src);
        for (auto& [base, size] : hostAllocations) {
            auto b = static_cast<const char*>(base);
            if (at >= b && at + bytes <= b + size) pinned = true;
        }
        if (!pinned) return INVALID_VALUE;
    }
    std::memcpy(reinterpret_cast<void*>(dst), src, bytes);
    return OK;
}
CUresult cuMemcpyDtoHAsync_v2(void* dst, unsigned long long src, std::size_t bytes, void* s) {
    if (s != &sentinel_stream) return INVALID_VALUE;
    {
        std::lock_guard g(lock);
        if (!isDevice(src, bytes)) return ILLEGAL_ADDRESS;
    }
    std::memcpy(dst, reinterpret_cast<void*>(src), bytes);
    return OK;
}
CUresult cuMemcpyDtoDAsync_v2(unsigned long long dst, unsigned long long src, std::size_t bytes,
                              void* s) {
    if (s != &sentinel_stream) return INVALID_VALUE;
    {
        std::lock_guard g(lock);
        if (!isDevice(src, bytes) || !isDevice(dst, bytes)) return ILLEGAL_ADDRESS;
    }
    std::memmove(reinterpret_cast<void*>(dst), reinterpret_cast<void*>(src), bytes);
    return OK;
}
CUresult cuMemsetD32Async(unsigned long long dst, unsigned int value, std::size_t n, void* s) {
    if (s != &sentinel_stream) return INVALID_VALUE;
    {
        std::lock_guard g(lock);
        if (!isDevice(dst, n * 4)) return ILLEGAL_ADDRESS;
    }
    auto* w = reinterpret_cast<unsigned int*>(dst);
    for (std::size_t i = 0; i < n; i++) w[i] = value;
    return OK;
}

CUresult cuModuleLoadData(void** module, const void* image) {
    NEED_INIT;
    std::string ptx(static_cast<const char*>(image));
    if (ptx.find(".version") == std::string::npos || ptx.find(".target") == std::string::npos) {
        return INVALID_IMAGE;
    }
    auto* m = new Module();
    std::size_t at = 0;
    while ((at = ptx.find(".entry ", at)) != std::string::npos) {
        at += 7;
        std::size_t end = ptx.find('(', at);
        m->entries.insert(ptx.substr(at, end - at));
    }
    *module = m;
    return OK;
}
CUresult cuModuleGetFunction(void** function, void* module, const char* name) {
    auto* m = static_cast<Module*>(module);
    if (!m->entries.count(name)) return NOT_FOUND;
    auto it = kernels().find(name);
    if (it == kernels().end()) {
        std::fprintf(stderr, "fake CUDA: PTX entry %s has no emulated kernel\n", name);
        return NOT_FOUND;
    }
    auto* f = new Function{name, &it->second};
    m->functions.push_back(f);
    *function = f;
    return OK;
}
CUresult cuModuleUnload(void* module) {
    auto* m = static_cast<Module*>(module);
    for (auto* f : m->functions) delete f;
    delete m;
    return OK;
}

CUresult cuLaunchKernel(void* function, unsigned int gx, unsigned int gy, unsigned int gz,
                        unsigned int bx, unsigned int by, unsigned int bz, unsigned int shared,
                        void* s, void** params, void** extra) {
    if (s != &sentinel_stream || params == nullptr || extra != nullptr) return INVALID_VALUE;
    if (gx == 0 || gy == 0 || gz == 0 || bx == 0 || by == 0 || bz == 0) return INVALID_VALUE;
    if ((unsigned long long)bx * by * bz > 1024 || gy > 65535 || gz > 65535) {
        return INVALID_VALUE;
    }
    auto* f = static_cast<Function*>(function);
    if (f->kernel->syncs && bx * by * bz != VT_BLOCK) {
        std::fprintf(stderr, "fake CUDA: %s needs %d threads per block, launched with %u\n",
                     f->name.c_str(), VT_BLOCK, bx * by * bz);
        return LAUNCH_OUT_OF_RESOURCES;
    }
    {
        std::lock_guard g(lock);
        launches++;
    }
    runKernel(*f, dim3{gx, gy, gz}, dim3{bx, by, bz}, params);
    return OK;
}

}  // extern "C"
