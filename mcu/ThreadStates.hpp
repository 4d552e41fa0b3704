// What each of this process's threads is doing, as the kernel sees it:
// enough, when the control thread stops answering, to tell which threads
// wait on what without attaching a debugger to a live server.
#pragma once

#include <string>

namespace plenum::mcu {

// One line per thread: "tid name state wchan", read from /proc/self/task.
std::string DescribeThreads();

}  // namespace plenum::mcu
