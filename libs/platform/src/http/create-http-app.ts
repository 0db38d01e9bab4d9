// Creates a Chronicle HTTP application: JSON body limits, /v1 versioning, strict validation, one
// error filter, OpenAPI at /docs, graceful shutdown.
import { type INestApplication, VersioningType, type ModuleMetadata } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import type { NextFunction, Request, Response } from 'express';
import { Logger as PinoLogger } from 'nestjs-pino';
import type { ChronicleConfig } from '../config/chronicle-config';
import { toProblem } from '../errors/problem.filter';
import { createValidationPipe } from '../errors/validation';

export async function createHttpApp(rootModule: NonNullable<ModuleMetadata['imports']>[number], config: ChronicleConfig): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(rootModule as never, { bodyParser: false, bufferLogs: true });
  app.useLogger(app.get(PinoLogger));
  app.useBodyParser('json', { limit: config.MAX_BODY_BYTES, strict: true, type: ['application/json', 'application/*+json'] });
  // Body-parser failures (too large, malformed JSON) happen before Nest's filters: answer them as problems too.
  app.use((error: unknown, _request: Request, response: Response, next: NextFunction) => {
    if (!error) return next();
    const problem = toProblem(error);
    response.status(problem.status).type('application/problem+json').json(problem);
  });
  app.disable('x-powered-by');
  app.enableVersioning({ type: VersioningType.URI, defaultVersion: undefined });
  app.useGlobalPipes(createValidationPipe());
  app.enableShutdownHooks();

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Chronicle')
      .setDescription(
        'Event-sourced customer-interaction platform. Commands answer with the global `position` they reached; pass it as `minPosition` to queries to read your own writes. Errors are RFC 9457 problem documents naming every bad field.',
      )
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API key (roles: ingest, support, analyst, auditor, admin)' })
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  return app;
}
