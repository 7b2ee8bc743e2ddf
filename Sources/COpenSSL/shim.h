#ifndef CROSSWIRE_COPENSSL_SHIM_H
#define CROSSWIRE_COPENSSL_SHIM_H
// Debian's OpenSSL 3 libcrypto: SHA-256 (SHA-NI) and AES-256-CBC (AES-NI) for the per-message path.
// The low-level SHA256_* calls are deprecated in 3.0 in favour of EVP, but remain supported in 3.x;
// they are what lets a keyed HMAC state be copied without allocation.
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include <openssl/sha.h>
#include <openssl/evp.h>
#include <openssl/crypto.h>
#endif
