// What a server-side failure tells the client to do, on a real Nest app (platform module, API keys,
// Idempotency-Key store, problem filter): send a command again with its Idempotency-Key, a read as it
// was. A failed GET used to say "retry with the same Idempotency-Key", a header no read takes (found
// from outside).
import { Controller, Get, Global, Module, Post, type INestApplication } from '@nestjs/common';
import type { FastifyInstance } from 'fastify';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { ACCESS_LOG, EVENT_STORE, fingerprintKey, IDEMPOTENCY_KEYS, SqliteAccessLog, SqliteEventStore, SqliteIdempotencyKeys } from '@app/event-store';
import { IDEMPOTENCY_FINGERPRINT_KEY } from '../idempotency/request-fingerprint';
import { AcceptsIdempotencyKey } from '../idempotency/idempotency.interceptor';
import { createHttpApp } from '../http/create-http-app';
import { loadConfig } from '../config/chronicle-config';
import { PlatformModule } from '../platform.module';
import { Roles } from '../auth/roles';

const KEY = 'k-admin-0123456789';
const bug = (): never => {
  throw new TypeError('a bug');
};
// The store refuses the write (SQLITE_READONLY): the 503 that says when to come back.
const storeRefusal = (): never => {
  throw Object.assign(new Error('attempt to write a readonly database'), { code: 'SQLITE_READONLY' });
};

@Controller('v1/commands')
@AcceptsIdempotencyKey()
@Roles('admin')
class CommandsController {
  @Post('bug') bug(): never {
    return bug();
  }
  @Post('busy') busy(): never {
    return storeRefusal();
  }
  @Get('bug') readBug(): never {
    return bug();
  }
  @Get('busy') readBusy(): never {
    return storeRefusal();
  }
}

@Controller('v1/reads')
@Roles('admin')
class ReadsController {
  @Get('bug') bug(): never {
    return bug();
  }
  @Get('busy') busy(): never {
    return storeRefusal();
  }
  /** A POST of a route that honours no Idempotency-Key. */
  @Post('bug') postBug(): never {
    return bug();
  }
}

describe('retry advice of server-side failures (HTTP)', () => {
  let dir: string;
  let app: INestApplication;
  let closeAll: () => Promise<void>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'chronicle-retry-advice-'));
    const events = new SqliteEventStore(join(dir, 'events.sqlite'));
    const keys = new SqliteIdempotencyKeys(join(dir, 'events.sqlite'));
    const accessLog = new SqliteAccessLog(join(dir, 'access-log.sqlite'));
    closeAll = async () => {
      await accessLog.close();
      await keys.close();
      await events.close();
    };
    const config = loadConfig({ API_KEYS: `admin=${KEY}`, LOG_LEVEL: 'silent' });

    @Global()
    @Module({
      providers: [
        { provide: EVENT_STORE, useValue: events },
        { provide: IDEMPOTENCY_KEYS, useValue: keys },
        // Provided with the store, as the composition does.
        { provide: IDEMPOTENCY_FINGERPRINT_KEY, useValue: fingerprintKey(Buffer.alloc(32, 9)) },
        { provide: ACCESS_LOG, useValue: accessLog },
      ],
      exports: [EVENT_STORE, IDEMPOTENCY_KEYS, IDEMPOTENCY_FINGERPRINT_KEY, ACCESS_LOG],
    })
    class StoresModule {}

    @Module({ imports: [PlatformModule.forRoot(config), StoresModule], controllers: [CommandsController, ReadsController] })
    class RootModule {}

    app = await createHttpApp(RootModule, config);
    await app.init();
    await (app.getHttpAdapter().getInstance() as FastifyInstance).ready();
  });

  afterAll(async () => {
    await app?.close();
    await closeAll?.();
    rmSync(dir, { recursive: true, force: true });
  });

  const send = (method: 'get' | 'post', path: string, idempotencyKey?: string) => {
    const call = request(app.getHttpServer())[method](path).set('Authorization', `Bearer ${KEY}`);
    if (idempotencyKey) call.set('Idempotency-Key', idempotencyKey);
    return call;
  };

  it.each([
    ['a command (with a key)', 'post', '/v1/commands/bug', 'key-1', 500, 'Internal error; the request may be retried with the same Idempotency-Key'],
    ['a command (without a key)', 'post', '/v1/commands/bug', undefined, 500, 'Internal error; the request may be retried with the same Idempotency-Key'],
    ['a command the store refuses', 'post', '/v1/commands/busy', 'key-2', 503, 'The data store cannot take this request now; retry after 5 s with the same Idempotency-Key'],
    ['a read of a command controller', 'get', '/v1/commands/bug', undefined, 500, 'Internal error; the request may be retried'],
    ['a read the store refuses on a command controller', 'get', '/v1/commands/busy', undefined, 503, 'The data store cannot take this request now; retry after 5 s'],
    ['a read', 'get', '/v1/reads/bug', undefined, 500, 'Internal error; the request may be retried'],
    ['a read the store refuses', 'get', '/v1/reads/busy', undefined, 503, 'The data store cannot take this request now; retry after 5 s'],
    ['a POST of a route without Idempotency-Key', 'post', '/v1/reads/bug', undefined, 500, 'Internal error; the request may be retried'],
  ] as const)('%s', async (_what, method, path, key, status, detail) => {
    const response = await send(method, path, key);
    expect({ status: response.status, detail: response.body.detail }).toEqual({ status, detail });
  });
});
