/** The network object of /network (service-api.md §5.2), from the service's view of a network. */
import { type InetAddress, ipToString } from '../../core/vl1/inet-address.js';
import { ZT_DEFAULT_MTU, ZT_NETWORK_TYPE_PUBLIC } from '../../core/vl2/constants.js';
import { macToString } from '../../core/vl2/mac.js';
import { isBroadcastEnabled } from '../../core/vl2/netconf.js';
import { networkIdToString } from '../../core/vl2/network-id.js';
import type { NetworkView } from '../networks/network-ports.js';

/** `ip/bits` (the port field of a managed address is its prefix length). */
function cidrText(a: InetAddress): string {
  return `${ipToString(a)}/${a.port}`;
}

export function networkJson(v: NetworkView): Record<string, unknown> {
  const state = v.state;
  const config = state?.config;
  const id = networkIdToString(v.nwid);
  const status = v.portError !== 0 ? 'PORT_ERROR' : (state?.status ?? 'REQUESTING_CONFIGURATION');
  const out: Record<string, unknown> = {
    allowDNS: v.settings.allowDNS,
    allowDefault: v.settings.allowDefault,
    allowGlobal: v.settings.allowGlobal,
    allowManaged: v.settings.allowManaged,
    assignedAddresses: (config?.staticIps ?? []).filter((a): a is InetAddress => a !== null).map(cidrText),
    bridge: state?.activeBridge ?? false,
    broadcastEnabled: config ? isBroadcastEnabled(config) : false,
    dhcp: false,
    dns: {
      domain: config?.dns.domain ?? '',
      servers: (config?.dns.servers ?? []).filter((a): a is InetAddress => a !== null).map((a) => ipToString(a)),
    },
    id,
    mac: macToString(v.mac),
    mtu: config?.mtu || ZT_DEFAULT_MTU,
    multicastSubscriptions: (state?.multicastSubscriptions ?? []).map((g) => ({ adi: g.adi >>> 0, mac: macToString(g.mac) })),
    name: config?.name ?? '',
    netconfRevision: config?.revision ?? 0,
    nwid: id,
    portDeviceName: v.portDeviceName,
    portError: v.portError,
    routes: (config?.routes ?? [])
      .filter((r) => r.target !== null)
      .map((r) => ({
        flags: r.flags,
        metric: r.metric,
        target: cidrText(r.target!),
        via: r.via && r.via.family === r.target!.family ? ipToString(r.via) : null,
      })),
    status,
    type: config?.type === ZT_NETWORK_TYPE_PUBLIC ? 'PUBLIC' : 'PRIVATE',
  };
  if (config?.ssoEnabled) {
    out.ssoEnabled = true;
    out.authenticationURL = config.authenticationURL;
    out.authenticationExpiryTime = config.authenticationExpiryTime;
  }
  return out;
}

