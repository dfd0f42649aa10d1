/* chain.c - SHA-256 chaining of audit rows */
#include "chain.h"

#include <sodium.h>
#include <string.h>

const char chain_genesis[CHAIN_HEX] =
	"0000000000000000000000000000000000000000000000000000000000000000";

void chain_hash(const char *prev_hash, const char *canonical, char out[CHAIN_HEX])
{
	crypto_hash_sha256_state st;
	unsigned char h[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_init(&st);
	crypto_hash_sha256_update(&st, (const unsigned char *)prev_hash, strlen(prev_hash));
	crypto_hash_sha256_update(&st, (const unsigned char *)"\n", 1);
	crypto_hash_sha256_update(&st, (const unsigned char *)canonical, strlen(canonical));
	crypto_hash_sha256_final(&st, h);
	sodium_bin2hex(out, CHAIN_HEX, h, sizeof(h));
}
