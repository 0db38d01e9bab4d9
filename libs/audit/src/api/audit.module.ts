import { Module } from '@nestjs/common';
import { AuditController } from './audit.controller';

/**
 * The auditor's routes. Needs EVENT_STORE (decoding), ACCESS_LOG, AUDIT_PROJECTIONS and
 * CUSTOMER_360_ENRICHER_FACTORY from the composition root.
 */
@Module({ controllers: [AuditController] })
export class AuditModule {}
