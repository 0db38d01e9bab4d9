// Creates a Chronicle HTTP application: /v1 versioning, strict validation, one error filter, 405 for
// a known path with another method, OpenAPI at /docs, graceful shutdown. Bodies are not parsed here
// but by RequestBodyInterceptor, after authentication (see json-body.ts).
import { type INestApplication, VersioningType, type ModuleMetadata } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { existsSync } from 'node:fs';
import type { Server } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';
import { Logger as PinoLogger } from 'nestjs-pino';
import type { ChronicleConfig } from '../config/chronicle-config';
import { sendProblem } from '../errors/problem.filter';
import { createValidationPipe } from '../errors/validation';
import { httpMetrics } from '../observability/metrics';
import { methodNotAllowed, type RouteLayer } from './method-not-allowed';
import { buildOpenApiDocument, type OpenApiOptions } from '../openapi/openapi-document';

export interface HttpAppOptions {
  /** What the OpenAPI document at /docs/openapi.json needs beside the routes (the schemas of their answers). */
  readonly openApi?: OpenApiOptions;
}

export async function createHttpApp(rootModule: NonNullable<ModuleMetadata['imports']>[number], config: ChronicleConfig, options: HttpAppOptions = {}): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(rootModule as never, {
    bodyParser: false,
    bufferLogs: true,
    // A module that fails to load (a store that cannot be written, say) is thrown to the caller, who
    // prints one line; Nest would exit the process itself and print the buffered stack first.
    abortOnError: false,
    autoFlushLogs: false,
  });
  // Idle keep-alive connections outlive the client's and the load balancer's pools (see the setting);
  // headers must be allowed a little longer than that, or Node closes a reused connection early.
  const server = app.getHttpServer() as Server;
  server.keepAliveTimeout = config.HTTP_KEEP_ALIVE_TIMEOUT_MS;
  server.headersTimeout = config.HTTP_KEEP_ALIVE_TIMEOUT_MS + 1000;
  app.useLogger(app.get(PinoLogger));
  app.flushLogs();
  app.disable('x-powered-by');
  // No ETag on API answers: they are `no-store` (nothing keeps a copy to revalidate), and express
  // hashed every body to make one. The console's static files keep theirs (serve-static's own).
  app.set('etag', false);
  app.use(httpMetrics());
  // API answers carry personal data: no browser or proxy keeps a copy (Back after sign-out shows
  // nothing old). A route may set its own Cache-Control before answering.
  app.use('/v1', (_request: Request, response: Response, next: NextFunction) => {
    response.setHeader('Cache-Control', 'no-store');
    next();
  });
  const express = app.getHttpAdapter().getInstance() as unknown as { router: { stack: readonly RouteLayer[] } };
  answerOtherMethodsBeforeNotFound(app, methodNotAllowed(() => express.router.stack));
  serveConsole(app);
  app.enableVersioning({ type: VersioningType.URI, defaultVersion: undefined });
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();

  SwaggerModule.setup('docs', app, buildOpenApiDocument(app, options.openApi), { jsonDocumentUrl: 'docs/openapi.json' });
  // Failures outside Nest's routes (a path express cannot decode, the console's static files) are
  // problem documents too, and logged when they are server errors.
  app.use((error: unknown, _request: Request, response: Response, next: NextFunction) => {
    if (!error) return next();
    sendProblem(response, error);
  });
  return app;
}

/**
 * Installs the 405/OPTIONS answer where a request arrives only once no route took it: just before
 * Nest's 404 handler, which Nest adds after the routes when the application starts. Matching every
 * route's pattern against every request before routing cost a tenth of a 360 read's CPU.
 */
function answerOtherMethodsBeforeNotFound(app: NestExpressApplication, middleware: (request: Request, response: Response, next: NextFunction) => void): void {
  const adapter = app.getHttpAdapter() as unknown as { setNotFoundHandler(handler: unknown, prefix?: string): unknown; use(handler: unknown): unknown };
  const setNotFoundHandler = adapter.setNotFoundHandler.bind(adapter);
  adapter.setNotFoundHandler = (handler: unknown, prefix?: string) => {
    adapter.use(middleware);
    return setNotFoundHandler(handler, prefix);
  };
}

/**
 * The support console's static files (built by `npm run build` into dist/console), public under
 * /console: the page holds no data, the agent's session only unlocks the /v1 routes it calls. Four
 * folders up from this file is `dist/` when compiled and the repository root under ts-jest. The
 * build stores every text asset compressed too (Brotli, gzip): those are sent to browsers that
 * accept them, so nothing is compressed per request.
 */
function serveConsole(app: NestExpressApplication): void {
  const up = resolve(__dirname, '..', '..', '..', '..');
  const folder = [join(up, 'console'), join(up, 'dist', 'console')].find((dir) => existsSync(join(dir, 'index.html')));
  if (!folder) {
    app.use('/console', (_request: Request, response: Response) => {
      response.status(404).type('text/plain').send('The support console is not built: run npm run build.');
    });
    return;
  }
  const cacheControl = (path: string) => (path.endsWith('.html') ? 'no-store' : 'public, max-age=31536000, immutable');
  app.use('/console', (request: Request, response: Response, next: NextFunction) => {
    response.setHeader('Content-Security-Policy', "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'");
    response.setHeader('X-Content-Type-Options', 'nosniff');
    response.setHeader('Referrer-Policy', 'no-referrer');
    response.setHeader('Vary', 'Accept-Encoding');
    if (request.method !== 'GET' && request.method !== 'HEAD') return next();
    const file = resolve(folder, `.${request.path === '/' ? '/index.html' : request.path}`);
    if (!file.startsWith(folder + sep)) return next();
    const encoding = request.acceptsEncodings('br', 'gzip');
    if (encoding !== 'br' && encoding !== 'gzip') return next();
    const compressed = `${file}.${encoding === 'br' ? 'br' : 'gz'}`;
    if (!existsSync(compressed)) return next();
    // The type of what was asked for, not of the .br file; send() keeps a type already set.
    response.type(extname(file));
    response.setHeader('Content-Encoding', encoding);
    response.setHeader('Cache-Control', cacheControl(file));
    response.sendFile(compressed, (error?: Error) => { if (error) next(error); });
  });
  app.useStaticAssets(folder, {
    prefix: '/console',
    index: 'index.html',
    // Hashed asset names never change content; the page itself is never kept (Back after sign-out).
    setHeaders: (response, path) => response.setHeader('Cache-Control', cacheControl(path)),
  });
}
