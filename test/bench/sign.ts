/** Micro-benchmark of Ed25519 signing: node:crypto against tweetnacl (for `npm run bench`). */
import { randomBytes } from 'node:crypto';
import nacl from 'tweetnacl';
import { createSigner, naclSign } from '../../shared/crypto/sign.js';

export interface SignBenchResult {
  /** Signatures per second with node:crypto (createSigner). */
  nodeCrypto: number;
  /** Signatures per second with tweetnacl (naclSign). */
  tweetnacl: number;
}

function opsPerSecond(n: number, fn: () => void): number {
  const start = performance.now();
  for (let i = 0; i < n; i++) fn();
  const ms = performance.now() - start;
  return ms > 0 ? (n * 1000) / ms : Number.POSITIVE_INFINITY;
}

/** Signs `n` messages of `messageBytes` with each implementation; returns ops/s for both. */
export function benchSign(n: number, messageBytes = 256): SignBenchResult {
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`benchSign: n must be a positive integer, got ${n}`);
  const { secretKey } = nacl.sign.keyPair();
  const msg = new Uint8Array(randomBytes(messageBytes));
  const sign = createSigner(secretKey);
  sign(msg); // warm up key setup and JIT outside the timed loop
  naclSign(secretKey, msg);
  return {
    nodeCrypto: opsPerSecond(n, () => sign(msg)),
    tweetnacl: opsPerSecond(n, () => naclSign(secretKey, msg)),
  };
}
