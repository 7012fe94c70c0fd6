import { connect as tcpConnect } from 'node:net';
import pg from 'pg';

/** Says what is missing, and how to start it, when PostgreSQL or NATS cannot be reached. */
export async function preflight(settings: {
  POSTGRES_ADMIN_URL: string;
  NATS_URL: string;
}): Promise<string[]> {
  const problems: string[] = [];
  const client = new pg.Client({
    connectionString: settings.POSTGRES_ADMIN_URL,
    connectionTimeoutMillis: 3000,
  });
  try {
    await client.connect();
    const [{ server_version_num }] = (await client.query('SHOW server_version_num')).rows;
    if (Number(server_version_num) < 130000)
      problems.push('PostgreSQL 13 or newer is needed (gen_random_uuid, ltree).');
  } catch (e) {
    problems.push(
      `PostgreSQL is not reachable at ${redact(settings.POSTGRES_ADMIN_URL)} (${(e as Error).message}).\n` +
        '    Start it:  pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start\n' +
        '    or point POSTGRES_ADMIN_URL at a superuser connection.',
    );
  } finally {
    await client.end().catch(() => undefined);
  }
  const nats = new URL(settings.NATS_URL.split(',')[0].replace(/^nats:/, 'http:'));
  const reachable = await new Promise<boolean>((resolve) => {
    const socket = tcpConnect({ host: nats.hostname, port: Number(nats.port || 4222), timeout: 3000 });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
  if (!reachable) {
    problems.push(
      `NATS is not reachable at ${settings.NATS_URL}.\n` +
        '    Start it (JetStream on):  start-stop-daemon --start --oknodo --background --exec /usr/sbin/nats-server -- ' +
        '-a 127.0.0.1 -p 4222 -js -sd /var/lib/nats-server -l /var/log/nats-server.log\n' +
        '    or set NATS_URL.',
    );
  }
  return problems;
}

function redact(url: string): string {
  const u = new URL(url);
  if (u.password) u.password = '***';
  return u.toString();
}
