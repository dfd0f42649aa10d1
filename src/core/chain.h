/* chain.h - the hash chain of the audit log (P-5.6): pure computation, no storage */
#ifndef KF_CHAIN_H
#define KF_CHAIN_H

#include <stdint.h>

#define CHAIN_HEX 65 /* 64 hex digits and a NUL */
extern const char chain_genesis[CHAIN_HEX];

/*
 * The hash of an audit row: hex SHA-256 over prev_hash, a newline, and the row's canonical
 * content (compact JSON with sorted keys of id, at, user_id, action, entity, entity_id,
 * data). Changing any of those, or the order of rows, changes every later hash.
 */
void chain_hash(const char *prev_hash, const char *canonical, char out[CHAIN_HEX]);

#endif
