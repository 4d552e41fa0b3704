// The server's fixed set of media threads (`media-threads`, default: the
// number of cores). A room is placed on one worker for its whole life and
// everything of it runs there; rooms are spread by how many participants
// each worker carries, so a big room does not share a thread with many
// others. Control thread only (placement is topology).
#pragma once

#include "transport/MediaWorker.hpp"

#include <cstddef>
#include <memory>
#include <vector>

namespace plenum::transport {

class MediaWorkerPool {
 public:
  // `count` 0 means one per core (std::thread::hardware_concurrency).
  explicit MediaWorkerPool(size_t count);

  MediaWorkerPool(const MediaWorkerPool&) = delete;
  MediaWorkerPool& operator=(const MediaWorkerPool&) = delete;

  size_t Size() const { return workers_.size(); }
  MediaWorker& At(size_t index) { return *workers_[index]; }

  // The worker a new room goes on: the one with the least load, the
  // lowest index on a tie. Returns its index.
  size_t Place();
  // A room's participants changed by `delta` on worker `index`.
  void AddLoad(size_t index, long delta);
  // Rooms and participants on worker `index`.
  size_t Rooms(size_t index) const { return rooms_[index]; }
  long Load(size_t index) const { return load_[index]; }
  // A room on worker `index` has gone.
  void Release(size_t index);

 private:
  std::vector<std::unique_ptr<MediaWorker>> workers_;
  std::vector<size_t> rooms_;
  std::vector<long> load_;  // participants, plus one per room so empty rooms spread too
};

}  // namespace plenum::transport
