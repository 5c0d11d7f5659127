/**
 * Choosing the UDP ports as ZeroTier One does (spec service-api.md §2): the primary port
 * (default 9993; 0 = random in 20000-65499, 256 tries) must pass a trial bind on the wildcard
 * address or the service stops with "port in use"; the secondary port is random — start at
 * 20000 + (r mod 45500), step +1 (wrapping to 20000) for at most 1000 trial binds — unless
 * fixed or disabled. There is no tertiary (UPnP) port: TierZero has no port mapper.
 */
import { createSocket } from 'node:dgram';
import { FatalError } from './fatal-error.js';

/** Would a UDP bind of this port on all addresses succeed right now? */
export type PortProbe = (port: number) => Promise<boolean>;

export const probeUdpPort: PortProbe = async (port) => {
  const v4 = await tryBind('udp4', '0.0.0.0', port);
  if (v4 === 'ok') return true;
  if (v4 === 'EADDRINUSE' || v4 === 'EACCES') return false;
  // No IPv4 on this host: judge by IPv6 alone.
  return (await tryBind('udp6', '::', port)) === 'ok';
};

/** 'ok' or the error code of the failed bind. */
function tryBind(type: 'udp4' | 'udp6', address: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = createSocket({ type, ipv6Only: type === 'udp6' });
    s.once('error', (e: NodeJS.ErrnoException) => {
      s.close();
      resolve(e.code ?? 'error');
    });
    s.bind({ address, port, exclusive: true }, () => s.close(() => resolve('ok')));
  });
}

export async function choosePrimaryPort(requested: number, probe: PortProbe, randomU32: () => number): Promise<number> {
  if (requested !== 0) {
    if (await probe(requested)) return requested;
    throw new FatalError(`cannot bind to local UDP port ${requested}: it is in use (another TierZero or ZeroTier running?); choose another with -p`);
  }
  for (let i = 0; i < 256; i++) {
    const port = 20000 + (randomU32() % 45500);
    if (await probe(port)) return port;
  }
  throw new FatalError('cannot find a free random UDP port for the primary port');
}

/** A free port for the secondary socket, or 0 if none was found. */
export async function chooseRandomPort(probe: PortProbe, randomU32: () => number, exclude: number[]): Promise<number> {
  let port = 20000 + (randomU32() % 45500);
  for (let i = 0; i < 1000; i++) {
    if (!exclude.includes(port) && (await probe(port))) return port;
    port = port + 1 >= 65536 ? 20000 : port + 1;
  }
  return 0;
}
