/*
 * Scenarios on libsignal-protocol-c (X3DH + Double Ratchet v3, Sender Keys), driven through its
 * store-based public API exactly as an application would: every encrypt/decrypt loads the session
 * record from the store callbacks, deserializes it, and serializes + stores it again.
 * Decryption starts from the wire bytes (message deserialization is included).
 */
#include "bench.h"
#include "signal_support.h"

#include <signal/group_cipher.h>
#include <signal/group_session_builder.h>
#include <signal/key_helper.h>
#include <signal/protocol.h>
#include <signal/session_builder.h>
#include <signal/session_cipher.h>
#include <signal/session_pre_key.h>
#include <signal/session_record.h>
#include <stdlib.h>
#include <string.h>

#define ENGINE "libsignal-c"

enum { SETUP_BATCH = 50, STEADY_BATCH = 1000, PINGPONG_BATCH = 400, GROUP_BATCH = 300, OOO_COUNT = 1000 };

static const signal_protocol_address ALICE = {"alice", 5, 1};
static const signal_protocol_address BOB = {"bob", 3, 1};
static const signal_protocol_sender_key_name GROUP = {"crosswire-group", 15, {"alice", 5, 1}};

static void check(int rc, const char *what)
{
    if (rc < 0) die(ENGINE ": %s failed (%d)", what, rc);
}

/* Alice (long-lived identity) and Bob (fresh identity per setup) with a session cipher each. */
typedef struct {
    signal_context *ctx;
    sg_party alice, bob;
    session_cipher *alice_cipher, *bob_cipher; /* Alice's cipher for Bob, Bob's for Alice */
} pair;

static void pair_init(pair *p)
{
    memset(p, 0, sizeof *p);
    p->ctx = sg_context_create();
    sg_party_init(&p->alice, p->ctx);
    sg_party_init(&p->bob, p->ctx);
    ratchet_identity_key_pair *identity;
    uint32_t registration_id;
    check(signal_protocol_key_helper_generate_identity_key_pair(&identity, p->ctx), "identity key pair");
    check(signal_protocol_key_helper_generate_registration_id(&registration_id, 0, p->ctx), "registration id");
    sg_party_set_identity(&p->alice, identity, registration_id);
    SIGNAL_UNREF(identity);
}

static void pair_free_ciphers(pair *p)
{
    if (p->alice_cipher) session_cipher_free(p->alice_cipher);
    if (p->bob_cipher) session_cipher_free(p->bob_cipher);
    p->alice_cipher = p->bob_cipher = NULL;
}

static void pair_destroy(pair *p)
{
    pair_free_ciphers(p);
    sg_party_destroy(&p->alice);
    sg_party_destroy(&p->bob);
    signal_context_destroy(p->ctx);
}

/* Encrypt with `c`; the result must have the expected ciphertext type. */
static ciphertext_message *send_msg(session_cipher *c, const uint8_t *pt, size_t len, int type)
{
    ciphertext_message *m = NULL;
    check(session_cipher_encrypt(c, pt, len, &m), "session_cipher_encrypt");
    if (ciphertext_message_get_type(m) != type)
        die(ENGINE ": expected message type %d, got %d", type, ciphertext_message_get_type(m));
    return m;
}

/* Deserialize the wire bytes of `m` and decrypt them with `c`. */
static signal_buffer *recv_msg(signal_context *ctx, session_cipher *c, const ciphertext_message *m)
{
    signal_buffer *wire = ciphertext_message_get_serialized(m), *out = NULL;
    if (ciphertext_message_get_type(m) == CIPHERTEXT_PREKEY_TYPE) {
        pre_key_signal_message *pm = NULL;
        check(pre_key_signal_message_deserialize(&pm, signal_buffer_data(wire), signal_buffer_len(wire), ctx),
              "pre_key_signal_message_deserialize");
        check(session_cipher_decrypt_pre_key_signal_message(c, pm, NULL, &out), "decrypt_pre_key_signal_message");
        SIGNAL_UNREF(pm);
    } else {
        signal_message *sm = NULL;
        check(signal_message_deserialize(&sm, signal_buffer_data(wire), signal_buffer_len(wire), ctx),
              "signal_message_deserialize");
        check(session_cipher_decrypt_signal_message(c, sm, NULL, &out), "decrypt_signal_message");
        SIGNAL_UNREF(sm);
    }
    return out;
}

/*
 * The `setup` scenario: Bob generates identity key pair, registration id, signed prekey (XEdDSA
 * signature) and one one-time prekey (the bundle); Alice processes the bundle, encrypts a first
 * 100-byte message, Bob decrypts it.  Both parties' stores start empty; Alice keeps her identity.
 */
static void establish(pair *p)
{
    signal_context *ctx = p->ctx;
    pair_free_ciphers(p);
    sg_party_clear(&p->alice);
    sg_party_clear(&p->bob);

    /* Bob: keys and bundle. */
    ratchet_identity_key_pair *identity;
    uint32_t registration_id;
    session_signed_pre_key *signed_pre_key;
    signal_protocol_key_helper_pre_key_list_node *pre_keys;
    check(signal_protocol_key_helper_generate_identity_key_pair(&identity, ctx), "identity key pair");
    check(signal_protocol_key_helper_generate_registration_id(&registration_id, 0, ctx), "registration id");
    check(signal_protocol_key_helper_generate_signed_pre_key(&signed_pre_key, identity, 1, 1700000000000ull, ctx),
          "signed prekey");
    check(signal_protocol_key_helper_generate_pre_keys(&pre_keys, 1, 1, ctx), "one-time prekey");
    session_pre_key *pre_key = signal_protocol_key_helper_key_list_element(pre_keys);
    sg_party_set_identity(&p->bob, identity, registration_id);
    check(signal_protocol_pre_key_store_key(p->bob.store, pre_key), "store prekey");
    check(signal_protocol_signed_pre_key_store_key(p->bob.store, signed_pre_key), "store signed prekey");
    session_pre_key_bundle *bundle;
    check(session_pre_key_bundle_create(&bundle, registration_id, BOB.device_id,
                                        session_pre_key_get_id(pre_key),
                                        ec_key_pair_get_public(session_pre_key_get_key_pair(pre_key)),
                                        session_signed_pre_key_get_id(signed_pre_key),
                                        ec_key_pair_get_public(session_signed_pre_key_get_key_pair(signed_pre_key)),
                                        session_signed_pre_key_get_signature(signed_pre_key),
                                        session_signed_pre_key_get_signature_len(signed_pre_key),
                                        ratchet_identity_key_pair_get_public(identity)),
          "bundle");

    /* Alice: process the bundle and send the first message. */
    session_builder *builder;
    check(session_builder_create(&builder, p->alice.store, &BOB, ctx), "session_builder_create");
    check(session_builder_process_pre_key_bundle(builder, bundle), "process_pre_key_bundle");
    check(session_cipher_create(&p->alice_cipher, p->alice.store, &BOB, ctx), "session_cipher_create");
    uint8_t pt[100];
    fill_plain(pt, sizeof pt, 0xfeed);
    ciphertext_message *first = send_msg(p->alice_cipher, pt, sizeof pt, CIPHERTEXT_PREKEY_TYPE);

    /* Bob: decrypt the PreKeySignalMessage. */
    check(session_cipher_create(&p->bob_cipher, p->bob.store, &ALICE, ctx), "session_cipher_create");
    signal_buffer *out = recv_msg(ctx, p->bob_cipher, first);
    check_plain(ENGINE, "setup", signal_buffer_data(out), signal_buffer_len(out), pt, sizeof pt);

    signal_buffer_free(out);
    SIGNAL_UNREF(first);
    session_builder_free(builder);
    SIGNAL_UNREF(bundle);
    SIGNAL_UNREF(signed_pre_key);
    signal_protocol_key_helper_key_list_free(pre_keys);
    SIGNAL_UNREF(identity);
}

/* Setup plus one reply from Bob: from now on both directions send plain SignalMessages. */
static void conversation(pair *p)
{
    establish(p);
    uint8_t pt[8];
    fill_plain(pt, sizeof pt, 0xbeef);
    ciphertext_message *reply = send_msg(p->bob_cipher, pt, sizeof pt, CIPHERTEXT_SIGNAL_TYPE);
    signal_buffer *out = recv_msg(p->ctx, p->alice_cipher, reply);
    check_plain(ENGINE, "reply", signal_buffer_data(out), signal_buffer_len(out), pt, sizeof pt);
    signal_buffer_free(out);
    SIGNAL_UNREF(reply);
}

/* Batch storage: plaintexts, messages and decrypted outputs of up to `n` messages of `len` bytes. */
typedef struct {
    size_t n, len;
    uint8_t *pt;
    ciphertext_message **msg;
    signal_buffer **out;
} batch;

static void batch_init(batch *b, size_t n, size_t len)
{
    b->n = n, b->len = len;
    b->pt = malloc(n * len);
    b->msg = calloc(n, sizeof *b->msg);
    b->out = calloc(n, sizeof *b->out);
    if (!b->pt || !b->msg || !b->out) die("out of memory");
}

static void batch_fill(batch *b, uint32_t seed)
{
    for (size_t i = 0; i < b->n; i++) fill_plain(b->pt + i * b->len, b->len, seed + (uint32_t)i);
}

/* Check every output against its plaintext, then release messages and outputs. */
static void batch_verify_and_reset(batch *b, const char *what)
{
    for (size_t i = 0; i < b->n; i++) {
        if (!b->out[i]) die(ENGINE ": %s: message %zu was not decrypted", what, i);
        check_plain(ENGINE, what, signal_buffer_data(b->out[i]), signal_buffer_len(b->out[i]), b->pt + i * b->len, b->len);
        signal_buffer_free(b->out[i]);
        SIGNAL_UNREF(b->msg[i]);
        b->out[i] = NULL;
    }
}

static void batch_free(batch *b)
{
    free(b->pt);
    free(b->msg);
    free(b->out);
}

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
    session_record *record;
    signal_buffer *bytes;
    check(signal_protocol_session_load_session(p->alice.store, &record, &BOB), "load_session");
    check(session_record_serialize(&bytes, record), "session_record_serialize");
    emit_bytes("record_bytes_setup", ENGINE, signal_buffer_len(bytes), NULL);
    signal_buffer_free(bytes);
    SIGNAL_UNREF(record);
}

/* Steady state: Alice encrypts a batch (timed), Bob decrypts it in order (timed). */
static void bench_steady(pair *p, size_t len, const char *enc_name, const char *dec_name, const char *note)
{
    conversation(p);
    batch b;
    batch_init(&b, STEADY_BATCH, len);
    samples enc = {0}, dec = {0};
    for (int rep = -1; rep < g_reps; rep++) {
        batch_fill(&b, (uint32_t)(rep + 1) * STEADY_BATCH);
        uint64_t t0 = now_ns();
        for (size_t i = 0; i < b.n; i++) b.msg[i] = send_msg(p->alice_cipher, b.pt + i * len, len, CIPHERTEXT_SIGNAL_TYPE);
        uint64_t t1 = now_ns();
        for (size_t i = 0; i < b.n; i++) b.out[i] = recv_msg(p->ctx, p->bob_cipher, b.msg[i]);
        uint64_t t2 = now_ns();
        sample_add(&enc, rep, t1 - t0, b.n);
        sample_add(&dec, rep, t2 - t1, b.n);
        batch_verify_and_reset(&b, dec_name);
    }
    if (want(enc_name)) emit_time(enc_name, ENGINE, &enc, note);
    if (want(dec_name)) emit_time(dec_name, ENGINE, &dec, note);
    batch_free(&b);
}

static void bench_wire_size(pair *p)
{
    conversation(p);
    uint8_t pt[100];
    fill_plain(pt, sizeof pt, 1);
    ciphertext_message *m = send_msg(p->alice_cipher, pt, sizeof pt, CIPHERTEXT_SIGNAL_TYPE);
    signal_buffer *out = recv_msg(p->ctx, p->bob_cipher, m);
    check_plain(ENGINE, "wire", signal_buffer_data(out), signal_buffer_len(out), pt, sizeof pt);
    emit_bytes("wire_bytes_100", ENGINE, signal_buffer_len(ciphertext_message_get_serialized(m)), NULL);
    signal_buffer_free(out);
    SIGNAL_UNREF(m);
}

/* Ping-pong: the direction alternates every message, so every decryption is a DH ratchet step. */
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
            session_cipher *tx = from_alice ? p->alice_cipher : p->bob_cipher;
            session_cipher *rx = from_alice ? p->bob_cipher : p->alice_cipher;
            b.msg[i] = send_msg(tx, b.pt + i * b.len, b.len, CIPHERTEXT_SIGNAL_TYPE);
            b.out[i] = recv_msg(p->ctx, rx, b.msg[i]);
        }
        sample_add(&s, rep, now_ns() - t0, b.n);
        batch_verify_and_reset(&b, "pingpong");
    }
    emit_time("pingpong", ENGINE, &s, NULL);
    batch_free(&b);
}

/* Out of order: 1000 messages on one chain, decrypted last-to-first (timed part). */
static void bench_ooo(pair *p)
{
    conversation(p);
    batch b;
    batch_init(&b, OOO_COUNT, 100);
    samples s = {0};
    for (int rep = -1; rep < g_reps; rep++) {
        batch_fill(&b, (uint32_t)(rep + 1) * OOO_COUNT);
        for (size_t i = 0; i < b.n; i++) b.msg[i] = send_msg(p->alice_cipher, b.pt + i * b.len, b.len, CIPHERTEXT_SIGNAL_TYPE);
        uint64_t t0 = now_ns();
        for (size_t i = b.n; i-- > 0;) b.out[i] = recv_msg(p->ctx, p->bob_cipher, b.msg[i]);
        sample_add(&s, rep, now_ns() - t0, b.n);
        batch_verify_and_reset(&b, "ooo_decrypt");
    }
    emit_time("ooo_decrypt", ENGINE, &s,
              "1000 messages in reverse; the skipped message keys live in the session record, which every "
              "decrypt deserializes and reserializes through the store, so the cost per message grows with the gap");
    batch_free(&b);
}

/* Sender keys: Alice creates her sender key and distribution message, Bob processes it (wire bytes);
 * then Alice encrypts + signs (timed) and Bob verifies + decrypts in order (timed). */
static void bench_group(pair *p)
{
    signal_context *ctx = p->ctx;
    sg_party_clear(&p->alice);
    sg_party_clear(&p->bob);
    group_session_builder *alice_builder, *bob_builder;
    sender_key_distribution_message *dist, *received;
    check(group_session_builder_create(&alice_builder, p->alice.store, ctx), "group_session_builder_create");
    check(group_session_builder_create_session(alice_builder, &dist, &GROUP), "group create_session");
    signal_buffer *wire = ciphertext_message_get_serialized((ciphertext_message *)dist);
    check(sender_key_distribution_message_deserialize(&received, signal_buffer_data(wire), signal_buffer_len(wire), ctx),
          "sender_key_distribution_message_deserialize");
    check(group_session_builder_create(&bob_builder, p->bob.store, ctx), "group_session_builder_create");
    check(group_session_builder_process_session(bob_builder, &GROUP, received), "group process_session");
    group_cipher *alice_gc, *bob_gc;
    check(group_cipher_create(&alice_gc, p->alice.store, &GROUP, ctx), "group_cipher_create");
    check(group_cipher_create(&bob_gc, p->bob.store, &GROUP, ctx), "group_cipher_create");

    batch b;
    batch_init(&b, GROUP_BATCH, 100);
    samples enc = {0}, dec = {0};
    for (int rep = -1; rep < g_reps; rep++) {
        batch_fill(&b, (uint32_t)(rep + 1) * GROUP_BATCH);
        uint64_t t0 = now_ns();
        for (size_t i = 0; i < b.n; i++) {
            check(group_cipher_encrypt(alice_gc, b.pt + i * b.len, b.len, &b.msg[i]), "group_cipher_encrypt");
            if (ciphertext_message_get_type(b.msg[i]) != CIPHERTEXT_SENDERKEY_TYPE) die(ENGINE ": bad group message type");
        }
        uint64_t t1 = now_ns();
        for (size_t i = 0; i < b.n; i++) {
            signal_buffer *w = ciphertext_message_get_serialized(b.msg[i]);
            sender_key_message *m;
            check(sender_key_message_deserialize(&m, signal_buffer_data(w), signal_buffer_len(w), ctx), "sender_key_message_deserialize");
            check(group_cipher_decrypt(bob_gc, m, NULL, &b.out[i]), "group_cipher_decrypt");
            SIGNAL_UNREF(m);
        }
        uint64_t t2 = now_ns();
        sample_add(&enc, rep, t1 - t0, b.n);
        sample_add(&dec, rep, t2 - t1, b.n);
        batch_verify_and_reset(&b, "group");
    }
    if (want("group_encrypt_100")) emit_time("group_encrypt_100", ENGINE, &enc, NULL);
    if (want("group_decrypt_100")) emit_time("group_decrypt_100", ENGINE, &dec, NULL);

    batch_free(&b);
    group_cipher_free(alice_gc);
    group_cipher_free(bob_gc);
    group_session_builder_free(alice_builder);
    group_session_builder_free(bob_builder);
    SIGNAL_UNREF(dist);
    SIGNAL_UNREF(received);
}

void run_libsignal(void)
{
    pair p;
    pair_init(&p);
    if (want("setup")) bench_setup(&p);
    if (want("encrypt_100") || want("decrypt_100")) bench_steady(&p, 100, "encrypt_100", "decrypt_100", NULL);
    if (want("encrypt_1k") || want("decrypt_1k")) bench_steady(&p, 1024, "encrypt_1k", "decrypt_1k", NULL);
    /* libsignal-c has only the store API, and its store callbacks take and give serialized records: the
     * _store and _persisted rows are the same path as encrypt_100, measured again as their own rows. */
    if (want("encrypt_100_store") || want("decrypt_100_store"))
        bench_steady(&p, 100, "encrypt_100_store", "decrypt_100_store",
                     "session_cipher through the in-memory store callbacks (the only API): the record is deserialized and reserialized every message");
    if (want("encrypt_100_persisted") || want("decrypt_100_persisted"))
        bench_steady(&p, 100, "encrypt_100_persisted", "decrypt_100_persisted",
                     "the store callbacks already receive and return the serialized record every message: the same path as the _store row");
    if (want("pingpong")) bench_pingpong(&p);
    if (want("group_encrypt_100") || want("group_decrypt_100")) bench_group(&p);
    if (want("ooo_decrypt")) bench_ooo(&p);
    if (want("record_bytes_setup")) bench_record_size(&p);
    if (want("wire_bytes_100")) bench_wire_size(&p);
    pair_destroy(&p);
}
