// The encryption step of the event codec: on append, every personal value (as each event type's
// declaration names them) is sealed with the customer's data key (AES-256-GCM, a random 96-bit IV
// per value, AAD binding event id, customer id and key id) and the key id goes into the metadata;
// everything else stays in clear. On read, after upcasting, sealed values are opened again; once the
// customer's key is destroyed they read as FORGOTTEN. Upcasters see sealed values as opaque strings.
import { createCipheriv, createDecipheriv, createSecretKey, randomFillSync, type KeyObject } from 'node:crypto';
import {
  forgetPersonalValues, mapPersonalValues, personalValues, refuse, type NewEvent, type PersonalData, type RecordedEvent,
} from '@app/event-sourcing';
import type { EventCodec } from '@app/event-store';
import { DataKeyDestroyedError, type DataKey, type DataKeyLookup, type KeyStore } from '@app/key-store';
import { shareTurn } from '@app/threads';

/** Sealed values are strings with this prefix, followed by base64(iv ‖ ciphertext ‖ tag). */
export const SEALED_PREFIX = 'enc1:';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export function isSealed(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(SEALED_PREFIX);
}

function aad(eventId: string, customerId: string, keyId: string): Buffer {
  return Buffer.from(`${eventId}\u0000${customerId}\u0000${keyId}`, 'utf8');
}

// Per-value costs dominate on the hot paths: a KeyObject per data key (made once, the cache keeps the
// DataKey) halves what creating a cipher costs, and IVs come from a pool the CSPRNG refills.
const keyObjects = new WeakMap<DataKey, KeyObject>();
function keyObject(key: DataKey): KeyObject {
  let object = keyObjects.get(key);
  if (!object) keyObjects.set(key, (object = createSecretKey(key.key)));
  return object;
}

const IV_POOL = Buffer.alloc(IV_BYTES * 1024);
let ivOffset = IV_POOL.length;
function freshIv(): Buffer {
  if (ivOffset + IV_BYTES > IV_POOL.length) {
    randomFillSync(IV_POOL);
    ivOffset = 0;
  }
  // Copied out: the pool is refilled in place.
  const iv = Buffer.from(IV_POOL.subarray(ivOffset, ivOffset + IV_BYTES));
  ivOffset += IV_BYTES;
  return iv;
}

/** One value sealed with the data key (AES-256-GCM, a fresh IV), bound to `associated`. */
export function seal(key: DataKey, associated: Buffer, value: unknown): string {
  const iv = freshIv();
  const cipher = createCipheriv('aes-256-gcm', keyObject(key), iv);
  cipher.setAAD(associated);
  const sealed = Buffer.concat([cipher.update(JSON.stringify(value), 'utf8'), cipher.final()]);
  return SEALED_PREFIX + Buffer.concat([iv, sealed, cipher.getAuthTag()]).toString('base64');
}

/** A sealed value opened again; throws when it does not authenticate (`eventId` names what it belongs to in the error). */
export function open(key: DataKey, associated: Buffer, value: string, eventId: string): unknown {
  const bytes = Buffer.from(value.slice(SEALED_PREFIX.length), 'base64');
  const decipher = createDecipheriv('aes-256-gcm', keyObject(key), bytes.subarray(0, IV_BYTES));
  decipher.setAAD(associated);
  decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
  try {
    const plain = Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]);
    return JSON.parse(plain.toString('utf8'));
  } catch {
    // A sealed value that does not authenticate was altered or moved: never hand it out.
    throw new Error(`A personal value of event ${eventId} fails authentication with the data key of customer ${key.customerId}`);
  }
}

/** A KeyStore that can drop what it caches for a customer (CachedKeyStore). */
export type CodecKeyStore = KeyStore & { invalidate?(customerId: string): void };

export interface PersonalDataCodecOptions {
  /**
   * Events after which the customer's key is looked up afresh (CustomerForgotten): a reader in
   * another process learns of a forget in log order, not only when its cache entry expires.
   */
  readonly refreshesKey?: (event: RecordedEvent) => boolean;
}

export function personalDataCodec(personal: PersonalData, keys: CodecKeyStore, options: PersonalDataCodecOptions = {}): EventCodec {
  return {
    async encode(events) {
      const byCustomer = new Map<string, Promise<DataKey>>();
      const keyOf = (customerId: string) => {
        let key = byCustomer.get(customerId);
        if (!key) byCustomer.set(customerId, (key = keys.getOrCreate(customerId)));
        return key;
      };
      const encoded: NewEvent[] = [];
      for (const event of events) {
        // Sealing is ~20 µs a value, and a batch seals its entries all at once: reads get a turn.
        await shareTurn();
        const paths = personal.paths(event.type, event.metadata.schemaVersion);
        if (paths.length === 0 || personalValues(event.data, paths).length === 0) {
          encoded.push(event);
          continue;
        }
        const customerId = event.metadata.customerId;
        let key: DataKey;
        try {
          key = await keyOf(customerId);
        } catch (error) {
          if (error instanceof DataKeyDestroyedError) {
            throw refuse.invalidState(`Customer ${customerId} was forgotten: no personal data is recorded about them any more`, 'customerId');
          }
          throw error;
        }
        const associated = aad(event.eventId, customerId, key.keyId);
        encoded.push({
          ...event,
          data: mapPersonalValues(event.data, paths, (value) => seal(key, associated, value)),
          metadata: { ...event.metadata, dataKeyId: key.keyId },
        });
      }
      return encoded;
    },

    async decode(events) {
      const lookups = new Map<string, Promise<DataKeyLookup>>();
      const decoded: RecordedEvent[] = [];
      for (const event of events) {
        await shareTurn();
        const customerId = event.metadata.customerId;
        if (options.refreshesKey?.(event)) {
          keys.invalidate?.(customerId);
          lookups.delete(customerId);
        }
        const paths = personal.paths(event.type, event.metadata.schemaVersion);
        const values = paths.length === 0 ? [] : personalValues(event.data, paths);
        if (values.length === 0) {
          decoded.push(event);
          continue;
        }
        let lookup = lookups.get(customerId);
        if (!lookup) lookups.set(customerId, (lookup = keys.get(customerId)));
        const found = await lookup;
        if (found.state === 'destroyed') {
          decoded.push({ ...event, data: forgetPersonalValues(event.data, paths) });
          continue;
        }
        if (found.state === 'none') {
          if (values.some(isSealed)) throw new Error(`Event ${event.eventId} is encrypted but the key store has no data key for customer ${customerId}`);
          decoded.push(event);
          continue;
        }
        const key = found.key;
        if (event.metadata.dataKeyId !== undefined && event.metadata.dataKeyId !== key.keyId) {
          throw new Error(`Event ${event.eventId} was encrypted with data key ${event.metadata.dataKeyId}, but customer ${customerId} has key ${key.keyId}`);
        }
        const associated = aad(event.eventId, customerId, key.keyId);
        decoded.push({ ...event, data: mapPersonalValues(event.data, paths, (value) => (isSealed(value) ? open(key, associated, value, event.eventId) : value)) });
      }
      return decoded;
    },
  };
}
