// The MongoDB key store, imported as `@app/key-store/mongodb` where KEY_STORE=mongodb is configured (the
// driver costs every thread that loads it; the package's main entry does not reach it).
export { MongoKeyStore, DATA_KEYS_COLLECTION } from './mongo-key-store';
