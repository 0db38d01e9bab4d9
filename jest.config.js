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
    { ...common, displayName: 'unit', testMatch: ['<rootDir>/libs/**/*.spec.ts', '<rootDir>/apps/**/*.spec.ts'] },
    // Engine and end-to-end suites start servers and engines: under load on 2 cores a start can take
    // longer than Jest's 5 s default. A test limit, not a timed assertion: suites wait on conditions.
    { ...common, displayName: 'integration', testTimeout: 120_000, testMatch: ['<rootDir>/libs/**/*.integration-spec.ts', '<rootDir>/test/engines/**/*.integration-spec.ts'] },
    { ...common, displayName: 'e2e', testTimeout: 120_000, testMatch: ['<rootDir>/test/e2e/**/*.e2e-spec.ts'] },
  ],
};
