// The SQLite event store's writer thread: one write connection per open event log file, each group
// of writes committed as SqliteEventLogWriter.commitGroup does, answered once committed.
import type Database from 'better-sqlite3';
import { parentPort } from 'node:worker_threads';
import { openEventLogFile, serializeError, SqliteEventLogWriter, type SerializedError } from './sqlite-event-log-writer';
import type { FromWriter, ToWriter } from './sqlite-writer-protocol';

const port = parentPort;
if (port === null) throw new Error('sqlite-writer.worker runs as a worker thread only');

const files = new Map<number, { readonly db: Database.Database; readonly writer: SqliteEventLogWriter } | { readonly failed: SerializedError }>();

const answer = (message: FromWriter): void => port.postMessage(message);

port.on('message', (message: ToWriter) => {
  switch (message.kind) {
    case 'open':
      try {
        const db = openEventLogFile(message.filename, message.settings);
        files.set(message.file, { db, writer: new SqliteEventLogWriter(db) });
      } catch (error) {
        // Answered to every write of this file: the store opened it on its own thread a moment ago,
        // so this is rare (the file removed or locked meanwhile) and must not pass unseen.
        files.set(message.file, { failed: serializeError(error) });
      }
      return;
    case 'commit': {
      const file = files.get(message.file);
      if (file === undefined || 'failed' in file) {
        answer({ kind: 'failed', request: message.request, error: file?.failed ?? { name: 'Error', message: 'The writer thread has no such file open' } });
        return;
      }
      try {
        answer({ kind: 'committed', request: message.request, attempt: file.writer.commitGroup(message.writes, message.recordedAt) });
      } catch (error) {
        answer({ kind: 'failed', request: message.request, error: serializeError(error) });
      }
      return;
    }
    case 'close': {
      const file = files.get(message.file);
      files.delete(message.file);
      if (file !== undefined && 'db' in file) {
        try {
          file.db.close();
        } catch {
          // Closing cannot fail in a way anyone could act on; the store closes its own connection next.
        }
      }
      answer({ kind: 'closed', request: message.request });
      return;
    }
  }
});
