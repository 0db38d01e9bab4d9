// HTTP queries for analysts: daily KPIs, service quality, RFM distribution, per-customer RFM, model
// figures, CLV and churn, the customer CSV export, and the fitted models; every one as of `asOf`.
import { Controller, Get, Header, HttpCode, Post, Query as QueryParam, Res, StreamableFile } from '@nestjs/common';
import { QueryBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsIn, IsInt, IsISO31661Alpha2, IsOptional, Max, Min, Validate, ValidatorConstraint, type ValidationArguments, type ValidatorConstraintInterface } from 'class-validator';
import type { FastifyReply } from 'fastify';
import { Readable } from 'node:stream';
import { AccessLogged, ApiAnswer, ApiRefusals, consistencyHeader, IdParam, IsCalendarDay, isCalendarDay, IsInstant, NotBelow, QueryInteger, Roles, TrimSpaces } from '@app/platform';
import {
  CSV_COLUMNS, ExportCustomers, FitAnalyticsModel, GetAnalyticsModel, GetCustomerAnalytics, GetKpis, GetRfmDistribution, GetServiceMetrics,
  type Consistency, type CsvColumn, type CustomerExportFilter, type Dimension,
} from './analytics.queries';

/** Longest range one report covers, in days. */
export const MAX_RANGE_DAYS = 3660;

const GROUPINGS: Readonly<Record<string, readonly Dimension[]>> = {
  day: ['day'],
  channel: ['channel'],
  'day,channel': ['day', 'channel'],
  'channel,day': ['day', 'channel'],
};

@ValidatorConstraint({ name: 'dayRange' })
class DayRangeConstraint implements ValidatorConstraintInterface {
  validate(to: unknown, args: ValidationArguments): boolean {
    const from = (args.object as { from?: unknown }).from;
    // A day that is not one is named by its own field's rule; the range is about two real days.
    if (!isCalendarDay(to) || !isCalendarDay(from)) return true;
    const days = (Date.parse(to) - Date.parse(from)) / 86_400_000;
    return days >= 0 && days <= MAX_RANGE_DAYS;
  }
  defaultMessage(): string {
    return `to must not be before from, and at most ${MAX_RANGE_DAYS} days after it`;
  }
}

const AS_OF_DESCRIPTION = 'Observation date: an instant with its offset or Z, not in the future (default now). Only facts with a business time at or before it count.';

/** Every analytics route's `asOf`. */
function AsOf(): PropertyDecorator {
  return (target, key) => {
    ApiPropertyOptional({ description: AS_OF_DESCRIPTION, example: '1997-09-30T23:59:59Z' })(target, key);
    IsOptional()(target, key);
    IsInstant()(target, key);
  };
}

class ReportQueryDto {
  @ApiProperty({ example: '2026-11-01', description: 'First day (UTC), inclusive' })
  @IsCalendarDay() from!: string;

  @ApiProperty({ example: '2026-11-30', description: 'Last day (UTC), inclusive' })
  @IsCalendarDay() @Validate(DayRangeConstraint) to!: string;

  @ApiPropertyOptional({ description: 'Wait (bounded) until the read models include this global position.' })
  @IsOptional() @QueryInteger() @IsInt() @Min(0) minPosition?: number;

  @AsOf() asOf?: string;
}

export class KpiQueryDto extends ReportQueryDto {
  @ApiPropertyOptional({ enum: ['day', 'channel', 'day,channel'], default: 'day' })
  @IsOptional() @IsIn(Object.keys(GROUPINGS)) groupBy?: string;
}

export class ServiceQueryDto extends ReportQueryDto {
  @ApiPropertyOptional({ enum: ['day', 'channel', 'day,channel'], default: 'channel' })
  @IsOptional() @IsIn(Object.keys(GROUPINGS)) groupBy?: string;
}

export class AnalyticsQueryDto {
  @ApiPropertyOptional({ description: 'Wait (bounded) until the read models include this global position; with asOf, a stored snapshot that saw less is recomputed.' })
  @IsOptional() @QueryInteger() @IsInt() @Min(0) minPosition?: number;

  @AsOf() asOf?: string;
}

export class CustomerAnalyticsQueryDto extends AnalyticsQueryDto {
  @ApiPropertyOptional({ minimum: 1, maximum: 3650, description: 'Days ahead of expected purchases and churn risk (default ANALYTICS_HORIZON_DAYS)' })
  @IsOptional() @QueryInteger() @IsInt() @Min(1) @Max(3650) horizonDays?: number;
}

@ValidatorConstraint({ name: 'csvColumns' })
class CsvColumnsConstraint implements ValidatorConstraintInterface {
  validate(value: unknown): boolean {
    if (typeof value !== 'string') return false;
    const columns = value.split(',');
    return columns.length > 0 && columns.every((column) => (CSV_COLUMNS as readonly string[]).includes(column)) && new Set(columns).size === columns.length;
  }
  defaultMessage(): string {
    return `columns must be distinct names from ${CSV_COLUMNS.join(', ')}, comma-separated`;
  }
}

/** What the document says of `columns` (the constraint above also refuses a column named twice). */
const CSV_COLUMNS_PATTERN = `^(${CSV_COLUMNS.join('|')})(,(${CSV_COLUMNS.join('|')}))*$`;

/** Longer than any customer has been one: a bound beyond it is a typo (and 1e20 is no whole number a store keeps). */
const MAX_RECENCY_DAYS = 36_600;

const score = () => [IsOptional(), QueryInteger(), IsInt(), Min(1), Max(5)];
function Score(): PropertyDecorator {
  return (target, key) => score().forEach((decorate) => decorate(target, key));
}

export class CustomerExportQueryDto implements CustomerExportFilter {
  // A code profiles cannot hold (UK for GB) would list nobody: refused as registration refuses it.
  @ApiPropertyOptional({ description: 'ISO 3166-1 alpha-2 (any case)' }) @IsOptional() @TrimSpaces('upper') @IsISO31661Alpha2({ message: 'country must be an ISO 3166-1 alpha-2 code (DE, FR, GB, …)' }) country?: string;
  @ApiPropertyOptional({ minimum: 1, maximum: 5 }) @Score() rMin?: number;
  @ApiPropertyOptional({ minimum: 1, maximum: 5 }) @Score() @NotBelow('rMin') rMax?: number;
  @ApiPropertyOptional({ minimum: 1, maximum: 5 }) @Score() fMin?: number;
  @ApiPropertyOptional({ minimum: 1, maximum: 5 }) @Score() @NotBelow('fMin') fMax?: number;
  @ApiPropertyOptional({ minimum: 1, maximum: 5 }) @Score() mMin?: number;
  @ApiPropertyOptional({ minimum: 1, maximum: 5 }) @Score() @NotBelow('mMin') mMax?: number;
  @ApiPropertyOptional({ description: 'Days since the last purchase, at least' }) @IsOptional() @QueryInteger() @IsInt() @Min(0) @Max(MAX_RECENCY_DAYS) minRecencyDays?: number;
  @ApiPropertyOptional({ description: 'Days since the last purchase, at most' }) @IsOptional() @QueryInteger() @IsInt() @Min(0) @Max(MAX_RECENCY_DAYS) @NotBelow('minRecencyDays') maxRecencyDays?: number;
  @ApiPropertyOptional({ minimum: 0, maximum: 100 }) @IsOptional() @QueryInteger() @IsInt() @Min(0) @Max(100) minChurnRisk?: number;
  @AsOf() asOf?: string;
  @ApiPropertyOptional({ description: `Columns and their order, comma-separated, each at most once, from: ${CSV_COLUMNS.join(', ')}`, pattern: CSV_COLUMNS_PATTERN })
  @IsOptional() @Validate(CsvColumnsConstraint) columns?: string;
  @ApiPropertyOptional({ description: 'With asOf: recompute a stored snapshot that saw less than this global position.' })
  @IsOptional() @QueryInteger() @IsInt() @Min(0) minPosition?: number;
}


/** Drops the undefined keys class-transformer leaves, so the filter says only what was asked. */
function definedOnly<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}

@ApiTags('analytics')
@ApiBearerAuth()
@Controller({ path: 'analytics', version: '1' })
export class AnalyticsController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get('kpis')
  @Roles('analyst')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Revenue, orders, average order value and interactions per day and/or channel (money per currency, minor units)' })
  @ApiAnswer(200, 'KpiReport')
  async kpis(@QueryParam() query: KpiQueryDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const { consistent, ...report } = await this.queryBus.execute(new GetKpis(query.from, query.to, GROUPINGS[query.groupBy ?? 'day'], query.minPosition, query.asOf));
    consistencyHeader(reply, { consistent });
    return report;
  }

  @Get('service')
  @Roles('analyst')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'NPS, CSAT, ticket SLA (first response, resolution) and first-contact resolution per channel and/or day' })
  @ApiAnswer(200, 'ServiceReport')
  async service(@QueryParam() query: ServiceQueryDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const { consistent, ...report } = await this.queryBus.execute(
      new GetServiceMetrics(query.from, query.to, GROUPINGS[query.groupBy ?? 'channel'], query.minPosition, query.asOf),
    );
    consistencyHeader(reply, { consistent });
    return report;
  }

  @Get('rfm/distribution')
  @Roles('analyst')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'Customers per RFM score (111..555) and per R, F and M score, ranked against all customers with an order by asOf (from its population snapshot)' })
  @ApiAnswer(200, 'RfmDistributionReport')
  async rfmDistribution(@QueryParam() query: AnalyticsQueryDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const { consistent, ...report } = await this.queryBus.execute(new GetRfmDistribution(query.minPosition, query.asOf));
    consistencyHeader(reply, { consistent });
    return report;
  }

  @Get('model')
  @Roles('analyst')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'The population snapshot of asOf: RFM cut points, BG/NBD and Gamma-Gamma parameters with fit diagnostics (computed and stored on first use)' })
  @ApiAnswer(200, 'AnalyticsModelReport')
  async model(@QueryParam() query: AnalyticsQueryDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const { consistent, ...report } = await this.queryBus.execute(new GetAnalyticsModel(query.asOf, query.minPosition));
    consistencyHeader(reply, { consistent });
    return report;
  }

  @Post('model/fit')
  @HttpCode(200)
  @Roles('analyst')
  @ApiOperation({ summary: 'Refits now: computes the population snapshot of asOf (default now) afresh, stores it and answers it with fit diagnostics' })
  @ApiAnswer(200, 'AnalyticsModelReport')
  async fit(@QueryParam() query: AnalyticsQueryDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const { consistent, ...report } = await this.queryBus.execute(new FitAnalyticsModel(query.asOf, query.minPosition));
    consistencyHeader(reply, { consistent });
    return report;
  }

  @Get('customers.csv')
  @Roles('analyst')
  @AccessLogged('analytics-export', null)
  @ApiAnswer(200, { mediaType: 'text/csv' }, 'One header line (the chosen columns, money columns named with their unit), then one line per customer (UTF-8; cells that could run as spreadsheet formulas are prefixed with \'); X-Chronicle-As-Of names the observation date')
  @ApiOperation({ summary: 'Customers with RFM, P(alive), expected purchases and spend, CLV and churn risk as of asOf, as CSV (money columns in minor units of the reporting currency, named in the header), filtered by RFM scores, recency, churn risk, country' })
  async exportCustomers(@QueryParam() query: CustomerExportQueryDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<StreamableFile> {
    const { asOf, columns, minPosition, ...filter } = query;
    const options = definedOnly({ asOf, minPosition, columns: columns === undefined ? undefined : (columns.split(',') as CsvColumn[]) });
    const exported = await this.queryBus.execute(new ExportCustomers(definedOnly({ ...filter }), options));
    reply.header('X-Chronicle-As-Of', exported.asOf);
    consistencyHeader(reply, exported);
    return new StreamableFile(Readable.from(exported.lines), { type: 'text/csv; charset=utf-8', disposition: 'attachment; filename="customers.csv"' });
  }
}

@ApiTags('analytics')
@ApiBearerAuth()
@Controller({ path: 'customers', version: '1' })
export class CustomerAnalyticsController {
  constructor(private readonly queryBus: QueryBus) {}

  @Get(':customerId/analytics')
  @AccessLogged('customer-analytics')
  // Support agents see a customer's value and churn risk in the console while on the phone. Auditors
  // do not: they audit events and read models, not derived scores (least privilege; README, Roles).
  @Roles('analyst', 'support')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({ summary: 'One customer as of asOf: money, RFM values and scores, model inputs, P(alive), expected purchases and spend, predicted CLV, churn risk with its components' })
  @ApiAnswer(200, 'CustomerAnalyticsView')
  @ApiRefusals({ 404: 'The customer is not registered, or was not as of asOf.' })
  async customer(@IdParam('customerId') customerId: string, @QueryParam() query: CustomerAnalyticsQueryDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const result = await this.queryBus.execute(new GetCustomerAnalytics(customerId, definedOnly({ asOf: query.asOf, horizonDays: query.horizonDays, minPosition: query.minPosition })));
    consistencyHeader(reply, result);
    return result.view;
  }
}
