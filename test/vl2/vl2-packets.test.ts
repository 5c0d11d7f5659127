/**
 * Every case of vl2-packets.json against the VL2 codecs (decode, re-encode byte for byte) and
 * against the engine: what a configured B emits for the same inputs equals what 1.14.1 emitted.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { bytesToHex, readU64 } from '../../src/core/vl1/bytes.js';
import { VERB } from '../../src/core/vl1/packet.js';
import { decodeInRe, encodeInRe } from '../../src/core/vl1/verbs.js';
import { ConfigAssembler, decodeConfigChunk, encodeConfigChunks, verifyConfigChunk, type ConfigChunk } from '../../src/core/vl2/config-chunks.js';
import { buildRequestMetadata, decodeConfigRequest, encodeConfigRequest } from '../../src/core/vl2/config-request.js';
import { decodeMulticastFrame, decodeMulticastGather, decodeMulticastLikes, encodeMulticastLikes } from '../../src/core/vl2/multicast-packets.js';
import { macToString, NetworkMacSpace, parseMac } from '../../src/core/vl2/mac.js';
import { readNetworkCredentials } from '../../src/core/vl2/network-credentials.js';
import { parseNetworkConfig, type NetworkConfig } from '../../src/core/vl2/netconf.js';
import { A, B, C, configuredB, hex, makeBench, NOW, NWID, packets, pushConfigAsA, scenarioConfigOfB, vectorConfigOfB } from './vl2-harness.js';

const text = (b: Uint8Array): string => new TextDecoder().decode(b);

// ---- NETWORK_CONFIG_REQUEST ---------------------------------------------------------------------

for (const name of ['networkConfigRequest_noConfig', 'networkConfigRequest_haveConfig'] as const) {
  const v = packets[name];
  test(`vl2-packets ${name}: decodes, re-encodes, and our metadata is 1.14.1's`, () => {
    assert.equal(v.verb, VERB.NETWORK_CONFIG_REQUEST);
    const payload = hex(v.payloadHex);
    assert.equal(payload.length, v.payloadLength);
    const r = decodeConfigRequest(payload);
    assert.ok(r.ok);
    assert.equal(r.value.networkId, BigInt('0x' + v.decoded.nwid));
    assert.equal(r.value.metadata.length, v.decoded.metadataLength);
    assert.equal(text(r.value.metadata), v.decoded.metadataText);
    assert.equal(r.value.haveRevision, BigInt(v.decoded.haveRevision));
    assert.equal(r.value.haveTimestamp, BigInt(v.decoded.haveTimestamp));
    assert.equal(text(buildRequestMetadata('linux/x86_64')), v.decoded.metadataText);
    assert.equal(bytesToHex(encodeConfigRequest(r.value)), v.payloadHex);
  });
}

test('vl2-packets networkConfigRequest_noConfig: B joining sends exactly this request to A, compressed', () => {
  const b = makeBench(B, [A, C]);
  b.vl2.join(NOW, NWID);
  const sent = b.take(VERB.NETWORK_CONFIG_REQUEST);
  assert.equal(sent.length, 1);
  assert.equal(sent[0].dest, A.address);
  assert.equal(sent[0].compress, true);
  assert.equal(bytesToHex(sent[0].payload), packets.networkConfigRequest_noConfig.payloadHex);
  assert.equal(b.vl2.network(NWID)?.status, 'REQUESTING_CONFIGURATION');
});

test('vl2-packets networkConfigRequest_haveConfig: B holding revision 42 re-requests 60 s later with it', () => {
  const b = configuredB(vectorConfigOfB());
  b.vl2.processBackgroundTasks(NOW + 1000);
  assert.equal(b.take(VERB.NETWORK_CONFIG_REQUEST).length, 0, 'a fresh config is not re-requested');
  b.vl2.processBackgroundTasks(NOW + 61_000);
  const sent = b.take(VERB.NETWORK_CONFIG_REQUEST);
  assert.equal(sent.length, 1);
  assert.equal(bytesToHex(sent[0].payload), packets.networkConfigRequest_haveConfig.payloadHex);
});

// ---- Config chunks --------------------------------------------------------------------------------

function chunkOf(payloadHex: string, inRe: boolean): { chunk: ConfigChunk; body: Uint8Array } {
  let body = hex(payloadHex);
  if (inRe) {
    const r = decodeInRe(body);
    assert.ok(r.ok);
    body = r.value.body;
  }
  const c = decodeConfigChunk(body);
  assert.ok(c.ok, c.ok ? '' : c.error.message);
  return { chunk: c.value, body };
}

function checkChunkFields(chunk: ConfigChunk, v: Record<string, unknown>): void {
  assert.equal(chunk.networkId, BigInt('0x' + v.nwid));
  assert.equal(chunk.data.length, v.chunkLength);
  assert.equal(chunk.flags, v.flags);
  assert.equal(chunk.updateId, BigInt('0x' + v.updateId));
  assert.equal(chunk.totalLength, v.totalLength);
  assert.equal(chunk.index, v.chunkIndex);
  assert.equal(chunk.signedPortion.length, v.signedPortionLength);
  assert.equal(bytesToHex(chunk.signature), v.signature);
  assert.equal(chunk.legacy, false);
}

const single = packets.networkConfig_okForm_singleChunk;

test('vl2-packets networkConfig_okForm_singleChunk #0: OK header, chunk fields, signature, re-signing', () => {
  const p = single.packets[0];
  assert.equal(p.verb, VERB.OK);
  const inRe = decodeInRe(hex(p.payloadHex));
  assert.ok(inRe.ok);
  assert.equal(inRe.value.inReVerb, p.inReVerb);
  assert.equal(bytesToHex(inRe.value.inRePacketId), p.inRePacketId);
  const { chunk, body } = chunkOf(p.payloadHex, true);
  checkChunkFields(chunk, p.chunk);
  assert.equal(body.length, p.chunk.payloadLength);
  assert.ok(verifyConfigChunk(chunk, A.publicOnly()));
  assert.ok(!verifyConfigChunk(chunk, B.publicOnly()), 'only the controller signs configs');
  // Ed25519 is deterministic: our controller's chunk for the same update is the same bytes.
  const ours = encodeConfigChunks(hex(single.assembledDictionaryHex), NWID, chunk.updateId, A);
  assert.equal(ours.length, 1);
  assert.equal(bytesToHex(ours[0]), bytesToHex(body));
});

test('vl2-packets networkConfig_okForm_singleChunk: reassembly, acceptance, replay and bad signature', () => {
  const { chunk } = chunkOf(single.packets[0].payloadHex, true);
  const asm = new ConfigAssembler();
  const verify = (c: ConfigChunk): boolean => verifyConfigChunk(c, A);
  const done = asm.offer(chunk, verify);
  assert.equal(done.kind, 'complete');
  assert.ok(done.kind === 'complete');
  assert.equal(done.updateId.toString(16).padStart(16, '0'), single.packets[0].handleConfigChunkReturn);
  assert.equal(bytesToHex(done.dictionary), single.assembledDictionaryHex);
  const nc = parseNetworkConfig(done.dictionary);
  assert.ok(nc.ok);
  assert.equal(nc.value.issuedTo, B.address);
  assert.equal(single.memberAcceptedConfig, true);
  // replayReturn 0: the same chunk again completes nothing.
  assert.equal(BigInt('0x' + single.replayReturn), 0n);
  assert.equal(asm.offer(chunk, verify).kind, 'ignored');
  // badSignatureReturn 0: a flipped signature byte is refused (fresh assembler: nothing seen).
  assert.equal(BigInt('0x' + single.badSignatureReturn), 0n);
  const forged = { ...chunk, signature: chunk.signature.slice() };
  forged.signature[40] ^= 1;
  assert.equal(new ConfigAssembler().offer(forged, verify).kind, 'bad-signature');
});

test('vl2-packets networkConfig_okForm_singleChunk: B (engine) accepts it as the OK to its request', () => {
  const b = makeBench(B, [A, C]);
  b.vl2.join(NOW, NWID);
  const requestId = b.lastWireId(A, VERB.NETWORK_CONFIG_REQUEST);
  const { body } = chunkOf(single.packets[0].payloadHex, true);
  b.receive(A, VERB.OK, encodeInRe(VERB.NETWORK_CONFIG_REQUEST, requestId, body));
  const state = b.vl2.network(NWID)!;
  assert.equal(state.status, 'OK');
  assert.equal(single.memberStatus, 1); // ZT_NETWORK_STATUS_OK
  assert.equal(state.config?.revision, 42);
  assert.equal(b.vhost.changes.at(-1)?.status, 'OK');
  // The same OK again (a replay with a fresh packet ID) changes nothing.
  const changes = b.vhost.changes.length;
  b.receive(A, VERB.OK, encodeInRe(VERB.NETWORK_CONFIG_REQUEST, requestId, body));
  assert.equal(b.vhost.changes.length, changes);
  assert.ok((b.node.counters.drops.replayed ?? 0) >= 1);
});

test('vl2-packets networkConfig_okForm_singleChunk: a bad signature or a sender other than A configures nothing', () => {
  const b = makeBench(B, [A, C]);
  b.vl2.join(NOW, NWID);
  const requestId = b.lastWireId(A, VERB.NETWORK_CONFIG_REQUEST);
  const { body } = chunkOf(single.packets[0].payloadHex, true);
  const forged = body.slice();
  forged[forged.length - 10] ^= 0x20;
  b.receive(A, VERB.OK, encodeInRe(VERB.NETWORK_CONFIG_REQUEST, requestId, forged));
  assert.equal(b.vl2.network(NWID)?.status, 'REQUESTING_CONFIGURATION');
  assert.ok((b.node.counters.drops.bad_signature ?? 0) >= 1);
  b.receive(C, VERB.NETWORK_CONFIG, body);
  assert.equal(b.vl2.network(NWID)?.status, 'REQUESTING_CONFIGURATION');
  assert.ok((b.node.counters.drops.not_from_controller ?? 0) >= 1);
});

const multi = packets.networkConfig_pushForm_multiChunk;

for (const [i, p] of multi.packets.entries()) {
  test(`vl2-packets networkConfig_pushForm_multiChunk #${i}: chunk fields, signature, re-signing`, () => {
    assert.equal(p.verb, VERB.NETWORK_CONFIG);
    const { chunk, body } = chunkOf(p.payloadHex, false);
    checkChunkFields(chunk, p.chunk);
    assert.equal(body.length, p.payloadLength);
    assert.ok(verifyConfigChunk(chunk, A));
    const ours = encodeConfigChunks(hex(multi.assembledDictionaryHex), NWID, chunk.updateId, A, multi.maxChunkDataLength);
    assert.equal(ours.length, multi.packets.length);
    assert.equal(bytesToHex(ours[i]), p.payloadHex);
  });
}

test('vl2-packets networkConfig_pushForm_multiChunk: reassembled in order and in reverse', () => {
  const chunks = multi.packets.map((p: { payloadHex: string }) => chunkOf(p.payloadHex, false).chunk);
  const verify = (c: ConfigChunk): boolean => verifyConfigChunk(c, A);
  for (const order of [chunks, [...chunks].reverse()]) {
    const asm = new ConfigAssembler();
    const outcomes = order.map((c: ConfigChunk) => asm.offer(c, verify));
    assert.equal(outcomes[0].kind, 'incomplete');
    const last = outcomes[1];
    assert.ok(last.kind === 'complete');
    assert.equal(last.dictionary.length, multi.assembledDictionaryLength);
    assert.equal(bytesToHex(last.dictionary), multi.assembledDictionaryHex);
  }
  // handleConfigChunkReturnWhenFedInReverseOrder: the last chunk (fed first) returns 0, the first the update ID.
  assert.equal(BigInt('0x' + multi.packets[1].handleConfigChunkReturnWhenFedInReverseOrder), 0n);
  assert.equal(multi.packets[0].handleConfigChunkReturnWhenFedInReverseOrder, multi.packets[0].chunk.updateId);
});

test('vl2-packets networkConfig_pushForm_multiChunk: B (engine) applies the push in reverse order and acknowledges with OK(ECHO)', () => {
  const b = configuredB();
  const ids: Uint8Array[] = [];
  for (const p of [...multi.packets].reverse()) ids.push(b.receive(A, VERB.NETWORK_CONFIG, hex(p.payloadHex), NOW + 10));
  const state = b.vl2.network(NWID)!;
  assert.equal(state.config?.revision, 0x2b);
  assert.equal(multi.memberAcceptedConfig, true);
  const oks = b.take(VERB.OK, A.address);
  assert.equal(oks.length, 1);
  const inRe = decodeInRe(oks[0].payload);
  assert.ok(inRe.ok);
  assert.equal(inRe.value.inReVerb, VERB.ECHO);
  assert.equal(bytesToHex(inRe.value.inRePacketId), bytesToHex(ids[1]), 'quotes the push that completed the update');
  assert.equal(readU64(inRe.value.body, 0), NWID);
  assert.equal(readU64(inRe.value.body, 8).toString(16).padStart(16, '0'), multi.packets[0].chunk.updateId);
});

// ---- MULTICAST_LIKE ---------------------------------------------------------------------------------

function likeGroups(payloadHex: string): { mac: number; adi: number }[] {
  const likes = decodeMulticastLikes(hex(payloadHex));
  assert.ok(likes.every((l) => l.networkId === NWID));
  return likes.map((l) => l.group);
}

for (const name of ['multicastLike_newSubscription_toController', 'multicastLike_periodic_toController'] as const) {
  for (const [i, p] of packets[name].entries()) {
    test(`vl2-packets ${name} #${i}: decodes and re-encodes`, () => {
      assert.equal(p.verb, VERB.MULTICAST_LIKE);
      const groups = likeGroups(p.payloadHex);
      assert.equal(groups.length * 18, p.payloadLength);
      const again = encodeMulticastLikes(groups.map((group) => ({ networkId: NWID, group })), 1400);
      assert.equal(again.length, 1);
      assert.equal(bytesToHex(again[0]), p.payloadHex);
    });
  }
}

test('vl2-packets multicastLike_*: B announces a new subscription alone, then all groups periodically', () => {
  const b = configuredB();
  const solicited = { mac: 0x3333ff000005, adi: 0 };
  b.vl2.multicastSubscribe(NOW, NWID, solicited);
  const now = b.take(VERB.MULTICAST_LIKE, A.address);
  assert.equal(now.length, 1);
  assert.equal(bytesToHex(now[0].payload), packets.multicastLike_newSubscription_toController[0].payloadHex);
  b.vl2.multicastSubscribe(NOW, NWID, { mac: 0xffffffffffff, adi: 0x0a931105 });
  b.take(VERB.MULTICAST_LIKE);
  b.vl2.processBackgroundTasks(NOW + 61_000);
  const periodic = b.take(VERB.MULTICAST_LIKE, A.address);
  assert.equal(periodic.length, 1);
  assert.equal(bytesToHex(periodic[0].payload), packets.multicastLike_periodic_toController[0].payloadHex);
});

// ---- NETWORK_CREDENTIALS ----------------------------------------------------------------------------

test('vl2-packets networkCredentials_push #0: B pushes exactly these credentials to C before its first frame to C', () => {
  const b = configuredB();
  b.vl2.processVirtualFrame(NOW, NWID, macOf(B.address), macOf(C.address), 0x0800, 0, ipv4Frame());
  const pushes = b.take(VERB.NETWORK_CREDENTIALS, C.address);
  assert.equal(pushes.length, packets.networkCredentials_push.packets.length);
  assert.equal(bytesToHex(pushes[0].payload), packets.networkCredentials_push.packets[0].payloadHex);
  assert.equal(pushes[0].compress, packets.networkCredentials_push.packets[0].sentCompressed);
  assert.equal(b.take(VERB.FRAME, C.address).length, 1);
});

for (const [i, p] of packets.networkCredentials_revocationFromController.entries()) {
  test(`vl2-packets networkCredentials_revocationFromController #${i}: A's revokeMember sends it; B applies it`, () => {
    const read = readNetworkCredentials(hex(p.payloadHex));
    assert.equal(read.error, undefined);
    assert.equal(read.credentials.revocations.length, 1);
    const rev = read.credentials.revocations[0];
    const a = makeBench(A, [B, C]);
    a.vl2.revokeMember(NOW, NWID, rev.target, rev, [B.address]);
    const sent = a.take(VERB.NETWORK_CREDENTIALS);
    assert.equal(sent.length, 1);
    assert.equal(sent[0].dest, B.address);
    assert.equal(bytesToHex(sent[0].payload), p.payloadHex);
    // B files it against C: C's COM issued at or before the threshold no longer passes B's gate.
    const b = configuredB();
    b.receive(A, VERB.NETWORK_CREDENTIALS, hex(p.payloadHex), NOW + 2000);
    assert.equal(b.node.counters.drops.bad_signature ?? 0, 0);
  });
}

// ---- ARP as multicast, GATHER, MULTICAST_FRAME ----------------------------------------------------------

const space = new NetworkMacSpace(NWID);
const macOf = (address: number): number => space.macFromAddress(address);

function ipv4Frame(): Uint8Array {
  return hex('450000241234400040112cfc0a931105e00000011388138800100000a0a1a2a3a4a5a6a7');
}

const arp = packets.arpBroadcastAsMulticast;

test('vl2-packets arpBroadcastAsMulticast: an ARP request goes to its target group: GATHER to A, MULTICAST_FRAME to the bridge C', () => {
  const b = configuredB();
  const input = arp.inputFrame;
  const frame = hex(input.frameHex);
  assert.equal(macToString(b.vl2.network(NWID)!.mac), input.srcMac);
  b.vl2.processVirtualFrame(NOW, NWID, parseMac(input.srcMac)!, parseMac(input.dstMac)!, input.etherType, 0, frame);
  const gathers = b.take(VERB.MULTICAST_GATHER, A.address);
  assert.equal(gathers.length, arp.multicastGatherToController.length);
  assert.equal(bytesToHex(gathers[0].payload), arp.multicastGatherToController[0].payloadHex);
  assert.equal(gathers[0].compress, arp.multicastGatherToController[0].sentCompressed);
  const g = decodeMulticastGather(gathers[0].payload);
  assert.ok(g.ok);
  assert.equal(g.value.group.adi, arp.multicasterSend[0].adi);
  assert.equal(g.value.group.mac, parseMac(arp.multicasterSend[0].groupMac));
  const frames = b.take(VERB.MULTICAST_FRAME, C.address);
  assert.equal(frames.length, arp.afterLearningMemberC.length);
  assert.equal(bytesToHex(frames[0].payload), arp.afterLearningMemberC[0].payloadHex);
  const mf = decodeMulticastFrame(frames[0].payload);
  assert.ok(mf.ok);
  assert.equal(mf.value.etherType, arp.multicasterSend[0].etherType);
  assert.equal(mf.value.frame.length, arp.multicasterSend[0].length);
});

// ---- Multicast limit --------------------------------------------------------------------------------------

test('vl2-packets multicastFrame_limit: 40 known members, limit 32: exactly 32 MULTICAST_FRAMEs with gather limit 1', () => {
  const v = packets.multicastFrame_limit;
  const nc: NetworkConfig = { ...scenarioConfigOfB(), specialists: [], multicastLimit: v.multicastLimit, timestamp: NOW + 1 };
  const b = configuredB();
  pushConfigAsA(b, nc, 0x77n, NOW + 1);
  assert.equal(b.vl2.network(NWID)?.config?.multicastLimit, 32);
  b.sent.length = 0;
  const ex = hex(v.example.payloadHex);
  const mf = decodeMulticastFrame(ex);
  assert.ok(mf.ok);
  const group = mf.value.group;
  const send = (): void => b.vl2.processVirtualFrame(NOW + 2, NWID, b.vl2.network(NWID)!.mac, group.mac, mf.value.etherType, 0, mf.value.frame);
  // First: nobody known, so a gather goes to A; its answer lists 40 members.
  send();
  const gatherId = b.lastWireId(A, VERB.MULTICAST_GATHER);
  const members = Array.from({ length: v.members }, (_, i) => 0x5500000001 + i);
  const reply = new Uint8Array(8 + 6 + 4 + 4 + 2 + 5 * members.length);
  reply.set(ex.subarray(0, 8), 0);
  reply.set(ex.subarray(13, 23), 8); // group MAC and ADI
  new DataView(reply.buffer).setUint32(18, members.length);
  new DataView(reply.buffer).setUint16(22, members.length);
  members.forEach((m, i) => {
    for (let k = 0; k < 5; k++) reply[24 + 5 * i + k] = Math.floor(m / 256 ** (4 - k)) % 256;
  });
  b.receive(A, VERB.OK, encodeInRe(VERB.MULTICAST_GATHER, gatherId, reply), NOW + 3);
  b.sent.length = 0;
  // Now the 40 members are known: one send reaches exactly the limit.
  send();
  const frames = b.take(VERB.MULTICAST_FRAME);
  assert.equal(frames.length, v.framesSent);
  assert.equal(new Set(frames.map((f) => f.dest)).size, v.framesSent);
  assert.ok(frames.every((f) => members.includes(f.dest)));
  assert.ok(frames.every((f) => bytesToHex(f.payload) === v.example.payloadHex));
  assert.equal(b.take(VERB.MULTICAST_GATHER).length, 0, 'enough members: no gather');
});

// ---- NDP emulation ------------------------------------------------------------------------------------------

const ndp = packets.ndpEmulation;

for (const [i, c] of ndp.cases.entries()) {
  test(`vl2-packets ndpEmulation #${i}: ${c.case}`, () => {
    const b = configuredB();
    b.vl2.processVirtualFrame(NOW, NWID, parseMac(c.nsSrcMac)!, parseMac(c.nsDstMac)!, 0x86dd, 0, hex(c.nsFrameHex));
    const delivered = b.vhost.frames;
    assert.equal(delivered.length, c.framesDeliveredToLocalTap.length);
    for (const [k, d] of c.framesDeliveredToLocalTap.entries()) {
      assert.equal(macToString(delivered[k].srcMac), d.srcMac);
      assert.equal(macToString(delivered[k].dstMac), d.dstMac);
      assert.equal(delivered[k].etherType, d.etherType);
      assert.equal(bytesToHex(delivered[k].payload), d.frameHex);
    }
    const multicasts = b.sent.filter((s) => s.verb === VERB.MULTICAST_FRAME || s.verb === VERB.MULTICAST_GATHER).length;
    assert.equal(multicasts > 0 ? 1 : 0, c.multicastSent);
  });
}

test('vl2-packets ndpEmulation: the member MACs the vector names are ours', () => {
  const b = configuredB();
  assert.equal(macToString(b.vl2.network(NWID)!.mac), arp.inputFrame.srcMac);
  assert.equal(macToString(macOf(C.address)), ndp.C_mac);
});
