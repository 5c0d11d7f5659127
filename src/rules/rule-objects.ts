/**
 * The JSON rule objects the compiler produces: what the controller stores and serves
 * (controller.md §5). Key order is part of the contract: JSON.stringify output must match the
 * reference byte for byte, so every object is built with its keys in the documented order:
 * matches `type, not, or, <fields>`, actions `type, <fields>`.
 */

interface MatchFlags {
  not: boolean;
  or: boolean;
}

export type ZeroTierAddressMatch = { type: 'MATCH_SOURCE_ZEROTIER_ADDRESS' | 'MATCH_DEST_ZEROTIER_ADDRESS'; zt: string } & MatchFlags;
export type VlanIdMatch = { type: 'MATCH_VLAN_ID'; vlanId: number } & MatchFlags;
export type VlanPcpMatch = { type: 'MATCH_VLAN_PCP'; vlanPcp: number } & MatchFlags;
export type VlanDeiMatch = { type: 'MATCH_VLAN_DEI'; vlanDei: number } & MatchFlags;
export type EtherTypeMatch = { type: 'MATCH_ETHERTYPE'; etherType: number } & MatchFlags;
export type IpProtocolMatch = { type: 'MATCH_IP_PROTOCOL'; ipProtocol: number } & MatchFlags;
export type MacMatch = { type: 'MATCH_MAC_SOURCE' | 'MATCH_MAC_DEST'; mac: string } & MatchFlags;
export type IpMatch = {
  type: 'MATCH_IPV4_SOURCE' | 'MATCH_IPV4_DEST' | 'MATCH_IPV6_SOURCE' | 'MATCH_IPV6_DEST';
  ip: string;
} & MatchFlags;
export type IpTosMatch = { type: 'MATCH_IP_TOS'; mask: number; start: number; end: number } & MatchFlags;
export type IcmpMatch = { type: 'MATCH_ICMP'; icmpType: number; icmpCode: number | null } & MatchFlags;
export type RangeMatch = {
  type: 'MATCH_IP_SOURCE_PORT_RANGE' | 'MATCH_IP_DEST_PORT_RANGE' | 'MATCH_FRAME_SIZE_RANGE';
  start: number;
  end: number;
} & MatchFlags;
/** `mask` is 16 lower-case hex digits, bit 63 = inbound ... bit 0 = TCP FIN. */
export type CharacteristicsMatch = { type: 'MATCH_CHARACTERISTICS'; mask: string } & MatchFlags;
/** `probability` is p × (2^32 − 1), rounded down. */
export type RandomMatch = { type: 'MATCH_RANDOM'; probability: number } & MatchFlags;
export type TagMatchType =
  | 'MATCH_TAGS_DIFFERENCE'
  | 'MATCH_TAGS_BITWISE_AND'
  | 'MATCH_TAGS_BITWISE_OR'
  | 'MATCH_TAGS_BITWISE_XOR'
  | 'MATCH_TAGS_EQUAL'
  | 'MATCH_TAG_SENDER'
  | 'MATCH_TAG_RECEIVER';
export type TagMatch = { type: TagMatchType; id: number; value: number } & MatchFlags;

export type MatchRule =
  | ZeroTierAddressMatch
  | VlanIdMatch
  | VlanPcpMatch
  | VlanDeiMatch
  | EtherTypeMatch
  | IpProtocolMatch
  | MacMatch
  | IpMatch
  | IpTosMatch
  | IcmpMatch
  | RangeMatch
  | CharacteristicsMatch
  | RandomMatch
  | TagMatch;

export type SimpleAction = { type: 'ACTION_DROP' | 'ACTION_ACCEPT' | 'ACTION_BREAK' };
/** `length`: bytes to copy, 0 or -1 for the whole frame. */
export type CopyAction = { type: 'ACTION_TEE' | 'ACTION_WATCH'; address: string; length: number };
export type RedirectAction = { type: 'ACTION_REDIRECT'; address: string };
export type ActionRule = SimpleAction | CopyAction | RedirectAction;

export type Rule = MatchRule | ActionRule;

export interface Capability {
  id: number;
  default: boolean;
  rules: Rule[];
}

export interface TagDefinition {
  id: number;
  /** The value a member gets when none is assigned, or null for none. */
  default: number | null;
  enums: Record<string, number>;
  flags: Record<string, number>;
}

/**
 * Adds an own enumerable property even for names like `__proto__`, which plain assignment would
 * turn into a prototype change. Names come from users, so every name-keyed object uses this.
 */
export function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}
