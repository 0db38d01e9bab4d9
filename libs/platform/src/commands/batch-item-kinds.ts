// Batch items of several kinds told apart by their `type` (POST /v1/interactions/batch): one table
// of kind → DTO class, which both validates each item (its `type`, then its other fields as that
// kind's DTO) and describes it in the OpenAPI document (a oneOf with a discriminator: one schema per
// kind, that DTO's fields plus `type`; openapi-document.ts), so the two cannot drift.
import { applyDecorators, type Type } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { RequestValidationError } from '../errors/validation';
import { validateBatchItem } from './command-batch';

export const BATCH_ITEM_KINDS_METADATA = 'chronicle:batch-item-kinds';

export class BatchItemKinds<K extends string = string> {
  /** The field naming an item's kind; no kind's DTO may have a field of that name. */
  readonly tag = 'type';

  constructor(
    /** Prefix of the document's schema names, one per kind (`Batch` → `BatchEmailSentItem` for `email-sent`). */
    private readonly schemaPrefix: string,
    /** Each kind's DTO: the body of that kind's own endpoint. */
    readonly dtos: { readonly [P in K]: Type<object> },
  ) {}

  get kinds(): K[] {
    return Object.keys(this.dtos) as K[];
  }

  /** The name of a kind's schema in the OpenAPI document. */
  schemaName(kind: K): string {
    const words = kind.split(/[^A-Za-z0-9]+/).filter((word) => word.length > 0);
    return `${this.schemaPrefix}${words.map((word) => word.charAt(0).toUpperCase() + word.slice(1)).join('')}Item`;
  }

  /**
   * The item's kind and its other fields as that kind's DTO, validated as the kind's own endpoint
   * validates its body (unknown fields refused); problems are named under `prefix` (`items[3].type`).
   */
  async validate(raw: unknown, prefix: string): Promise<{ readonly kind: K; readonly dto: object }> {
    const isObject = typeof raw === 'object' && raw !== null && !Array.isArray(raw);
    const { [this.tag]: kind, ...fields } = (isObject ? raw : {}) as Record<string, unknown>;
    if (typeof kind !== 'string' || !Object.hasOwn(this.dtos, kind)) {
      // As validateBatchItem words an absent field of an item (flattenValidationErrors).
      const missing = isObject && (kind === undefined || kind === null);
      const required = !missing ? `${this.tag} must be` : kind === null ? `${this.tag} is required and cannot be null: it must be` : `${this.tag} is required: it must be`;
      throw new RequestValidationError([{ field: `${prefix}.${this.tag}`, message: `${required} one of ${this.kinds.join(', ')}` }]);
    }
    return { kind: kind as K, dto: await validateBatchItem(this.dtos[kind as K], fields, prefix) };
  }
}

/**
 * The array property of a batch DTO whose items are of these kinds. The OpenAPI document describes
 * each item as exactly one kind (a oneOf of the kinds' schemas, with a discriminator on `type`).
 */
export function BatchItemsOf(kinds: BatchItemKinds, description: string): PropertyDecorator {
  return applyDecorators(
    ApiProperty({ type: 'array', items: { type: 'object' }, description }),
    (target: object, property: string | symbol) => Reflect.defineMetadata(BATCH_ITEM_KINDS_METADATA, kinds, target, property),
  );
}

/** The kinds a DTO property's items are of, if it is a batch's items. */
// eslint-disable-next-line @typescript-eslint/no-unsafe-function-type -- DTO classes
export function batchItemKindsOf(dto: Function, property: string): BatchItemKinds | undefined {
  return Reflect.getMetadata(BATCH_ITEM_KINDS_METADATA, dto.prototype as object, property) as BatchItemKinds | undefined;
}
