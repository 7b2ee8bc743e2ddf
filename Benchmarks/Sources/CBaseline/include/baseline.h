#ifndef CROSSWIRE_BASELINE_H
#define CROSSWIRE_BASELINE_H
#include <stddef.h>
#include <stdint.h>

// Raw C calls that the crypto layer's primitives wrap or could wrap, for the overhead ratios.
void cw_init(void);

// libsodium
int cw_sodium_x25519(uint8_t out[32], const uint8_t sk[32], const uint8_t pk[32]);
int cw_sodium_x25519_base(uint8_t pk[32], const uint8_t sk[32]);
/// X25519 public key through the Ed25519 fixed-base table: a·B on Edwards, then the birational map.
int cw_sodium_x25519_base_via_ed25519(uint8_t pk[32], const uint8_t sk[32]);
void cw_sodium_hmac(uint8_t out[32], const uint8_t *key, size_t keylen, const uint8_t *msg, size_t len);
typedef struct cw_sodium_hmac_key cw_sodium_hmac_key;
cw_sodium_hmac_key *cw_sodium_hmac_key_new(const uint8_t *key, size_t keylen);
void cw_sodium_hmac_keyed(const cw_sodium_hmac_key *k, uint8_t out[32], const uint8_t *msg, size_t len);
void cw_sodium_sha512(uint8_t out[64], const uint8_t *msg, size_t len);
void cw_sodium_ed25519_sign(uint8_t sig[64], const uint8_t *msg, size_t len, const uint8_t sk[64]);
void cw_sodium_ed25519_keypair(uint8_t pk[32], uint8_t sk[64]);
int cw_sodium_ed25519_verify(const uint8_t sig[64], const uint8_t *msg, size_t len, const uint8_t pk[32]);

// OpenSSL libcrypto (Debian's 3.0; SHA-NI and AES-NI)
void cw_ossl_hmac_oneshot(uint8_t out[32], const uint8_t *key, size_t keylen, const uint8_t *msg, size_t len);
typedef struct cw_ossl_hmac_key cw_ossl_hmac_key;
cw_ossl_hmac_key *cw_ossl_hmac_key_new(const uint8_t *key, size_t keylen);
/// HMAC from precomputed SHA-256 inner/outer states (low-level SHA256_CTX copies).
void cw_ossl_hmac_keyed(const cw_ossl_hmac_key *k, uint8_t out[32], const uint8_t *msg, size_t len);
/// HKDF-SHA256 extract+expand on the keyed states above (zero salt precomputed).
void cw_ossl_hkdf(uint8_t *out, size_t outlen, const uint8_t *ikm, size_t ikmlen, const uint8_t *info, size_t infolen);
typedef struct cw_ossl_cbc cw_ossl_cbc;
cw_ossl_cbc *cw_ossl_cbc_new(void);
/// AES-256-CBC/PKCS#7 through a reused EVP context. Returns output length or -1.
int cw_ossl_cbc_encrypt(cw_ossl_cbc *c, uint8_t *out, const uint8_t *in, int len, const uint8_t key[32], const uint8_t iv[16]);
int cw_ossl_cbc_decrypt(cw_ossl_cbc *c, uint8_t *out, const uint8_t *in, int len, const uint8_t key[32], const uint8_t iv[16]);
/// The same with a context created and freed per call (what a thread-safe wrapper must do).
int cw_ossl_cbc_encrypt_fresh(uint8_t *out, const uint8_t *in, int len, const uint8_t key[32], const uint8_t iv[16]);
int cw_ossl_cbc_decrypt_fresh(uint8_t *out, const uint8_t *in, int len, const uint8_t key[32], const uint8_t iv[16]);
int cw_ossl_x25519(uint8_t out[32], const uint8_t sk[32], const uint8_t pk[32]);

/* Primitive floors (see baseline.c). */
void cw_floor_encrypt(const uint8_t *plaintext, int len, uint8_t *out);
void cw_floor_decrypt(const uint8_t *ciphertext, int len, uint8_t *out);
void cw_floor_group_keys(uint8_t keys[48]);
void cw_floor_root_step(const uint8_t salt[32], const uint8_t dh[32], uint8_t out[64]);

/* Attachments done raw on one buffer, one call per primitive (see baseline.c): the floor the streaming
   attachment code is measured against. `in` holds `len` bytes already padded as the format pads. */
int cw_raw_attachment_encrypt(const uint8_t key[32], const uint8_t mac_key[32], const uint8_t iv[16], const uint8_t *in, size_t len,
                              uint8_t *blob, int iv_in_blob, size_t mac_len, int hash_plaintext, uint8_t digest[32], uint8_t plain_digest[32]);
int cw_raw_attachment_decrypt(const uint8_t key[32], const uint8_t mac_key[32], const uint8_t iv[16], const uint8_t *blob, size_t blob_len,
                              uint8_t *out, int iv_in_blob, size_t mac_len, int hash_plaintext, uint8_t digest[32], uint8_t plain_digest[32]);
#endif
