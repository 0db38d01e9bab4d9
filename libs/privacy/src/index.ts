export * from './encryption/personal-data-codec';
export * from './encryption/sealed-snapshot-store';
export * from './erasure/erasures';
export * from './erasure/erasure-completion';
export * from './export/customer-export';
export * from './api/privacy.controller';
export * from './api/privacy.module';
