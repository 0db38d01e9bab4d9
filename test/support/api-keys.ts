// The API_KEYS setting for a test server: one `role=key` entry per role, comma-separated.
export function apiKeysSetting(keys: Readonly<Record<string, string>>): string {
  return Object.entries(keys).map(([role, key]) => `${role}=${key}`).join(',');
}
