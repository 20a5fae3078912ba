/**
 * A private certificate authority for the hub and the serving certificates it issues.
 * ECDSA P-256 keys and SHA-256 signatures from node:crypto; kubectl and Node's TLS accept both.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes, sign, X509Certificate, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import { bitString, bool, explicit, implicit, octets, oid, seq, set, time, uint, utf8 } from './der.js';

const OID = {
  ecdsaWithSha256: '1.2.840.10045.4.3.2',
  commonName: '2.5.4.3',
  organization: '2.5.4.10',
  subjectKeyId: '2.5.29.14',
  keyUsage: '2.5.29.15',
  subjectAltName: '2.5.29.17',
  basicConstraints: '2.5.29.19',
  authorityKeyId: '2.5.29.35',
  extKeyUsage: '2.5.29.37',
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
};

export interface KeyAndCert {
  keyPem: string;
  certPem: string;
}

const DAY = 86_400_000;

function name(commonName: string): Buffer {
  return seq(
    set(seq(oid(OID.organization), utf8('flotilla'))),
    set(seq(oid(OID.commonName), utf8(commonName))),
  );
}

function extension(id: string, critical: boolean, value: Buffer): Buffer {
  return seq(oid(id), ...(critical ? [bool(true)] : []), octets(value));
}

function keyId(pub: KeyObject): Buffer {
  return createHash('sha1').update(pub.export({ type: 'spki', format: 'der' })).digest();
}

/** keyUsage bits, most significant first: digitalSignature(0), keyCertSign(5), cRLSign(6). */
function keyUsage(bits: number[]): Buffer {
  let byte = 0;
  for (const b of bits) byte |= 0x80 >> b;
  const unused = 7 - Math.max(...bits);
  return bitString(Buffer.from([byte]), unused);
}

function subjectAltNames(hosts: string[]): Buffer {
  const names = hosts.map((h) => {
    if (isIP(h) === 4) return implicit(7, Buffer.from(h.split('.').map(Number)));
    if (isIP(h) === 6) return implicit(7, ipv6Bytes(h));
    return implicit(2, Buffer.from(h, 'ascii'));
  });
  return seq(...names);
}

function ipv6Bytes(addr: string): Buffer {
  const [head = '', tail = ''] = addr.split('::');
  const h = head ? head.split(':') : [];
  const t = tail ? tail.split(':') : [];
  const groups = addr.includes('::') ? [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t] : h;
  return Buffer.from(groups.flatMap((g) => [parseInt(g, 16) >> 8, parseInt(g, 16) & 0xff]));
}

interface IssueOptions {
  commonName: string;
  publicKey: KeyObject;
  issuer: { commonName: string; key: KeyObject; publicKey: KeyObject };
  isCA: boolean;
  hosts: string[];
  notBefore: Date;
  days: number;
  usage: ('server' | 'client')[];
}

function issue(o: IssueOptions): string {
  const sigAlg = seq(oid(OID.ecdsaWithSha256));
  const extensions = [
    extension(OID.basicConstraints, true, seq(...(o.isCA ? [bool(true)] : []))),
    extension(OID.keyUsage, true, keyUsage(o.isCA ? [0, 5, 6] : [0])),
    extension(OID.subjectKeyId, false, octets(keyId(o.publicKey))),
  ];
  if (!o.isCA) {
    extensions.push(extension(OID.authorityKeyId, false, seq(implicit(0, keyId(o.issuer.publicKey)))));
    const ekus = o.usage.map((u) => oid(u === 'server' ? OID.serverAuth : OID.clientAuth));
    extensions.push(extension(OID.extKeyUsage, false, seq(...ekus)));
    if (o.hosts.length > 0) extensions.push(extension(OID.subjectAltName, false, subjectAltNames(o.hosts)));
  }
  const tbs = seq(
    explicit(0, uint(Buffer.from([2]))),
    uint(randomBytes(16)),
    sigAlg,
    name(o.issuer.commonName),
    seq(time(o.notBefore), time(new Date(o.notBefore.getTime() + o.days * DAY))),
    name(o.commonName),
    o.publicKey.export({ type: 'spki', format: 'der' }),
    explicit(3, seq(...extensions)),
  );
  const signature = sign('sha256', tbs, o.issuer.key);
  const der = seq(tbs, sigAlg, bitString(signature));
  const b64 = der.toString('base64').replace(/.{64}/g, '$&\n');
  return `-----BEGIN CERTIFICATE-----\n${b64}${b64.endsWith('\n') ? '' : '\n'}-----END CERTIFICATE-----\n`;
}

function newKey(): { key: KeyObject; publicKey: KeyObject; keyPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  return { key: privateKey, publicKey, keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString() };
}

/** A new self-signed CA, valid for ten years from `now` (backdated an hour for clock skew). */
export function createCA(commonName: string, now: Date): KeyAndCert {
  const k = newKey();
  const notBefore = new Date(now.getTime() - 3_600_000);
  const certPem = issue({
    commonName,
    publicKey: k.publicKey,
    issuer: { commonName, key: k.key, publicKey: k.publicKey },
    isCA: true,
    hosts: [],
    notBefore,
    days: 3650,
    usage: [],
  });
  return { keyPem: k.keyPem, certPem };
}

/** A certificate for `hosts` (DNS names and IPs) signed by `ca`. */
export function issueCertificate(
  ca: KeyAndCert,
  opts: { commonName: string; hosts: string[]; now: Date; days: number; usage: ('server' | 'client')[] },
): KeyAndCert {
  const caCert = new X509Certificate(ca.certPem);
  const caKey = createPrivateKey(ca.keyPem);
  const k = newKey();
  const certPem = issue({
    commonName: opts.commonName,
    publicKey: k.publicKey,
    issuer: { commonName: caCert.subject.split('\n').find((l) => l.startsWith('CN='))?.slice(3) ?? 'flotilla', key: caKey, publicKey: createPublicKey(caKey) },
    isCA: false,
    hosts: opts.hosts,
    notBefore: new Date(opts.now.getTime() - 3_600_000),
    days: opts.days,
    usage: opts.usage,
  });
  return { keyPem: k.keyPem, certPem };
}

/** True when `certPem` covers every host and stays valid for at least `marginDays` more. */
export function certificateFits(certPem: string, hosts: string[], now: Date, marginDays: number): boolean {
  const cert = new X509Certificate(certPem);
  if (new Date(cert.validTo).getTime() - now.getTime() < marginDays * DAY) return false;
  return hosts.every((h) => (isIP(h) ? cert.checkIP(h) !== undefined : cert.checkHost(h) !== undefined));
}
