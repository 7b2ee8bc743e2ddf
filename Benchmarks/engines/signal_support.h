/* libsignal-protocol-c glue: an OpenSSL crypto provider and in-memory protocol stores. */
#ifndef CROSSWIRE_ENGINES_SIGNAL_SUPPORT_H
#define CROSSWIRE_ENGINES_SIGNAL_SUPPORT_H

#include <signal/signal_protocol.h>

/* A tiny byte-keyed map (linked list; each store holds only a handful of entries). */
typedef struct kv_entry {
    struct kv_entry *next;
    signal_buffer *key, *val, *user; /* user: optional application record (may be NULL) */
} kv_entry;
typedef struct { kv_entry *head; } kv_map;

/* One device: its identity, its stores and the libsignal store context wired to them. */
typedef struct {
    kv_map sessions, pre_keys, signed_pre_keys, identities, sender_keys;
    signal_buffer *identity_public, *identity_private; /* serialized, as the store API wants */
    uint32_t registration_id;
    signal_protocol_store_context *store;
} sg_party;

/* Global context with the OpenSSL provider and no-op locking installed. */
signal_context *sg_context_create(void);

void sg_party_init(sg_party *p, signal_context *ctx);
void sg_party_set_identity(sg_party *p, const ratchet_identity_key_pair *identity, uint32_t registration_id);
void sg_party_clear(sg_party *p);   /* forget every stored record (keeps the identity) */
void sg_party_destroy(sg_party *p);

#endif
