/*
 * TierZero's native crypto addon: ZeroTier cipher suite 3 (AES-GMAC-SIV, spec vl1.md 7.3) armor
 * and dearmor of a whole VL1 packet, in place, in one call from JavaScript.
 *
 * Why native: through Node's public crypto API every packet needs a fresh GCM context and half a
 * dozen native calls, a fixed cost of about 11 us that dwarfs the AES work. Here every context
 * lives as long as the key, and a packet costs one N-API call and a few OpenSSL calls.
 *
 * The AES comes from the OpenSSL that the node binary itself exports (its headers ship with
 * Node's), so nothing extra is linked and the code runs on the same AES-NI/CLMUL paths as
 * node:crypto. The GMAC uses OpenSSL's GCM128 core (openssl/modes.h) rather than an EVP GCM
 * context: re-IVing EVP GCM and reading its tag go through OSSL_PARAM name look-ups that cost
 * more than hashing a 1,400-byte packet (measured: about 590k against 800k armor+dearmor/s).
 *
 * Invariants:
 *  - Output is byte-identical to the JavaScript implementation (src/core/vl1/armor.ts).
 *  - Nothing JavaScript passes in can crash the process: wrong types throw a TypeError or
 *    RangeError, wrong sizes, a foreign or destroyed key and a detached buffer return a code.
 *  - Dearmor writes the packet only once it has authenticated it; on failure the packet is left
 *    as received.
 *  - Key handles are externals type-tagged as ours; their contexts are freed (and the key
 *    schedules cleansed by OpenSSL) by destroyKey or by the garbage collector, whichever is
 *    first.
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/modes.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Packet layout (spec 5): ID 0..7, destination 8..12, source 13..17, flags 18, MAC 19..26. */
#define IDX_DEST 8
#define IDX_FLAGS 18
#define IDX_MAC 19
#define IDX_VERB 27
#define MIN_PACKET 28
#define MAX_PACKET 10024
#define MAX_PAYLOAD (MAX_PACKET - IDX_VERB)

#define SUITE_AES_GMAC_SIV 3
#define FLAGS_FRAGMENTED 0x40
#define FLAGS_HOPS 0x07
/* Armor keeps the fragmented flag and the hops, and writes cipher suite 3 (0x80 clear). */
#define FLAGS_KEPT (FLAGS_FRAGMENTED | FLAGS_HOPS)
#define FLAGS_NO_HOPS 0xf8

/* Return codes, exported to JavaScript as `codes`. */
enum {
  TZ_OK = 0,
  TZ_BAD_MAC = 1,
  TZ_BAD_LENGTH = 2,
  TZ_BAD_SUITE = 3,
  TZ_KEY_DESTROYED = 4,
  TZ_CRYPTO_FAILURE = 5,
};

/* Rough native footprint of one key (its OpenSSL contexts), reported to the garbage collector. */
#define KEY_EXTERNAL_MEMORY 4096

static const napi_type_tag KEY_TAG = {0x7a9e3c21f04b5d68ULL, 0x1c8a55e2d3b6f097ULL};

typedef struct {
  EVP_CIPHER_CTX *k0Ecb;      /* AES-256 under K0: GCM's hash key and per-packet mask block */
  GCM128_CONTEXT *gmac;       /* GHASH state under K0, re-IVed per packet */
  EVP_CIPHER_CTX *k1Encrypt;  /* AES-256-ECB under K1: the tag block */
  EVP_CIPHER_CTX *k1Decrypt;  /* its inverse, to open a received tag */
  EVP_CIPHER_CTX *ctr;        /* AES-256-CTR under K1, re-IVed per packet */
} SivKey;

static void freeContexts(SivKey *key) {
  CRYPTO_gcm128_release(key->gmac);
  EVP_CIPHER_CTX_free(key->k0Ecb);
  EVP_CIPHER_CTX_free(key->k1Encrypt);
  EVP_CIPHER_CTX_free(key->k1Decrypt);
  EVP_CIPHER_CTX_free(key->ctr);
  memset(key, 0, sizeof(*key));
}

static int live(const SivKey *key) {
  return key->gmac != NULL;
}

/* ---- AES-GMAC-SIV on a packet ------------------------------------------------------------- */

static int ecb(EVP_CIPHER_CTX *ctx, const uint8_t *in, uint8_t *out, int length) {
  int outl = 0;
  return EVP_CipherUpdate(ctx, out, &outl, in, length) == 1 && outl == length;
}

/*
 * GCM's block function. OpenSSL's GCM128 calls it once per message (and once at set-up); an
 * ECB context cannot fail on a whole block, so its status is not needed here.
 */
static void k0Block(const unsigned char in[16], unsigned char out[16], const void *key) {
  ecb(((const SivKey *)key)->k0Ecb, in, out, 16);
}

/* GMAC(K0, iv8 || 0^4, aad16 || payload), the empty-plaintext GCM tag, folded to 8 bytes. */
static int gmacFolded(SivKey *key, const uint8_t *iv8, const uint8_t *aad16, const uint8_t *payload,
                      int length, uint8_t *mac8) {
  uint8_t iv12[12] = {0};
  uint8_t g[16];
  memcpy(iv12, iv8, 8);
  CRYPTO_gcm128_setiv(key->gmac, iv12, 12);
  if (CRYPTO_gcm128_aad(key->gmac, aad16, 16) != 0) return 0;
  if (length > 0 && CRYPTO_gcm128_aad(key->gmac, payload, (size_t)length) != 0) return 0;
  CRYPTO_gcm128_tag(key->gmac, g, 16);
  for (int i = 0; i < 8; i++) mac8[i] = g[i] ^ g[8 + i];
  return 1;
}

/*
 * AES-256-CTR under K1 from the tag with bit 7 of byte 12 cleared; in may equal out. (OpenSSL
 * increments all 128 bits; with that bit clear the low 32 never wrap, so it matches the
 * reference's 32-bit counter.) Re-IVing the long-lived context measured faster than ECB over
 * counter blocks plus an XOR pass: OpenSSL's CTR keeps the counters in registers.
 */
static int ctrCrypt(SivKey *key, const uint8_t *tag16, const uint8_t *in, uint8_t *out, int length) {
  uint8_t iv[16];
  int outl = 0;
  if (length == 0) return 1;
  memcpy(iv, tag16, 16);
  iv[12] &= 0x7f;
  if (EVP_EncryptInit_ex(key->ctr, NULL, NULL, NULL, iv) != 1) return 0;
  return EVP_EncryptUpdate(key->ctr, out, &outl, in, length) == 1 && outl == length;
}

/* The 11 authenticated header bytes (hops masked) and 5 zero bytes. */
static void aadBlock(const uint8_t *packet, uint8_t flags, uint8_t *aad16) {
  memcpy(aad16, packet + IDX_DEST, 10);
  aad16[10] = flags & FLAGS_NO_HOPS;
  memset(aad16 + 11, 0, 5);
}

/* Encrypts data in place and writes the 16-byte tag (spec 7.3, sender steps 3 to 6). */
static int sivSeal(SivKey *key, const uint8_t *iv8, const uint8_t *aad16, uint8_t *data, int length,
                   uint8_t *tag16) {
  uint8_t pre[16];
  memcpy(pre, iv8, 8);
  if (!gmacFolded(key, iv8, aad16, data, length, pre + 8)) return TZ_CRYPTO_FAILURE;
  if (!ecb(key->k1Encrypt, pre, tag16, 16)) return TZ_CRYPTO_FAILURE;
  if (!ctrCrypt(key, tag16, data, data, length)) return TZ_CRYPTO_FAILURE;
  return TZ_OK;
}

/* Decrypts and authenticates data (at most MAX_PAYLOAD bytes); writes it only if authentic. */
static int sivOpen(SivKey *key, const uint8_t *tag16, const uint8_t *aad16, uint8_t *data, int length) {
  /* The plaintext is made on the stack: data changes only once it is authentic. */
  uint8_t plain[MAX_PAYLOAD];
  uint8_t opened[16], mac8[8];
  if (!ctrCrypt(key, tag16, data, plain, length)) return TZ_CRYPTO_FAILURE;
  if (!ecb(key->k1Decrypt, tag16, opened, 16)) return TZ_CRYPTO_FAILURE;
  if (!gmacFolded(key, opened, aad16, plain, length, mac8)) return TZ_CRYPTO_FAILURE;
  if (CRYPTO_memcmp(mac8, opened + 8, 8) != 0) return TZ_BAD_MAC;
  memcpy(data, plain, (size_t)length);
  return TZ_OK;
}

static int armorPacket(SivKey *key, uint8_t *packet, size_t size) {
  if (!live(key)) return TZ_KEY_DESTROYED;
  if (size < MIN_PACKET || size > MAX_PACKET) return TZ_BAD_LENGTH;
  const uint8_t flags = (packet[IDX_FLAGS] & FLAGS_KEPT) | (SUITE_AES_GMAC_SIV << 3);
  uint8_t aad16[16], tag[16];
  aadBlock(packet, flags, aad16);
  const int status = sivSeal(key, packet, aad16, packet + IDX_VERB, (int)size - IDX_VERB, tag);
  if (status != TZ_OK) return status;
  packet[IDX_FLAGS] = flags;
  memcpy(packet, tag, 8);
  memcpy(packet + IDX_MAC, tag + 8, 8);
  return TZ_OK;
}

static int dearmorPacket(SivKey *key, uint8_t *packet, size_t size) {
  if (!live(key)) return TZ_KEY_DESTROYED;
  if (size < MIN_PACKET || size > MAX_PACKET) return TZ_BAD_LENGTH;
  if (((packet[IDX_FLAGS] >> 3) & 7) != SUITE_AES_GMAC_SIV) return TZ_BAD_SUITE;
  uint8_t aad16[16], tag[16];
  memcpy(tag, packet, 8);
  memcpy(tag + 8, packet + IDX_MAC, 8);
  aadBlock(packet, packet[IDX_FLAGS], aad16);
  return sivOpen(key, tag, aad16, packet + IDX_VERB, (int)size - IDX_VERB);
}

static SivKey *newKey(const uint8_t *k0, const uint8_t *k1) {
  SivKey *key = calloc(1, sizeof(SivKey));
  if (key == NULL) return NULL;
  key->k0Ecb = EVP_CIPHER_CTX_new();
  key->k1Encrypt = EVP_CIPHER_CTX_new();
  key->k1Decrypt = EVP_CIPHER_CTX_new();
  key->ctr = EVP_CIPHER_CTX_new();
  /* A zero counter block only completes the CTR set-up; every packet sets its own. */
  static const uint8_t zeroIv[16] = {0};
  int ok = key->k0Ecb && key->k1Encrypt && key->k1Decrypt && key->ctr &&
           EVP_EncryptInit_ex(key->k0Ecb, EVP_aes_256_ecb(), NULL, k0, NULL) == 1 &&
           EVP_CIPHER_CTX_set_padding(key->k0Ecb, 0) == 1 &&
           EVP_EncryptInit_ex(key->k1Encrypt, EVP_aes_256_ecb(), NULL, k1, NULL) == 1 &&
           EVP_CIPHER_CTX_set_padding(key->k1Encrypt, 0) == 1 &&
           EVP_DecryptInit_ex(key->k1Decrypt, EVP_aes_256_ecb(), NULL, k1, NULL) == 1 &&
           EVP_CIPHER_CTX_set_padding(key->k1Decrypt, 0) == 1 &&
           EVP_EncryptInit_ex(key->ctr, EVP_aes_256_ctr(), NULL, k1, zeroIv) == 1;
  /* Set up last: it computes the hash key through k0Block. */
  if (ok) key->gmac = CRYPTO_gcm128_new(key, k0Block);
  if (key->gmac == NULL) {
    freeContexts(key);
    free(key);
    return NULL;
  }
  return key;
}

/* ---- N-API boundary ------------------------------------------------------------------------ */

/* Throws a TypeError (unless an exception is already pending); returns NULL to return with. */
static napi_value throwType(napi_env env, const char *message) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
  return NULL;
}

static napi_value throwRange(napi_env env, const char *message) {
  bool pending = false;
  napi_is_exception_pending(env, &pending);
  if (!pending) napi_throw_range_error(env, "ERR_OUT_OF_RANGE", message);
  return NULL;
}

static napi_value int32Value(napi_env env, int32_t n) {
  napi_value v = NULL;
  napi_create_int32(env, n, &v);
  return v;
}

/* A Uint8Array (or Buffer) argument; a detached one reads as empty. */
static int getBytes(napi_env env, napi_value value, uint8_t **data, size_t *length) {
  bool isTyped = false;
  if (napi_is_typedarray(env, value, &isTyped) != napi_ok || !isTyped) return 0;
  napi_typedarray_type type;
  void *ptr = NULL;
  size_t count = 0;
  if (napi_get_typedarray_info(env, value, &type, &count, &ptr, NULL, NULL) != napi_ok) return 0;
  if (type != napi_uint8_array) return 0;
  if (ptr == NULL) count = 0;
  *data = ptr;
  *length = count;
  return 1;
}

static SivKey *getKey(napi_env env, napi_value value) {
  napi_valuetype t;
  bool ours = false;
  void *ptr = NULL;
  if (napi_typeof(env, value, &t) != napi_ok || t != napi_external) return NULL;
  if (napi_check_object_type_tag(env, value, &KEY_TAG, &ours) != napi_ok || !ours) return NULL;
  if (napi_get_value_external(env, value, &ptr) != napi_ok) return NULL;
  return ptr;
}

static void finalizeKey(napi_env env, void *data, void *hint) {
  (void)hint;
  SivKey *key = data;
  freeContexts(key);
  free(key);
  int64_t adjusted;
  napi_adjust_external_memory(env, -KEY_EXTERNAL_MEMORY, &adjusted);
}

/* createKey(k0: Uint8Array(32), k1: Uint8Array(32)): key handle */
static napi_value CreateKey(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  uint8_t *k0 = NULL, *k1 = NULL;
  size_t n0 = 0, n1 = 0;
  if (!getBytes(env, argv[0], &k0, &n0) || !getBytes(env, argv[1], &k1, &n1)) {
    return throwType(env, "createKey(k0, k1) takes two Uint8Arrays");
  }
  if (n0 != 32 || n1 != 32) return throwRange(env, "AES-GMAC-SIV keys must be 32 bytes each");
  SivKey *key = newKey(k0, k1);
  if (key == NULL) {
    napi_throw_error(env, "ERR_CRYPTO_OPERATION_FAILED", "cannot create the AES-GMAC-SIV contexts");
    return NULL;
  }
  napi_value handle;
  if (napi_create_external(env, key, finalizeKey, NULL, &handle) != napi_ok) {
    freeContexts(key);
    free(key);
    return NULL;
  }
  /* From here the finalizer owns the key (and gives this memory back). */
  int64_t adjusted;
  napi_adjust_external_memory(env, KEY_EXTERNAL_MEMORY, &adjusted);
  if (napi_type_tag_object(env, handle, &KEY_TAG) != napi_ok) return NULL;
  return handle;
}

/* destroyKey(key): frees the contexts now; later calls with this key return KEY_DESTROYED. */
static napi_value DestroyKey(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  SivKey *key = getKey(env, argv[0]);
  if (key == NULL) return throwType(env, "destroyKey(key) takes a key from createKey");
  freeContexts(key);
  return NULL;
}

typedef int (*PacketOp)(SivKey *, uint8_t *, size_t);

static napi_value onPacket(napi_env env, napi_callback_info info, PacketOp op, const char *usage) {
  size_t argc = 2; /* missing arguments read as undefined */
  napi_value argv[2];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  SivKey *key = getKey(env, argv[0]);
  uint8_t *packet = NULL;
  size_t length = 0;
  if (key == NULL || !getBytes(env, argv[1], &packet, &length)) return throwType(env, usage);
  return int32Value(env, op(key, packet, length));
}

/* armor(key, packet: Uint8Array): code. Sets the flags byte (suite 3) and armors in place. */
static napi_value Armor(napi_env env, napi_callback_info info) {
  return onPacket(env, info, armorPacket, "armor(key, packet) takes a key from createKey and a Uint8Array");
}

/* dearmor(key, packet: Uint8Array): code. Authenticates and decrypts a suite-3 packet in place. */
static napi_value Dearmor(napi_env env, napi_callback_info info) {
  return onPacket(env, info, dearmorPacket, "dearmor(key, packet) takes a key from createKey and a Uint8Array");
}

/* The AAD block of seal and open: aad11 and 5 zero bytes. */
static void aadOf(const uint8_t *aad11, uint8_t *aad16) {
  memcpy(aad16, aad11, 11);
  memset(aad16 + 11, 0, 5);
}

/*
 * seal(key, iv8, aad11, data, tag16): code. The bare AES-GMAC-SIV of spec 7.3 (what armor does
 * to a packet's payload, with any AAD): encrypts data (0..9,997 bytes) in place, writes the tag.
 */
static napi_value Seal(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  SivKey *key = getKey(env, argv[0]);
  uint8_t *iv8, *aad11, *data, *tagOut;
  size_t nIv, nAad, nData, nTag;
  if (key == NULL || !getBytes(env, argv[1], &iv8, &nIv) || !getBytes(env, argv[2], &aad11, &nAad) ||
      !getBytes(env, argv[3], &data, &nData) || !getBytes(env, argv[4], &tagOut, &nTag)) {
    return throwType(env, "seal(key, iv8, aad11, data, tag16) takes a key from createKey and four Uint8Arrays");
  }
  if (nIv != 8 || nAad != 11 || nTag != 16) return throwRange(env, "seal needs an 8-byte IV, 11 bytes of AAD, a 16-byte tag");
  if (!live(key)) return int32Value(env, TZ_KEY_DESTROYED);
  if (nData > MAX_PAYLOAD) return int32Value(env, TZ_BAD_LENGTH);
  uint8_t iv[8], aad16[16], tag[16];
  memcpy(iv, iv8, 8);
  aadOf(aad11, aad16);
  const int status = sivSeal(key, iv, aad16, data, (int)nData, tag);
  if (status == TZ_OK) memcpy(tagOut, tag, 16);
  return int32Value(env, status);
}

/* open(key, tag16, aad11, data): code. Decrypts data in place, only if it is authentic. */
static napi_value Open(napi_env env, napi_callback_info info) {
  size_t argc = 4;
  napi_value argv[4];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  SivKey *key = getKey(env, argv[0]);
  uint8_t *tag16, *aad11, *data;
  size_t nTag, nAad, nData;
  if (key == NULL || !getBytes(env, argv[1], &tag16, &nTag) || !getBytes(env, argv[2], &aad11, &nAad) ||
      !getBytes(env, argv[3], &data, &nData)) {
    return throwType(env, "open(key, tag16, aad11, data) takes a key from createKey and three Uint8Arrays");
  }
  if (nTag != 16 || nAad != 11) return throwRange(env, "open needs a 16-byte tag and 11 bytes of AAD");
  if (!live(key)) return int32Value(env, TZ_KEY_DESTROYED);
  if (nData > MAX_PAYLOAD) return int32Value(env, TZ_BAD_LENGTH);
  uint8_t tag[16], aad16[16];
  memcpy(tag, tag16, 16);
  aadOf(aad11, aad16);
  return int32Value(env, sivOpen(key, tag, aad16, data, (int)nData));
}

static napi_status setInt(napi_env env, napi_value obj, const char *name, int32_t n) {
  return napi_set_named_property(env, obj, name, int32Value(env, n));
}

NAPI_MODULE_INIT(/* napi_env env, napi_value exports */) {
  napi_value codes, version;
  napi_property_descriptor fns[] = {
      {"createKey", NULL, CreateKey, NULL, NULL, NULL, napi_enumerable, NULL},
      {"destroyKey", NULL, DestroyKey, NULL, NULL, NULL, napi_enumerable, NULL},
      {"armor", NULL, Armor, NULL, NULL, NULL, napi_enumerable, NULL},
      {"dearmor", NULL, Dearmor, NULL, NULL, NULL, napi_enumerable, NULL},
      {"seal", NULL, Seal, NULL, NULL, NULL, napi_enumerable, NULL},
      {"open", NULL, Open, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof(fns) / sizeof(fns[0]), fns) != napi_ok) return NULL;
  if (napi_create_object(env, &codes) != napi_ok) return NULL;
  setInt(env, codes, "OK", TZ_OK);
  setInt(env, codes, "BAD_MAC", TZ_BAD_MAC);
  setInt(env, codes, "BAD_LENGTH", TZ_BAD_LENGTH);
  setInt(env, codes, "BAD_SUITE", TZ_BAD_SUITE);
  setInt(env, codes, "KEY_DESTROYED", TZ_KEY_DESTROYED);
  setInt(env, codes, "CRYPTO_FAILURE", TZ_CRYPTO_FAILURE);
  napi_object_freeze(env, codes);
  napi_set_named_property(env, exports, "codes", codes);
  if (napi_create_string_utf8(env, OpenSSL_version(OPENSSL_VERSION), NAPI_AUTO_LENGTH, &version) == napi_ok) {
    napi_set_named_property(env, exports, "openssl", version);
  }
  return exports;
}
