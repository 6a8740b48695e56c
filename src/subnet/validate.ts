// Checks `[subnet]` before anything starts (also `weft config check`): what would otherwise only
// fail once the daemon runs.
import { isAbsolute } from 'node:path';
import { problem, type Config, type Problem } from '../config/index.ts';
import { interfaceNameProblem, parseIp4, parseIp6 } from '../net/index.ts';

export function validateSubnet(config: Config): Problem[] {
  const s = config.subnet;
  const problems: Problem[] = [];
  if (!s.etcd_prefix.startsWith('/') || (s.etcd_prefix.length > 1 && s.etcd_prefix.endsWith('/'))) {
    problems.push(problem('subnet.etcd_prefix', `"${s.etcd_prefix}" must start with '/' and not end with one (flannel: /coreos.com/network)`));
  }
  if (s.public_ip !== '' && parseIp4(s.public_ip) === undefined) problems.push(problem('subnet.public_ip', `"${s.public_ip}" is not an IPv4 address`));
  if (s.public_ipv6 !== '' && parseIp6(s.public_ipv6) === undefined) problems.push(problem('subnet.public_ipv6', `"${s.public_ipv6}" is not an IPv6 address`));
  if (s.iface !== '') {
    const bad = interfaceNameProblem(s.iface);
    if (bad !== undefined) problems.push(problem('subnet.iface', bad));
  }
  if (!isAbsolute(s.subnet_file)) problems.push(problem('subnet.subnet_file', `"${s.subnet_file}" must be an absolute path`));
  return problems;
}
