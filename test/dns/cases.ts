// The answer table over test/dns/records.ts, shared by the resolver unit tests (encode + decode with
// dns-packet) and the integration suite (dig and node's resolver against the real server).
// Records render as `owner. TTL TYPE data`, sorted within a section; `authority` lists types only
// (the SOA serial is the etcd revision and differs between runs).
export interface AnswerCase {
  readonly title: string;
  readonly name: string;
  readonly type: string;
  readonly rcode: 'NOERROR' | 'NXDOMAIN' | 'REFUSED';
  readonly answer: readonly string[];
  readonly authority?: readonly string[];
  readonly additional?: readonly string[];
  /** Also check with node's dns.promises.Resolver (A, AAAA, SRV, TXT, MX, PTR, CNAME, NS). */
  readonly node?: boolean;
}

const soa = ['SOA'];
const z = 'weft.internal.';

export const answerCases: readonly AnswerCase[] = [
  { title: 'A for a container name', name: 'web.weft.internal', type: 'A', rcode: 'NOERROR', answer: [`web.${z} 300 A 10.5.1.2`], node: true },
  { title: 'AAAA for a v4-only name is NODATA with the SOA', name: 'web.weft.internal', type: 'AAAA', rcode: 'NOERROR', answer: [], authority: soa },
  { title: 'AAAA for a v6-only name', name: 'v6only.weft.internal', type: 'AAAA', rcode: 'NOERROR', answer: [`v6only.${z} 300 AAAA fd00::5`], node: true },
  { title: 'A for a v6-only name is NODATA', name: 'v6only.weft.internal', type: 'A', rcode: 'NOERROR', answer: [], authority: soa },
  { title: 'dual-stack name: A', name: 'dual.weft.internal', type: 'A', rcode: 'NOERROR', answer: [`dual.${z} 300 A 10.5.1.3`] },
  { title: 'dual-stack name: AAAA', name: 'dual.weft.internal', type: 'AAAA', rcode: 'NOERROR', answer: [`dual.${z} 300 AAAA fd00::3`] },
  { title: 'several values as child keys, with their TTL', name: 'api.weft.internal', type: 'A', rcode: 'NOERROR', answer: [`api.${z} 60 A 10.5.2.1`, `api.${z} 60 A 10.5.2.2`], node: true },
  { title: 'a child key is a name of its own', name: 'x1.api.weft.internal', type: 'A', rcode: 'NOERROR', answer: [`x1.api.${z} 60 A 10.5.2.1`] },
  { title: 'a subtree answers for its parent name', name: 'prod.weft.internal', type: 'A', rcode: 'NOERROR', answer: [`prod.${z} 300 A 10.5.3.1`, `prod.${z} 300 A 10.5.3.2`, `prod.${z} 300 A 10.5.3.3`] },
  { title: 'a deeper subtree', name: 'east.prod.weft.internal', type: 'A', rcode: 'NOERROR', answer: [`east.prod.${z} 300 A 10.5.3.3`] },
  { title: 'a missing name is NXDOMAIN with the SOA', name: 'nothere.weft.internal', type: 'A', rcode: 'NXDOMAIN', answer: [], authority: soa },
  { title: 'a missing name below an existing one is NXDOMAIN', name: 'nothere.prod.weft.internal', type: 'A', rcode: 'NXDOMAIN', answer: [], authority: soa },
  { title: 'NXDOMAIN for AAAA too', name: 'nothere.weft.internal', type: 'AAAA', rcode: 'NXDOMAIN', answer: [], authority: soa },
  {
    title: 'a CNAME chain inside the zone is followed to the address',
    name: 'www.weft.internal', type: 'A', rcode: 'NOERROR',
    answer: [`alias.${z} 300 CNAME web.${z}`, `web.${z} 300 A 10.5.1.2`, `www.${z} 300 CNAME alias.${z}`],
    node: true,
  },
  { title: 'a one-step alias', name: 'alias.weft.internal', type: 'A', rcode: 'NOERROR', answer: [`alias.${z} 300 CNAME web.${z}`, `web.${z} 300 A 10.5.1.2`] },
  { title: 'a chain that ends without the type is NODATA', name: 'www.weft.internal', type: 'AAAA', rcode: 'NOERROR', answer: [], authority: soa },
  { title: 'an alias out of our zones is answered as the CNAME', name: 'ext.weft.internal', type: 'A', rcode: 'NOERROR', answer: [`ext.${z} 300 CNAME example.org.`] },
  { title: 'a CNAME loop ends, NODATA', name: 'loop1.weft.internal', type: 'A', rcode: 'NOERROR', answer: [], authority: soa },
  { title: 'a dangling alias is NODATA', name: 'dangling.weft.internal', type: 'A', rcode: 'NOERROR', answer: [], authority: soa },
  { title: 'CNAME query returns the alias only', name: 'www.weft.internal', type: 'CNAME', rcode: 'NOERROR', answer: [`www.${z} 300 CNAME alias.${z}`], node: true },
  { title: 'CNAME query on an address is NODATA', name: 'web.weft.internal', type: 'CNAME', rcode: 'NOERROR', answer: [], authority: soa },
  {
    title: 'SRV with weights normalised per priority and targets from keys',
    name: '_http._tcp.svc.weft.internal', type: 'SRV', rcode: 'NOERROR',
    answer: [
      `_http._tcp.svc.${z} 300 SRV 10 25 8080 s2._http._tcp.svc.${z}`,
      `_http._tcp.svc.${z} 300 SRV 10 75 8080 s1._http._tcp.svc.${z}`,
      `_http._tcp.svc.${z} 300 SRV 20 100 9090 web.${z}`,
    ],
    additional: [`s1._http._tcp.svc.${z} 300 A 10.5.5.1`, `s2._http._tcp.svc.${z} 300 A 10.5.5.2`, `web.${z} 300 A 10.5.1.2`],
    node: true,
  },
  { title: 'SRV on an SRV-less name is from its address values', name: 's1._http._tcp.svc.weft.internal', type: 'SRV', rcode: 'NOERROR', answer: [`s1._http._tcp.svc.${z} 300 SRV 10 100 8080 s1._http._tcp.svc.${z}`], additional: [`s1._http._tcp.svc.${z} 300 A 10.5.5.1`] },
  { title: 'TXT from text', name: 'info.weft.internal', type: 'TXT', rcode: 'NOERROR', answer: [`info.${z} 300 TXT "hello world"`], node: true },
  { title: 'A for a TXT-only name is NODATA', name: 'info.weft.internal', type: 'A', rcode: 'NOERROR', answer: [], authority: soa },
  { title: 'TXT through an alias', name: 'infoalias.weft.internal', type: 'TXT', rcode: 'NOERROR', answer: [`info.${z} 300 TXT "hello world"`, `infoalias.${z} 300 CNAME info.${z}`] },
  {
    title: 'MX from mail values only, target synthesised for an address',
    name: 'mail.weft.internal', type: 'MX', rcode: 'NOERROR',
    answer: [`mail.${z} 300 MX 10 m1.mail.${z}`, `mail.${z} 300 MX 20 web.${z}`],
    additional: [`m1.mail.${z} 300 A 10.5.6.1`, `web.${z} 300 A 10.5.1.2`],
    node: true,
  },
  { title: 'MX on a name without mail values is NODATA', name: 'web.weft.internal', type: 'MX', rcode: 'NOERROR', answer: [], authority: soa },
  { title: 'a group: the shortest key sets it, other groups are left out', name: 'grp.weft.internal', type: 'A', rcode: 'NOERROR', answer: [`grp.${z} 300 A 10.5.7.1`, `grp.${z} 300 A 10.5.7.2`, `grp.${z} 300 A 10.5.7.4`] },
  { title: 'groups disagreeing on one level: no grouping', name: 'sub.grp.weft.internal', type: 'A', rcode: 'NOERROR', answer: [`sub.grp.${z} 300 A 10.5.7.2`, `sub.grp.${z} 300 A 10.5.7.3`, `sub.grp.${z} 300 A 10.5.7.4`] },
  { title: 'wildcard * matches any label', name: 'app.east.*.weft.internal', type: 'A', rcode: 'NOERROR', answer: [`app.east.*.${z} 300 A 10.5.3.3`, `app.east.*.${z} 300 A 10.5.4.3`] },
  { title: 'wildcard any is the same as *', name: 'app.east.any.weft.internal', type: 'A', rcode: 'NOERROR', answer: [`app.east.any.${z} 300 A 10.5.3.3`, `app.east.any.${z} 300 A 10.5.4.3`] },
  { title: 'a wildcard matching nothing is NXDOMAIN', name: '*.nothing.weft.internal', type: 'A', rcode: 'NXDOMAIN', answer: [], authority: soa },
  { title: 'NS at the apex from ns.dns, with glue', name: 'weft.internal', type: 'NS', rcode: 'NOERROR', answer: [`${z} 300 NS ns1.ns.dns.${z}`], additional: [`ns1.ns.dns.${z} 300 A 10.5.0.53`], node: true },
  { title: 'A at the apex from apex.dns', name: 'weft.internal', type: 'A', rcode: 'NOERROR', answer: [`${z} 300 A 10.5.0.1`] },
  { title: 'MX at the apex is NODATA', name: 'weft.internal', type: 'MX', rcode: 'NOERROR', answer: [], authority: soa },
  { title: 'SOA below the apex is NODATA', name: 'web.weft.internal', type: 'SOA', rcode: 'NOERROR', answer: [], authority: soa },
  { title: 'NS below the apex is NODATA', name: 'web.weft.internal', type: 'NS', rcode: 'NOERROR', answer: [], authority: soa },
  { title: 'PTR from a reverse record', name: '2.1.5.10.in-addr.arpa', type: 'PTR', rcode: 'NOERROR', answer: [`2.1.5.10.in-addr.arpa. 300 PTR web.${z}`], node: true },
  { title: 'mixed case: matched, and the answer keeps the query\'s case', name: 'WeB.WeFt.InTeRnAl', type: 'A', rcode: 'NOERROR', answer: ['WeB.WeFt.InTeRnAl. 300 A 10.5.1.2'] },
  { title: 'mixed case through a chain', name: 'WWW.weft.INTERNAL', type: 'A', rcode: 'NOERROR', answer: [`WWW.weft.INTERNAL. 300 CNAME alias.${z}`, `alias.${z} 300 CNAME web.${z}`, `web.${z} 300 A 10.5.1.2`] },
  { title: 'mixed case NXDOMAIN', name: 'NoThere.Weft.Internal', type: 'A', rcode: 'NXDOMAIN', answer: [], authority: soa },
  { title: 'unknown JSON fields are ignored', name: 'extra.weft.internal', type: 'A', rcode: 'NOERROR', answer: [`extra.${z} 300 A 10.5.8.1`] },
  { title: 'field names match in any casing, as Go decodes them', name: 'gocase.weft.internal', type: 'A', rcode: 'NOERROR', answer: [`gocase.${z} 45 A 10.5.8.2`], node: true },
  { title: 'a value with a field of the wrong type is skipped, not read as 0', name: 'gotype.weft.internal', type: 'A', rcode: 'NOERROR', answer: [`gotype.${z} 300 A 10.5.8.3`] },
  { title: 'a value that is not JSON is skipped', name: 'broken.weft.internal', type: 'A', rcode: 'NXDOMAIN', answer: [], authority: soa },
  { title: 'ANY gets the RFC 8482 minimal answer', name: 'web.weft.internal', type: 'ANY', rcode: 'NOERROR', answer: [`web.${z} 300 HINFO "RFC8482" ""`] },
  { title: 'ANY for a missing name is NXDOMAIN', name: 'nothere.weft.internal', type: 'ANY', rcode: 'NXDOMAIN', answer: [], authority: soa },
  { title: 'a type we hold nothing of is NODATA', name: 'web.weft.internal', type: 'CAA', rcode: 'NOERROR', answer: [], authority: soa },
  { title: 'the name server name itself resolves', name: 'ns1.ns.dns.weft.internal', type: 'A', rcode: 'NOERROR', answer: [`ns1.ns.dns.${z} 300 A 10.5.0.53`] },
];

/** SOA at the apex: checked apart (serial = etcd revision). */
export const apexSoa = { name: 'weft.internal', mname: `ns.dns.${z}`, rname: `hostmaster.${z}`, minimum: 30 };
