#include "server/live_hub.h"

namespace aisle::server {

int64_t LiveHub::Subscribe(Send send, Recheck recheck) {
  std::lock_guard lock(mutex_);
  const int64_t id = next_id_++;
  subscribers_.emplace(id, std::make_pair(std::move(send), std::move(recheck)));
  return id;
}

void LiveHub::Unsubscribe(int64_t id) {
  std::lock_guard lock(mutex_);
  subscribers_.erase(id);
}

void LiveHub::Publish(const std::string& message) {
  std::lock_guard lock(mutex_);
  for (auto& [id, subscriber] : subscribers_) subscriber.first(message);
}

void LiveHub::RecheckAll() {
  std::lock_guard lock(mutex_);
  for (auto& [id, subscriber] : subscribers_) {
    if (subscriber.second) subscriber.second();
  }
}

size_t LiveHub::subscribers() {
  std::lock_guard lock(mutex_);
  return subscribers_.size();
}

}  // namespace aisle::server
