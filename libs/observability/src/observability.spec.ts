import { Writable } from 'node:stream';
import { pino } from 'pino';
import { REDACTED_PATHS } from './logger.js';
import { startOpsServer } from './ops-server.js';

describe('observability', () => {
  it('PI-1/PI-5: personal data and credentials never reach a log line', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = pino({ redact: { paths: REDACTED_PATHS, censor: '[redacted]' } }, sink);
    logger.info(
      {
        resident: { idNumber: '51010419900101123X', mobile: '13812341234', address: '二仙桥东三路1号' },
        req: { headers: { authorization: 'Bearer eyJhbGciOi' } },
      },
      'resident registered',
    );
    const out = lines.join('');
    expect(out).not.toMatch(/51010419900101123X|13812341234|二仙桥东三路|eyJhbGciOi/);
    expect(out).toContain('[redacted]');
  });

  it('the ops port answers live, ready (per dependency) and metrics, and 503 while draining', async () => {
    let postgresUp = true;
    const ops = await startOpsServer({
      port: 0,
      host: '127.0.0.1',
      checks: {
        postgres: async () => {
          if (!postgresUp) throw new Error('connection refused');
        },
        nats: async () => undefined,
      },
    });
    const base = `http://127.0.0.1:${ops.port}`;
    try {
      expect((await fetch(`${base}/health/live`)).status).toBe(200);
      expect((await fetch(`${base}/health/ready`)).status).toBe(200);
      postgresUp = false;
      const down = await fetch(`${base}/health/ready`);
      expect(down.status).toBe(503);
      expect(await down.json()).toMatchObject({
        checks: { postgres: { status: 'down' }, nats: { status: 'up' } },
      });
      expect(await (await fetch(`${base}/metrics`)).text()).toContain('process_cpu_seconds_total');
      postgresUp = true;
      ops.drain();
      expect((await fetch(`${base}/health/ready`)).status).toBe(503);
    } finally {
      await ops.close();
    }
  });
});
