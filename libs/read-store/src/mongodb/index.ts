// The MongoDB adapter, imported as `@app/read-store/mongodb` where READ_STORE=mongodb is configured: the
// driver costs every thread that loads it (~20 MB of RSS), so the package's main entry does not reach it.
export { MongoReadStore } from './mongo-read-store';
