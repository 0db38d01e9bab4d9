// Creates a Chronicle HTTP application on Fastify: /v1 versioning, strict validation, one error
// filter, 405 for a known path with another method, OpenAPI at /docs, graceful shutdown. Bodies are
// not parsed here but by RequestBodyInterceptor, after authentication (see json-body.ts): Fastify's
// own content-type parsers are replaced by one that leaves the body unread.
import { type INestApplication, VersioningType, type ModuleMetadata } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import type { FastifyStaticOptions } from '@fastify/static';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Logger as PinoLogger } from 'nestjs-pino';
import type { ChronicleConfig } from '../config/chronicle-config';
import { sendProblem } from '../errors/problem.filter';
import { createValidationPipe } from '../errors/validation';
import { recordHttpMetrics } from '../observability/metrics';
import { installCheapAsyncResourceBind } from './async-resource-bind';
import { setAsideMalformedContentType } from './json-body';
import { answerOtherMethods, RouteTable } from './method-not-allowed';
import { isUnder, pathOf } from './paths';
import { trustedProxies } from './trusted-proxies';
import { buildOpenApiDocument, type OpenApiOptions } from '../openapi/openapi-document';
import { answerClientError } from './client-errors';
import { notAcceptable, RouteMediaTypes } from './content-negotiation';

export interface HttpAppOptions {
  /** What the OpenAPI document at /docs/openapi.json needs beside the routes (the schemas of their answers). */
  readonly openApi?: OpenApiOptions;
}

/**
 * How requests are matched, the same for the routes and for the 405 check: paths ignore case and a
 * trailing slash (as Express did by default), and a path parameter may be as long as a URL line
 * (identifiers are checked by the validation pipe, which names the field; a router limit would
 * answer 404 instead).
 */
export const ROUTER_OPTIONS = { caseSensitive: false, ignoreTrailingSlash: true, maxParamLength: 16_384 } as const;

export async function createHttpApp(rootModule: NonNullable<ModuleMetadata['imports']>[number], config: ChronicleConfig, options: HttpAppOptions = {}): Promise<INestApplication> {
  // Fastify and Nest bind an AsyncResource up to three times per request (async-resource-bind.ts).
  installCheapAsyncResourceBind();
  const adapter = new FastifyAdapter({
    routerOptions: ROUTER_OPTIONS,
    // Idle keep-alive connections outlive the client's and the load balancer's pools (see the setting).
    keepAliveTimeout: config.HTTP_KEEP_ALIVE_TIMEOUT_MS,
    // Whose X-Forwarded-Proto makes a request https (the session cookie's Secure); none unless set.
    trustProxy: trustedProxies(config.TRUST_PROXY) as boolean | number | string[],
    // No request logging of Fastify's own: pino-http does it when LOG_REQUESTS is set.
    logger: false,
    // A path Fastify cannot decode (bad percent-encoding) is a problem document like any other 400.
    frameworkErrors: (error: FastifyError, request: FastifyRequest, reply: FastifyReply) => sendProblem(reply, error, request),
    // And one Node cannot parse at all (raw UTF-8 in the query string, headers too large).
    clientErrorHandler: answerClientError,
  });
  const app = await NestFactory.create<NestFastifyApplication>(rootModule as never, adapter, {
    bodyParser: false,
    bufferLogs: true,
    // A module that fails to load (a store that cannot be written, say) is thrown to the caller, who
    // prints one line; Nest would exit the process itself and print the buffered stack first.
    abortOnError: false,
    autoFlushLogs: false,
  });
  const fastify = app.getHttpAdapter().getInstance() as unknown as FastifyInstance;
  // Headers must be allowed a little longer than the keep-alive, or Node closes a reused connection early.
  fastify.server.headersTimeout = config.HTTP_KEEP_ALIVE_TIMEOUT_MS + 1000;
  app.useLogger(app.get(PinoLogger));
  app.flushLogs();

  // The body stays unread until the route and the caller are known (RequestBodyInterceptor).
  fastify.removeAllContentTypeParsers();
  fastify.addContentTypeParser('*', (_request: FastifyRequest, _payload: unknown, done: (error: Error | null, body?: unknown) => void) => done(null, undefined));

  const routeMediaTypes = new RouteMediaTypes(app);
  fastify.addHook('onRequest', (request, reply, done) => {
    recordHttpMetrics(request, reply);
    setAsideMalformedContentType(request.raw);
    // API answers carry personal data: no browser or proxy keeps a copy (Back after sign-out shows
    // nothing old). A route may set its own Cache-Control before answering.
    if (isUnder(request.url, '/v1')) {
      reply.header('Cache-Control', 'no-store');
      // A route that answers only in media types the client said it cannot read: 406 before it runs.
      const answered = request.routeOptions.url === undefined ? undefined : routeMediaTypes.of(request.method, request.routeOptions.url);
      const refusal = answered === undefined ? undefined : notAcceptable(request.headers.accept, answered);
      if (refusal) return sendProblem(reply, refusal, request);
    } else if (isUnder(request.url, '/console')) reply.headers(CONSOLE_HEADERS);
    done();
  });
  const routes = new RouteTable(ROUTER_OPTIONS);
  fastify.addHook('onRoute', (route) => routes.add(route.method, route.url));
  answerOtherMethodsBeforeNotFound(app, routes);
  serveConsole(app, fastify);
  app.enableVersioning({ type: VersioningType.URI, defaultVersion: undefined });
  app.useGlobalPipes(createValidationPipe());
  // The signals that mean "stop": a list, since with none Nest stops on every signal it knows,
  // SIGUSR2 included, which operators send for Node's diagnostic report (--report-on-signal) or a
  // heap snapshot (--heapsnapshot-signal=SIGUSR2) of a process that must keep serving.
  app.enableShutdownHooks(['SIGTERM', 'SIGINT', 'SIGHUP']);

  SwaggerModule.setup('docs', app, buildOpenApiDocument(app, options.openApi), { jsonDocumentUrl: 'docs/openapi.json' });
  return app;
}

/**
 * Installs the 405/OPTIONS answer where a request arrives only once no route took it: in front of
 * Nest's 404 handler, which Nest sets when the application starts.
 */
function answerOtherMethodsBeforeNotFound(app: NestFastifyApplication, routes: RouteTable): void {
  const adapter = app.getHttpAdapter() as unknown as { setNotFoundHandler(handler: (request: FastifyRequest, reply: FastifyReply) => unknown, prefix?: string): unknown };
  const setNotFoundHandler = adapter.setNotFoundHandler.bind(adapter);
  adapter.setNotFoundHandler = (handler, prefix) =>
    setNotFoundHandler((request, reply) => (answerOtherMethods(routes, request, reply) ? undefined : handler(withoutQuery(request), reply)), prefix);
}

/**
 * The request as Nest's 404 handler sees it (it reads the raw request's URL): its `Cannot GET <url>` would echo the query string, and a
 * search on a mistyped route carries emails and phones there (problem documents never hold values).
 */
function withoutQuery(request: FastifyRequest): FastifyRequest {
  const path = pathOf(request.url);
  const raw: unknown = Object.create(request.raw, { url: { value: path }, originalUrl: { value: path } });
  return Object.create(request, { url: { value: path }, originalUrl: { value: path }, raw: { value: raw } }) as FastifyRequest;
}

/** The console's security headers, set by createHttpApp's onRequest hook on every answer under /console. */
const CONSOLE_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy': "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  Vary: 'Accept-Encoding',
};

/**
 * The support console's static files (built by `npm run build` into dist/console), public under
 * /console: the page holds no data, the agent's session only unlocks the /v1 routes it calls. Four
 * folders up from this file is `dist/` when compiled and the repository root under ts-jest. The
 * build stores every text asset compressed too (Brotli, gzip): those are sent to browsers that
 * accept them, so nothing is compressed per request. A failure while sending a file reaches Nest's
 * exception filters through the error handler Nest gives Fastify when it starts: a problem document.
 */
function serveConsole(app: NestFastifyApplication, fastify: FastifyInstance): void {
  const up = resolve(__dirname, '..', '..', '..', '..');
  const folder = [join(up, 'console'), join(up, 'dist', 'console')].find((dir) => existsSync(join(dir, 'index.html')));
  if (!folder) {
    const notBuilt = (_request: FastifyRequest, reply: FastifyReply) => {
      reply.code(404).type('text/plain; charset=utf-8').send('The support console is not built: run npm run build.');
    };
    fastify.all('/console', notBuilt);
    fastify.all('/console/*', notBuilt);
    return;
  }
  // By the file asked for: index.html.br is the page.
  const cacheControl = (path: string) => (path.replace(/\.(br|gz)$/, '').endsWith('.html') ? 'no-store' : 'public, max-age=31536000, immutable');
  const statics: FastifyStaticOptions = {
    root: folder,
    prefix: '/console/',
    index: ['index.html'],
    // The .br and .gz files beside each asset, for browsers that accept them.
    preCompressed: true,
    // Directories are answered below (the router ignores a trailing slash, which this option does not).
    redirect: false,
    // Hashed asset names never change content; the page itself is never kept (Back after sign-out).
    setHeaders: (reply, path) => reply.header('Cache-Control', cacheControl(path)),
  };
  // Nest types the options with its own copy of the plugin's interface.
  app.useStaticAssets(statics as Parameters<typeof app.useStaticAssets>[0]);
  // The page itself: /console/ is the index, /console is sent there (as a static file server does).
  fastify.route({
    method: ['GET', 'HEAD'],
    url: '/console',
    handler: (request, reply) => {
      const path = pathOf(request.url);
      if (path.endsWith('/')) return reply.sendFile('index.html');
      return reply.redirect(`${path}/${request.url.slice(path.length)}`, 301);
    },
  });
}
