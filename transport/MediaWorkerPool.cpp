#include "transport/MediaWorkerPool.hpp"

#include <algorithm>
#include <string>
#include <thread>

namespace plenum::transport {

MediaWorkerPool::MediaWorkerPool(size_t count) {
  if (count == 0) count = std::max(1u, std::thread::hardware_concurrency());
  for (size_t i = 0; i < count; ++i) workers_.push_back(std::make_unique<MediaWorker>("plenum-media-" + std::to_string(i)));
  rooms_.assign(count, 0);
  load_.assign(count, 0);
}

size_t MediaWorkerPool::Place() {
  const size_t index = static_cast<size_t>(std::min_element(load_.begin(), load_.end()) - load_.begin());
  ++rooms_[index];
  ++load_[index];
  return index;
}

void MediaWorkerPool::AddLoad(size_t index, long delta) { load_[index] = std::max(0L, load_[index] + delta); }

void MediaWorkerPool::Release(size_t index) {
  if (rooms_[index] > 0) --rooms_[index];
  load_[index] = std::max(0L, load_[index] - 1);
}

}  // namespace plenum::transport
