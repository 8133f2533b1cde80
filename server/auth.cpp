#include "server/auth.h"

#include <sodium.h>

#include <stdexcept>

namespace aisle::server {
namespace {

std::string ToHex(const unsigned char* bytes, size_t size) {
  std::string hex(size * 2 + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), bytes, size);
  hex.pop_back();
  return hex;
}

}  // namespace

void InitCrypto() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
}

std::string HashPin(const std::string& pin) {
  char out[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(out, pin.data(), pin.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    throw std::runtime_error("out of memory hashing a PIN");
  }
  return out;
}

bool VerifyPin(const std::string& pin, const std::string& encoded) {
  return crypto_pwhash_str_verify(encoded.c_str(), pin.data(), pin.size()) == 0;
}

void BurnPinVerification() {
  static const std::string kDummy = HashPin("not-a-pin");
  (void)VerifyPin("0000", kDummy);
}

std::string NewToken() {
  unsigned char bytes[32];
  randombytes_buf(bytes, sizeof bytes);
  return ToHex(bytes, sizeof bytes);
}

std::string Sha256Hex(const std::string& text) {
  unsigned char digest[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(digest, reinterpret_cast<const unsigned char*>(text.data()), text.size());
  return ToHex(digest, sizeof digest);
}

int64_t LoginThrottle::LockedFor(const std::string& key, int64_t now) {
  std::lock_guard lock(mutex_);
  auto it = entries_.find(key);
  if (it == entries_.end() || it->second.locked_until <= now) return 0;
  return it->second.locked_until - now;
}

void LoginThrottle::RecordFailure(const std::string& key, int64_t now) {
  std::lock_guard lock(mutex_);
  Entry& e = entries_[key];
  if (e.locked_until != 0 && e.locked_until <= now) e = Entry{};  // lock served
  if (e.failures == 0 || now - e.first_failure > lockout_seconds_) {
    e.failures = 0;
    e.first_failure = now;
  }
  if (++e.failures >= kMaxFailures) e.locked_until = now + lockout_seconds_;
}

void LoginThrottle::RecordSuccess(const std::string& key) {
  std::lock_guard lock(mutex_);
  entries_.erase(key);
}

}  // namespace aisle::server
