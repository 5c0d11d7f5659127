/**
 * The bound UDP sockets: one per (local address, port), each with a LocalSocket id the core
 * echoes back when it replies. `sync()` reconciles the open set with a new plan (interfaces
 * come and go); ids are never reused, so a stale id from the core simply finds no socket.
 *
 * Send path: a synchronous `lookup` is given to every socket, so dgram hands the datagram to
 * the kernel within send() itself (the default lookup defers to the next tick). That saves a
 * tick per packet and makes the TTL trick exact: set TTL 2, send, restore — no other datagram
 * can slip out in between with the low TTL.
 */
import { type Socket, createSocket } from 'node:dgram';
import type { LocalSocket } from '../core/host.js';
import type { InetAddress } from '../core/vl1/inet-address.js';
import type { LocalInterfaceAddress } from './bind-plan.js';
import { ipToString, parseIp } from './ip-text.js';
import { describeError } from './fatal-error.js';

export type DatagramHandler = (localSocket: LocalSocket, from: InetAddress, data: Uint8Array) => void;

export interface UdpLog {
  debug(msg: string): void;
  warn(msg: string): void;
}

export interface UdpOptions {
  onDatagram: DatagramHandler;
  log: UdpLog;
  /** SO_RCVBUF/SO_SNDBUF requested per socket (the kernel caps it at net.core.[rw]mem_max). */
  bufferBytes?: number;
}

export interface BoundSocket {
  id: LocalSocket;
  ifname: string;
  /** Local address and port. */
  address: InetAddress;
  /** Effective kernel receive buffer (bytes), as reported after binding. */
  recvBufferBytes: number;
}

interface OpenSocket extends BoundSocket {
  socket: Socket;
  key: string;
}

/** The usual default IP TTL / hop limit, restored after a low-TTL send. */
const DEFAULT_TTL = 64;
export const DEFAULT_SOCKET_BUFFER_BYTES = 8 * 1024 * 1024;

/** dgram's lookup signature, answered at once: we only ever send to IP literals. */
function literalLookup(address: string, ...rest: unknown[]): void {
  const callback = rest[rest.length - 1] as (err: Error | null, address: string, family: number) => void;
  callback(null, address, address.includes(':') ? 6 : 4);
}

/** Bounded cache of source-address text -> InetAddress ip bytes (peers are few, packets many). */
class SourceIpCache {
  private readonly map = new Map<string, { family: 4 | 6; ip: Uint8Array }>();
  constructor(private readonly limit = 4096) {}
  get(text: string): { family: 4 | 6; ip: Uint8Array } | undefined {
    let v = this.map.get(text);
    if (v) return v;
    v = parseIp(text);
    if (!v) return undefined;
    if (this.map.size >= this.limit) this.map.clear();
    this.map.set(text, v);
    return v;
  }
}

export class UdpSockets {
  private readonly open = new Map<string, OpenSocket>();
  private readonly byId = new Map<LocalSocket, OpenSocket>();
  private nextId = 1;
  private closed = false;
  private readonly sourceIps = new SourceIpCache();

  constructor(private readonly options: UdpOptions) {}

  /**
   * Open sockets for every (address, port) in the plan that has none, close the ones no longer
   * planned. Failures to bind one address are logged and retried at the next sync.
   */
  async sync(addresses: LocalInterfaceAddress[], ports: number[]): Promise<BoundSocket[]> {
    if (this.closed) return [];
    const wanted = new Map<string, { a: LocalInterfaceAddress; port: number }>();
    for (const a of addresses) for (const port of ports) wanted.set(keyOf(a.text, port), { a, port });
    for (const [key, s] of this.open) {
      if (!wanted.has(key)) this.closeOne(s);
    }
    await Promise.all(
      [...wanted].filter(([key]) => !this.open.has(key)).map(([key, { a, port }]) => this.openOne(key, a, port)),
    );
    return this.list();
  }

  list(): BoundSocket[] {
    return [...this.byId.values()].map(({ id, ifname, address, recvBufferBytes }) => ({ id, ifname, address, recvBufferBytes }));
  }

  /**
   * Send one datagram from a given socket. An unknown id (0, -1, or a socket since closed)
   * sends from every socket of the destination's family, as ZeroTier does for paths it has not
   * pinned to a socket yet. Returns whether anything was handed to the kernel.
   */
  send(localSocket: LocalSocket, to: InetAddress, data: Uint8Array, ttl?: number): boolean {
    const host = ipToString(to.family, to.ip);
    const s = this.byId.get(localSocket);
    if (s) {
      if (s.address.family !== to.family) return false;
      this.sendOn(s, host, to.port, data, ttl);
      return true;
    }
    let sent = false;
    for (const other of this.byId.values()) {
      if (other.address.family !== to.family) continue;
      this.sendOn(other, host, to.port, data, ttl);
      sent = true;
    }
    return sent;
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const s of [...this.open.values()]) this.closeOne(s);
  }

  private sendOn(s: OpenSocket, host: string, port: number, data: Uint8Array, ttl?: number): void {
    try {
      if (ttl !== undefined) {
        s.socket.setTTL(ttl);
        try {
          s.socket.send(data, port, host);
        } finally {
          s.socket.setTTL(DEFAULT_TTL);
        }
      } else {
        s.socket.send(data, port, host);
      }
    } catch (e) {
      // Synchronous failures (bad port, socket closing) are per-datagram, like a lost packet.
      this.options.log.debug(`send from ${ipToString(s.address.family, s.address.ip)}/${s.address.port} failed: ${describeError(e)}`);
    }
  }

  private openOne(key: string, a: LocalInterfaceAddress, port: number): Promise<void> {
    const socket = createSocket({
      type: a.family === 4 ? 'udp4' : 'udp6',
      ipv6Only: a.family === 6,
      lookup: literalLookup as never,
    });
    return new Promise((resolve) => {
      const onBindError = (e: Error) => {
        this.options.log.warn(`cannot bind UDP ${a.text}/${port}${a.ifname ? ` (${a.ifname})` : ''}: ${describeError(e)}`);
        socket.close();
        resolve();
      };
      socket.once('error', onBindError);
      socket.bind({ address: a.text, port, exclusive: true }, () => {
        socket.off('error', onBindError);
        if (this.closed) {
          socket.close();
          resolve();
          return;
        }
        const bytes = this.options.bufferBytes ?? DEFAULT_SOCKET_BUFFER_BYTES;
        trySetBuffers(socket, bytes);
        const id = this.nextId++;
        const actualPort = socket.address().port;
        // Keyed by the port actually bound, so a plan made with port 0 matches it next time.
        const s: OpenSocket = {
          id,
          key: port === 0 ? keyOf(a.text, actualPort) : key,
          ifname: a.ifname,
          address: { family: a.family, ip: a.ip, port: actualPort },
          recvBufferBytes: safeRecvBufferSize(socket),
          socket,
        };
        socket.on('error', (e) => this.options.log.debug(`UDP ${a.text}/${port}: ${describeError(e)}`));
        socket.on('message', (msg, rinfo) => {
          const ip = this.sourceIps.get(rinfo.address);
          if (ip) this.options.onDatagram(id, { family: ip.family, ip: ip.ip, port: rinfo.port }, msg);
        });
        this.open.set(s.key, s);
        this.byId.set(id, s);
        resolve();
      });
    });
  }

  private closeOne(s: OpenSocket): void {
    this.open.delete(s.key);
    this.byId.delete(s.id);
    try {
      s.socket.close();
    } catch {
      // Already closed (e.g. after an error): nothing left to release.
    }
  }
}

function keyOf(text: string, port: number): string {
  return `${text}/${port}`;
}

function trySetBuffers(socket: Socket, bytes: number): void {
  try {
    socket.setRecvBufferSize(bytes);
    socket.setSendBufferSize(bytes);
  } catch {
    // The kernel refused the size outright; the default buffers still work, only smaller.
  }
}

function safeRecvBufferSize(socket: Socket): number {
  try {
    return socket.getRecvBufferSize();
  } catch {
    return 0;
  }
}
