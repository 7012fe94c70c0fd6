import { ConfigError, commonEnv, loadConfig, port, postgresUrl } from './index.js';

describe('loadConfig', () => {
  it('applies defaults and coerces numbers', () => {
    const cfg = loadConfig({ ...commonEnv, HTTP_PORT: port(3000) }, { HTTP_PORT: '3101' });
    expect(cfg.HTTP_PORT).toBe(3101);
    expect(cfg.NATS_URL).toBe('nats://127.0.0.1:4222');
    expect(Object.isFrozen(cfg)).toBe(true);
  });

  it('names every bad variable instead of starting with a broken value', () => {
    const attempt = () =>
      loadConfig({ HTTP_PORT: port(3000), DATABASE_URL: postgresUrl() }, { HTTP_PORT: 'eighty' });
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (e) {
      const issues = (e as ConfigError).issues.join('\n');
      expect(issues).toContain('HTTP_PORT');
      expect(issues).toContain('DATABASE_URL');
    }
  });
});
