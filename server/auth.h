// Authentication primitives: slow salted PIN hashes (argon2id via
// libsodium), bearer tokens (random, stored only as their SHA-256), and the
// sign-in throttle that answers 429 after repeated failures.
// Thread-safe: LoginThrottle locks internally; the functions are pure.
#ifndef AISLE_SERVER_AUTH_H_
#define AISLE_SERVER_AUTH_H_

#include <cstdint>
#include <map>
#include <mutex>
#include <string>

namespace aisle::server {

// Must be called once before any other function here.
void InitCrypto();

// argon2id, libsodium's "interactive" limits (64 MiB, 2 passes): encoded
// string with its own salt and parameters.
std::string HashPin(const std::string& pin);
bool VerifyPin(const std::string& pin, const std::string& encoded);
// Spends the same time as a real verification (for unknown staff codes, so
// the answer time does not tell which codes exist).
void BurnPinVerification();

// What a PIN yields for work away from the server (docs/security.md,
// "Offline sign-in and approvals"): PBKDF2-HMAC-SHA256 with two independent
// salts. The verifier goes to the store's devices (encrypted there) to check
// a PIN offline; the approval key stays on the server, and a device derives
// it from the PIN typed for an approval to sign that approval. Knowing the
// verifier does not give the key without guessing the PIN.
struct PinSecrets {
  int64_t iterations = 0;
  std::string verifier_salt;  // hex
  std::string verifier;       // hex, 32 bytes
  std::string approval_salt;  // hex
  std::string approval_key;   // hex, 32 bytes
};
inline constexpr int64_t kPinKdfIterations = 200'000;
PinSecrets DerivePinSecrets(const std::string& pin, int64_t iterations = kPinKdfIterations);
// Lower-case hex PBKDF2-HMAC-SHA256(pin, salt bytes of salt_hex, iterations, 32 bytes).
std::string Pbkdf2Hex(const std::string& pin, const std::string& salt_hex, int64_t iterations);
// Lower-case hex HMAC-SHA256 keyed with the bytes of key_hex.
std::string HmacSha256Hex(const std::string& key_hex, const std::string& message);

// 32 random bytes as 64 hex characters.
std::string NewToken();
// Lower-case hex SHA-256 of text.
std::string Sha256Hex(const std::string& text);

// Counts failed sign-ins per key (store + staff code, or a device); after
// max_failures within the window the key is locked for lockout_seconds.
class LoginThrottle {
 public:
  static constexpr int kMaxFailures = 5;         // per staff member
  static constexpr int kMaxDeviceFailures = 20;  // per device, whoever it tries

  explicit LoginThrottle(int64_t lockout_seconds, int max_failures = kMaxFailures)
      : lockout_seconds_(lockout_seconds), max_failures_(max_failures) {}

  // Seconds the key is still locked for, 0 if it may try.
  int64_t LockedFor(const std::string& key, int64_t now);
  void RecordFailure(const std::string& key, int64_t now);
  void RecordSuccess(const std::string& key);

 private:
  struct Entry {
    int failures = 0;
    int64_t first_failure = 0;
    int64_t locked_until = 0;
  };
  std::mutex mutex_;
  std::map<std::string, Entry> entries_;
  int64_t lockout_seconds_;
  int max_failures_;
};

}  // namespace aisle::server

#endif  // AISLE_SERVER_AUTH_H_
