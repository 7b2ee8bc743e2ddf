/*
 * libsignal-protocol-c glue.
 *
 * Crypto provider: OpenSSL 3 libcrypto, tuned so the peer is not handicapped by its provider:
 *  - HMAC-SHA256 from two precomputed SHA256_CTX states (inner/outer pad absorbed at init), no EVP
 *    dispatch per call;
 *  - SHA-512 via SHA512_CTX;
 *  - AES-CBC/PKCS#7 and AES-CTR via EVP with the EVP_CIPHER objects fetched once and one cached
 *    EVP_CIPHER_CTX per (mode, key size, direction) that is only re-keyed per call;
 *  - RAND_bytes for randomness.
 * libsignal-protocol-c does its Curve25519/XEdDSA work internally; the provider covers the rest.
 *
 * Stores: every store is a kv_map of serialized records, so sessions round-trip through the
 * callbacks exactly as libsignal-protocol-c serializes them.
 */
#define OPENSSL_SUPPRESS_DEPRECATED 1
#include "signal_support.h"
#include "bench.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <stdlib.h>
#include <string.h>

/* ---------------------------------------------------------------- crypto provider */

static int cp_random(uint8_t *data, size_t len, void *ud)
{
    (void)ud;
    return RAND_bytes(data, (int)len) == 1 ? SG_SUCCESS : SG_ERR_UNKNOWN;
}

typedef struct { SHA256_CTX inner, outer; } hmac_state;

static int cp_hmac_init(void **out, const uint8_t *key, size_t key_len, void *ud)
{
    (void)ud;
    hmac_state *h = malloc(sizeof *h);
    if (!h) return SG_ERR_NOMEM;
    uint8_t k[SHA256_CBLOCK] = {0}, pad[SHA256_CBLOCK];
    if (key_len > sizeof k) SHA256(key, key_len, k); /* long keys are hashed first (RFC 2104) */
    else memcpy(k, key, key_len);
    for (size_t i = 0; i < sizeof k; i++) pad[i] = k[i] ^ 0x36;
    SHA256_Init(&h->inner);
    SHA256_Update(&h->inner, pad, sizeof pad);
    for (size_t i = 0; i < sizeof k; i++) pad[i] = k[i] ^ 0x5c;
    SHA256_Init(&h->outer);
    SHA256_Update(&h->outer, pad, sizeof pad);
    OPENSSL_cleanse(k, sizeof k);
    OPENSSL_cleanse(pad, sizeof pad);
    *out = h;
    return SG_SUCCESS;
}

static int cp_hmac_update(void *ctx, const uint8_t *data, size_t len, void *ud)
{
    (void)ud;
    SHA256_Update(&((hmac_state *)ctx)->inner, data, len);
    return SG_SUCCESS;
}

static int cp_hmac_final(void *ctx, signal_buffer **output, void *ud)
{
    (void)ud;
    hmac_state *h = ctx;
    signal_buffer *b = signal_buffer_alloc(SHA256_DIGEST_LENGTH);
    if (!b) return SG_ERR_NOMEM;
    uint8_t *mac = signal_buffer_data(b);
    SHA256_Final(mac, &h->inner);
    SHA256_Update(&h->outer, mac, SHA256_DIGEST_LENGTH);
    SHA256_Final(mac, &h->outer);
    *output = b;
    return SG_SUCCESS;
}

static void cp_hmac_cleanup(void *ctx, void *ud)
{
    (void)ud;
    if (ctx) OPENSSL_clear_free(ctx, sizeof(hmac_state));
}

static int cp_sha512_init(void **out, void *ud)
{
    (void)ud;
    SHA512_CTX *c = malloc(sizeof *c);
    if (!c) return SG_ERR_NOMEM;
    SHA512_Init(c);
    *out = c;
    return SG_SUCCESS;
}

static int cp_sha512_update(void *ctx, const uint8_t *data, size_t len, void *ud)
{
    (void)ud;
    SHA512_Update(ctx, data, len);
    return SG_SUCCESS;
}

static int cp_sha512_final(void *ctx, signal_buffer **output, void *ud)
{
    (void)ud;
    signal_buffer *b = signal_buffer_alloc(SHA512_DIGEST_LENGTH);
    if (!b) return SG_ERR_NOMEM;
    SHA512_Final(signal_buffer_data(b), ctx);
    SHA512_Init(ctx); /* the API requires the context to be reusable */
    *output = b;
    return SG_SUCCESS;
}

static void cp_sha512_cleanup(void *ctx, void *ud)
{
    (void)ud;
    if (ctx) OPENSSL_clear_free(ctx, sizeof(SHA512_CTX));
}

/* Cached cipher contexts: [mode: 0 CBC, 1 CTR][key size: 128/192/256][0 decrypt, 1 encrypt]. */
static EVP_CIPHER_CTX *g_cipher_ctx[2][3][2];

static EVP_CIPHER_CTX *cipher_ctx(int cipher, size_t key_len, int enc)
{
    int mode = cipher == SG_CIPHER_AES_CBC_PKCS5 ? 0 : cipher == SG_CIPHER_AES_CTR_NOPADDING ? 1 : -1;
    int ks = key_len == 16 ? 0 : key_len == 24 ? 1 : key_len == 32 ? 2 : -1;
    if (mode < 0 || ks < 0) return NULL;
    EVP_CIPHER_CTX **slot = &g_cipher_ctx[mode][ks][enc];
    if (!*slot) {
        static const char *const names[2][3] = {
            {"AES-128-CBC", "AES-192-CBC", "AES-256-CBC"},
            {"AES-128-CTR", "AES-192-CTR", "AES-256-CTR"},
        };
        EVP_CIPHER *alg = EVP_CIPHER_fetch(NULL, names[mode][ks], NULL); /* fetched once */
        EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
        if (!alg || !c || !EVP_CipherInit_ex2(c, alg, NULL, NULL, enc, NULL)) die("OpenSSL: cannot set up %s", names[mode][ks]);
        EVP_CIPHER_free(alg); /* the context keeps its own reference */
        *slot = c;
    }
    return *slot;
}

/* One-shot AES. The output length is exact for encryption (PKCS#7 always adds 1..16 bytes), so the
 * ciphertext is written straight into the returned buffer; decryption goes through scratch space
 * because the unpadded length is only known at the end. */
static int cp_crypt(int enc, signal_buffer **output, int cipher, const uint8_t *key, size_t key_len,
                    const uint8_t *iv, size_t iv_len, const uint8_t *in, size_t in_len)
{
    EVP_CIPHER_CTX *c = cipher_ctx(cipher, key_len, enc);
    if (!c || iv_len != 16 || in_len > (size_t)INT32_MAX - 32) return SG_ERR_UNKNOWN;
    if (!EVP_CipherInit_ex2(c, NULL, key, iv, enc, NULL)) return SG_ERR_UNKNOWN;

    size_t cap = in_len + 16;
    uint8_t stack[2048], *heap = NULL, *out;
    signal_buffer *result = NULL;
    if (enc) {
        size_t exact = cipher == SG_CIPHER_AES_CBC_PKCS5 ? (in_len / 16 + 1) * 16 : in_len;
        if (!(result = signal_buffer_alloc(exact))) return SG_ERR_NOMEM;
        out = signal_buffer_data(result);
    } else {
        out = cap <= sizeof stack ? stack : (heap = malloc(cap));
        if (!out) return SG_ERR_NOMEM;
    }

    int n1 = 0, n2 = 0, ok = EVP_CipherUpdate(c, out, &n1, in, (int)in_len) &&
                             EVP_CipherFinal_ex(c, out + n1, &n2);
    if (ok && enc && (size_t)(n1 + n2) != signal_buffer_len(result)) ok = 0;
    if (ok && !enc) ok = (result = signal_buffer_create(out, (size_t)(n1 + n2))) != NULL;
    if (!enc) {
        OPENSSL_cleanse(out, cap);
        free(heap);
    }
    if (!ok) {
        if (result) signal_buffer_bzero_free(result);
        return SG_ERR_UNKNOWN;
    }
    *output = result;
    return SG_SUCCESS;
}

static int cp_encrypt(signal_buffer **output, int cipher, const uint8_t *key, size_t key_len,
                      const uint8_t *iv, size_t iv_len, const uint8_t *plaintext, size_t plaintext_len, void *ud)
{
    (void)ud;
    return cp_crypt(1, output, cipher, key, key_len, iv, iv_len, plaintext, plaintext_len);
}

static int cp_decrypt(signal_buffer **output, int cipher, const uint8_t *key, size_t key_len,
                      const uint8_t *iv, size_t iv_len, const uint8_t *ciphertext, size_t ciphertext_len, void *ud)
{
    (void)ud;
    return cp_crypt(0, output, cipher, key, key_len, iv, iv_len, ciphertext, ciphertext_len);
}

/* Both parties use this provider, so a consistently wrong primitive would go unnoticed by the
 * round-trip checks: test it against RFC 4231 / FIPS 180 vectors and a fresh EVP context first. */
static void provider_selftest(void)
{
    static const uint8_t rfc4231_2[32] = {
        0x5b, 0xdc, 0xc1, 0x46, 0xbf, 0x60, 0x75, 0x4e, 0x6a, 0x04, 0x24, 0x26, 0x08, 0x95, 0x75, 0xc7,
        0x5a, 0x00, 0x3f, 0x08, 0x9d, 0x27, 0x39, 0x83, 0x9d, 0xec, 0x58, 0xb9, 0x64, 0xec, 0x38, 0x43};
    static const uint8_t rfc4231_6[32] = {
        0x60, 0xe4, 0x31, 0x59, 0x1e, 0xe0, 0xb6, 0x7f, 0x0d, 0x8a, 0x26, 0xaa, 0xcb, 0xf5, 0xb7, 0x7f,
        0x8e, 0x0b, 0xc6, 0x21, 0x37, 0x28, 0xc5, 0x14, 0x05, 0x46, 0x04, 0x0f, 0x0e, 0xe3, 0x7f, 0x54};
    static const uint8_t sha512_abc[8] = {0xdd, 0xaf, 0x35, 0xa1, 0x93, 0x61, 0x7a, 0xba}; /* prefix */
    uint8_t long_key[131];
    memset(long_key, 0xaa, sizeof long_key);
    struct { const uint8_t *key; size_t key_len; const char *msg; const uint8_t *mac; } hv[] = {
        {(const uint8_t *)"Jefe", 4, "what do ya want ", rfc4231_2},
        {long_key, sizeof long_key, "Test Using Larger Than Block-Size Key - Hash Key First", rfc4231_6},
    };
    for (size_t i = 0; i < 2; i++) {
        void *h = NULL;
        signal_buffer *mac = NULL;
        if (cp_hmac_init(&h, hv[i].key, hv[i].key_len, NULL) ||
            cp_hmac_update(h, (const uint8_t *)hv[i].msg, strlen(hv[i].msg), NULL) ||
            (i == 0 && cp_hmac_update(h, (const uint8_t *)"for nothing?", 12, NULL)) || /* split update */
            cp_hmac_final(h, &mac, NULL))
            die("crypto provider: HMAC-SHA256 failed");
        cp_hmac_cleanup(h, NULL);
        if (memcmp(signal_buffer_data(mac), hv[i].mac, 32) != 0) die("crypto provider: HMAC-SHA256 self-test failed");
        signal_buffer_free(mac);
    }
    void *d = NULL;
    signal_buffer *digest = NULL;
    if (cp_sha512_init(&d, NULL) || cp_sha512_update(d, (const uint8_t *)"abc", 3, NULL) ||
        cp_sha512_final(d, &digest, NULL))
        die("crypto provider: SHA-512 failed");
    cp_sha512_cleanup(d, NULL);
    if (signal_buffer_len(digest) != 64 || memcmp(signal_buffer_data(digest), sha512_abc, 8) != 0)
        die("crypto provider: SHA-512 self-test failed");
    signal_buffer_free(digest);

    /* AES: compare with a fresh one-shot EVP context, then round-trip. */
    uint8_t key[32], iv[16], pt[1100], ref[1200];
    for (size_t i = 0; i < sizeof pt; i++) pt[i] = (uint8_t)(i * 7 + 1);
    memset(key, 0x42, sizeof key);
    memset(iv, 0x24, sizeof iv);
    static const size_t lens[] = {0, 1, 15, 16, 17, 100, 1024, 1100};
    for (int cipher = 1; cipher <= 2; cipher++) {
        for (size_t li = 0; li < sizeof lens / sizeof *lens; li++) {
            size_t len = lens[li];
            signal_buffer *ct = NULL, *back = NULL;
            if (cp_encrypt(&ct, cipher, key, 32, iv, 16, pt, len, NULL)) die("crypto provider: AES encrypt failed");
            EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
            int n1 = 0, n2 = 0;
            if (!EVP_EncryptInit_ex(c, cipher == SG_CIPHER_AES_CBC_PKCS5 ? EVP_aes_256_cbc() : EVP_aes_256_ctr(), NULL, key, iv) ||
                !EVP_EncryptUpdate(c, ref, &n1, pt, (int)len) || !EVP_EncryptFinal_ex(c, ref + n1, &n2))
                die("OpenSSL reference AES failed");
            EVP_CIPHER_CTX_free(c);
            if (signal_buffer_len(ct) != (size_t)(n1 + n2) || memcmp(signal_buffer_data(ct), ref, (size_t)(n1 + n2)))
                die("crypto provider: AES self-test failed (mode %d, %zu bytes)", cipher, len);
            if (cp_decrypt(&back, cipher, key, 32, iv, 16, signal_buffer_data(ct), signal_buffer_len(ct), NULL) ||
                signal_buffer_len(back) != len || memcmp(signal_buffer_data(back), pt, len))
                die("crypto provider: AES round trip failed (mode %d, %zu bytes)", cipher, len);
            signal_buffer_free(ct);
            signal_buffer_free(back);
        }
    }
}

/* Single-threaded benchmark: locking is a no-op. */
static void lock_noop(void *ud) { (void)ud; }

signal_context *sg_context_create(void)
{
    signal_context *ctx = NULL;
    provider_selftest();
    signal_crypto_provider provider = {
        .random_func = cp_random,
        .hmac_sha256_init_func = cp_hmac_init,
        .hmac_sha256_update_func = cp_hmac_update,
        .hmac_sha256_final_func = cp_hmac_final,
        .hmac_sha256_cleanup_func = cp_hmac_cleanup,
        .sha512_digest_init_func = cp_sha512_init,
        .sha512_digest_update_func = cp_sha512_update,
        .sha512_digest_final_func = cp_sha512_final,
        .sha512_digest_cleanup_func = cp_sha512_cleanup,
        .encrypt_func = cp_encrypt,
        .decrypt_func = cp_decrypt,
    };
    if (signal_context_create(&ctx, NULL) || signal_context_set_crypto_provider(ctx, &provider) ||
        signal_context_set_locking_functions(ctx, lock_noop, lock_noop))
        die("libsignal-c: cannot create the global context");
    return ctx;
}

/* ---------------------------------------------------------------- kv_map */

static kv_entry **kv_slot(kv_map *m, const uint8_t *key, size_t len)
{
    kv_entry **e = &m->head;
    for (; *e; e = &(*e)->next)
        if (signal_buffer_len((*e)->key) == len && memcmp(signal_buffer_data((*e)->key), key, len) == 0) break;
    return e;
}

static kv_entry *kv_get(kv_map *m, const uint8_t *key, size_t len) { return *kv_slot(m, key, len); }

static int kv_put(kv_map *m, const uint8_t *key, size_t len, const uint8_t *val, size_t val_len,
                  const uint8_t *user, size_t user_len)
{
    kv_entry **slot = kv_slot(m, key, len), *e = *slot;
    signal_buffer *v = signal_buffer_create(val, val_len);
    signal_buffer *u = user ? signal_buffer_create(user, user_len) : NULL;
    if (!v || (user && !u)) return SG_ERR_NOMEM;
    if (!e) {
        if (!(e = calloc(1, sizeof *e)) || !(e->key = signal_buffer_create(key, len))) return SG_ERR_NOMEM;
        *slot = e;
    } else {
        signal_buffer_bzero_free(e->val);
        signal_buffer_bzero_free(e->user);
    }
    e->val = v;
    e->user = u;
    return SG_SUCCESS;
}

static void kv_free_entry(kv_entry *e)
{
    signal_buffer_free(e->key);
    signal_buffer_bzero_free(e->val);
    signal_buffer_bzero_free(e->user);
    free(e);
}

static int kv_del(kv_map *m, const uint8_t *key, size_t len)
{
    kv_entry **slot = kv_slot(m, key, len), *e = *slot;
    if (!e) return 0;
    *slot = e->next;
    kv_free_entry(e);
    return 1;
}

static void kv_clear(kv_map *m)
{
    while (m->head) {
        kv_entry *e = m->head;
        m->head = e->next;
        kv_free_entry(e);
    }
}

/* Map keys. An address is encoded as device_id (4 bytes) || name; a sender key name as
 * device_id || group_id_len (4 bytes) || group_id || name. */
#define KEY_MAX 512

static size_t address_key(uint8_t *k, const signal_protocol_address *a)
{
    if (a->name_len > KEY_MAX - 4) die("libsignal-c store: address name too long");
    memcpy(k, &a->device_id, 4);
    memcpy(k + 4, a->name, a->name_len);
    return 4 + a->name_len;
}

static int address_key_has_name(const kv_entry *e, const char *name, size_t name_len)
{
    return signal_buffer_len(e->key) == 4 + name_len &&
           memcmp(signal_buffer_const_data(e->key) + 4, name, name_len) == 0;
}

static size_t sender_key_key(uint8_t *k, const signal_protocol_sender_key_name *s)
{
    uint32_t glen = (uint32_t)s->group_id_len;
    if (s->group_id_len + s->sender.name_len > KEY_MAX - 8) die("libsignal-c store: sender key name too long");
    memcpy(k, &s->sender.device_id, 4);
    memcpy(k + 4, &glen, 4);
    memcpy(k + 8, s->group_id, glen);
    memcpy(k + 8 + glen, s->sender.name, s->sender.name_len);
    return 8 + glen + s->sender.name_len;
}

/* ---------------------------------------------------------------- session store */

static int ss_load(signal_buffer **record, signal_buffer **user_record, const signal_protocol_address *a, void *ud)
{
    uint8_t k[KEY_MAX];
    kv_entry *e = kv_get(&((sg_party *)ud)->sessions, k, address_key(k, a));
    if (!e) return 0;
    if (!(*record = signal_buffer_copy(e->val))) return SG_ERR_NOMEM;
    if (e->user && user_record && !(*user_record = signal_buffer_copy(e->user))) return SG_ERR_NOMEM;
    return 1;
}

static int ss_sub_devices(signal_int_list **sessions, const char *name, size_t name_len, void *ud)
{
    signal_int_list *list = signal_int_list_alloc();
    if (!list) return SG_ERR_NOMEM;
    for (kv_entry *e = ((sg_party *)ud)->sessions.head; e; e = e->next) {
        if (!address_key_has_name(e, name, name_len)) continue;
        int32_t device_id;
        memcpy(&device_id, signal_buffer_const_data(e->key), 4);
        signal_int_list_push_back(list, device_id);
    }
    *sessions = list;
    return (int)signal_int_list_size(list);
}

static int ss_store(const signal_protocol_address *a, uint8_t *record, size_t record_len,
                    uint8_t *user_record, size_t user_record_len, void *ud)
{
    uint8_t k[KEY_MAX];
    return kv_put(&((sg_party *)ud)->sessions, k, address_key(k, a), record, record_len, user_record, user_record_len);
}

static int ss_contains(const signal_protocol_address *a, void *ud)
{
    uint8_t k[KEY_MAX];
    return kv_get(&((sg_party *)ud)->sessions, k, address_key(k, a)) != NULL;
}

static int ss_delete(const signal_protocol_address *a, void *ud)
{
    uint8_t k[KEY_MAX];
    return kv_del(&((sg_party *)ud)->sessions, k, address_key(k, a));
}

static int ss_delete_all(const char *name, size_t name_len, void *ud)
{
    int n = 0;
    kv_map *m = &((sg_party *)ud)->sessions;
    for (kv_entry **e = &m->head; *e;) {
        if (address_key_has_name(*e, name, name_len)) {
            kv_entry *dead = *e;
            *e = dead->next;
            kv_free_entry(dead);
            n++;
        } else {
            e = &(*e)->next;
        }
    }
    return n;
}

/* ---------------------------------------------------------------- pre-key / signed pre-key stores */

static int id_load(kv_map *m, signal_buffer **record, uint32_t id)
{
    kv_entry *e = kv_get(m, (const uint8_t *)&id, 4);
    if (!e) return SG_ERR_INVALID_KEY_ID;
    return (*record = signal_buffer_copy(e->val)) ? SG_SUCCESS : SG_ERR_NOMEM;
}

static int pk_load(signal_buffer **r, uint32_t id, void *ud) { return id_load(&((sg_party *)ud)->pre_keys, r, id); }
static int pk_store(uint32_t id, uint8_t *r, size_t len, void *ud)
{
    return kv_put(&((sg_party *)ud)->pre_keys, (const uint8_t *)&id, 4, r, len, NULL, 0);
}
static int pk_contains(uint32_t id, void *ud) { return kv_get(&((sg_party *)ud)->pre_keys, (const uint8_t *)&id, 4) != NULL; }
static int pk_remove(uint32_t id, void *ud)
{
    kv_del(&((sg_party *)ud)->pre_keys, (const uint8_t *)&id, 4);
    return SG_SUCCESS;
}

static int spk_load(signal_buffer **r, uint32_t id, void *ud) { return id_load(&((sg_party *)ud)->signed_pre_keys, r, id); }
static int spk_store(uint32_t id, uint8_t *r, size_t len, void *ud)
{
    return kv_put(&((sg_party *)ud)->signed_pre_keys, (const uint8_t *)&id, 4, r, len, NULL, 0);
}
static int spk_contains(uint32_t id, void *ud) { return kv_get(&((sg_party *)ud)->signed_pre_keys, (const uint8_t *)&id, 4) != NULL; }
static int spk_remove(uint32_t id, void *ud)
{
    kv_del(&((sg_party *)ud)->signed_pre_keys, (const uint8_t *)&id, 4);
    return SG_SUCCESS;
}

/* ---------------------------------------------------------------- identity store (trust on first use) */

static int ik_get_pair(signal_buffer **public_data, signal_buffer **private_data, void *ud)
{
    sg_party *p = ud;
    if (!p->identity_public) return SG_ERR_INVALID_KEY;
    *public_data = signal_buffer_copy(p->identity_public);
    *private_data = signal_buffer_copy(p->identity_private);
    return (*public_data && *private_data) ? SG_SUCCESS : SG_ERR_NOMEM;
}

static int ik_get_registration_id(void *ud, uint32_t *registration_id)
{
    *registration_id = ((sg_party *)ud)->registration_id;
    return SG_SUCCESS;
}

static int ik_save(const signal_protocol_address *a, uint8_t *key, size_t key_len, void *ud)
{
    uint8_t k[KEY_MAX];
    kv_map *m = &((sg_party *)ud)->identities;
    size_t klen = address_key(k, a);
    if (!key) { /* NULL key: forget the stored identity */
        kv_del(m, k, klen);
        return SG_SUCCESS;
    }
    return kv_put(m, k, klen, key, key_len, NULL, 0);
}

static int ik_is_trusted(const signal_protocol_address *a, uint8_t *key, size_t key_len, void *ud)
{
    uint8_t k[KEY_MAX];
    kv_entry *e = kv_get(&((sg_party *)ud)->identities, k, address_key(k, a));
    if (!e) return 1; /* unknown: trusted on first use */
    return signal_buffer_len(e->val) == key_len && memcmp(signal_buffer_data(e->val), key, key_len) == 0;
}

/* ---------------------------------------------------------------- sender key store */

static int sk_store(const signal_protocol_sender_key_name *n, uint8_t *record, size_t record_len,
                    uint8_t *user_record, size_t user_record_len, void *ud)
{
    uint8_t k[KEY_MAX];
    return kv_put(&((sg_party *)ud)->sender_keys, k, sender_key_key(k, n), record, record_len, user_record, user_record_len);
}

static int sk_load(signal_buffer **record, signal_buffer **user_record, const signal_protocol_sender_key_name *n, void *ud)
{
    uint8_t k[KEY_MAX];
    kv_entry *e = kv_get(&((sg_party *)ud)->sender_keys, k, sender_key_key(k, n));
    if (!e) return 0;
    if (!(*record = signal_buffer_copy(e->val))) return SG_ERR_NOMEM;
    if (e->user && user_record && !(*user_record = signal_buffer_copy(e->user))) return SG_ERR_NOMEM;
    return 1;
}

/* ---------------------------------------------------------------- party */

void sg_party_init(sg_party *p, signal_context *ctx)
{
    memset(p, 0, sizeof *p);
    signal_protocol_session_store ss = {
        .load_session_func = ss_load, .get_sub_device_sessions_func = ss_sub_devices,
        .store_session_func = ss_store, .contains_session_func = ss_contains,
        .delete_session_func = ss_delete, .delete_all_sessions_func = ss_delete_all, .user_data = p,
    };
    signal_protocol_pre_key_store pks = {
        .load_pre_key = pk_load, .store_pre_key = pk_store, .contains_pre_key = pk_contains,
        .remove_pre_key = pk_remove, .user_data = p,
    };
    signal_protocol_signed_pre_key_store spks = {
        .load_signed_pre_key = spk_load, .store_signed_pre_key = spk_store,
        .contains_signed_pre_key = spk_contains, .remove_signed_pre_key = spk_remove, .user_data = p,
    };
    signal_protocol_identity_key_store iks = {
        .get_identity_key_pair = ik_get_pair, .get_local_registration_id = ik_get_registration_id,
        .save_identity = ik_save, .is_trusted_identity = ik_is_trusted, .user_data = p,
    };
    signal_protocol_sender_key_store sks = {
        .store_sender_key = sk_store, .load_sender_key = sk_load, .user_data = p,
    };
    if (signal_protocol_store_context_create(&p->store, ctx) ||
        signal_protocol_store_context_set_session_store(p->store, &ss) ||
        signal_protocol_store_context_set_pre_key_store(p->store, &pks) ||
        signal_protocol_store_context_set_signed_pre_key_store(p->store, &spks) ||
        signal_protocol_store_context_set_identity_key_store(p->store, &iks) ||
        signal_protocol_store_context_set_sender_key_store(p->store, &sks))
        die("libsignal-c: cannot create a store context");
}

void sg_party_set_identity(sg_party *p, const ratchet_identity_key_pair *identity, uint32_t registration_id)
{
    signal_buffer_free(p->identity_public);
    signal_buffer_bzero_free(p->identity_private);
    if (ec_public_key_serialize(&p->identity_public, ratchet_identity_key_pair_get_public(identity)) ||
        ec_private_key_serialize(&p->identity_private, ratchet_identity_key_pair_get_private(identity)))
        die("libsignal-c: cannot serialize an identity key pair");
    p->registration_id = registration_id;
}

void sg_party_clear(sg_party *p)
{
    kv_clear(&p->sessions);
    kv_clear(&p->pre_keys);
    kv_clear(&p->signed_pre_keys);
    kv_clear(&p->identities);
    kv_clear(&p->sender_keys);
}

void sg_party_destroy(sg_party *p)
{
    sg_party_clear(p);
    signal_buffer_free(p->identity_public);
    signal_buffer_bzero_free(p->identity_private);
    p->identity_public = p->identity_private = NULL;
    signal_protocol_store_context_destroy(p->store);
    p->store = NULL;
}
