// Engine and end-to-end suites start servers and engines: under load on 2 cores a start can take
// longer than Jest's 5 s default. A per-test limit, not a timed assertion: the suites wait on
// conditions. (Jest ignores `testTimeout` inside a project's config, hence this setup file.)
jest.setTimeout(120_000);
