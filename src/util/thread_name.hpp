#pragma once
// Names the calling thread as `ps -L`, `top -H`, perf and gdb show it (Linux keeps the
// first 15 characters). Nothing where the platform has no thread names.

#include <pthread.h>

#include <string>
#include <string_view>

namespace cloudchain::util {

inline void name_this_thread(std::string_view name) {
#ifdef __linux__
  const std::string shortened(name.substr(0, 15));
  (void)::pthread_setname_np(::pthread_self(), shortened.c_str());
#else
  (void)name;
#endif
}

}  // namespace cloudchain::util
