/**
 * VL2 constants under ZeroTier's names (spec vl2.md §1). Kept beside the VL2 code rather than in
 * vl1/constants.ts so VL1 and VL2 can evolve without editing one shared file.
 */

// ---- Network configuration ---------------------------------------------------------------
export const ZT_DEFAULT_MTU = 2800;
export const ZT_MIN_MTU = 1280;
export const ZT_MAX_MTU = 10000;
export const ZT_MAX_NETWORK_ROUTES = 128;
export const ZT_MAX_ZT_ASSIGNED_ADDRESSES = 32;
export const ZT_MAX_NETWORK_SPECIALISTS = 256;
export const ZT_MAX_NETWORK_RULES = 1024;
export const ZT_MAX_NETWORK_CAPABILITIES = 128;
export const ZT_MAX_NETWORK_TAGS = 128;
export const ZT_MAX_CAPABILITY_RULES = 64;
export const ZT_MAX_CERTIFICATES_OF_OWNERSHIP = 4;
export const ZT_CERTIFICATEOFOWNERSHIP_MAX_THINGS = 16;
export const ZT_MAX_CAPABILITY_CUSTODY_CHAIN_LENGTH = 7;
export const ZT_NETWORK_COM_MAX_QUALIFIERS = 8;
export const ZT_MAX_DNS_SERVERS = 4;
export const ZT_MAX_DNS_DOMAIN_LENGTH = 128;
/** The name buffer is 128 bytes with a terminating NUL, so 127 usable bytes. */
export const ZT_MAX_NETWORK_SHORT_NAME_LENGTH = 127;
export const ZT_RULES_ENGINE_REVISION = 1;
export const ZT_NETWORKCONFIG_VERSION = 7;
/** Configs older than this (or with no `v`) are rejected by 1.14 (legacy parsing compiled out). */
export const ZT_NETWORKCONFIG_MIN_VERSION = 6;

// ---- Dictionary capacities (x86_64 Linux values, spec §1 and §3) --------------------------
/** The receiver's network-config dictionary buffer; a dictionary must be strictly shorter. */
export const ZT_NETWORKCONFIG_DICT_CAPACITY = 484_520;
export const ZT_NETWORKCONFIG_METADATA_DICT_CAPACITY = 1024;
export const ZT_NETWORK_MAX_UPDATE_CHUNKS = 474;

// ---- Network config flags (`f`) ------------------------------------------------------------
export const ZT_NETWORKCONFIG_FLAG_ENABLE_BROADCAST = 0x02n;
export const ZT_NETWORKCONFIG_FLAG_ENABLE_IPV6_NDP_EMULATION = 0x04n;
export const ZT_NETWORKCONFIG_FLAG_RULES_RESULT_OF_UNSUPPORTED_MATCH = 0x08n;
export const ZT_NETWORKCONFIG_FLAG_DISABLE_COMPRESSION = 0x10n;

// ---- Specialist role bits (high 24 bits of each `S` entry) -------------------------------
export const ZT_NETWORKCONFIG_SPECIALIST_TYPE_ACTIVE_BRIDGE = 0x0000020000000000n;
export const ZT_NETWORKCONFIG_SPECIALIST_TYPE_ANCHOR = 0x0000040000000000n;
export const ZT_NETWORKCONFIG_SPECIALIST_TYPE_MULTICAST_REPLICATOR = 0x0000080000000000n;

// ---- Network types (`t`) -------------------------------------------------------------------
export const ZT_NETWORK_TYPE_PRIVATE = 0;
export const ZT_NETWORK_TYPE_PUBLIC = 1;

// ---- Timers (ms) ---------------------------------------------------------------------------
/** The controller's default credential time window (`ctmd`), 30 min. */
export const TZ_DEFAULT_CREDENTIAL_TIME_MAX_DELTA = 1_800_000;
export const ZT_NETWORKCONFIG_DEFAULT_CREDENTIAL_TIME_MIN_MAX_DELTA = 300_000;
export const ZT_NETWORKCONFIG_DEFAULT_CREDENTIAL_TIME_MAX_MAX_DELTA = 7_200_000;
export const ZT_NETWORK_AUTOCONF_DELAY = 60_000;
export const ZT_MULTICAST_LIKE_EXPIRE = 600_000;
export const ZT_MULTICAST_ANNOUNCE_PERIOD = 60_000;
export const ZT_MULTICAST_EXPLICIT_GATHER_DELAY = 60_000;
export const ZT_MULTICAST_TRANSMIT_TIMEOUT = 5_000;
export const ZT_TX_QUEUE_SIZE_PER_MULTICAST_GROUP = 32;

// ---- Managed IPv6 prefixes ------------------------------------------------------------------
export const ZT_RFC4193_PREFIX_BITS = 88;
export const ZT_6PLANE_PREFIX_BITS = 40;

// ---- Credentials (spec §6) ------------------------------------------------------------------
/** Bytes kept per COO thing (MAC 6, IPv4 4, IPv6 16, zero-padded). */
export const ZT_CERTIFICATEOFOWNERSHIP_MAX_THING_VALUE_SIZE = 16;
/** Revocation flag: receivers relay the revocation to every member they know. */
export const ZT_REVOCATION_FLAG_FAST_PROPAGATE = 0x1n;
/** A peer's NEED_MEMBERSHIP_CERTIFICATE makes us re-push at most this often (ms). */
export const ZT_PEER_CREDENTIALS_REQUEST_RATE_LIMIT = 1_000;
/** NETWORK_CREDENTIALS packets from one peer are processed at most this often (ms). */
export const ZT_PEER_CREDENTIALS_RATE_LIMIT = 1_000;
/**
 * Our pushes to one peer are at least this far apart (ms), so the receiver's rate limit above
 * does not silently drop the later one; the margin covers jitter between the two arrivals.
 */
export const TZ_CREDENTIAL_PUSH_SPACING = 1_500;
/**
 * Our bounds on what one remote member may have stored (the reference's tables are unbounded;
 * every entry must be controller-signed, so these only matter against a misbehaving controller).
 * New ids beyond a bound are rejected; the periodic clean frees time-invalid entries.
 */
export const TZ_MEMBERSHIP_MAX_TAGS = 128;
export const TZ_MEMBERSHIP_MAX_CAPABILITIES = 128;
export const TZ_MEMBERSHIP_MAX_COOS = 16;
export const TZ_MEMBERSHIP_MAX_REVOCATIONS = 1024;
/** Remote members tracked per network; new members beyond it are refused. */
export const TZ_MAX_MEMBERSHIPS_PER_NETWORK = 65_536;

// ---- Config transport (spec §9) --------------------------------------------------------------
/** Dictionary bytes per config chunk the reference sends: (7 × 1432) − (28 + 256). */
export const ZT_NETWORKCONFIG_CHUNK_DATA_SIZE = 9740;
/** Config updates being reassembled at once (the least recently touched slot is reused). */
export const ZT_NETWORK_MAX_INCOMING_UPDATES = 3;
/** Chunk flag: forward the chunk to every other member (1.14 controllers never set it). */
export const ZT_NETWORKCONFIG_CHUNK_FLAG_FAST_PROPAGATE = 0x01;
/** A controller accepts LIKE and answers GATHER from a member it configured this recently (§14.6). */
export const ZT_LOCAL_CONTROLLER_AUTHORIZATION_TIMEOUT = 180_000;

// ---- Frames, multicast and bridging (spec §10–§13) ----------------------------------------------
/** Longest Ethernet payload carried in a multicast; longer frames are cut to this. */
export const ZT_MULTICAST_MAX_FRAME_LENGTH = 10_000;
/** Recipients of one MULTICAST_GATHER round (root, controller, anchors, replicators). */
export const ZT_MULTICAST_MAX_GATHER_RECIPIENTS = 16;
/** Active bridges a frame for an unknown bridged MAC is sent to at most. */
export const ZT_MAX_BRIDGE_SPAM = 32;
/** Groups wanted by hosts behind a bridge are forgotten this long after they were last seen. */
export const TZ_BRIDGED_GROUP_EXPIRE = 1_200_000;
/**
 * Learned (MAC → bridge) routes per network. The reference allows 67 108 864; we keep a bound
 * that fits memory, with its eviction (all routes of the bridge owning the most).
 */
export const TZ_MAX_BRIDGE_ROUTES = 65_536;
/** Bounds on the multicast member table (the reference's is unbounded): groups, and entries in all. */
export const TZ_MULTICAST_MAX_GROUPS = 65_536;
export const TZ_MULTICAST_MAX_MEMBER_ENTRIES = 1_048_576;
/** Inbound VL2 packets waiting for a sender's credentials (or a signer's identity), each for 5 s. */
export const TZ_VL2_RECEIVE_QUEUE_SIZE = 64;
export const TZ_VL2_RECEIVE_QUEUE_TIMEOUT = 5_000;
/** (network, member) pairs a local controller remembers having configured. */
export const TZ_LOCAL_CONTROLLER_MAX_MEMBERS = 65_536;
