/*
 * Scenarios on libolm (Olm = X3DH-like 3DH + Double Ratchet; Megolm for groups).
 * libolm's API exchanges base64 text: messages, keys and pickles are base64, and the caller provides
 * the randomness for each operation that needs it (drawn from OpenSSL RAND_bytes inside the timed
 * region, as libsignal-protocol-c's provider does).  Decryption consumes (overwrites) its input.
 */
#include "bench.h"

#include <olm/inbound_group_session.h>
#include <olm/olm.h>
#include <olm/outbound_group_session.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ENGINE "libolm"

enum { SETUP_BATCH = 50, STEADY_BATCH = 1000, PINGPONG_BATCH = 400, GROUP_BATCH = 300, OOO_COUNT = 1000 };

/* ---------------------------------------------------------------- small helpers */

static void *xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p) die("out of memory");
    return p;
}

/* libolm's objects live in caller-allocated memory. */
static OlmAccount *account_new(void)
{
    OlmAccount *a = olm_account(xmalloc(olm_account_size()));
    size_t n = olm_create_account_random_length(a);
    uint8_t *rnd = xmalloc(n);
    random_bytes(rnd, n);
    if (olm_create_account(a, rnd, n) == olm_error()) die(ENGINE ": create_account: %s", olm_account_last_error(a));
    free(rnd);
    return a;
}

static void account_free(OlmAccount *a)
{
    if (!a) return;
    olm_clear_account(a);
    free(a);
}

static OlmSession *session_new(void) { return olm_session(xmalloc(olm_session_size())); }

static void session_free(OlmSession *s)
{
    if (!s) return;
    olm_clear_session(s);
    free(s);
}

/* The n-th (0-based) JSON string after `marker` in a NUL-terminated JSON text, copied to out. */
static size_t json_string_after(const char *json, const char *marker, int nth, char *out, size_t cap)
{
    const char *p = strstr(json, marker);
    if (!p) die(ENGINE ": '%s' not found in %s", marker, json);
    p += strlen(marker);
    for (int i = 0;; i++) {
        const char *start = strchr(p, '"'), *end = start ? strchr(start + 1, '"') : NULL;
        if (!end) die(ENGINE ": malformed key JSON: %s", json);
        if (i == nth) {
            size_t len = (size_t)(end - start - 1);
            if (len >= cap) die(ENGINE ": key too long");
            memcpy(out, start + 1, len);
            out[len] = 0;
            return len;
        }
        p = end + 1;
    }
}

/* A base64 message: type (pre-key or normal), text, length, buffer capacity. */
typedef struct {
    size_t type, len, cap;
    uint8_t *buf;
} olm_msg;

static void msg_reserve(olm_msg *m, size_t cap)
{
    if (m->cap >= cap) return;
    free(m->buf);
    m->buf = xmalloc(cap);
    m->cap = cap;
}

/* Encrypt `len` bytes into m (buffer reused if large enough). */
static void olm_send(OlmSession *s, const uint8_t *pt, size_t len, olm_msg *m)
{
    uint8_t rnd[64];
    size_t rl = olm_encrypt_random_length(s);
    if (rl > sizeof rnd) die(ENGINE ": unexpected random length %zu", rl);
    random_bytes(rnd, rl);
    m->type = olm_encrypt_message_type(s);
    msg_reserve(m, olm_encrypt_message_length(s, len));
    m->len = olm_encrypt(s, pt, len, rnd, rl, m->buf, m->cap);
    if (m->len == olm_error()) die(ENGINE ": olm_encrypt: %s", olm_session_last_error(s));
}

/* Decrypt m (consumed) into out; returns the plaintext length or olm_error(). The base64 text is
 * always longer than the plaintext, so m->len bytes of output space suffice. */
static size_t olm_recv(OlmSession *s, olm_msg *m, uint8_t *out, size_t cap)
{
    return olm_decrypt(s, m->type, m->buf, m->len, out, cap);
}

/* ---------------------------------------------------------------- pair and setup */

typedef struct {
    OlmAccount *alice, *bob;          /* Alice's account is long-lived; Bob's is made per setup */
    OlmSession *alice_s, *bob_s;      /* Alice's outbound and Bob's inbound session */
} pair;

/*
 * The `setup` scenario: Bob creates his account (Ed25519 + Curve25519 identity keys) and one one-time
 * key and exports both (JSON); Alice creates an outbound session to them, encrypts a first 100-byte
 * (pre-key) message; Bob creates the inbound session from it, removes the used one-time key, decrypts.
 */
static void establish(pair *p)
{
    account_free(p->bob);
    session_free(p->alice_s);
    session_free(p->bob_s);

    /* Bob: account, one one-time key, published keys. */
    OlmAccount *bob = p->bob = account_new();
    uint8_t rnd[128];
    size_t rl = olm_account_generate_one_time_keys_random_length(bob, 1);
    random_bytes(rnd, rl);
    if (olm_account_generate_one_time_keys(bob, 1, rnd, rl) == olm_error()) die(ENGINE ": generate_one_time_keys");
    char json[512], identity_key[64], one_time_key[64];
    size_t n = olm_account_identity_keys(bob, json, sizeof json - 1);
    if (n == olm_error()) die(ENGINE ": identity_keys: %s", olm_account_last_error(bob));
    json[n] = 0;
    json_string_after(json, "\"curve25519\":", 0, identity_key, sizeof identity_key);
    n = olm_account_one_time_keys(bob, json, sizeof json - 1);
    if (n == olm_error()) die(ENGINE ": one_time_keys: %s", olm_account_last_error(bob));
    json[n] = 0;
    json_string_after(json, "\"curve25519\":", 1, one_time_key, sizeof one_time_key); /* [0] is the key id */
    olm_account_mark_keys_as_published(bob);

    /* Alice: outbound session + first message. */
    p->alice_s = session_new();
    rl = olm_create_outbound_session_random_length(p->alice_s);
    random_bytes(rnd, rl);
    if (olm_create_outbound_session(p->alice_s, p->alice, identity_key, strlen(identity_key), one_time_key,
                                    strlen(one_time_key), rnd, rl) == olm_error())
        die(ENGINE ": create_outbound_session: %s", olm_session_last_error(p->alice_s));
    uint8_t pt[100], out[512];
    fill_plain(pt, sizeof pt, 0xfeed);
    olm_msg m = {0};
    olm_send(p->alice_s, pt, sizeof pt, &m);
    if (m.type != OLM_MESSAGE_TYPE_PRE_KEY) die(ENGINE ": first message is not a pre-key message");

    /* Bob: inbound session (consumes a copy of the message), drop the one-time key, decrypt. */
    p->bob_s = session_new();
    uint8_t *copy = xmalloc(m.len);
    memcpy(copy, m.buf, m.len);
    if (olm_create_inbound_session(p->bob_s, bob, copy, m.len) == olm_error())
        die(ENGINE ": create_inbound_session: %s", olm_session_last_error(p->bob_s));
    if (olm_remove_one_time_keys(bob, p->bob_s) == olm_error()) die(ENGINE ": remove_one_time_keys");
    n = olm_recv(p->bob_s, &m, out, sizeof out);
    if (n == olm_error()) die(ENGINE ": setup decrypt: %s", olm_session_last_error(p->bob_s));
    check_plain(ENGINE, "setup", out, n, pt, sizeof pt);
    free(copy);
    free(m.buf);
}

/* Setup plus one reply from Bob: from then on Alice sends normal (non-pre-key) messages. */
static void conversation(pair *p)
{
    establish(p);
    uint8_t pt[8], out[256];
    fill_plain(pt, sizeof pt, 0xbeef);
    olm_msg m = {0};
    olm_send(p->bob_s, pt, sizeof pt, &m);
    size_t n = olm_recv(p->alice_s, &m, out, sizeof out);
    if (n == olm_error()) die(ENGINE ": reply decrypt: %s", olm_session_last_error(p->alice_s));
    check_plain(ENGINE, "reply", out, n, pt, sizeof pt);
    free(m.buf);
}

/* Batch storage: plaintexts, messages and decrypted outputs. */
typedef struct {
    size_t n, len, out_cap;
    uint8_t *pt, *out;
    size_t *out_len;
    olm_msg *msg;
} batch;

static void batch_init(batch *b, size_t n, size_t len)
{
    b->n = n, b->len = len, b->out_cap = 2 * len + 256;
    b->pt = xmalloc(n * len);
    b->out = xmalloc(n * b->out_cap);
    b->out_len = calloc(n, sizeof *b->out_len);
    b->msg = calloc(n, sizeof *b->msg);
    if (!b->out_len || !b->msg) die("out of memory");
    for (size_t i = 0; i < n; i++) msg_reserve(&b->msg[i], b->out_cap); /* buffers reused across reps */
}

static void batch_fill(batch *b, uint32_t seed)
{
    for (size_t i = 0; i < b->n; i++) fill_plain(b->pt + i * b->len, b->len, seed + (uint32_t)i);
}

static void batch_verify(batch *b, size_t count, const char *what)
{
    for (size_t i = 0; i < count; i++)
        check_plain(ENGINE, what, b->out + i * b->out_cap, b->out_len[i], b->pt + i * b->len, b->len);
}

static void batch_free(batch *b)
{
    for (size_t i = 0; i < b->n; i++) free(b->msg[i].buf);
    free(b->pt);
    free(b->out);
    free(b->out_len);
    free(b->msg);
}

/* Decrypt message i of the batch into its output slot, aborting on failure. */
static void recv_into(batch *b, OlmSession *s, size_t i, const char *what)
{
    b->out_len[i] = olm_recv(s, &b->msg[i], b->out + i * b->out_cap, b->out_cap);
    if (b->out_len[i] == olm_error()) die(ENGINE ": %s: message %zu: %s", what, i, olm_session_last_error(s));
}

/* ---------------------------------------------------------------- scenarios */

static void bench_setup(pair *p)
{
    samples s = {0};
    for (int rep = -1; rep < g_reps; rep++) {
        uint64_t t0 = now_ns();
        for (int i = 0; i < SETUP_BATCH; i++) establish(p);
        sample_add(&s, rep, now_ns() - t0, SETUP_BATCH);
    }
    emit_time("setup", ENGINE, &s, NULL);
}

static void bench_record_size(pair *p)
{
    establish(p);
    size_t cap = olm_pickle_session_length(p->alice_s);
    char *pickle = xmalloc(cap);
    size_t n = olm_pickle_session(p->alice_s, "", 0, pickle, cap); /* empty pickle key */
    if (n == olm_error()) die(ENGINE ": pickle_session: %s", olm_session_last_error(p->alice_s));
    char note[200];
    snprintf(note, sizeof note,
             "olm_pickle_session with an empty key: base64 of AES-256-CBC(pickle) + 8-byte MAC; %zu bytes decoded",
             n * 3 / 4);
    emit_bytes("record_bytes_setup", ENGINE, n, note);
    free(pickle);
}

static void bench_wire_size(pair *p)
{
    conversation(p);
    uint8_t pt[100], out[512];
    fill_plain(pt, sizeof pt, 1);
    olm_msg m = {0};
    olm_send(p->alice_s, pt, sizeof pt, &m);
    if (m.type != OLM_MESSAGE_TYPE_MESSAGE) die(ENGINE ": steady-state message is a pre-key message");
    size_t wire = m.len;
    size_t n = olm_recv(p->bob_s, &m, out, sizeof out);
    if (n == olm_error()) die(ENGINE ": wire decrypt: %s", olm_session_last_error(p->bob_s));
    check_plain(ENGINE, "wire", out, n, pt, sizeof pt);
    char note[160];
    snprintf(note, sizeof note, "base64 text as emitted by olm_encrypt; %zu bytes decoded", wire * 3 / 4);
    emit_bytes("wire_bytes_100", ENGINE, wire, note);
    free(m.buf);
}

static void bench_steady(pair *p, size_t len, const char *enc_name, const char *dec_name, const char *note)
{
    conversation(p);
    batch b;
    batch_init(&b, STEADY_BATCH, len);
    samples enc = {0}, dec = {0};
    for (int rep = -1; rep < g_reps; rep++) {
        batch_fill(&b, (uint32_t)(rep + 1) * STEADY_BATCH);
        uint64_t t0 = now_ns();
        for (size_t i = 0; i < b.n; i++) olm_send(p->alice_s, b.pt + i * len, len, &b.msg[i]);
        uint64_t t1 = now_ns();
        for (size_t i = 0; i < b.n; i++) recv_into(&b, p->bob_s, i, dec_name);
        uint64_t t2 = now_ns();
        if (b.msg[0].type != OLM_MESSAGE_TYPE_MESSAGE) die(ENGINE ": steady-state message is a pre-key message");
        sample_add(&enc, rep, t1 - t0, b.n);
        sample_add(&dec, rep, t2 - t1, b.n);
        batch_verify(&b, b.n, dec_name);
    }
    if (want(enc_name)) emit_time(enc_name, ENGINE, &enc, note);
    if (want(dec_name)) emit_time(dec_name, ENGINE, &dec, note);
    batch_free(&b);
}

/* A session kept only as its pickle: unpickle, step, pickle again, every message (libolm's only
 * persistent form, encrypted with the pickle key: AES-256-CBC + HMAC-SHA256 + base64). */
static OlmSession *unpickle(char *pickle, size_t len, char *scratch, OlmSession *s)
{
    memcpy(scratch, pickle, len); /* olm_unpickle_session decodes in place */
    if (olm_unpickle_session(s, "k", 1, scratch, len) == olm_error()) die(ENGINE ": unpickle_session: %s", olm_session_last_error(s));
    return s;
}

static size_t repickle(OlmSession *s, char *pickle, size_t cap)
{
    size_t n = olm_pickle_session(s, "k", 1, pickle, cap);
    if (n == olm_error()) die(ENGINE ": pickle_session: %s", olm_session_last_error(s));
    return n;
}

static void bench_persisted(pair *p)
{
    conversation(p);
    enum { CAP = 16384 };
    char *alice_pickle = xmalloc(CAP), *bob_pickle = xmalloc(CAP), *scratch = xmalloc(CAP);
    size_t alice_len = repickle(p->alice_s, alice_pickle, CAP), bob_len = repickle(p->bob_s, bob_pickle, CAP);
    OlmSession *s = session_new();
    batch b;
    batch_init(&b, STEADY_BATCH, 100);
    samples enc = {0}, dec = {0};
    for (int rep = -1; rep < g_reps; rep++) {
        batch_fill(&b, (uint32_t)(rep + 1) * STEADY_BATCH);
        uint64_t t0 = now_ns();
        for (size_t i = 0; i < b.n; i++) {
            olm_send(unpickle(alice_pickle, alice_len, scratch, s), b.pt + i * 100, 100, &b.msg[i]);
            alice_len = repickle(s, alice_pickle, CAP);
        }
        uint64_t t1 = now_ns();
        for (size_t i = 0; i < b.n; i++) {
            recv_into(&b, unpickle(bob_pickle, bob_len, scratch, s), i, "decrypt_100_persisted");
            bob_len = repickle(s, bob_pickle, CAP);
        }
        uint64_t t2 = now_ns();
        sample_add(&enc, rep, t1 - t0, b.n);
        sample_add(&dec, rep, t2 - t1, b.n);
        batch_verify(&b, b.n, "decrypt_100_persisted");
    }
    const char *note = "olm_unpickle_session, encrypt or decrypt, olm_pickle_session every message (its only persistent form: AES-256-CBC + HMAC + base64 under a pickle key)";
    if (want("encrypt_100_persisted")) emit_time("encrypt_100_persisted", ENGINE, &enc, note);
    if (want("decrypt_100_persisted")) emit_time("decrypt_100_persisted", ENGINE, &dec, note);
    batch_free(&b);
    session_free(s);
    free(alice_pickle);
    free(bob_pickle);
    free(scratch);
}

static void bench_pingpong(pair *p)
{
    conversation(p);
    batch b;
    batch_init(&b, PINGPONG_BATCH, 100);
    samples s = {0};
    for (int rep = -1; rep < g_reps; rep++) {
        batch_fill(&b, (uint32_t)(rep + 1) * PINGPONG_BATCH);
        uint64_t t0 = now_ns();
        for (size_t i = 0; i < b.n; i++) {
            int from_alice = (i & 1) == 0;
            olm_send(from_alice ? p->alice_s : p->bob_s, b.pt + i * b.len, b.len, &b.msg[i]);
            recv_into(&b, from_alice ? p->bob_s : p->alice_s, i, "pingpong");
        }
        sample_add(&s, rep, now_ns() - t0, b.n);
        batch_verify(&b, b.n, "pingpong");
    }
    emit_time("pingpong", ENGINE, &s, NULL);
    batch_free(&b);
}

/*
 * Out of order.  libolm keeps at most 40 skipped message keys per session (MAX_SKIPPED_MESSAGE_KEYS;
 * the oldest are dropped), so 1000 messages in reverse cannot all be decrypted.  First probe what
 * happens with 1000, then time the largest reverse batch that decrypts completely.
 */
static void bench_ooo(pair *p)
{
    conversation(p);
    batch b;
    batch_init(&b, OOO_COUNT, 100);
    batch_fill(&b, 0);
    for (size_t i = 0; i < b.n; i++) olm_send(p->alice_s, b.pt + i * b.len, b.len, &b.msg[i]);
    size_t ok = 0, first_fail = (size_t)-1;
    const char *error = "none";
    for (size_t i = b.n; i-- > 0;) {
        b.out_len[i] = olm_recv(p->bob_s, &b.msg[i], b.out + i * b.out_cap, b.out_cap);
        if (b.out_len[i] == olm_error()) {
            if (first_fail == (size_t)-1) first_fail = i, error = olm_session_last_error(p->bob_s);
        } else {
            check_plain(ENGINE, "ooo probe", b.out + i * b.out_cap, b.out_len[i], b.pt + i * b.len, b.len);
            ok++;
        }
    }
    /* Messages b.n-1 down to first_fail+1 decrypted: that many messages in reverse always work. */
    size_t n = first_fail == (size_t)-1 ? b.n : b.n - 1 - first_fail;
    if (n < 2) die(ENGINE ": ooo: fewer than 2 messages decryptable in reverse");

    samples s = {0};
    for (int rep = -1; rep < g_reps; rep++) {
        /* Several reverse batches of n messages per repetition, for a stable timing. */
        uint64_t total = 0;
        size_t done = 0;
        for (int round = 0; round < 20; round++) {
            batch_fill(&b, (uint32_t)(rep + 2) * 100000u + (uint32_t)round * 1000u);
            for (size_t i = 0; i < n; i++) olm_send(p->alice_s, b.pt + i * b.len, b.len, &b.msg[i]);
            uint64_t t0 = now_ns();
            for (size_t i = n; i-- > 0;) recv_into(&b, p->bob_s, i, "ooo_decrypt");
            total += now_ns() - t0;
            done += n;
            batch_verify(&b, n, "ooo_decrypt");
        }
        sample_add(&s, rep, total, done);
    }
    char note[400];
    if (first_fail == (size_t)-1)
        snprintf(note, sizeof note, "all %d messages decrypted in reverse", OOO_COUNT);
    else
        snprintf(note, sizeof note,
                 "libolm keeps at most 40 skipped message keys (oldest dropped): of %d messages decrypted in reverse "
                 "only %zu succeed, message %zu and older fail (%s); timed: batches of %zu messages in reverse, "
                 "the largest gap that works",
                 OOO_COUNT, ok, first_fail, error, n);
    emit_time("ooo_decrypt", ENGINE, &s, note);
    batch_free(&b);
}

/* Megolm: Alice's outbound group session, Bob's inbound session from its exported key. */
static void bench_group(void)
{
    OlmOutboundGroupSession *out = olm_outbound_group_session(xmalloc(olm_outbound_group_session_size()));
    OlmInboundGroupSession *in = olm_inbound_group_session(xmalloc(olm_inbound_group_session_size()));
    size_t rl = olm_init_outbound_group_session_random_length(out);
    uint8_t *rnd = xmalloc(rl);
    random_bytes(rnd, rl);
    if (olm_init_outbound_group_session(out, rnd, rl) == olm_error()) die(ENGINE ": init_outbound_group_session");
    size_t key_len = olm_outbound_group_session_key_length(out);
    uint8_t *key = xmalloc(key_len);
    key_len = olm_outbound_group_session_key(out, key, key_len);
    if (key_len == olm_error() || olm_init_inbound_group_session(in, key, key_len) == olm_error())
        die(ENGINE ": init_inbound_group_session: %s", olm_inbound_group_session_last_error(in));

    batch b;
    batch_init(&b, GROUP_BATCH, 100);
    samples enc = {0}, dec = {0};
    for (int rep = -1; rep < g_reps; rep++) {
        batch_fill(&b, (uint32_t)(rep + 1) * GROUP_BATCH);
        uint32_t first_index = olm_outbound_group_session_message_index(out);
        uint64_t t0 = now_ns();
        for (size_t i = 0; i < b.n; i++) {
            olm_msg *m = &b.msg[i];
            msg_reserve(m, olm_group_encrypt_message_length(out, b.len));
            m->len = olm_group_encrypt(out, b.pt + i * b.len, b.len, m->buf, m->cap);
            if (m->len == olm_error()) die(ENGINE ": group_encrypt: %s", olm_outbound_group_session_last_error(out));
        }
        uint64_t t1 = now_ns();
        for (size_t i = 0; i < b.n; i++) {
            uint32_t index;
            b.out_len[i] = olm_group_decrypt(in, b.msg[i].buf, b.msg[i].len, b.out + i * b.out_cap, b.out_cap, &index);
            if (b.out_len[i] == olm_error()) die(ENGINE ": group_decrypt: %s", olm_inbound_group_session_last_error(in));
            if (index != first_index + i) die(ENGINE ": group_decrypt: unexpected message index %u", index);
        }
        uint64_t t2 = now_ns();
        sample_add(&enc, rep, t1 - t0, b.n);
        sample_add(&dec, rep, t2 - t1, b.n);
        batch_verify(&b, b.n, "group");
    }
    if (want("group_encrypt_100")) emit_time("group_encrypt_100", ENGINE, &enc, NULL);
    if (want("group_decrypt_100")) emit_time("group_decrypt_100", ENGINE, &dec, NULL);

    batch_free(&b);
    free(rnd);
    free(key);
    olm_clear_outbound_group_session(out);
    olm_clear_inbound_group_session(in);
    free(out);
    free(in);
}

void run_libolm(void)
{
    pair p = {0};
    p.alice = account_new();
    if (want("setup")) bench_setup(&p);
    if (want("encrypt_100") || want("decrypt_100")) bench_steady(&p, 100, "encrypt_100", "decrypt_100", NULL);
    if (want("encrypt_1k") || want("decrypt_1k")) bench_steady(&p, 1024, "encrypt_1k", "decrypt_1k", NULL);
    if (want("encrypt_100_store") || want("decrypt_100_store"))
        bench_steady(&p, 100, "encrypt_100_store", "decrypt_100_store",
                     "libolm has no store: the app keeps the OlmSession in memory, so this is the bare path again");
    if (want("encrypt_100_persisted") || want("decrypt_100_persisted")) bench_persisted(&p);
    if (want("pingpong")) bench_pingpong(&p);
    if (want("group_encrypt_100") || want("group_decrypt_100")) bench_group();
    if (want("ooo_decrypt")) bench_ooo(&p);
    if (want("record_bytes_setup")) bench_record_size(&p);
    if (want("wire_bytes_100")) bench_wire_size(&p);
    account_free(p.alice);
    account_free(p.bob);
    session_free(p.alice_s);
    session_free(p.bob_s);
}
