#include "server/live_hub.h"

namespace aisle::server {

int64_t LiveHub::Subscribe(Send send) {
  std::lock_guard lock(mutex_);
  const int64_t id = next_id_++;
  subscribers_.emplace(id, std::move(send));
  return id;
}

void LiveHub::Unsubscribe(int64_t id) {
  std::lock_guard lock(mutex_);
  subscribers_.erase(id);
}

void LiveHub::Publish(const std::string& message) {
  std::lock_guard lock(mutex_);
  for (auto& [id, send] : subscribers_) send(message);
}

size_t LiveHub::subscribers() {
  std::lock_guard lock(mutex_);
  return subscribers_.size();
}

}  // namespace aisle::server
