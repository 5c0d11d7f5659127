/**
 * Every VL1 constant in one place, under ZeroTier One's names (node/Constants.hpp,
 * node/Packet.hpp) where they exist. Units are in the name or the comment; times are ms.
 * "Protocol" constants must match the reference to interoperate; "implementation" ones are
 * TierZero's own bounds.
 */

// ---- Protocol: versions ------------------------------------------------------------------
export const ZT_PROTO_VERSION = 12;
export const ZT_PROTO_VERSION_MIN = 4;
/** Software version we announce: the reference's, so peers treat us like 1.14.1. */
export const SOFTWARE_VERSION = { major: 1, minor: 14, revision: 1 } as const;

// ---- Protocol: sizes (bytes) -------------------------------------------------------------
export const ZT_ADDRESS_LENGTH = 5;
export const ZT_ADDRESS_RESERVED_PREFIX = 0xff;
export const ZT_SYMMETRIC_KEY_SIZE = 48;
export const ZT_C25519_PUBLIC_KEY_LEN = 64;
export const ZT_C25519_PRIVATE_KEY_LEN = 64;
export const ZT_C25519_SIGNATURE_LEN = 96;
export const ZT_IDENTITY_MEMORY_HARD_BYTES = 2_097_152;
/** An identity's memory-hard digest must start with a byte below this (spec 3.3). */
export const ZT_IDENTITY_GEN_HASHCASH_FIRST_BYTE_LESS_THAN = 17;
export const ZT_PROTO_MIN_PACKET_LENGTH = 28;
export const ZT_PROTO_MIN_FRAGMENT_LENGTH = 16;
export const ZT_PACKET_IDX_IV = 0;
export const ZT_PACKET_IDX_DEST = 8;
export const ZT_PACKET_IDX_SOURCE = 13;
export const ZT_PACKET_IDX_FLAGS = 18;
export const ZT_PACKET_IDX_MAC = 19;
export const ZT_PACKET_IDX_VERB = 27;
export const ZT_PACKET_IDX_PAYLOAD = 28;
export const ZT_PACKET_FRAGMENT_IDX_INDICATOR = 13;
export const ZT_PACKET_FRAGMENT_INDICATOR = 0xff;
export const ZT_PACKET_FRAGMENT_IDX_FRAGMENT_NO = 14;
export const ZT_PACKET_FRAGMENT_IDX_HOPS = 15;
export const ZT_PACKET_FRAGMENT_IDX_PAYLOAD = 16;
export const ZT_DEFAULT_PHYSMTU = 1432;
export const ZT_MIN_PHYSMTU = 1400;
export const ZT_MAX_PHYSMTU = 10324;
/** Head + 6 fragments accepted on receive; the wire format could express 16. */
export const ZT_MAX_PACKET_FRAGMENTS = 7;
export const ZT_PROTO_MAX_PACKET_LENGTH = 10024;
export const ZT_PROTO_MAX_HOPS = 7;
export const ZT_RELAY_MAX_HOPS = 3;
/** Packets larger than this (28 + 64) are worth trying to compress. */
export const ZT_COMPRESSION_MIN_PACKET_LENGTH = 92;
export const ZT_DEFAULT_PORT = 9993;
export const ZT_MAX_PEER_NETWORK_PATHS = 64;
export const ZT_WORLD_MAX_ROOTS = 4;
export const ZT_WORLD_MAX_STABLE_ENDPOINTS_PER_ROOT = 32;
export const ZT_WORLD_ID_EARTH = 149604618n;
export const ZT_WORLD_TYPE_PLANET = 1;
export const ZT_WORLD_TYPE_MOON = 127;

// ---- Protocol: header flags byte (18) ----------------------------------------------------
export const ZT_PROTO_FLAG_ENCRYPTED = 0x80;
export const ZT_PROTO_FLAG_FRAGMENTED = 0x40;
export const ZT_PROTO_CIPHER_SUITE_MASK = 0x38;
export const ZT_PROTO_HOPS_MASK = 0x07;
export const ZT_PROTO_VERB_FLAG_COMPRESSED = 0x80;
export const ZT_PROTO_VERB_MASK = 0x1f;

export const ZT_PROTO_CIPHER_SUITE__C25519_POLY1305_NONE = 0;
export const ZT_PROTO_CIPHER_SUITE__C25519_POLY1305_SALSA2012 = 1;
export const ZT_PROTO_CIPHER_SUITE__NONE = 2;
export const ZT_PROTO_CIPHER_SUITE__AES_GMAC_SIV = 3;

// ---- Protocol: timers (ms) ---------------------------------------------------------------
export const ZT_CORE_TIMER_TASK_GRANULARITY = 60;
export const ZT_PING_CHECK_INTERVAL = 5_000;
export const ZT_HOUSEKEEPING_PERIOD = 30_000;
export const ZT_WHOIS_RETRY_DELAY = 500;
export const ZT_TRANSMIT_QUEUE_TIMEOUT = 5_000;
export const ZT_RECEIVE_QUEUE_TIMEOUT = 5_000;
export const ZT_RX_QUEUE_SIZE = 32;
export const ZT_TX_QUEUE_SIZE = 32;
export const ZT_PATH_HEARTBEAT_PERIOD = 14_000;
export const ZT_PATH_ALIVE_TIMEOUT = ZT_PATH_HEARTBEAT_PERIOD + 5_000;
export const ZT_PEER_PING_PERIOD = 60_000;
export const ZT_PEER_PATH_EXPIRATION = 4 * 60_000 + 3_000;
export const ZT_PEER_ACTIVITY_TIMEOUT = 500_000;
export const ZT_TRY_MEMORIZED_PATH_INTERVAL = 30_000;
export const ZT_MIN_UNITE_INTERVAL = 30_000;
export const ZT_DIRECT_PATH_PUSH_INTERVAL = 15_000;
export const ZT_DIRECT_PATH_PUSH_INTERVAL_HAVEPATH = 120_000;
export const ZT_PUSH_DIRECT_PATHS_CUTOFF_TIME = 30_000;
export const ZT_PUSH_DIRECT_PATHS_CUTOFF_LIMIT = 8;
export const ZT_PUSH_DIRECT_PATHS_MAX_PER_SCOPE_AND_FAMILY = 8;
export const ZT_TRUST_EXPIRATION = 600_000;
export const ZT_PEER_WHOIS_RATE_LIMIT = 100;
export const ZT_PEER_GENERAL_RATE_LIMIT = 1_000;
export const ZT_ECHO_RATE_LIMIT = Math.floor(ZT_PEER_GENERAL_RATE_LIMIT / 6);
/** The reference's x86-64 value: one new identity verified per source prefix per this long. */
export const ZT_IDENTITY_VALIDATION_SOURCE_RATE_LIMIT = 2_000;
export const ZT_PATH_CONFIRM_HELLO_RATE_LIMIT = 1_000;
export const ZT_SELFAWARENESS_ENTRY_TIMEOUT = 600_000;
// Reference behaviours it writes as literals (no name there):
/** Legacy LAN beacon (spec 11.9): at most one NOP reply per this many ms. */
export const BEACON_REPLY_INTERVAL = 2_500;
/**
 * The ping walk re-pings an always-contact peer in full (HELLO on every path, stable endpoints)
 * only when this many heartbeat periods (ZT_PATH_HEARTBEAT_PERIOD, 14 s) have passed since the
 * last full HELLO to it (spec 11.7): roots 16 (224 s; 0, every walk, while we have no path to
 * them), moon seeds and other always-contact peers 2 (28 s). In between, roots get a WHOIS.
 */
export const ROOT_PING_HEARTBEAT_MULTIPLE = 16;
export const ALWAYS_CONTACT_PING_HEARTBEAT_MULTIPLE = 2;

// ---- Implementation: TierZero's own bounds -----------------------------------------------
/** Incomplete fragmented packets kept at once (the reference keeps a 32-entry ring). */
export const TZ_REASSEMBLY_MAX_ENTRIES = 64;
/** An incomplete fragmented packet is dropped this long after its first piece arrived. */
export const TZ_REASSEMBLY_TIMEOUT = 5_000;

/**
 * RENDEZVOUS naming a peer we cannot identify yet, held (while we WHOIS it) so the hole punch
 * still happens when its identity arrives: at most this many, each for TZ_PENDING_RENDEZVOUS_TIMEOUT
 * ms. ZeroTier drops such a RENDEZVOUS; the relay then introduces the pair again only after
 * ZT_MIN_UNITE_INTERVAL (30 s), which is how long a start-up race cost.
 */
export const TZ_PENDING_RENDEZVOUS_MAX = 32;
export const TZ_PENDING_RENDEZVOUS_TIMEOUT = ZT_RECEIVE_QUEUE_TIMEOUT;

// ---- Implementation: dead-path fallback (TierZero's own; no wire change) -----------------
// ZeroTier keeps sending on a direct path that went silently dead (a NAT mapping lost, a
// firewall change) until the path expires, 243 s after its last receive. TierZero notices
// sooner: sending on a path that has been quiet for TZ_PATH_PROBE_AFTER_SILENCE sends an ECHO
// (HELLO for old peers) along; a path that is not alive (nothing received for
// ZT_PATH_ALIVE_TIMEOUT) and has left such a probe unanswered for TZ_PATH_PROBE_ANSWER_TIMEOUT
// is "dead", and traffic goes through the best root while the path keeps being probed every
// TZ_DEAD_PATH_PROBE_INTERVAL. The first packet that comes back on it makes it alive again.
// With steady traffic a blocked path is abandoned 19 s after its last receive (probe at 14 s,
// unanswered 5 s by then); an idle peer's path is never judged dead without a fresh probe.
/** Receive silence (ms) after which sending on a path also probes it (the heartbeat period). */
export const TZ_PATH_PROBE_AFTER_SILENCE = ZT_PATH_HEARTBEAT_PERIOD;
/** A probe unanswered this long (ms) counts as no answer: far above any real round trip. */
export const TZ_PATH_PROBE_ANSWER_TIMEOUT = 3_000;
/** Least gap (ms) between on-demand probes of one quiet or dead path. */
export const TZ_DEAD_PATH_PROBE_INTERVAL = 2_000;
