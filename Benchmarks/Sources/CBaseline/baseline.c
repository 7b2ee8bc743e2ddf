// Raw C baselines for the primitive benchmark. Measurement code only: nothing here ships in Crosswire.
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include "baseline.h"
#include <sodium.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

void cw_init(void) { (void)sodium_init(); }

int cw_sodium_x25519(uint8_t out[32], const uint8_t sk[32], const uint8_t pk[32]) { return crypto_scalarmult(out, sk, pk); }
int cw_sodium_x25519_base(uint8_t pk[32], const uint8_t sk[32]) { return crypto_scalarmult_base(pk, sk); }

int cw_sodium_x25519_base_via_ed25519(uint8_t pk[32], const uint8_t sk[32]) {
    uint8_t ed[32];
    uint8_t t[32];
    memcpy(t, sk, 32);
    t[0] &= 248; t[31] &= 127; t[31] |= 64;
    if (crypto_scalarmult_ed25519_base_noclamp(ed, t) != 0) return -1;
    sodium_memzero(t, 32);
    return crypto_sign_ed25519_pk_to_curve25519(pk, ed);
}

void cw_sodium_hmac(uint8_t out[32], const uint8_t *key, size_t keylen, const uint8_t *msg, size_t len) {
    crypto_auth_hmacsha256_state st;
    crypto_auth_hmacsha256_init(&st, key, keylen);
    crypto_auth_hmacsha256_update(&st, msg, len);
    crypto_auth_hmacsha256_final(&st, out);
}

struct cw_sodium_hmac_key { crypto_auth_hmacsha256_state st; };
cw_sodium_hmac_key *cw_sodium_hmac_key_new(const uint8_t *key, size_t keylen) {
    cw_sodium_hmac_key *k = malloc(sizeof *k);
    crypto_auth_hmacsha256_init(&k->st, key, keylen);
    return k;
}
void cw_sodium_hmac_keyed(const cw_sodium_hmac_key *k, uint8_t out[32], const uint8_t *msg, size_t len) {
    crypto_auth_hmacsha256_state st = k->st;
    crypto_auth_hmacsha256_update(&st, msg, len);
    crypto_auth_hmacsha256_final(&st, out);
}
void cw_sodium_sha512(uint8_t out[64], const uint8_t *msg, size_t len) { crypto_hash_sha512(out, msg, len); }
void cw_sodium_ed25519_keypair(uint8_t pk[32], uint8_t sk[64]) { crypto_sign_keypair(pk, sk); }
void cw_sodium_ed25519_sign(uint8_t sig[64], const uint8_t *msg, size_t len, const uint8_t sk[64]) {
    crypto_sign_detached(sig, NULL, msg, len, sk);
}
int cw_sodium_ed25519_verify(const uint8_t sig[64], const uint8_t *msg, size_t len, const uint8_t pk[32]) {
    return crypto_sign_verify_detached(sig, msg, len, pk);
}

void cw_ossl_hmac_oneshot(uint8_t out[32], const uint8_t *key, size_t keylen, const uint8_t *msg, size_t len) {
    unsigned int outlen = 32;
    HMAC(EVP_sha256(), key, (int)keylen, msg, len, out, &outlen);
}

struct cw_ossl_hmac_key { SHA256_CTX inner, outer; };
cw_ossl_hmac_key *cw_ossl_hmac_key_new(const uint8_t *key, size_t keylen) {
    uint8_t block[64] = {0}, pad[64];
    if (keylen > 64) SHA256(key, keylen, block); else memcpy(block, key, keylen);
    cw_ossl_hmac_key *k = malloc(sizeof *k);
    for (int i = 0; i < 64; i++) pad[i] = block[i] ^ 0x36;
    SHA256_Init(&k->inner); SHA256_Update(&k->inner, pad, 64);
    for (int i = 0; i < 64; i++) pad[i] = block[i] ^ 0x5c;
    SHA256_Init(&k->outer); SHA256_Update(&k->outer, pad, 64);
    OPENSSL_cleanse(block, 64); OPENSSL_cleanse(pad, 64);
    return k;
}
void cw_ossl_hmac_keyed(const cw_ossl_hmac_key *k, uint8_t out[32], const uint8_t *msg, size_t len) {
    SHA256_CTX c = k->inner;
    uint8_t inner[32];
    SHA256_Update(&c, msg, len);
    SHA256_Final(inner, &c);
    c = k->outer;
    SHA256_Update(&c, inner, 32);
    SHA256_Final(out, &c);
}

static void ossl_hmac_keyed_init(cw_ossl_hmac_key *k, const uint8_t *key, size_t keylen) {
    uint8_t block[64] = {0}, pad[64];
    memcpy(block, key, keylen);
    for (int i = 0; i < 64; i++) pad[i] = block[i] ^ 0x36;
    SHA256_Init(&k->inner); SHA256_Update(&k->inner, pad, 64);
    for (int i = 0; i < 64; i++) pad[i] = block[i] ^ 0x5c;
    SHA256_Init(&k->outer); SHA256_Update(&k->outer, pad, 64);
}

void cw_ossl_hkdf(uint8_t *out, size_t outlen, const uint8_t *ikm, size_t ikmlen, const uint8_t *info, size_t infolen) {
    static cw_ossl_hmac_key *zero = NULL;
    if (!zero) { uint8_t z[32] = {0}; zero = cw_ossl_hmac_key_new(z, 32); }
    uint8_t prk[32], t[32 + 64 + 1];
    cw_ossl_hmac_keyed(zero, prk, ikm, ikmlen);
    cw_ossl_hmac_key k;
    ossl_hmac_keyed_init(&k, prk, 32);
    size_t done = 0, prev = 0;
    for (uint8_t counter = 1; done < outlen; counter++) {
        SHA256_CTX c = k.inner;
        uint8_t inner[32], block[32];
        SHA256_Update(&c, t, prev);
        SHA256_Update(&c, info, infolen);
        SHA256_Update(&c, &counter, 1);
        SHA256_Final(inner, &c);
        c = k.outer;
        SHA256_Update(&c, inner, 32);
        SHA256_Final(block, &c);
        size_t take = outlen - done < 32 ? outlen - done : 32;
        memcpy(out + done, block, take);
        memcpy(t, block, 32);
        prev = 32;
        done += take;
    }
}

struct cw_ossl_cbc { EVP_CIPHER_CTX *ctx; EVP_CIPHER *cipher; };
cw_ossl_cbc *cw_ossl_cbc_new(void) {
    cw_ossl_cbc *c = malloc(sizeof *c);
    c->ctx = EVP_CIPHER_CTX_new();
    c->cipher = EVP_CIPHER_fetch(NULL, "AES-256-CBC", NULL);
    return c;
}
int cw_ossl_cbc_encrypt(cw_ossl_cbc *c, uint8_t *out, const uint8_t *in, int len, const uint8_t key[32], const uint8_t iv[16]) {
    int n = 0, f = 0;
    if (EVP_EncryptInit_ex2(c->ctx, c->cipher, key, iv, NULL) != 1) return -1;
    if (EVP_EncryptUpdate(c->ctx, out, &n, in, len) != 1) return -1;
    if (EVP_EncryptFinal_ex(c->ctx, out + n, &f) != 1) return -1;
    return n + f;
}
int cw_ossl_cbc_decrypt(cw_ossl_cbc *c, uint8_t *out, const uint8_t *in, int len, const uint8_t key[32], const uint8_t iv[16]) {
    int n = 0, f = 0;
    if (EVP_DecryptInit_ex2(c->ctx, c->cipher, key, iv, NULL) != 1) return -1;
    if (EVP_DecryptUpdate(c->ctx, out, &n, in, len) != 1) return -1;
    if (EVP_DecryptFinal_ex(c->ctx, out + n, &f) != 1) return -1;
    return n + f;
}
int cw_ossl_x25519(uint8_t out[32], const uint8_t sk[32], const uint8_t pk[32]) {
    EVP_PKEY *a = EVP_PKEY_new_raw_private_key(EVP_PKEY_X25519, NULL, sk, 32);
    EVP_PKEY *b = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, pk, 32);
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new(a, NULL);
    size_t n = 32;
    int ok = EVP_PKEY_derive_init(ctx) == 1 && EVP_PKEY_derive_set_peer(ctx, b) == 1 && EVP_PKEY_derive(ctx, out, &n) == 1;
    EVP_PKEY_CTX_free(ctx); EVP_PKEY_free(a); EVP_PKEY_free(b);
    return ok ? 0 : -1;
}

int cw_ossl_cbc_encrypt_fresh(uint8_t *out, const uint8_t *in, int len, const uint8_t key[32], const uint8_t iv[16]) {
    static EVP_CIPHER *cipher = NULL;
    if (!cipher) cipher = EVP_CIPHER_fetch(NULL, "AES-256-CBC", NULL);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0, f = 0, ok = EVP_EncryptInit_ex2(ctx, cipher, key, iv, NULL) == 1
        && EVP_EncryptUpdate(ctx, out, &n, in, len) == 1 && EVP_EncryptFinal_ex(ctx, out + n, &f) == 1;
    EVP_CIPHER_CTX_free(ctx);
    return ok ? n + f : -1;
}
int cw_ossl_cbc_decrypt_fresh(uint8_t *out, const uint8_t *in, int len, const uint8_t key[32], const uint8_t iv[16]) {
    static EVP_CIPHER *cipher = NULL;
    if (!cipher) cipher = EVP_CIPHER_fetch(NULL, "AES-256-CBC", NULL);
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0, f = 0, ok = EVP_DecryptInit_ex2(ctx, cipher, key, iv, NULL) == 1
        && EVP_DecryptUpdate(ctx, out, &n, in, len) == 1 && EVP_DecryptFinal_ex(ctx, out + n, &f) == 1;
    EVP_CIPHER_CTX_free(ctx);
    return ok ? n + f : -1;
}

/* The primitive floor of one steady-state 1:1 message (Signal v3): the chain step (two HMACs under the
 * chain key), HKDF to 80 bytes of message keys, AES-256-CBC, and the 8-byte MAC over both identities
 * (66 bytes) and the serialized message. No protocol logic and no allocation: keyed HMAC states on the
 * stack and one AES context reused for every message (the cheapest OpenSSL allows; Crosswire also
 * re-keys its context with zeros after each message, which the floor does not). */
static void floor_message(int encrypt, const uint8_t *in, int len, uint8_t *out, size_t wire_len) {
    static const uint8_t chain_key[32] = {1};
    static const uint8_t info[] = "WhisperMessageKeys";
    static cw_ossl_cbc *cbc = NULL;
    if (!cbc) cbc = cw_ossl_cbc_new();
    cw_ossl_hmac_key ck, mk;
    ossl_hmac_keyed_init(&ck, chain_key, 32);
    uint8_t seed[32], next[32], keys[80], mac[32], one = 1, two = 2;
    cw_ossl_hmac_keyed(&ck, seed, &one, 1);
    cw_ossl_hmac_keyed(&ck, next, &two, 1);
    cw_ossl_hkdf(keys, 80, seed, 32, info, sizeof info - 1);
    if (encrypt) cw_ossl_cbc_encrypt(cbc, out, in, len, keys, keys + 64);
    ossl_hmac_keyed_init(&mk, keys + 32, 32);
    static uint8_t wire[2048 + 200];
    cw_ossl_hmac_keyed(&mk, mac, wire, wire_len + 66 < sizeof wire ? wire_len + 66 : sizeof wire);
    if (!encrypt) cw_ossl_cbc_decrypt(cbc, out, in, len, keys, keys + 64);
}

void cw_floor_encrypt(const uint8_t *plaintext, int len, uint8_t *out) {
    floor_message(1, plaintext, len, out, (size_t)len + 16 + 53);
}

void cw_floor_decrypt(const uint8_t *ciphertext, int len, uint8_t *out) {
    floor_message(0, ciphertext, len, out, (size_t)len + 53);
}

/* A Sender Key chain step with its message keys: two HMACs and HKDF to 48 bytes ("WhisperGroup"). */
void cw_floor_group_keys(uint8_t keys[48]) {
    static const uint8_t chain_key[32] = {2};
    static const uint8_t info[] = "WhisperGroup";
    cw_ossl_hmac_key ck;
    ossl_hmac_keyed_init(&ck, chain_key, 32);
    uint8_t seed[32], next[32], one = 1, two = 2;
    cw_ossl_hmac_keyed(&ck, seed, &one, 1);
    cw_ossl_hmac_keyed(&ck, next, &two, 1);
    cw_ossl_hkdf(keys, 48, seed, 32, info, sizeof info - 1);
}

/* HKDF with a 32-byte salt (the root key of a DH ratchet step) to 64 bytes. */
void cw_floor_root_step(const uint8_t salt[32], const uint8_t dh[32], uint8_t out[64]) {
    static const uint8_t info[] = "WhisperRatchet";
    cw_ossl_hmac_key extract, kk, *k = &kk;
    ossl_hmac_keyed_init(&extract, salt, 32);
    uint8_t prk[32], t[32];
    cw_ossl_hmac_keyed(&extract, prk, dh, 32);
    ossl_hmac_keyed_init(k, prk, 32);
    uint8_t block[32 + sizeof info];
    memcpy(block, info, sizeof info - 1);
    block[sizeof info - 1] = 1;
    cw_ossl_hmac_keyed(k, t, block, sizeof info);
    memcpy(out, t, 32);
    uint8_t block2[32 + sizeof info];
    memcpy(block2, t, 32);
    memcpy(block2 + 32, info, sizeof info - 1);
    block2[32 + sizeof info - 1] = 2;
    cw_ossl_hmac_keyed(k, out + 32, block2, 32 + sizeof info);
}

/* Raw attachment work: AES-256-CBC (PKCS#7) in one EVP call over the whole buffer, HMAC-SHA256 of IV || ct
   in one HMAC() call, SHA-256 of the blob in one SHA256() call, and for WhatsApp SHA-256 of the
   plaintext. No streaming, no checks beyond the MAC: the least work the format allows. */
int cw_raw_attachment_encrypt(const uint8_t key[32], const uint8_t mac_key[32], const uint8_t iv[16], const uint8_t *in, size_t len,
                              uint8_t *blob, int iv_in_blob, size_t mac_len, int hash_plaintext, uint8_t digest[32], uint8_t plain_digest[32]) {
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    uint8_t *ct = blob + (iv_in_blob ? 16 : 0);
    int n = 0, f = 0;
    if (iv_in_blob) memcpy(blob, iv, 16);
    EVP_EncryptInit_ex(ctx, EVP_aes_256_cbc(), NULL, key, iv);
    EVP_EncryptUpdate(ctx, ct, &n, in, (int)len);
    EVP_EncryptFinal_ex(ctx, ct + n, &f);
    EVP_CIPHER_CTX_free(ctx);
    size_t ct_len = (size_t)(n + f);
    uint8_t mac[32];
    unsigned int mac_out = 32;
    HMAC_CTX *h = HMAC_CTX_new();
    HMAC_Init_ex(h, mac_key, 32, EVP_sha256(), NULL);
    HMAC_Update(h, iv, 16);
    HMAC_Update(h, ct, ct_len);
    HMAC_Final(h, mac, &mac_out);
    HMAC_CTX_free(h);
    memcpy(ct + ct_len, mac, mac_len);
    size_t blob_len = (iv_in_blob ? 16 : 0) + ct_len + mac_len;
    SHA256(blob, blob_len, digest);
    if (hash_plaintext) SHA256(in, len, plain_digest);
    return (int)blob_len;
}

int cw_raw_attachment_decrypt(const uint8_t key[32], const uint8_t mac_key[32], const uint8_t iv[16], const uint8_t *blob, size_t blob_len,
                              uint8_t *out, int iv_in_blob, size_t mac_len, int hash_plaintext, uint8_t digest[32], uint8_t plain_digest[32]) {
    SHA256(blob, blob_len, digest);
    const uint8_t *use_iv = iv_in_blob ? blob : iv;
    const uint8_t *ct = blob + (iv_in_blob ? 16 : 0);
    size_t ct_len = blob_len - (iv_in_blob ? 16 : 0) - mac_len;
    uint8_t mac[32];
    unsigned int mac_out = 32;
    HMAC_CTX *h = HMAC_CTX_new();
    HMAC_Init_ex(h, mac_key, 32, EVP_sha256(), NULL);
    HMAC_Update(h, use_iv, 16);
    HMAC_Update(h, ct, ct_len);
    HMAC_Final(h, mac, &mac_out);
    HMAC_CTX_free(h);
    if (CRYPTO_memcmp(mac, ct + ct_len, mac_len) != 0) return -1;
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0, f = 0;
    EVP_DecryptInit_ex(ctx, EVP_aes_256_cbc(), NULL, key, use_iv);
    EVP_DecryptUpdate(ctx, out, &n, ct, (int)ct_len);
    int ok = EVP_DecryptFinal_ex(ctx, out + n, &f);
    EVP_CIPHER_CTX_free(ctx);
    if (ok != 1) return -1;
    if (hash_plaintext) SHA256(out, (size_t)(n + f), plain_digest);
    return n + f;
}
