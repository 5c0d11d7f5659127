/**
 * The join flow's edges on one node: controller errors (and errors from anyone else), the
 * AUTHENTICATION_REQUIRED dictionary, the legacy unsigned chunk, old and foreign configs, ad-hoc
 * networks, requests to a node that is not a controller, a local controller answering later,
 * credential re-pushes on NEED_MEMBERSHIP_CERTIFICATE, retry timing, managed addresses, and
 * inbound IP authentication from a member's certificate of ownership.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readU64, writeU64 } from '../../src/core/vl1/bytes.js';
import { decodeError } from '../../src/core/vl1/verbs.js';
import { ERROR_CODE, VERB } from '../../src/core/vl1/packet.js';
import { encodeError } from '../../src/core/vl1/verbs.js';
import { encodeAuthenticationInfo, encodeConfigErrorBody, encodeConfigRequest } from '../../src/core/vl2/config-request.js';
import { adHocPortRangeNetworkId } from '../../src/core/vl2/network-id.js';
import { networkConfigToDictionary, type NetworkConfig } from '../../src/core/vl2/netconf.js';
import type { ConfigReply, LocalNetworkController } from '../../src/core/vl2/vl2.js';
import { createCom, signCom } from '../../src/core/vl2/credentials/com.js';
import { addCooIp, createCoo, signCoo } from '../../src/core/vl2/credentials/coo.js';
import { encodeFrame } from '../../src/core/vl2/frames.js';
import { encodeNetworkCredentials } from '../../src/core/vl2/network-credentials.js';
import type { Rule } from '../../src/core/vl2/rules-codec.js';
import { A, B, C, configuredB, makeBench, NOW, NWID, pushConfigAsA, scenarioConfigOfB } from './vl2-harness.js';

function configError(code: number, data: Uint8Array, inReVerb: number = VERB.NETWORK_CONFIG_REQUEST): Uint8Array {
  return encodeError(inReVerb, new Uint8Array(8), code, data);
}

test('vl2 config: controller errors set the status; the same errors from anyone else are ignored', () => {
  const b = makeBench(B, [A, C]);
  b.vl2.join(NOW, NWID);
  b.receive(C, VERB.ERROR, configError(ERROR_CODE.NETWORK_ACCESS_DENIED, encodeConfigErrorBody(NWID)));
  assert.equal(b.vl2.network(NWID)?.status, 'REQUESTING_CONFIGURATION');
  assert.ok((b.node.counters.drops.not_from_controller ?? 0) >= 1);
  b.receive(A, VERB.ERROR, configError(ERROR_CODE.NETWORK_ACCESS_DENIED, encodeConfigErrorBody(NWID)));
  assert.equal(b.vl2.network(NWID)?.status, 'ACCESS_DENIED');
  // OBJ_NOT_FOUND counts only about a config request.
  b.receive(A, VERB.ERROR, configError(ERROR_CODE.OBJ_NOT_FOUND, encodeConfigErrorBody(NWID), VERB.FRAME));
  assert.equal(b.vl2.network(NWID)?.status, 'ACCESS_DENIED');
  b.receive(A, VERB.ERROR, configError(ERROR_CODE.OBJ_NOT_FOUND, encodeConfigErrorBody(NWID)));
  assert.equal(b.vl2.network(NWID)?.status, 'NOT_FOUND');
  assert.deepEqual(b.vhost.changes.map((c) => c.status), ['REQUESTING_CONFIGURATION', 'ACCESS_DENIED', 'NOT_FOUND']);
  // The next accepted config clears the refusal.
  pushConfigAsA(b, scenarioConfigOfB(), 5n);
  assert.equal(b.vl2.network(NWID)?.status, 'OK');
});

test('vl2 config: AUTHENTICATION_REQUIRED carries the SSO details to the host', () => {
  const b = makeBench(B, [A, C]);
  b.vl2.join(NOW, NWID);
  const info = { version: 0, authenticationURL: 'https://login.example/auth', issuerURL: '', centralAuthURL: '', ssoNonce: '', ssoState: '', ssoClientID: '', ssoProvider: '' };
  b.receive(A, VERB.ERROR, configError(ERROR_CODE.NETWORK_AUTHENTICATION_REQUIRED, encodeConfigErrorBody(NWID, encodeAuthenticationInfo(info))));
  const s = b.vl2.network(NWID)!;
  assert.equal(s.status, 'AUTHENTICATION_REQUIRED');
  assert.equal(s.authentication?.authenticationURL, 'https://login.example/auth');
  assert.equal(b.vhost.changes.at(-1)?.authentication?.authenticationURL, 'https://login.example/auth');
});

test('vl2 config: the legacy unsigned single chunk is believed from the controller only', () => {
  const b = makeBench(B, [A, C]);
  b.vl2.join(NOW, NWID);
  const dict = networkConfigToDictionary(scenarioConfigOfB())!;
  const legacy = new Uint8Array(10 + dict.length);
  writeU64(legacy, 0, NWID);
  legacy[8] = dict.length >> 8;
  legacy[9] = dict.length & 0xff;
  legacy.set(dict, 10);
  b.receive(C, VERB.NETWORK_CONFIG, legacy);
  assert.equal(b.vl2.network(NWID)?.status, 'REQUESTING_CONFIGURATION');
  const pushId = b.receive(A, VERB.NETWORK_CONFIG, legacy);
  assert.equal(b.vl2.network(NWID)?.status, 'OK');
  // Its acknowledgement uses the push's packet ID as the update ID.
  const ack = b.take(VERB.OK, A.address);
  assert.equal(ack.length, 1);
  assert.equal(readU64(ack[0].payload, 9 + 8), readU64(pushId, 0));
});

test('vl2 config: configs for someone else, for another network, or older than the one held are refused', () => {
  const b = configuredB();
  const nc = scenarioConfigOfB();
  pushConfigAsA(b, { ...nc, issuedTo: C.address, revision: 99 }, 11n);
  pushConfigAsA(b, { ...nc, timestamp: nc.timestamp - 1, revision: 98 }, 12n);
  assert.equal(b.vl2.network(NWID)?.config?.revision, nc.revision);
  assert.ok((b.node.counters.drops.bad_config ?? 0) >= 1);
  assert.ok((b.node.counters.drops.old_config ?? 0) >= 1);
  pushConfigAsA(b, { ...nc, timestamp: nc.timestamp + 1, revision: 97 }, 13n);
  assert.equal(b.vl2.network(NWID)?.config?.revision, 97);
});

test('vl2 config: retries every 5 s while unconfigured, refreshes after 60 s', () => {
  const b = makeBench(B, [A, C]);
  b.vl2.join(NOW, NWID);
  assert.equal(b.take(VERB.NETWORK_CONFIG_REQUEST).length, 1);
  let t = NOW;
  let requests = 0;
  for (let i = 0; i < 30; i++) {
    t += 1000;
    b.vl2.processBackgroundTasks(t);
    requests += b.take(VERB.NETWORK_CONFIG_REQUEST).length;
  }
  assert.ok(requests >= 5 && requests <= 6, `${requests} requests in 30 s`);
  const c = configuredB();
  let refreshes = 0;
  for (let s = 1; s <= 130; s++) {
    c.vl2.processBackgroundTasks(NOW + s * 1000);
    refreshes += c.take(VERB.NETWORK_CONFIG_REQUEST).length;
  }
  // Unanswered, a due refresh repeats every 5 s: first at 60 s, then about 14 more by 130 s.
  assert.ok(refreshes >= 13 && refreshes <= 16, `${refreshes} refreshes`);
});

test('vl2 config: ad-hoc networks configure themselves', () => {
  const b = makeBench(B, [A, C]);
  const ports = adHocPortRangeNetworkId(80, 443);
  b.vl2.join(NOW, ports);
  assert.equal(b.vl2.network(ports)?.status, 'OK');
  assert.equal(b.vl2.network(ports)?.config?.name, 'adhoc-0050-01bb');
  const bad = adHocPortRangeNetworkId(443, 80);
  b.vl2.join(NOW, bad);
  assert.equal(b.vl2.network(bad)?.status, 'NOT_FOUND');
  assert.equal(b.take(VERB.NETWORK_CONFIG_REQUEST).length, 0);
});

test('vl2 config: a node without a controller answers requests UNSUPPORTED_OPERATION', () => {
  const b = makeBench(B, [A, C]);
  const req = encodeConfigRequest({ networkId: NWID, metadata: new Uint8Array(0), haveRevision: 0n, haveTimestamp: 0n });
  const id = b.receive(C, VERB.NETWORK_CONFIG_REQUEST, req);
  const errs = b.take(VERB.ERROR, C.address);
  assert.equal(errs.length, 1);
  const e = decodeError(errs[0].payload);
  assert.ok(e.ok);
  assert.equal(e.value.errorCode, ERROR_CODE.UNSUPPORTED_OPERATION);
  assert.deepEqual(e.value.inRePacketId, id);
  assert.equal(readU64(e.value.data, 0), NWID);
});

test('vl2 config: a controller may answer later; its config goes out as signed OK chunks quoting the request', () => {
  const a = makeBench(A, [B, C]);
  const pending: { requester: number; reply: ConfigReply }[] = [];
  const controller: LocalNetworkController = {
    onConfigRequest: (_now, requester, _nwid, metadata, reply) => {
      assert.equal(metadata.getString('o'), 'linux/x86_64');
      pending.push({ requester: requester.address, reply });
    },
  };
  a.vl2.setController(controller);
  const b = makeBench(B, [A, C]);
  b.vl2.join(NOW, NWID);
  const request = b.take(VERB.NETWORK_CONFIG_REQUEST)[0];
  const requestId = a.receive(B, VERB.NETWORK_CONFIG_REQUEST, request.payload);
  assert.equal(pending.length, 1);
  assert.equal(a.take(VERB.OK).length, 0);
  const nc: NetworkConfig = scenarioConfigOfB();
  pending[0].reply.config(nc);
  pending[0].reply.error('ACCESS_DENIED'); // a second answer is ignored
  const oks = a.take(VERB.OK, B.address);
  assert.equal(oks.length, 1);
  assert.equal(oks[0].payload[0], VERB.NETWORK_CONFIG_REQUEST);
  assert.deepEqual(oks[0].payload.subarray(1, 9), requestId);
  assert.equal(a.take(VERB.ERROR).length, 0);
  // B takes it (as an OK to the request it really sent).
  const wireId = b.lastWireId(A, VERB.NETWORK_CONFIG_REQUEST);
  const body = oks[0].payload.slice();
  body.set(wireId, 1);
  b.receive(A, VERB.OK, body);
  assert.equal(b.vl2.network(NWID)?.status, 'OK');
  // A push goes out as NETWORK_CONFIG; a refusal push as an ERROR.
  a.vl2.pushConfig(NOW, B.address, NWID, nc);
  assert.equal(a.take(VERB.NETWORK_CONFIG, B.address).length, 1);
  a.vl2.pushConfigError(NOW, B.address, NWID, 'ACCESS_DENIED');
  const err = decodeError(a.take(VERB.ERROR, B.address)[0].payload);
  assert.ok(err.ok && err.value.errorCode === ERROR_CODE.NETWORK_ACCESS_DENIED);
});

test('vl2 config: NEED_MEMBERSHIP_CERTIFICATE makes us push our credentials again (at most once a second)', () => {
  const b = configuredB();
  const need = (t: number): void => {
    const data = new Uint8Array(8);
    writeU64(data, 0, NWID);
    b.receive(C, VERB.ERROR, encodeError(VERB.FRAME, new Uint8Array(8), ERROR_CODE.NEED_MEMBERSHIP_CERTIFICATE, data), t);
  };
  need(NOW + 10);
  assert.equal(b.take(VERB.NETWORK_CREDENTIALS, C.address).length, 1);
  need(NOW + 500);
  assert.equal(b.take(VERB.NETWORK_CREDENTIALS, C.address).length, 0);
  need(NOW + 1600);
  assert.equal(b.take(VERB.NETWORK_CREDENTIALS, C.address).length, 1);
});

test('vl2 config: addresses inside a joined network are never physical paths', () => {
  const b = configuredB();
  assert.equal(b.vl2.isManagedAddress({ family: 4, ip: Uint8Array.of(10, 147, 17, 200), port: 9993 }), true);
  assert.equal(b.vl2.isManagedAddress({ family: 4, ip: Uint8Array.of(10, 147, 18, 1), port: 9993 }), false);
  const inRfc4193 = Uint8Array.from([0xfd, 0x8c, 0x0d, 0xc0, 0x1b, 0xa4, 0, 0, 1, 0x99, 0x93, 1, 2, 3, 4, 5]);
  assert.equal(b.vl2.isManagedAddress({ family: 6, ip: inRfc4193, port: 9993 }), true);
  b.vl2.leave(NOW, NWID);
  assert.equal(b.vl2.isManagedAddress({ family: 4, ip: Uint8Array.of(10, 147, 17, 200), port: 9993 }), false);
  assert.equal(b.vl2.network(NWID), undefined);
});

test('vl2 frames: inbound "chr ipauth" trusts exactly what the sender\'s certificate of ownership covers', () => {
  const rules: Rule[] = [
    { type: 'MATCH_ETHERTYPE', not: false, or: false, etherType: 0x0800 },
    { type: 'MATCH_CHARACTERISTICS', not: true, or: false, characteristics: 0x1000000000000000n },
    { type: 'ACTION_DROP', not: false, or: false },
    { type: 'ACTION_ACCEPT', not: false, or: false },
  ];
  const b = configuredB({ ...scenarioConfigOfB(), rules });
  const ts = BigInt(NOW);
  const com = signCom(createCom(ts, 1_800_000n, NWID, C), A);
  const coo = signCoo(addCooIp(createCoo(NWID, ts, C.address, 1), { family: 4, ip: Uint8Array.of(10, 147, 17, 99), port: 0 }), A);
  b.receive(C, VERB.NETWORK_CREDENTIALS, encodeNetworkCredentials({ coms: [com], capabilities: [], tags: [], revocations: [], certificatesOfOwnership: [coo] }));
  const frame = (last: number): Uint8Array => {
    const p = new Uint8Array(28);
    p[0] = 0x45;
    p.set([10, 147, 17, last], 12);
    p.set([10, 147, 17, 5], 16);
    return p;
  };
  b.receive(C, VERB.FRAME, encodeFrame(NWID, 0x0800, frame(99)), NOW + 1);
  b.receive(C, VERB.FRAME, encodeFrame(NWID, 0x0800, frame(98)), NOW + 2);
  assert.deepEqual(b.vhost.frames.map((f) => f.payload[15]), [99]);
  assert.equal(b.node.counters.drops.filtered, 1);
});
