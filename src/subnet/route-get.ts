// Thin shell: the kernel's answer to `ip route get <address>` over rtnetlink (RTM_GETROUTE, one
// request): the output interface and preferred source address, as flannel's --iface-can-reach asks.
import { createRtNetlink } from 'netlink';
import { WeftError } from '../errors.ts';
import { bytesToIp4, ip4ToBytes, parseIp4 } from '../net/index.ts';

const AF_INET = 2;

export interface RouteAnswer {
  readonly iface: string;
  /** The route's preferred source address, when the kernel names one. */
  readonly src?: string;
}

export async function routeTo(address: string): Promise<RouteAnswer> {
  const ip = parseIp4(address);
  if (ip === undefined) throw new WeftError('WEFT_E_PUBLIC_IP', `--iface-can-reach ${JSON.stringify(address)} is not an IPv4 address`);
  const nl = createRtNetlink();
  nl.socket.on('error', () => undefined);
  try {
    const opts = { timeout: 5_000 };
    const [route] = await nl.getRoute({ family: AF_INET, dstLen: 32 }, { dst: ip4ToBytes(ip) }, opts);
    const index = route?.attrs.oif;
    if (index === undefined) throw new WeftError('WEFT_E_PUBLIC_IP', `the kernel has no route to ${address} (--iface-can-reach)`);
    const link = (await nl.getLinks(undefined, undefined, opts)).find((m) => m.data.index === index);
    const iface = link?.attrs.ifname;
    if (iface === undefined) throw new WeftError('WEFT_E_PUBLIC_IP', `the route to ${address} leaves through interface #${index}, which has gone`);
    const src = route?.attrs.prefsrc === undefined ? undefined : bytesToIp4(route.attrs.prefsrc);
    return src === undefined ? { iface } : { iface, src };
  } catch (error) {
    if (error instanceof WeftError) throw error;
    throw new WeftError('WEFT_E_PUBLIC_IP', `no route to ${address} (--iface-can-reach): ${(error as Error).message}`, { cause: error });
  } finally {
    nl.socket.close();
  }
}
