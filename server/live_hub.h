// LiveHub: who is connected to GET /api/v1/live, and telling them all that
// the change feed moved (docs/sync.md, "Live"). Thread-safe; it knows
// nothing of WebSockets: a subscriber is a function that queues a text
// message for its connection and returns at once (it is called with the
// hub's lock held, from whichever thread published).
#ifndef AISLE_SERVER_LIVE_HUB_H_
#define AISLE_SERVER_LIVE_HUB_H_

#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <string>

namespace aisle::server {

class LiveHub {
 public:
  using Send = std::function<void(const std::string&)>;

  using Recheck = std::function<void()>;

  // Returns the id Unsubscribe takes. `recheck` (same rules as `send`) asks
  // the connection to check at once that its session still stands.
  int64_t Subscribe(Send send, Recheck recheck = {});
  void Unsubscribe(int64_t id);
  // Queues `message` for every subscriber.
  void Publish(const std::string& message);
  // After a revocation, a disabled staff member or a PIN reset: every
  // connection checks its session now rather than at its next periodic check.
  void RecheckAll();
  size_t subscribers();

 private:
  std::mutex mutex_;
  int64_t next_id_ = 1;
  std::map<int64_t, std::pair<Send, Recheck>> subscribers_;
};

}  // namespace aisle::server

#endif  // AISLE_SERVER_LIVE_HUB_H_
