/**
 * The service's Prometheus metrics (GET /metrics): one prom-client Registry per service
 * instance (never the global default registry, so two services in one process, as in tests, do
 * not mix), filled at scrape time from what the core, the network ports and the controller
 * already count. Nothing here runs on the packet path.
 *
 * Families are named `tierzero_*`; ZeroTier One 1.14's own names (service-api.md §11) are
 * exported beside them where TierZero has the same quantity, so existing dashboards keep
 * working: zt_packet, zt_packet_error, zt_data, zt_num_networks,
 * zt_network_multicast_groups_subscribed, zt_peer_path_count, controller_network_count,
 * controller_member_count, controller_network_config_request.
 */
import { Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { CoreNode, CorePeerStatus } from './core-node.js';
import type { MetricsSource } from './api/api-context.js';
import { networkJson } from './api/network-json.js';
import type { NetworkView } from './networks/network-ports.js';

/** What NodeCounters (src/core/vl1/counters.ts) holds; read structurally so fakes need none. */
interface CounterSnapshot {
  datagramsIn: number;
  bytesIn: number;
  datagramsOut: number;
  bytesOut: number;
  relayed: number;
  verbsIn: Record<string, number>;
  verbsOut: Record<string, number>;
  verbBytesIn?: Record<string, number>;
  verbBytesOut?: Record<string, number>;
  drops: Partial<Record<string, number>>;
}

export interface ControllerCounts {
  networks: number;
  members: number;
}

export interface MetricsSources {
  clock(): number;
  node: CoreNode;
  networks(): NetworkView[];
  /** Controller totals, or undefined while no controller store is open. */
  controllerCounts?(): Promise<ControllerCounts | undefined>;
}

/** Config request outcomes as the controller metrics label them. */
export type ControllerRequestResult = 'config' | 'not_found' | 'access_denied' | 'authentication_required' | 'unsupported';

function countersOf(node: CoreNode): CounterSnapshot | undefined {
  const c = node.counters as Partial<CounterSnapshot> | undefined;
  return c && typeof c.datagramsIn === 'number' && c.verbsIn && c.verbsOut && c.drops ? (c as CounterSnapshot) : undefined;
}

function peerAddress(p: CorePeerStatus): string {
  return p.address;
}

/** A counter whose value is someone else's running total: set at each scrape. */
function mirroredCounter<L extends string>(registry: Registry, name: string, help: string, labelNames: readonly L[], fill: (set: (labels: Record<L, string>, value: number) => void) => void): void {
  new Counter<L>({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      fill((labels, value) => {
        if (value > 0) this.inc(labels as never, value);
      });
    },
  });
}

export class ServiceMetrics implements MetricsSource {
  readonly registry = new Registry();
  private readonly requestSeconds: Histogram<'result'>;
  private readonly requests: Counter<'result'>;
  private readonly ztRequests: Counter;

  constructor(private readonly src: MetricsSources) {
    const r = this.registry;
    const counters = () => countersOf(src.node);
    const peers = () => src.node.peers(src.clock());

    mirroredCounter(r, 'tierzero_packets_total', 'VL1 packets by verb (rx: authenticated, tx: sent)', ['direction', 'verb'], (set) => {
      const c = counters();
      if (!c) return;
      for (const [verb, n] of Object.entries(c.verbsIn)) set({ direction: 'rx', verb }, n);
      for (const [verb, n] of Object.entries(c.verbsOut)) set({ direction: 'tx', verb }, n);
    });
    mirroredCounter(r, 'tierzero_packet_bytes_total', 'Bytes of VL1 packets by verb', ['direction', 'verb'], (set) => {
      const c = counters();
      if (!c) return;
      for (const [verb, n] of Object.entries(c.verbBytesIn ?? {})) set({ direction: 'rx', verb }, n);
      for (const [verb, n] of Object.entries(c.verbBytesOut ?? {})) set({ direction: 'tx', verb }, n);
    });
    mirroredCounter(r, 'tierzero_datagrams_total', 'UDP datagrams', ['direction'], (set) => {
      const c = counters();
      if (!c) return;
      set({ direction: 'rx' }, c.datagramsIn);
      set({ direction: 'tx' }, c.datagramsOut);
    });
    mirroredCounter(r, 'tierzero_bytes_total', 'UDP payload bytes', ['direction'], (set) => {
      const c = counters();
      if (!c) return;
      set({ direction: 'rx' }, c.bytesIn);
      set({ direction: 'tx' }, c.bytesOut);
    });
    mirroredCounter(r, 'tierzero_relayed_packets_total', 'Packets and fragments relayed for other nodes', [], (set) => {
      const c = counters();
      if (c) set({}, c.relayed);
    });
    mirroredCounter(r, 'tierzero_drops_total', 'Packets and frames dropped, by reason', ['reason'], (set) => {
      for (const [reason, n] of Object.entries(counters()?.drops ?? {})) set({ reason }, n ?? 0);
    });

    new Gauge<'role' | 'link'>({
      name: 'tierzero_peers',
      help: 'Known peers by role and by how they are reached now (direct: a preferred direct path; relayed: through a root)',
      labelNames: ['role', 'link'],
      registers: [r],
      collect() {
        this.reset();
        for (const p of peers()) this.inc({ role: p.role, link: p.paths.some((x) => x.preferred) ? 'direct' : 'relayed' });
      },
    });
    new Gauge<'state'>({
      name: 'tierzero_paths',
      help: 'Physical paths to peers (alive: heard from in the last 19 s)',
      labelNames: ['state'],
      registers: [r],
      collect() {
        this.reset();
        this.set({ state: 'alive' }, 0);
        this.set({ state: 'silent' }, 0);
        for (const p of peers()) for (const x of p.paths) if (!x.expired) this.inc({ state: x.active ? 'alive' : 'silent' });
      },
    });
    new Gauge<'status'>({
      name: 'tierzero_networks',
      help: 'Joined networks by status',
      labelNames: ['status'],
      registers: [r],
      collect() {
        this.reset();
        for (const v of src.networks()) this.inc({ status: String(networkJson(v).status) });
      },
    });
    this.requests = new Counter({
      name: 'tierzero_controller_config_requests_total',
      help: 'Network config requests answered by the embedded controller, by result (rate-limited requests get no answer)',
      labelNames: ['result'],
      registers: [r],
    });
    this.requestSeconds = new Histogram({
      name: 'tierzero_controller_config_request_seconds',
      help: 'Time from a network config request to its answer',
      labelNames: ['result'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [r],
    });
    const controllerGauge = (name: string, help: string, pick: (c: ControllerCounts) => number) =>
      new Gauge({
        name,
        help,
        registers: [r],
        async collect() {
          const c = await src.controllerCounts?.();
          this.set(c ? pick(c) : 0);
        },
      });
    controllerGauge('tierzero_controller_networks', 'Networks of the embedded controller', (c) => c.networks);
    controllerGauge('tierzero_controller_members', 'Members of the embedded controller, all networks', (c) => c.members);

    // ZeroTier One's names.
    mirroredCounter(r, 'zt_packet', 'ZeroTier packets (ZeroTier One name)', ['direction', 'packet_type'], (set) => {
      const c = counters();
      if (!c) return;
      for (const [verb, n] of Object.entries(c.verbsIn)) set({ direction: 'rx', packet_type: verb.toLowerCase() }, n);
      for (const [verb, n] of Object.entries(c.verbsOut)) set({ direction: 'tx', packet_type: verb.toLowerCase() }, n);
    });
    mirroredCounter(r, 'zt_packet_error', 'ZeroTier packet errors (ZeroTier One name)', ['direction', 'error_type'], (set) => {
      for (const [reason, n] of Object.entries(counters()?.drops ?? {})) set({ direction: 'rx', error_type: reason }, n ?? 0);
    });
    mirroredCounter(r, 'zt_data', 'ZeroTier data bytes (ZeroTier One name)', ['direction', 'protocol'], (set) => {
      const c = counters();
      if (!c) return;
      set({ direction: 'rx', protocol: 'udp' }, c.bytesIn);
      set({ direction: 'tx', protocol: 'udp' }, c.bytesOut);
    });
    new Gauge({
      name: 'zt_num_networks',
      help: 'Number of joined networks (ZeroTier One name)',
      registers: [r],
      collect() {
        this.set(src.networks().length);
      },
    });
    new Gauge<'network_id'>({
      name: 'zt_network_multicast_groups_subscribed',
      help: 'Multicast groups subscribed per network (ZeroTier One name)',
      labelNames: ['network_id'],
      registers: [r],
      collect() {
        this.reset();
        for (const v of src.networks()) {
          this.set({ network_id: v.nwid.toString(16).padStart(16, '0') }, v.state?.multicastSubscriptions.length ?? 0);
        }
      },
    });
    new Gauge<'node_id' | 'status'>({
      name: 'zt_peer_path_count',
      help: 'Paths per peer (ZeroTier One name)',
      labelNames: ['node_id', 'status'],
      registers: [r],
      collect() {
        this.reset();
        for (const p of peers()) {
          const live = p.paths.filter((x) => !x.expired);
          const alive = live.filter((x) => x.active).length;
          this.set({ node_id: peerAddress(p), status: 'alive' }, alive);
          this.set({ node_id: peerAddress(p), status: 'dead' }, live.length - alive);
        }
      },
    });
    controllerGauge('controller_network_count', 'Controller networks (ZeroTier One name)', (c) => c.networks);
    controllerGauge('controller_member_count', 'Controller members (ZeroTier One name)', (c) => c.members);
    this.ztRequests = new Counter({
      name: 'controller_network_config_request',
      help: 'Network config requests received by the controller (ZeroTier One name)',
      registers: [r],
    });
  }

  /** A config request reached the embedded controller (rate-limited ones are never answered). */
  controllerRequestReceived(): void {
    this.ztRequests.inc();
  }

  /** The controller answered a config request `seconds` after it arrived. */
  controllerRequestAnswered(result: ControllerRequestResult, seconds: number): void {
    this.requests.inc({ result });
    this.requestSeconds.observe({ result }, seconds);
  }

  async render(): Promise<{ contentType: string; text: string }> {
    return { contentType: this.registry.contentType, text: await this.registry.metrics() };
  }
}
