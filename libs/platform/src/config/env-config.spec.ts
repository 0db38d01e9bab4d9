import { ConfigError, loadConfig } from './chronicle-config';

function problemsOf(env: Record<string, string>): readonly string[] {
  try {
    loadConfig(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('configuration problems', () => {
  it('quote the value as given: PORT="abc", not PORT=null', () => {
    expect(problemsOf({ PORT: 'abc' })).toEqual([expect.stringMatching(/^PORT="abc": /)]);
    expect(problemsOf({ PORT: ' ' })).toEqual([expect.stringMatching(/^PORT=" ": /)]);
  });

  it('name a required variable that is not set', () => {
    expect(problemsOf({ EVENT_STORE: 'eventstoredb' })).toEqual([expect.stringMatching(/^EVENTSTORE_URL is not set: EVENTSTORE_URL is required/)]);
  });

  it('refuse a boolean that is not a true/false word instead of reading it as false', () => {
    expect(problemsOf({ LOG_REQUESTS: 'maybe' })).toEqual([expect.stringMatching(/^LOG_REQUESTS="maybe": /)]);
    expect(loadConfig({ LOG_REQUESTS: 'off' }).LOG_REQUESTS).toBe(false);
    expect(loadConfig({ LOG_REQUESTS: 'Yes' }).LOG_REQUESTS).toBe(true);
  });

  it('list every bad variable, one line each', () => {
    expect(problemsOf({ PORT: '70000', MAX_BATCH_SIZE: 'lots', LOG_LEVEL: 'loud' }).map((line) => line.split('=')[0])).toEqual(['PORT', 'MAX_BATCH_SIZE', 'LOG_LEVEL']);
  });
});
