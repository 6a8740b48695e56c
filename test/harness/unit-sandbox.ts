// Runs a command under the restrictions a systemd unit file states, without systemd (PID 1 here is
// not systemd, so `systemd-run -p ...` cannot work). The properties are read from the unit file,
// so the test follows the unit. Emulated, with the tools systemd itself would use underneath:
//   CapabilityBoundingSet  setpriv --bounding-set (root's caps after exec = the bounding set)
//   NoNewPrivileges        setpriv --no-new-privs
//   LimitNOFILE            prlimit --nofile (capped to the runner's hard limit: raising it needs
//                          CAP_SYS_RESOURCE, which a container may lack)
//   UMask                  umask
//   ProtectSystem=strict   every mount of a private mount namespace (unshare) remounted read-only,
//   ReadWritePaths         except these paths, bind-mounted onto themselves first (fresh, empty:
//                          /run and /var/lib/weft are new tmpfs/overlays, as RuntimeDirectory= and
//                          a first start would have them)
//   ProtectKernelTunables  /proc/sys and /sys read-only; ProtectControlGroups: /sys/fs/cgroup too
//   ProtectHome            /home, /root (and /run/user) empty and read-only
//   PrivateTmp             fresh /tmp and /var/tmp
//   PrivateDevices         a tmpfs /dev with only null, zero, full, random, urandom, tty, shm, pts
// NOT emulated (need seccomp filters or a PID namespace, which no tool here installs): the
// SystemCallFilter, SystemCallArchitectures, RestrictAddressFamilies, RestrictNamespaces,
// RestrictRealtime, RestrictSUIDSGID, LockPersonality; ProtectProc=invisible (hidepid); KeyringMode,
// RemoveIPC. `systemd-analyze security` still scores them from the unit file.
import { readFileSync } from 'node:fs';

/** The [Service] section of a unit file: key → values in order (repeated keys accumulate). */
export function serviceSection(unitText: string): Map<string, string[]> {
  const section = new Map<string, string[]>();
  let current = '';
  for (const raw of unitText.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    if (line.startsWith('[')) {
      current = line;
      continue;
    }
    const eq = line.indexOf('=');
    if (current !== '[Service]' || eq < 0) continue;
    const key = line.slice(0, eq).trim();
    section.set(key, [...(section.get(key) ?? []), line.slice(eq + 1).trim()]);
  }
  return section;
}

const words = (values: readonly string[] | undefined): string[] => (values ?? []).flatMap((v) => v.split(/\s+/)).filter((w) => w !== '');
const last = (values: readonly string[] | undefined): string | undefined => values?.at(-1);
const yes = (value: string | undefined): boolean => ['yes', 'true', '1', 'on'].includes(value ?? '');

export interface SandboxOptions {
  /** A host path bound onto /run/systemd/notify inside (the unit's NOTIFY_SOCKET). */
  readonly notifySocket?: string;
  /** An empty directory for the sandbox's own tmpfs mounts (on the host, e.g. a mkdtemp). */
  readonly scratch: string;
  /**
   * Host directories that stay visible (read-only) although PrivateTmp or ProtectHome cover
   * them: the checkout the code runs from, which an installed weft has under /opt instead.
   */
  readonly keep?: readonly string[];
}

/**
 * The argv (unshare ...) that runs `command` under the unit's restrictions. Starts in the caller's
 * network namespace (spawn it with `ip netns exec`); every exec keeps the PID, so the spawned
 * child's PID is the command's.
 */
export function restrictedArgv(unitFile: string, command: readonly string[], options: SandboxOptions): string[] {
  const unit = serviceSection(readFileSync(unitFile, 'utf8'));
  if (last(unit.get('ProtectSystem')) !== 'strict') throw new Error(`${unitFile}: the sandbox emulates ProtectSystem=strict only`);
  const writable = words(unit.get('ReadWritePaths')).map((p) => p.replace(/^-/, ''));
  const caps = words(unit.get('CapabilityBoundingSet')).map((c) => `+${c.replace(/^CAP_/, '').toLowerCase()}`);
  const q = (text: string): string => `'${text.replaceAll("'", "'\\''")}'`;
  const keep = options.keep ?? [];
  const script = [
    'set -eu',
    'scratch=$1; shift',
    'mount --make-rprivate /',
    'mkdir -p "$scratch" && mount -t tmpfs -o mode=0700 tmpfs "$scratch"',
    // /run: fresh (the runtime directories), with the notify socket where systemd has it.
    'mount -t tmpfs -o mode=0755 tmpfs /run',
    'mkdir -p /run/systemd',
    ...(options.notifySocket === undefined ? [] : ['touch /run/systemd/notify', `mount --bind ${q(options.notifySocket)} /run/systemd/notify`]),
    // /var: an overlay, so that /var/lib/weft can be made without touching the host.
    'mkdir -p "$scratch/var-upper" "$scratch/var-work"',
    'mount -t overlay overlay -o lowerdir=/var,upperdir="$scratch/var-upper",workdir="$scratch/var-work" /var',
    ...(yes(last(unit.get('PrivateDevices')))
      ? [
          'mkdir -p "$scratch/dev"',
          'for d in null zero full random urandom tty; do touch "$scratch/dev/$d"; mount --bind "/dev/$d" "$scratch/dev/$d"; done',
          'mkdir -p "$scratch/dev/shm" "$scratch/dev/pts" && mount -t tmpfs -o mode=1777 tmpfs "$scratch/dev/shm"',
          'mount --rbind "$scratch/dev" /dev',
        ]
      : []),
    // The kept directories are stashed under the fresh /run (never covered) and put back after.
    ...keep.map((path, i) => `mkdir -p /run/.weft-keep/${i} && mount --bind ${q(path)} /run/.weft-keep/${i}`),
    ...(yes(last(unit.get('PrivateTmp'))) ? ['mount -t tmpfs -o mode=1777 tmpfs /tmp', 'mount -t tmpfs -o mode=1777 tmpfs /var/tmp'] : []),
    ...(yes(last(unit.get('ProtectHome'))) ? ['for d in /home /root; do if [ -d "$d" ]; then mount -t tmpfs -o mode=0755 tmpfs "$d"; fi; done'] : []),
    ...keep.map((path, i) => `if [ ! -d ${q(path)} ]; then mkdir -p ${q(path)}; mount --bind /run/.weft-keep/${i} ${q(path)}; fi`),
    ...(yes(last(unit.get('ProtectHome'))) ? ['for d in /home /root; do if [ -d "$d" ]; then mount -o remount,ro "$d"; fi; done'] : []),
    ...writable.map((path) => `mkdir -p ${q(path)} && mount --bind ${q(path)} ${q(path)}`),
    // ProtectSystem=strict: everything read-only but the API filesystems, the private /tmp, /dev
    // and the ReadWritePaths; ProtectKernelTunables/ControlGroups take /proc/sys and /sys too.
    `keep=' ${[...writable, '/tmp', '/var/tmp', '/dev', '/dev/shm', '/dev/pts', '/proc', '/run/systemd/notify'].join(' ')} '`,
    `tunables=${yes(last(unit.get('ProtectKernelTunables'))) ? 'yes' : 'no'}`,
    "awk '{print $5}' /proc/self/mountinfo | sort -u | while read -r mp; do",
    '  mp=$(printf "%b" "$mp")',
    '  if [ ! -e "$mp" ]; then continue; fi # under a mount we put over it (the host\'s /run/netns)',
    '  case "$keep" in *" $mp "*) continue ;; esac',
    '  case "$mp" in /proc/*|/dev/*) if [ "$mp" != /proc/sys ] || [ "$tunables" = no ]; then continue; fi ;; /sys|/sys/*) if [ "$tunables" = no ]; then continue; fi ;; esac',
    '  case "$mp" in "$scratch"|"$scratch"/*) continue ;; esac',
    '  mount -o remount,bind,ro "$mp" 2>/dev/null || mount --bind "$mp" "$mp" && mount -o remount,bind,ro "$mp"',
    'done',
    ...(unit.has('UMask') ? [`umask ${last(unit.get('UMask'))!}`] : []),
    // Without CAP_SYS_RESOURCE (a container) no process may raise its hard limit: cap to it.
    `nofile=${last(unit.get('LimitNOFILE')) ?? '1024'}; hard=$(ulimit -Hn); if [ "$hard" != unlimited ] && [ "$nofile" -gt "$hard" ]; then nofile=$hard; fi`,
    `exec prlimit --nofile="$nofile" -- setpriv ${yes(last(unit.get('NoNewPrivileges'))) ? '--no-new-privs ' : ''}--inh-caps=-all --bounding-set=-all,${caps.join(',')} -- "$@"`,
  ].join('\n');
  return ['unshare', '--mount', '--propagation', 'private', 'sh', '-c', script, 'unit-sandbox', options.scratch, ...command];
}

/** Capabilities in a /proc/PID/status mask line (CapBnd, CapEff), as CAP_ names. */
export function capabilityNames(mask: bigint): string[] {
  const names = ['CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP', 'LINUX_IMMUTABLE', 'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'IPC_OWNER', 'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT', 'SYS_PTRACE', 'SYS_PACCT', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE', 'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD', 'LEASE', 'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP', 'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG', 'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ', 'PERFMON', 'BPF', 'CHECKPOINT_RESTORE'];
  return names.filter((_name, bit) => (mask >> BigInt(bit)) & 1n).map((n) => `CAP_${n}`);
}
