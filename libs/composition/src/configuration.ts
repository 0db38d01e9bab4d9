// Every setting a Chronicle process reads, checked before anything starts: Chronicle's own, the
// capabilities' (LOYALTY_*, ANALYTICS_*, SEGMENTS_*) and API_KEYS, so one start reports every bad
// variable at once, one line each, instead of failing on the first module that happens to load.
import { loadAnalyticsConfig } from '@app/analytics';
import { loadLoyaltyConfig } from '@app/loyalty';
import { ApiKeyRegistry, ConfigError, loadConfig, type ChronicleConfig } from '@app/platform';
import { loadSegmentsConfig } from '@app/segments';
import { partsOf } from './chronicle.module';

export function checkConfiguration(env: Record<string, string | undefined>): ChronicleConfig {
  const problems: string[] = [];
  const check = <T>(load: () => T): T | undefined => {
    try {
      return load();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
      return undefined;
    }
  };
  const config = check(() => loadConfig(env));
  // The programme runs in REPORTING_CURRENCY; with that setting itself wrong, EUR stands in so the
  // loyalty settings are still checked and reported in the same run.
  check(() => loadLoyaltyConfig(env, config?.REPORTING_CURRENCY ?? 'EUR'));
  check(() => loadAnalyticsConfig(env));
  check(() => loadSegmentsConfig(env));
  if (config) check(() => partsOf(config));
  const apiKeys = env.API_KEYS;
  if (apiKeys !== undefined && apiKeys !== '') check(() => ApiKeyRegistry.fromEnv(apiKeys, new Date()));
  if (problems.length > 0 || !config) throw new ConfigError(problems);
  return config;
}
