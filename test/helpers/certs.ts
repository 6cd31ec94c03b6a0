import { generate } from 'selfsigned';

/**
 * Certificates for TLS tests, made at test time (no openssl binary, no files checked in) and cached
 * per test file: vitest loads this module once per file. EC keys, because RSA keygen is slow.
 */

export interface KeyAndCert {
  key: string;
  cert: string;
}

export interface TestCerts {
  /** Whole seconds since the epoch when the set was made; certificate dates are relative to it. */
  issuedAt: number;
  /** "Outpost Test CA" (O "Outpost Tests"); trust it to make the CA-signed leaves verify. */
  ca: KeyAndCert;
  /** Signed by ca for localhost, 127.0.0.1 and ::1; valid from a day before issuedAt to 90 days and 1 hour after. */
  localhost: KeyAndCert;
  /** The same names, signed by its own key. */
  selfSigned: KeyAndCert;
  /** Signed by ca, ended a day before issuedAt. */
  expired: KeyAndCert;
  /** Signed by ca, starts a day after issuedAt. */
  notYetValid: KeyAndCert;
  /** Signed by ca for other.example only. */
  otherName: KeyAndCert;
  /** Signed by ca for localhost, 9 days and 12 hours left at issuedAt. */
  nineDaysLeft: KeyAndCert;
}

export const DAY = 86_400_000;
const HOUR = 3_600_000;

let cached: Promise<TestCerts> | undefined;

export function testCerts(): Promise<TestCerts> {
  cached ??= makeCerts();
  return cached;
}

const LOCAL_NAMES = [{ type: 2, value: 'localhost' }, { type: 7, ip: '127.0.0.1' }, { type: 7, ip: '::1' }] as const;

async function makeCerts(): Promise<TestCerts> {
  // Certificates hold whole seconds; starting from one keeps daysLeft arithmetic exact.
  const issuedAt = Math.floor(Date.now() / 1000) * 1000;
  const at = (ms: number) => new Date(issuedAt + ms);
  const ca = await makeCa(at(-DAY), at(3650 * DAY));
  const leaf = (cn: string, from: number, to: number, altNames: readonly AltName[] = LOCAL_NAMES) => makeLeaf(cn, altNames, at(from), at(to), ca);
  const [localhost, selfSigned, expired, notYetValid, otherName, nineDaysLeft] = await Promise.all([
    leaf('localhost', -DAY, 90 * DAY + HOUR),
    makeLeaf('localhost', LOCAL_NAMES, at(-DAY), at(90 * DAY + HOUR)),
    leaf('localhost', -30 * DAY, -DAY),
    leaf('localhost', DAY, 30 * DAY),
    leaf('other.example', -DAY, 90 * DAY + HOUR, [{ type: 2, value: 'other.example' }]),
    leaf('localhost', -DAY, 9 * DAY + 12 * HOUR),
  ]);
  return { issuedAt, ca, localhost, selfSigned, expired, notYetValid, otherName, nineDaysLeft };
}

type AltName = { type: 2; value: string } | { type: 7; ip: string };

async function makeCa(notBeforeDate: Date, notAfterDate: Date): Promise<KeyAndCert> {
  const pems = await generate(
    [
      { name: 'commonName', value: 'Outpost Test CA' },
      { name: 'organizationName', value: 'Outpost Tests' },
    ],
    {
      keyType: 'ec',
      algorithm: 'sha256',
      notBeforeDate,
      notAfterDate,
      extensions: [
        { name: 'basicConstraints', cA: true, critical: true },
        { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
      ],
    },
  );
  return { key: pems.private, cert: pems.cert };
}

/** Signed by `ca`, or by its own key when there is none. */
async function makeLeaf(cn: string, altNames: readonly AltName[], notBeforeDate: Date, notAfterDate: Date, ca?: KeyAndCert): Promise<KeyAndCert> {
  const pems = await generate([{ name: 'commonName', value: cn }], {
    keyType: 'ec',
    algorithm: 'sha256',
    notBeforeDate,
    notAfterDate,
    extensions: [
      { name: 'basicConstraints', cA: false },
      { name: 'keyUsage', digitalSignature: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      { name: 'subjectAltName', altNames: [...altNames] },
    ],
    ...(ca ? { ca } : {}),
  });
  return { key: pems.private, cert: pems.cert };
}
