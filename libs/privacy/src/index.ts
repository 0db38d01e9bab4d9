export * from './encryption/personal-data-codec';
