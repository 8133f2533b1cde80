#include "server/auth.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
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

std::string FromHex(const std::string& hex) {
  std::string bytes(hex.size() / 2, '\0');
  size_t length = 0;
  if (sodium_hex2bin(reinterpret_cast<unsigned char*>(bytes.data()), bytes.size(), hex.c_str(), hex.size(), nullptr,
                     &length, nullptr) != 0) {
    throw std::runtime_error("not hex");
  }
  bytes.resize(length);
  return bytes;
}

std::string RandomHex(size_t bytes) {
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  return ToHex(reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
}

}  // namespace

std::string Pbkdf2Hex(const std::string& pin, const std::string& salt_hex, int64_t iterations) {
  const std::string salt = FromHex(salt_hex);
  unsigned char out[32];
  if (PKCS5_PBKDF2_HMAC(pin.data(), static_cast<int>(pin.size()), reinterpret_cast<const unsigned char*>(salt.data()),
                        static_cast<int>(salt.size()), static_cast<int>(iterations), EVP_sha256(), sizeof out,
                        out) != 1) {
    throw std::runtime_error("PBKDF2 failed");
  }
  return ToHex(out, sizeof out);
}

PinSecrets DerivePinSecrets(const std::string& pin, int64_t iterations) {
  PinSecrets s;
  s.iterations = iterations;
  s.verifier_salt = RandomHex(16);
  s.approval_salt = RandomHex(16);
  s.verifier = Pbkdf2Hex(pin, s.verifier_salt, iterations);
  s.approval_key = Pbkdf2Hex(pin, s.approval_salt, iterations);
  return s;
}

std::string HmacSha256Hex(const std::string& key_hex, const std::string& message) {
  const std::string key = FromHex(key_hex);
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(message.data()),
           message.size(), out, &length) == nullptr) {
    throw std::runtime_error("HMAC failed");
  }
  return ToHex(out, length);
}

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
  if (++e.failures >= max_failures_) e.locked_until = now + lockout_seconds_;
}

void LoginThrottle::RecordSuccess(const std::string& key) {
  std::lock_guard lock(mutex_);
  entries_.erase(key);
}

}  // namespace aisle::server
