/**
 * VL2 credentials: COM verification, COM agreement (the private-network gate), capability
 * custody-chain verification, and decoding a real NETWORK_CREDENTIALS push.
 */
import { hexToBytes } from '../src/core/vl1/bytes.js';
import { Identity } from '../src/core/vl1/identity.js';
import { comAgreesWith, decodeCapability, decodeCom, decodeTag, verifyCapability, verifyCom, verifyTag } from '../src/core/vl2/credentials/index.js';
import { Membership } from '../src/core/vl2/membership.js';
import { emptyNetworkConfig } from '../src/core/vl2/netconf.js';
import { decodeNetworkCredentials } from '../src/core/vl2/network-credentials.js';
import { loadVectors } from '../test/helpers/vectors.js';
import { fmt, opsPerSecond } from './timing.js';

const v = loadVectors('vl2-credentials.json');
const packets = loadVectors('vl2-packets.json');

function must<T>(r: { ok: true; value: T } | { ok: false; error: Error }): T {
  if (!r.ok) throw r.error;
  return r.value;
}

const ids = ['A_controller', 'B_member', 'C_member'].map((k) => must(Identity.fromString(v.identities[k].public)));
const [, , C] = ids;
const lookup = (a: number) => ids.find((id) => id.address === a);

const ourCom = must(decodeCom(hexToBytes(v.com.serialized))).com;
const theirCom = must(decodeCom(hexToBytes(v.comAgreement[0].theirsSerialized))).com;
const tag = must(decodeTag(hexToBytes(v.tag.serialized))).tag;
const oneHop = must(decodeCapability(hexToBytes(v.capability.serialized))).capability;
const twoHop = must(decodeCapability(hexToBytes(v.capabilityTwoHop.serialized))).capability;
const push = hexToBytes(packets.networkCredentials_push.packets[0].payloadHex);

let sink = 0;
const check = (ok: boolean): void => {
  if (!ok) throw new Error('benchmark input did not verify');
  sink++;
};

console.log(`COM verify: ${fmt(opsPerSecond(() => check(verifyCom(theirCom, lookup).status === 'valid')), 0)} /s`);
console.log(`COM agreement check: ${fmt(opsPerSecond(() => check(comAgreesWith(ourCom, theirCom, C))), 0)} /s`);
console.log(`tag verify: ${fmt(opsPerSecond(() => check(verifyTag(tag, lookup).status === 'valid')), 0)} /s`);
console.log(`capability chain verify, 1 hop: ${fmt(opsPerSecond(() => check(verifyCapability(oneHop, lookup).status === 'valid')), 0)} /s`);
console.log(`capability chain verify, 2 hops: ${fmt(opsPerSecond(() => check(verifyCapability(twoHop, lookup).status === 'valid')), 0)} /s`);

const config = { ...emptyNetworkConfig(), networkId: ourCom.qualifiers[1].value, issuedTo: 0xcf9d611776, credentials: { com: ourCom, capabilities: [], tags: [], certificatesOfOwnership: [] } };
const member = new Membership();
member.addCom(theirCom, lookup);
console.log(`network gate (stored COM, agreement): ${fmt(opsPerSecond(() => check(member.isAllowedOnNetwork(config, C))), 0)} /s`);
console.log(`NETWORK_CREDENTIALS decode (${push.length} B: COM, 2 capabilities, 2 tags, 1 COO): ${fmt(opsPerSecond(() => check(decodeNetworkCredentials(push).ok)), 0)} /s`);
if (sink < 0) console.log(sink);
