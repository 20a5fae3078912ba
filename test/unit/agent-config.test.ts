import assert from 'node:assert/strict';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { agentProgram, formatProblem, loadAgentConfig, parseFlags, readConfigFile, resolveConfig } from '../../agent/config/index.js';
import type { AgentConfig, AgentEnv, AgentFlags, ConfigFile } from '../../agent/config/index.js';
import { generateIdentity, keyFingerprint, toBase64 } from '../../shared/crypto/index.js';
import { createCA } from '../../server/tls/certificates.js';

const FILE = '/data/config.json';
const ENV: AgentEnv = { hostname: 'Pi-Kitchen', cwd: '/home/pi', readFile: readFakeFile };
const TOKEN = 'abcdef.0123456789abcdef';
const HUB_KEY = generateIdentity().signingPublicKey;
const OTHER_KEY = generateIdentity().signingPublicKey;
const HUB = { hub: 'mqtt://127.0.0.1:1883' };
const TLS_HUB = { hub: 'mqtts://hub.example:8883' };
const CA_PEM = createCA('flotilla-test-ca', new Date()).certPem;
const CA2_PEM = createCA('flotilla-test-ca-2', new Date()).certPem;
const BAD_CERT_PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';
/** The files resolveConfig may read (the hub CA), through AgentEnv.readFile. */
const FILES: Record<string, string> = {
  '/etc/flotilla/hub-ca.crt': CA_PEM,
  '/home/pi/ca/bundle.pem': `# the hub CA and its successor\n${CA_PEM}${CA2_PEM}`,
  '/etc/flotilla/not-a-cert.txt': 'hello\n',
  '/etc/flotilla/bad-cert.crt': BAD_CERT_PEM,
};
function readFakeFile(path: string): string {
  const text = FILES[path];
  if (text === undefined) throw Object.assign(new Error(`ENOENT: no such file or directory, open '${path}'`), { code: 'ENOENT' });
  return text;
}

interface Row {
  name: string;
  flags?: AgentFlags;
  /** config.json contents; undefined: no file. */
  file?: unknown;
  env?: Partial<AgentEnv>;
  /** Expected fields of the resolved config. */
  want?: Partial<AgentConfig>;
  /** Expected problems, each `where: message` matched by substring, in order. */
  errors?: string[];
}

const ROWS: Row[] = [
  {
    name: 'defaults: only the hub given',
    flags: { hub: 'mqtt://127.0.0.1:1883' },
    want: {
      hubUrl: 'mqtt://127.0.0.1:1883',
      dataDir: '/var/lib/flotilla-agent',
      nodeName: 'pi-kitchen',
      nodeNameSource: 'hostname',
      dockerSocket: '/var/run/docker.sock',
      heartbeatIntervalMs: 10_000,
      statusIntervalMs: 300_000,
      logLevel: 'info',
      labels: {},
    },
  },
  {
    name: 'everything from config.json',
    file: {
      hub: 'mqtts://hub.example:8883',
      nodeName: 'pi-a',
      token: TOKEN,
      hubKeyFingerprint: keyFingerprint(HUB_KEY),
      dockerSocket: '/run/docker.sock',
      heartbeatInterval: '5s',
      statusInterval: '1m',
      logLevel: 'debug',
      labels: { site: 'kitchen', 'node.kubernetes.io/role': 'edge' },
    },
    want: {
      hubUrl: 'mqtts://hub.example:8883',
      nodeName: 'pi-a',
      nodeNameSource: 'file',
      token: TOKEN,
      hubKeyFingerprint: keyFingerprint(HUB_KEY),
      dockerSocket: '/run/docker.sock',
      heartbeatIntervalMs: 5000,
      statusIntervalMs: 60_000,
      logLevel: 'debug',
      labels: { site: 'kitchen', 'node.kubernetes.io/role': 'edge' },
    },
  },
  {
    name: 'flags win over config.json',
    flags: { hub: 'mqtts://flag:8883', nodeName: 'from-flag', heartbeatInterval: '2s', logLevel: 'warn' },
    file: { hub: 'mqtts://file:8883', nodeName: 'from-file', heartbeatInterval: '30s', logLevel: 'debug' },
    want: { hubUrl: 'mqtts://flag:8883', nodeName: 'from-flag', nodeNameSource: 'flag', heartbeatIntervalMs: 2000, logLevel: 'warn' },
  },
  {
    name: 'relative --data-dir and --docker-socket resolve against the working directory',
    flags: { ...HUB, dataDir: 'agent-data', dockerSocket: 'run/docker.sock' },
    want: { dataDir: '/home/pi/agent-data', dockerSocket: '/home/pi/run/docker.sock' },
  },
  {
    name: 'token from the environment wins over config.json',
    flags: HUB,
    file: { token: 'zzzzzz.zzzzzzzzzzzzzzzz' },
    env: { token: TOKEN },
    want: { token: TOKEN },
  },
  {
    name: 'hubPublicKey pins its own fingerprint',
    flags: HUB,
    file: { hubPublicKey: toBase64(HUB_KEY) },
    want: { hubPublicKey: HUB_KEY, hubKeyFingerprint: keyFingerprint(HUB_KEY) },
  },
  {
    name: '--hub-key-fingerprint, upper-case hex normalised',
    flags: { ...HUB, hubKeyFingerprint: keyFingerprint(HUB_KEY).toUpperCase().replace('SHA256', 'sha256') },
    want: { hubKeyFingerprint: keyFingerprint(HUB_KEY) },
  },
  {
    name: 'status interval defaults to at least the heartbeat interval',
    flags: { ...HUB, heartbeatInterval: '10m' },
    want: { heartbeatIntervalMs: 600_000, statusIntervalMs: 600_000 },
  },
  { name: 'hubCA: a PEM string in config.json', flags: TLS_HUB, file: { hubCA: CA_PEM }, want: { hubUrl: 'mqtts://hub.example:8883', hubCA: CA_PEM } },
  { name: 'hubCA: a PEM file named in config.json, with a wss:// hub', file: { hub: 'wss://hub.example/mqtt', hubCA: '/etc/flotilla/hub-ca.crt' }, want: { hubCA: CA_PEM } },
  { name: '--hub-ca: a PEM file', flags: { ...TLS_HUB, hubCA: '/etc/flotilla/hub-ca.crt' }, want: { hubCA: CA_PEM } },
  {
    name: '--hub-ca: a relative path resolves against the working directory; a bundle keeps every certificate',
    flags: { ...TLS_HUB, hubCA: 'ca/bundle.pem' },
    want: { hubCA: `${CA_PEM.trim()}\n${CA2_PEM.trim()}\n` },
  },
  {
    name: '--hub-ca wins over hubCA in config.json',
    flags: { ...TLS_HUB, hubCA: '/etc/flotilla/hub-ca.crt' },
    file: { hubCA: CA2_PEM },
    want: { hubCA: CA_PEM },
  },
  { name: 'no hubCA: the system trust store (no CA in the config)', flags: TLS_HUB, want: { hubCA: undefined } },
  { name: '--hub-ca: missing file', flags: { ...TLS_HUB, hubCA: '/etc/flotilla/missing.crt' }, errors: ['--hub-ca: cannot read /etc/flotilla/missing.crt: no such file'] },
  {
    name: 'hubCA: missing file named in config.json',
    flags: TLS_HUB,
    file: { hubCA: '/etc/flotilla/missing.crt' },
    errors: [`${FILE}: hubCA: cannot read /etc/flotilla/missing.crt: no such file`],
  },
  {
    name: '--hub-ca: a file that is not PEM',
    flags: { ...TLS_HUB, hubCA: '/etc/flotilla/not-a-cert.txt' },
    errors: ['--hub-ca: /etc/flotilla/not-a-cert.txt holds no PEM certificate'],
  },
  {
    name: '--hub-ca: a PEM block that is no X.509 certificate',
    flags: { ...TLS_HUB, hubCA: '/etc/flotilla/bad-cert.crt' },
    errors: ['--hub-ca: the certificate in /etc/flotilla/bad-cert.crt is not a valid X.509 certificate'],
  },
  { name: 'hubCA: a broken PEM string in config.json', flags: TLS_HUB, file: { hubCA: BAD_CERT_PEM }, errors: [`${FILE}: hubCA: the certificate in the PEM text is not a valid X.509 certificate`] },
  {
    name: 'hubCA: other PEM text (a key) is refused and not echoed',
    flags: TLS_HUB,
    file: { hubCA: '-----BEGIN PRIVATE KEY-----\nsecret-value\n-----END PRIVATE KEY-----\n' },
    errors: [`${FILE}: hubCA: expected a PEM file path or a PEM certificate`],
  },
  { name: 'hubCA of the wrong type', flags: TLS_HUB, file: { hubCA: true }, errors: [`${FILE}: hubCA: expected a string`] },
  {
    name: '--hub-ca with a plain mqtt:// hub URL',
    flags: { ...HUB, hubCA: '/etc/flotilla/hub-ca.crt' },
    errors: ['--hub-ca: hubCA needs an mqtts:// or wss:// hub URL'],
  },
  { name: 'hubCA in config.json with a ws:// hub URL', file: { hub: 'ws://127.0.0.1/mqtt', hubCA: CA_PEM }, errors: [`${FILE}: hubCA: hubCA needs an mqtts:// or wss:// hub URL`] },
  { name: 'missing hub', errors: ['--hub: required'] },
  { name: 'hub with an unsupported scheme', flags: { hub: 'http://hub:80' }, errors: ['--hub: unsupported scheme "http:"'] },
  { name: 'hub that is not a URL', flags: { hub: 'hub.example:1883' }, errors: ['--hub: unsupported scheme'] },
  { name: 'hub URL with credentials', flags: { hub: 'mqtt://u:p@hub:1883' }, errors: ['--hub: must not carry credentials'] },
  { name: 'hub URL with a path', flags: { hub: 'mqtt://hub:1883/x' }, errors: ['--hub: an mqtt:// URL has no path'] },
  { name: 'hub of the wrong type in the file', file: { hub: 1883 }, errors: [`${FILE}: hub: expected a string`] },
  {
    name: 'unknown keys in config.json',
    flags: HUB,
    file: { hubUrl: 'mqtt://x', heartbeat: '10s' },
    errors: [`${FILE}: hubUrl: unknown key`, `${FILE}: heartbeat: unknown key`],
  },
  { name: 'config.json that is not an object', flags: HUB, file: ['hub'], errors: [`${FILE}: expected a JSON object, got array`] },
  { name: 'bad duration flag', flags: { ...HUB, heartbeatInterval: '10 seconds' }, errors: ['--heartbeat-interval: expected a duration'] },
  { name: 'duration out of range', flags: { ...HUB, heartbeatInterval: '100ms' }, errors: ['--heartbeat-interval: must be between 1s and 10m'] },
  { name: 'duration as a number in the file', flags: HUB, file: { heartbeatInterval: 10 }, errors: [`${FILE}: heartbeatInterval: expected a string such as "10s", got number`] },
  {
    name: 'status interval shorter than the heartbeat',
    flags: { ...HUB, heartbeatInterval: '30s', statusInterval: '10s' },
    errors: ['--status-interval: must not be shorter than the heartbeat interval (30s)'],
  },
  { name: 'bad node name flag', flags: { ...HUB, nodeName: 'Pi_Kitchen' }, errors: ['--node-name: "Pi_Kitchen" is not a valid node name'] },
  { name: 'host name that is no node name', flags: HUB, env: { hostname: 'pi_kitchen' }, errors: ['--node-name: the host name "pi_kitchen" is not a valid node name'] },
  { name: 'malformed token, not echoed', flags: { ...HUB, token: 'secret-value' }, errors: ['--token: not a join string'] },
  { name: 'bad log level', flags: { ...HUB, logLevel: 'verbose' }, errors: ['--log-level: expected debug, info, warn or error, got "verbose"'] },
  { name: 'hubPublicKey of the wrong length', flags: HUB, file: { hubPublicKey: 'AAAA' }, errors: [`${FILE}: hubPublicKey: expected padded base64 of a 32-byte Ed25519 key`] },
  { name: 'malformed fingerprint', flags: { ...HUB, hubKeyFingerprint: 'md5:abc' }, errors: ['--hub-key-fingerprint: expected "sha256:" followed by 64 hex digits'] },
  {
    name: 'fingerprint that does not match hubPublicKey',
    flags: HUB,
    file: { hubPublicKey: toBase64(HUB_KEY), hubKeyFingerprint: keyFingerprint(OTHER_KEY) },
    errors: [`${FILE}: hubKeyFingerprint: does not match hubPublicKey`],
  },
  {
    name: 'bad labels: reserved domain, invalid key, non-string value',
    flags: HUB,
    file: { labels: { 'kubernetes.io/arch': 'arm64', 'bad key': 'x', count: 3, good: 'yes' } },
    errors: [`${FILE}: labels["kubernetes.io/arch"]: labels under kubernetes.io`, `${FILE}: labels["bad key"]: invalid label key`, `${FILE}: labels["count"]: expected a string value`],
  },
  {
    name: 'a bad file value is reported even when a flag overrides it',
    flags: { ...HUB, heartbeatInterval: '5s' },
    file: { heartbeatInterval: 'often' },
    errors: [`${FILE}: heartbeatInterval: expected a duration`],
  },
  {
    name: 'several problems at once',
    flags: { hub: 'ftp://x', logLevel: 'loud' },
    file: { nodeName: 'UPPER' },
    errors: ['--hub: unsupported scheme', `${FILE}: nodeName: "UPPER" is not a valid node name`, '--log-level: expected'],
  },
];

describe('agent config: resolveConfig', () => {
  for (const row of ROWS) {
    it(row.name, () => {
      const file: ConfigFile | undefined = row.file === undefined ? undefined : { path: FILE, json: row.file };
      const r = resolveConfig(row.flags ?? {}, file, { ...ENV, ...row.env });
      if (row.errors) {
        assert.equal(r.ok, false, `expected errors, got ${JSON.stringify(r)}`);
        if (r.ok) return;
        const got = r.problems.map(formatProblem);
        assert.equal(got.length, row.errors.length, got.join('\n'));
        row.errors.forEach((want, i) => assert.ok(got[i]?.includes(want), `problem ${i}: want "${want}" in "${got[i]}"`));
        for (const line of got) assert.ok(!line.includes('secret-value'), 'a token must never be echoed');
        return;
      }
      assert.ok(r.ok, r.ok ? '' : r.problems.map(formatProblem).join('\n'));
      for (const [k, v] of Object.entries(row.want ?? {})) {
        assert.deepEqual(r.config[k as keyof AgentConfig], v, k);
      }
    });
  }
});

describe('agent config: command line and config.json', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'flotilla-agent-config-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('parses flags into raw strings', () => {
    const flags = parseFlags(agentProgram(), ['--hub', 'mqtt://h:1', '--data-dir', '/d', '--heartbeat-interval', '3s', '--hub-key-fingerprint', 'sha256:00', '--hub-ca', 'ca.crt']);
    assert.deepEqual(flags, { hub: 'mqtt://h:1', dataDir: '/d', heartbeatInterval: '3s', hubKeyFingerprint: 'sha256:00', hubCA: 'ca.crt' });
  });

  it('reads the hub CA file from disk by default', async () => {
    await writeFile(join(dir, 'ca.crt'), CA_PEM);
    const env: AgentEnv = { hostname: 'pi', cwd: dir };
    const r = resolveConfig({ ...TLS_HUB, hubCA: 'ca.crt' }, undefined, env);
    assert.ok(r.ok, r.ok ? '' : r.problems.map(formatProblem).join('\n'));
    assert.equal(r.config.hubCA, CA_PEM);
    const missing = resolveConfig({ ...TLS_HUB, hubCA: 'none.crt' }, undefined, env);
    assert.ok(!missing.ok && formatProblem(missing.problems[0] ?? { where: '', message: '' }) === `--hub-ca: cannot read ${join(dir, 'none.crt')}: no such file`);
  });

  it('reads config.json: absent, valid, invalid JSON', async () => {
    assert.deepEqual(await readConfigFile(join(dir, 'none.json')), { file: undefined });
    await writeFile(join(dir, 'ok.json'), '{"hub":"mqtt://h:1"}');
    assert.deepEqual(await readConfigFile(join(dir, 'ok.json')), { file: { path: join(dir, 'ok.json'), json: { hub: 'mqtt://h:1' } } });
    await writeFile(join(dir, 'bad.json'), '{"hub":');
    const bad = await readConfigFile(join(dir, 'bad.json'));
    assert.ok('problem' in bad && bad.problem.where === join(dir, 'bad.json') && bad.problem.message.startsWith('not valid JSON'));
  });

  it('loads config.json from the data dir the flags name (relative to the working directory); flags win', async () => {
    await mkdir(join(dir, 'data'));
    await writeFile(join(dir, 'data', 'config.json'), '{"hub":"mqtts://file:1","nodeName":"from-file","podPidsLimit":64}');
    const r = await loadAgentConfig({ dataDir: 'data', hub: 'mqtts://flag:1' }, { hostname: 'pi', cwd: dir });
    assert.ok(r.ok, r.ok ? '' : r.problems.map(formatProblem).join('\n'));
    assert.equal(r.config.dataDir, join(dir, 'data'));
    assert.equal(r.config.hubUrl, 'mqtts://flag:1');
    assert.equal(r.config.nodeName, 'from-file');
    assert.equal(r.config.podPidsLimit, 64);
    await writeFile(join(dir, 'data', 'config.json'), '{"hub":');
    const bad = await loadAgentConfig({ dataDir: 'data' }, { hostname: 'pi', cwd: dir });
    assert.ok(!bad.ok && bad.problems[0]?.where === join(dir, 'data', 'config.json'));
  });
});
