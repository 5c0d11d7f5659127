/** Managed addresses and routes: local settings policy (§7.1) and route planning (§8.4). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { parseInetAddress, type InetAddress } from '../../src/core/vl1/inet-address.js';
import { emptyNetworkConfig, type NetworkConfig } from '../../src/core/vl2/netconf.js';
import { cidrToText, parseCidr, type Cidr } from '../../src/service/ip-text.js';
import { managedTargetAllowed, networkOf, planManagedAddresses, planManagedRoutes, routeKey } from '../../src/service/networks/managed-plan.js';
import { defaultNetworkSettings, type NetworkSettings } from '../../src/service/networks/network-settings.js';

const cidr = (t: string): Cidr => parseCidr(t)!;
const inet = (t: string): InetAddress => {
  const [ip, bits] = t.split('/');
  const r = parseInetAddress(`${ip}/${bits ?? 0}`);
  assert.ok(r.ok);
  return r.value;
};
const settings = (over: Partial<NetworkSettings> = {}): NetworkSettings => ({ ...defaultNetworkSettings(), ...over });

function config(staticIps: string[], routes: [string, string | null][]): NetworkConfig {
  const c = emptyNetworkConfig();
  c.networkId = 0x877b4c739939ef9fn;
  c.staticIps = staticIps.map(inet);
  c.routes = routes.map(([target, via]) => ({ target: inet(target), via: via ? inet(via) : null, flags: 0, metric: 0 }));
  return c;
}

test('managed policy: allowManaged, whitelist, default routes, scopes', () => {
  const s = settings();
  assert.equal(managedTargetAllowed(s, cidr('10.1.2.3/24')), true, 'private');
  assert.equal(managedTargetAllowed(s, cidr('100.64.1.1/10')), true, 'shared (CGNAT)');
  assert.equal(managedTargetAllowed(s, cidr('fd00::1/88')), true, 'ULA');
  assert.equal(managedTargetAllowed(s, cidr('8.8.8.0/24')), false, 'global needs allowGlobal');
  assert.equal(managedTargetAllowed(settings({ allowGlobal: true }), cidr('8.8.8.0/24')), true);
  assert.equal(managedTargetAllowed(s, cidr('0.0.0.0/0')), false, 'default needs allowDefault');
  assert.equal(managedTargetAllowed(settings({ allowDefault: true }), cidr('::/0')), true);
  for (const never of ['127.0.0.1/8', '169.254.1.1/16', 'fe80::1/64', '224.0.0.1/4', 'ff02::1/16']) {
    assert.equal(managedTargetAllowed(settings({ allowGlobal: true, allowDefault: true }), cidr(never)), false, never);
  }
  assert.equal(managedTargetAllowed(settings({ allowManaged: false }), cidr('10.1.2.3/24')), false);
  const wl = settings({ managedWhitelist: [cidr('10.1.0.0/16')] });
  assert.equal(managedTargetAllowed(wl, cidr('10.1.2.0/24')), true);
  assert.equal(managedTargetAllowed(wl, cidr('10.0.0.0/8')), false, 'wider than the whitelist entry');
  assert.equal(managedTargetAllowed(wl, cidr('10.2.0.1/24')), false);
});

test('managed addresses: config order, filtered by the settings, unique IPs', () => {
  const c = config(['fd87:7b4c:7399:39ef:9f99:930c:234e:38b7/88', '172.31.250.17/24', '8.8.8.8/24', '172.31.250.17/16'], []);
  assert.deepEqual(planManagedAddresses(settings(), c).map(cidrToText), ['fd87:7b4c:7399:39ef:9f99:930c:234e:38b7/88', '172.31.250.17/24']);
  assert.deepEqual(planManagedAddresses(settings({ allowManaged: false }), c), []);
  assert.deepEqual(planManagedAddresses(settings(), undefined), []);
});

test('managed routes: connected routes skipped, gateways get metric 5000 after direct routes', () => {
  const c = config(['172.31.250.17/24'], [
    ['172.31.251.0/24', '172.31.250.1'],
    ['172.31.250.0/24', null],
    ['10.9.0.0/16', null],
  ]);
  const addrs = planManagedAddresses(settings(), c);
  const routes = planManagedRoutes(settings(), c, addrs);
  assert.deepEqual(routes.map(routeKey), ['10.9.0.0/16', '172.31.251.0/24 via 172.31.250.1']);
  assert.equal(routes[0]!.metric, undefined);
  assert.equal(cidrToText({ ...routes[0]!.src!, bits: 32 }), '172.31.250.17/32', 'source address of a direct route');
  assert.equal(routes[1]!.metric, 5000);
});

test('managed routes: a default route becomes two halves, only with allowDefault', () => {
  const c = config(['172.31.250.17/24', 'fd00::5/88'], [
    ['0.0.0.0/0', '172.31.250.1'],
    ['::/0', 'fd00::1'],
  ]);
  const addrs = planManagedAddresses(settings(), c);
  assert.deepEqual(planManagedRoutes(settings(), c, addrs), []);
  assert.deepEqual(planManagedRoutes(settings({ allowDefault: true }), c, addrs).map(routeKey), [
    '0.0.0.0/1 via 172.31.250.1',
    '128.0.0.0/1 via 172.31.250.1',
    '::/1 via fd00::1',
    '8000::/1 via fd00::1',
  ]);
});

test('managed routes: no source of the family, a gateway that is us, host bits in the target', () => {
  const c = config(['172.31.250.17/24'], [
    ['fd99::/64', null],
    ['10.5.0.0/16', '172.31.250.17'],
    ['10.6.7.8/16', '172.31.250.1'],
  ]);
  const routes = planManagedRoutes(settings(), c, planManagedAddresses(settings(), c));
  assert.deepEqual(routes.map(routeKey), ['10.6.0.0/16 via 172.31.250.1']);
  assert.equal(cidrToText(networkOf(cidr('fd12:3456::7/33'))), 'fd12:3456::/33');
});

test('managed routes: source is the longest common prefix, ties to the last', () => {
  const c = config(['10.1.0.5/24', '10.2.0.5/24', '10.2.0.9/24'], [['10.2.5.0/24', null]]);
  const routes = planManagedRoutes(settings(), c, planManagedAddresses(settings(), c));
  assert.deepEqual([...routes[0]!.src!.ip], [10, 2, 0, 9]);
});

test('managed routes: never throws and never plans a disallowed target (property)', () => {
  const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((b) => b.join('.'));
  const route = fc.tuple(ipv4, fc.nat(32), fc.option(ipv4, { nil: null }));
  fc.assert(
    fc.property(fc.array(fc.tuple(ipv4, fc.integer({ min: 1, max: 32 })), { maxLength: 4 }), fc.array(route, { maxLength: 6 }), fc.boolean(), (ips, rs, allowDefault) => {
      const s = settings({ allowDefault });
      const c = config(ips.map(([ip, b]) => `${ip}/${b}`), rs.map(([t, b, via]) => [`${t}/${b}`, via]));
      const addrs = planManagedAddresses(s, c);
      for (const r of planManagedRoutes(s, c, addrs)) {
        if (r.target.bits === 1) continue;
        assert.ok(managedTargetAllowed(s, r.target), routeKey(r));
      }
    }),
    { numRuns: 300 },
  );
});
