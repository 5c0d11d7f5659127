import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { NetworkInterfaceInfo } from 'node:os';
import { flattenInterfaces, selectBindAddresses, type BindPolicy } from '../../src/service/bind-plan.js';
import { parseCidr, parseIp } from '../../src/service/ip-text.js';
import { planBindAddresses } from '../../src/service/compose.js';
import { defaultLocalConf, parseLocalConf } from '../../src/service/local-conf.js';

/** A fake os.networkInterfaces() result: name -> addresses. */
function ifaces(spec: Record<string, string[]>): NodeJS.Dict<NetworkInterfaceInfo[]> {
  const out: NodeJS.Dict<NetworkInterfaceInfo[]> = {};
  for (const [name, addrs] of Object.entries(spec)) {
    out[name] = addrs.map((address) => {
      const v6 = address.includes(':');
      return {
        address,
        netmask: v6 ? 'ffff:ffff:ffff:ffff::' : '255.255.255.0',
        family: v6 ? 'IPv6' : 'IPv4',
        mac: '02:00:00:00:00:01',
        internal: name === 'lo',
        cidr: null,
        ...(v6 ? { scopeid: 0 } : {}),
      } as NetworkInterfaceInfo;
    });
  }
  return out;
}

const TYPICAL = ifaces({
  lo: ['127.0.0.1', '::1'],
  eth0: ['192.168.1.10', 'fe80::1%eth0', '2001:db8::10'],
  wlan0: ['10.0.0.5'],
  zt3jnxxxxx: ['172.22.0.1'],
  tun0: ['10.8.0.2'],
  tap1: ['10.9.0.2'],
  docker0: ['172.17.0.1'],
  veth12ab: ['169.254.3.3'],
  eth1: ['100.64.1.2', '224.0.0.1', '0.0.0.0', '8.8.4.4'],
});

const noPolicy: BindPolicy = { interfacePrefixBlacklist: [], blacklistedNetworks: [] };
const texts = (list: { text: string }[]) => list.map((a) => a.text).sort();

test('bind plan: skips lo/zt/tun/tap, link-local, multicast and unspecified; keeps private and global v4/v6', () => {
  const chosen = selectBindAddresses(flattenInterfaces(TYPICAL), noPolicy);
  assert.deepEqual(texts(chosen), ['10.0.0.5', '100.64.1.2', '172.17.0.1', '192.168.1.10', '2001:db8:0:0:0:0:0:10', '8.8.4.4']);
  assert.equal(chosen.find((a) => a.text === '192.168.1.10')!.ifname, 'eth0');
});

test('bind plan: interfacePrefixBlacklist removes whole interfaces by name prefix', () => {
  const chosen = selectBindAddresses(flattenInterfaces(TYPICAL), { ...noPolicy, interfacePrefixBlacklist: ['docker', 'eth1', ''] });
  assert.deepEqual(texts(chosen), ['10.0.0.5', '192.168.1.10', '2001:db8:0:0:0:0:0:10']);
});

test('bind plan: addresses inside a blacklisted physical network are not bound', () => {
  const chosen = selectBindAddresses(flattenInterfaces(TYPICAL), {
    ...noPolicy,
    blacklistedNetworks: [parseCidr('192.168.0.0/16')!, parseCidr('2001:db8::/32')!],
  });
  assert.deepEqual(texts(chosen), ['10.0.0.5', '100.64.1.2', '172.17.0.1', '8.8.4.4']);
});

test('bind plan: settings.bind gives exactly those addresses, even loopback, with their interface names', () => {
  const chosen = selectBindAddresses(flattenInterfaces(TYPICAL), {
    ...noPolicy,
    bind: [parseIp('127.0.0.1')!, parseIp('10.0.0.5')!, parseIp('10.0.0.5')!, parseIp('203.0.113.9')!],
  });
  assert.deepEqual(
    chosen.map((a) => [a.text, a.ifname]),
    [
      ['127.0.0.1', 'lo'],
      ['10.0.0.5', 'wlan0'],
      ['203.0.113.9', ''],
    ],
  );
});

test('bind plan: a host with only loopback falls back to the wildcards', () => {
  const plan = planBindAddresses(ifaces({ lo: ['127.0.0.1', '::1'] }), defaultLocalConf());
  assert.deepEqual(texts(plan), ['0.0.0.0', '::']);
});

test('bind plan: planBindAddresses applies local.conf (prefix blacklist + physical blacklist)', () => {
  const conf = parseLocalConf('{"physical":{"10.0.0.0/8":{"blacklist":true}},"settings":{"interfacePrefixBlacklist":["docker","eth1"]}}');
  assert.ok(conf.ok);
  assert.deepEqual(texts(planBindAddresses(TYPICAL, conf.value)), ['192.168.1.10', '2001:db8:0:0:0:0:0:10']);
});

test('bind plan: the same address on two interfaces is bound once', () => {
  const chosen = selectBindAddresses(flattenInterfaces(ifaces({ eth0: ['10.1.1.1'], br0: ['10.1.1.1'] })), noPolicy);
  assert.equal(chosen.length, 1);
});
