// Jest projects: unit specs beside the code, engine suites (*.integration-spec.ts), HTTP e2e suites.
const { pathsToModuleNameMapper } = require('ts-jest');
const { compilerOptions } = require('./tsconfig.json');

const common = {
  rootDir: __dirname,
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json' }] },
  moduleFileExtensions: ['ts', 'js', 'json'],
  moduleNameMapper: pathsToModuleNameMapper(compilerOptions.paths, { prefix: '<rootDir>/' }),
  testPathIgnorePatterns: ['/node_modules/', '/dist/', '/.engines/'],
};

module.exports = {
  projects: [
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts', '<rootDir>/test/deploy/**/*.spec.ts'] },
    // Engine and end-to-end suites get a 120 s per-test limit (test/support/engine-suite-timeout.js).
    { ...common, displayName: 'integration', setupFilesAfterEnv: ['<rootDir>/test/support/engine-suite-timeout.js'], testMatch: ['<rootDir>/libs/**/*.integration-spec.ts', '<rootDir>/test/engines/**/*.integration-spec.ts'] },
    { ...common, displayName: 'e2e', setupFilesAfterEnv: ['<rootDir>/test/support/engine-suite-timeout.js'], testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'] },
  ],
};
