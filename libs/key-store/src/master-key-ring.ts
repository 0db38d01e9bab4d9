// The master key(s) that wrap every data key at rest (AES-256-GCM, AAD binding the customer and key
// id, so a wrapped key copied to another customer's row does not unwrap). The first key of the ring
// wraps; every key of it unwraps, so a rotation is: put the new key first, restart, re-wrap
// (`chronicle data-keys rewrap`), then remove the old key from the ring and destroy it.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;

export interface WrappedKey {
  /** Fingerprint of the master key that wrapped it. */
  readonly masterKeyId: string;
  /** iv ‖ ciphertext ‖ tag. */
  readonly wrapped: Buffer;
}

function fingerprint(key: Buffer): string {
  return createHash('sha256').update('chronicle-master-key').update(key).digest('hex').slice(0, 16);
}

function aad(customerId: string, keyId: string): Buffer {
  return Buffer.from(`chronicle-data-key\u0000${customerId}\u0000${keyId}`, 'utf8');
}

export class MasterKeyRing {
  private readonly keys = new Map<string, Buffer>();
  /** Fingerprint of the key that wraps. */
  readonly currentId: string;

  constructor(keys: readonly Buffer[]) {
    if (keys.length === 0) throw new Error('A master key ring needs at least one key');
    for (const key of keys) {
      if (key.length !== KEY_BYTES) throw new Error(`A master key is ${KEY_BYTES} bytes (base64 of 32 random bytes); got ${key.length}`);
      this.keys.set(fingerprint(key), key);
    }
    this.currentId = fingerprint(keys[0]);
  }

  /**
   * One base64 key per line, current first; blank lines and `#` comments are ignored. This is the
   * format of MASTER_KEY (one key) and of the MASTER_KEY_FILE.
   */
  static parse(text: string): MasterKeyRing {
    const keys = text
      .split(/\r?\n/)
      .map((line) => line.trim())
      .filter((line) => line.length > 0 && !line.startsWith('#'))
      .map((line) => Buffer.from(line, 'base64'));
    return new MasterKeyRing(keys);
  }

  /** A new random master key, base64, for a key file line. */
  static generate(): string {
    return randomBytes(KEY_BYTES).toString('base64');
  }

  /** Fingerprints of every key in the ring, current first. */
  get ids(): string[] {
    return [this.currentId, ...[...this.keys.keys()].filter((id) => id !== this.currentId)];
  }

  wrap(customerId: string, keyId: string, dataKey: Buffer): WrappedKey {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.keys.get(this.currentId) as Buffer, iv);
    cipher.setAAD(aad(customerId, keyId));
    const sealed = Buffer.concat([cipher.update(dataKey), cipher.final()]);
    return { masterKeyId: this.currentId, wrapped: Buffer.concat([iv, sealed, cipher.getAuthTag()]) };
  }

  unwrap(customerId: string, keyId: string, wrapped: WrappedKey): Buffer {
    const master = this.keys.get(wrapped.masterKeyId);
    if (!master) {
      throw new Error(
        `The data key of customer ${customerId} is wrapped by master key ${wrapped.masterKeyId}, which this process does not have ` +
          `(its ring holds ${this.ids.join(', ')}): add that key to MASTER_KEY_FILE`,
      );
    }
    const bytes = wrapped.wrapped;
    const decipher = createDecipheriv('aes-256-gcm', master, bytes.subarray(0, IV_BYTES));
    decipher.setAAD(aad(customerId, keyId));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]);
  }

  /** A new random data key. */
  static newDataKey(): Buffer {
    return randomBytes(KEY_BYTES);
  }
}
