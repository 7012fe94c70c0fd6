// Static checks of everything that deploys Linli: docker-compose.yml, the Dockerfiles, the Kubernetes
// manifests (deploy/k8s), Prometheus and Grafana provisioning. Nothing here needs a container engine or
// a cluster: manifests are parsed with `yaml` and validated with kubernetes-models; when kubectl is
// installed, each overlay is also rendered with `kubectl kustomize` and the output validated again.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, parseAllDocuments } from 'yaml';
import { Deployment, StatefulSet } from 'kubernetes-models/apps/v1';
import { HorizontalPodAutoscaler } from 'kubernetes-models/autoscaling/v2';
import { Job } from 'kubernetes-models/batch/v1';
import { NetworkPolicy } from 'kubernetes-models/networking.k8s.io/v1';
import { PodDisruptionBudget } from 'kubernetes-models/policy/v1';
import { ConfigMap, Namespace, Secret, Service, ServiceAccount } from 'kubernetes-models/v1';
import { ORG_NODE_ARGS } from '../src/platform.js';

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = Record<string, any>;

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
const repoPath = (...p: string[]) => join(root, ...p);
const read = (...p: string[]) => readFileSync(repoPath(...p), 'utf8');

const APPS = ['gateway', 'org', 'governance'] as const;
const SIDE_PORT: Record<(typeof APPS)[number], number> = { gateway: 3000, org: 3101, governance: 3102 };
const SECRET_NAMES = ['linli-org-db', 'linli-governance-db', 'linli-org-pii'];

// ---------------------------------------------------------------------------------------------------
// helpers

/** Compose-style interpolation with the defaults only: `${A:-x}` -> x, `${A}` -> '' (as with no .env). */
function withDefaults(value: string): string {
  return value.replace(
    /\$\{([A-Z0-9_]+)(?::?-([^}]*))?\}/g,
    (_m, _name, def: string | undefined) => def ?? '',
  );
}

/** An image reference with an explicit, non-`latest` tag or a digest. */
function isPinnedImage(image: string): boolean {
  if (/@sha256:[a-f0-9]{64}$/.test(image)) return true;
  const lastSegment = image.split('/').pop() ?? '';
  const tag = lastSegment.includes(':') ? lastSegment.split(':').pop()! : '';
  return tag !== '' && tag !== 'latest';
}

function listFiles(dir: string, filter: (f: string) => boolean): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    const full = join(dir, entry);
    if (statSync(full).isDirectory()) out.push(...listFiles(full, filter));
    else if (filter(full)) out.push(full);
  }
  return out.sort();
}

function parseDocs(text: string, source: string): Obj[] {
  return parseAllDocuments(text).map((doc) => {
    if (doc.errors.length > 0) throw new Error(`${source}: ${doc.errors.map((e) => e.message).join('; ')}`);
    return doc.toJS() as Obj;
  });
}

// The models' constructors take their own typed shapes; manifests arrive as untyped YAML.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const MODELS: Record<string, new (data: any) => { validate(): void }> = {
  'v1/Namespace': Namespace,
  'v1/ConfigMap': ConfigMap,
  'v1/Secret': Secret,
  'v1/Service': Service,
  'v1/ServiceAccount': ServiceAccount,
  'apps/v1/Deployment': Deployment,
  'apps/v1/StatefulSet': StatefulSet,
  'batch/v1/Job': Job,
  'policy/v1/PodDisruptionBudget': PodDisruptionBudget,
  'autoscaling/v2/HorizontalPodAutoscaler': HorizontalPodAutoscaler,
  'networking.k8s.io/v1/NetworkPolicy': NetworkPolicy,
};

/** CloudNativePG resources: kubernetes-models has no CRDs, so check their structure by hand. */
function checkCnpg(obj: Obj): void {
  const where = `${obj.kind}/${obj.metadata?.name}`;
  expect(typeof obj.metadata?.name).toBe('string');
  if (obj.kind === 'Cluster') {
    expect(Number.isInteger(obj.spec?.instances) && obj.spec.instances >= 1).toBe(true);
    expect(obj.spec.storage?.size).toMatch(/^\d+(Mi|Gi|Ti)$/);
    const initdb = obj.spec.bootstrap?.initdb;
    if (initdb) {
      expect(typeof initdb.database).toBe('string');
      expect(SECRET_NAMES).toContain(initdb.secret?.name);
    }
    for (const role of obj.spec.managed?.roles ?? []) {
      expect(role.login).toBe(true);
      expect(SECRET_NAMES).toContain(role.passwordSecret?.name);
    }
  } else if (obj.kind === 'Database') {
    expect(typeof obj.spec?.cluster?.name).toBe('string');
    expect(obj.spec.name).toMatch(/^linli_[a-z_]+$/);
    expect(obj.spec.owner).toBe(obj.spec.name);
  } else {
    throw new Error(`${where}: unexpected CloudNativePG kind`);
  }
}

/** Validates one complete resource: kubernetes-models for core kinds, a structural check for CRDs. */
function validateResource(obj: Obj, source: string): void {
  const key = `${obj.apiVersion}/${obj.kind}`;
  const Model = MODELS[key];
  try {
    if (Model) new Model(obj).validate();
    else if (obj.apiVersion === 'postgresql.cnpg.io/v1') checkCnpg(obj);
    else throw new Error(`no validator for ${key}`);
  } catch (e) {
    throw new Error(`${source} ${obj.kind}/${obj.metadata?.name}: ${(e as Error).message}`, { cause: e });
  }
}

function podSpecOf(obj: Obj): Obj | undefined {
  if (['Deployment', 'StatefulSet', 'Job'].includes(obj.kind)) return obj.spec?.template?.spec;
  return undefined;
}

/** Every container runs hardened, with resources and a pinned image. */
function checkPodSpec(obj: Obj, source: string): void {
  const pod = podSpecOf(obj)!;
  const where = `${source} ${obj.kind}/${obj.metadata.name}`;
  const podSc = pod.securityContext ?? {};
  expect({ where, automount: pod.automountServiceAccountToken }).toEqual({ where, automount: false });
  for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
    const sc = c.securityContext ?? {};
    const effective = {
      where: `${where} container ${c.name}`,
      runAsNonRoot: sc.runAsNonRoot ?? podSc.runAsNonRoot,
      runAsUserIsRoot: (sc.runAsUser ?? podSc.runAsUser) === 0,
      readOnlyRootFilesystem: sc.readOnlyRootFilesystem,
      allowPrivilegeEscalation: sc.allowPrivilegeEscalation,
      dropsAll: (sc.capabilities?.drop ?? []).includes('ALL'),
      adds: sc.capabilities?.add ?? [],
      privileged: sc.privileged ?? false,
      seccomp: (sc.seccompProfile ?? podSc.seccompProfile)?.type,
    };
    expect(effective).toEqual({
      where: effective.where,
      runAsNonRoot: true,
      runAsUserIsRoot: false,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      dropsAll: true,
      adds: [],
      privileged: false,
      seccomp: 'RuntimeDefault',
    });
    const r = c.resources ?? {};
    expect({
      where: effective.where,
      cpu: !!r.requests?.cpu,
      memory: !!r.requests?.memory,
      limit: !!r.limits?.memory,
    }).toEqual({
      where: effective.where,
      cpu: true,
      memory: true,
      limit: true,
    });
    expect({ where: effective.where, image: c.image, pinned: isPinnedImage(c.image) }).toEqual({
      where: effective.where,
      image: c.image,
      pinned: true,
    });
  }
}

function secretRefsOf(pod: Obj): string[] {
  const names: string[] = [];
  for (const c of [...(pod.initContainers ?? []), ...pod.containers]) {
    for (const e of c.env ?? []) if (e.valueFrom?.secretKeyRef) names.push(e.valueFrom.secretKeyRef.name);
    for (const e of c.envFrom ?? []) if (e.secretRef) names.push(e.secretRef.name);
  }
  for (const v of pod.volumes ?? []) if (v.secret) names.push(v.secret.secretName);
  return names;
}

/** Checks shared by the raw base manifests and every rendered overlay. */
function checkResourceSet(resources: Obj[], source: string): void {
  for (const obj of resources) validateResource(obj, source);
  for (const obj of resources.filter((o) => podSpecOf(o))) {
    checkPodSpec(obj, source);
    for (const name of secretRefsOf(podSpecOf(obj)!)) expect(SECRET_NAMES).toContain(name);
  }
  // No secret values in git: no Secret objects at all, and certainly none with data.
  for (const s of resources.filter((o) => o.kind === 'Secret')) {
    expect({ secret: s.metadata.name, data: s.data ?? null, stringData: s.stringData ?? null }).toEqual({
      secret: s.metadata.name,
      data: null,
      stringData: null,
    });
  }
  for (const cm of resources.filter((o) => o.kind === 'ConfigMap')) {
    for (const key of Object.keys(cm.data ?? {}))
      expect(key).not.toMatch(/PASSWORD|SECRET|TOKEN|PRIVATE|_KEY$/);
    for (const value of Object.values(cm.data ?? {}) as string[])
      expect(value).not.toMatch(/:\/\/[^/\s:@]+:[^/\s@]+@/);
  }
  for (const workload of resources.filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')) {
    for (const c of workload.spec.template.spec.containers) {
      expect({ w: workload.metadata.name, live: !!c.livenessProbe, ready: !!c.readinessProbe }).toEqual({
        w: workload.metadata.name,
        live: true,
        ready: true,
      });
    }
  }
}

const byKindName = (resources: Obj[], kind: string, name: string): Obj | undefined =>
  resources.find((o) => o.kind === kind && o.metadata?.name === name);

/** kubectl to render overlays with: $KUBECTL, else the usual places; KUBECTL=none skips rendering. */
function findKubectl(): string | undefined {
  if (process.env.KUBECTL === 'none') return undefined;
  const candidates = [process.env.KUBECTL, '/usr/bin/kubectl', '/usr/local/bin/kubectl'];
  for (const dir of (process.env.PATH ?? '').split(':')) if (dir) candidates.push(join(dir, 'kubectl'));
  return candidates.find((c): c is string => !!c && existsSync(c));
}

// ---------------------------------------------------------------------------------------------------
// docker-compose.yml

describe('docker-compose.yml', () => {
  const compose = parse(read('docker-compose.yml'), { merge: true }) as Obj;
  const services = compose.services as Record<string, Obj>;
  const env = (svc: string): Record<string, string> =>
    Object.fromEntries(
      Object.entries(services[svc].environment ?? {}).map(([k, v]) => [k, withDefaults(String(v))]),
    );
  const dependsOn = (svc: string): Record<string, string> =>
    Object.fromEntries(
      Object.entries(services[svc].depends_on ?? {}).map(([k, v]) => [k, (v as Obj).condition]),
    );

  it('follows the compose spec (no version key) and names every service', () => {
    expect(compose.version).toBeUndefined();
    for (const name of [
      'postgres',
      'nats',
      'keycloak',
      'bootstrap',
      'org-migrate',
      'governance-migrate',
      'seed',
      'org',
      'governance',
      'gateway',
    ]) {
      expect(Object.keys(services)).toContain(name);
    }
    expect(services.prometheus.profiles).toEqual(['observability']);
    expect(services.grafana.profiles).toEqual(['observability']);
  });

  it('imports the Keycloak realm from deploy/keycloak with issuer http://localhost:8080/realms/linli', () => {
    const kc = services.keycloak;
    expect(kc.image).toMatch(/^quay\.io\/keycloak\/keycloak:26\.\d+\.\d+$/);
    expect(kc.command).toEqual(expect.arrayContaining(['start-dev', '--import-realm']));
    const mounts = (kc.volumes as string[]).map((v) => v.split(':'));
    expect(mounts).toContainEqual([
      './deploy/keycloak/linli-realm.json',
      '/opt/keycloak/data/import/linli-realm.json',
      'ro',
    ]);
    expect(`${env('keycloak').KC_HOSTNAME}/realms/linli`).toBe('http://localhost:8080/realms/linli');
    expect(env('keycloak').KC_HOSTNAME_BACKCHANNEL_DYNAMIC).toBe('true');
    expect(env('keycloak').KC_HEALTH_ENABLED).toBe('true');
  });

  it('gives every long-running service a healthcheck, apps probing /health', () => {
    for (const name of ['postgres', 'nats', 'keycloak', 'org', 'governance', 'gateway']) {
      const test = services[name].healthcheck?.test as string[] | undefined;
      expect({ name, test: Array.isArray(test) && test.length > 1 }).toEqual({ name, test: true });
    }
    for (const app of APPS) {
      expect(services[app].healthcheck.test.join(' ')).toContain(`127.0.0.1:${SIDE_PORT[app]}/health/`);
    }
    expect(services.nats.command).toEqual(expect.arrayContaining(['-js', '-sd', '/data']));
    expect(services.nats.healthcheck.test.join(' ')).toContain(':8222/healthz');
  });

  it('orders start-up: bootstrap -> migrations -> seed -> services -> gateway', () => {
    expect(dependsOn('bootstrap')).toEqual({ postgres: 'service_healthy' });
    expect(dependsOn('org-migrate')).toEqual({ bootstrap: 'service_completed_successfully' });
    expect(dependsOn('governance-migrate')).toEqual({ bootstrap: 'service_completed_successfully' });
    expect(dependsOn('seed')).toMatchObject({
      'org-migrate': 'service_completed_successfully',
      nats: 'service_healthy',
    });
    expect(dependsOn('org')).toMatchObject({
      'org-migrate': 'service_completed_successfully',
      nats: 'service_healthy',
    });
    expect(dependsOn('governance')).toMatchObject({
      'governance-migrate': 'service_completed_successfully',
      nats: 'service_healthy',
    });
    expect(dependsOn('gateway')).toMatchObject({
      nats: 'service_healthy',
      keycloak: 'service_healthy',
      org: 'service_healthy',
      governance: 'service_healthy',
      seed: 'service_completed_successfully',
    });
    for (const job of ['bootstrap', 'org-migrate', 'governance-migrate', 'seed'])
      expect(services[job].restart).toBe('no');
  });

  it('runs the documented commands and per-service databases', () => {
    expect(services.bootstrap.command).toEqual([
      'node',
      '--enable-source-maps',
      'tools/platform/dist/bootstrap.js',
    ]);
    expect(services['org-migrate'].command).toEqual([
      'node',
      '--enable-source-maps',
      'services/org/dist/database/migrate.js',
    ]);
    expect(services['governance-migrate'].command).toEqual([
      'node',
      '--enable-source-maps',
      'services/governance/dist/database/migrate.js',
    ]);
    // The seed runs in the org image (it owns the division import) with the realm export baked in.
    expect(services.seed.image).toMatch(/\/org:/);
    expect(services.seed.command).toEqual([
      'node',
      '--enable-source-maps',
      'services/org/dist/cli.js',
      'seed-demo',
      '--realm',
      'deploy/keycloak/linli-realm.json',
    ]);
    expect(env('bootstrap').POSTGRES_ADMIN_URL).toMatch(
      /^postgres:\/\/postgres:[^@]+@postgres:5432\/postgres$/,
    );
    expect(env('bootstrap').ORG_DATABASE_URL).toBe(env('org').DATABASE_URL);
    expect(env('bootstrap').GOVERNANCE_DATABASE_URL).toBe(env('governance').DATABASE_URL);
    expect(env('org').DATABASE_URL).toMatch(/^postgres:\/\/linli_org:[^@]+@postgres:5432\/linli_org$/);
    expect(env('governance').DATABASE_URL).toMatch(
      /^postgres:\/\/linli_governance:[^@]+@postgres:5432\/linli_governance$/,
    );
    expect(env('seed').DATABASE_URL).toBe(env('org').DATABASE_URL);
    expect(Buffer.from(env('org').PII_ENCRYPTION_KEY, 'base64')).toHaveLength(32);
    expect(env('org').HTTP_PORT).toBe('3101');
    expect(env('governance').HTTP_PORT).toBe('3102');
  });

  it('configures the gateway for realm linli and audience linli-api', () => {
    const gw = env('gateway');
    expect(gw.OIDC_ISSUER).toBe('http://localhost:8080/realms/linli');
    expect(gw.OIDC_AUDIENCE).toBe('linli-api');
    expect(gw.OIDC_JWKS_URI).toBe('http://keycloak:8080/realms/linli/protocol/openid-connect/certs');
    expect(gw.HTTP_PORT).toBe('3000');
    expect(gw.RPC_TIMEOUT_MS).toBe('3000');
    expect(gw.NATS_URL).toBe('nats://nats:4222');
    expect(services.gateway.ports).toContain('3000:3000');
    const realmFile = repoPath('deploy/keycloak/linli-realm.json');
    expect(existsSync(realmFile)).toBe(true);
    const realm = JSON.parse(readFileSync(realmFile, 'utf8')) as Obj;
    expect(realm.realm).toBe(gw.OIDC_ISSUER.split('/realms/')[1]);
    expect(JSON.stringify(realm)).toContain('linli-api');
  });

  it('pins every image (no latest) and keeps secrets behind ${VAR:-demo default}', () => {
    for (const [name, svc] of Object.entries(services)) {
      const image = withDefaults(String(svc.image));
      expect({ name, image, pinned: isPinnedImage(image) }).toEqual({ name, image, pinned: true });
    }
    for (const [name, svc] of Object.entries(services)) {
      for (const [key, raw] of Object.entries(svc.environment ?? {})) {
        const value = String(raw);
        const secretish = /PASSWORD|SECRET|_KEY$/.test(key) || /:\/\/[^/\s:@]+:[^/\s@]+@/.test(value);
        if (secretish)
          expect({ name, key, fromEnv: value.includes('${') }).toEqual({ name, key, fromEnv: true });
      }
    }
  });

  it('hardens the app containers and mounts files that exist', () => {
    for (const name of [...APPS, 'bootstrap', 'org-migrate', 'governance-migrate', 'seed']) {
      const svc = services[name];
      expect({ name, readOnly: svc.read_only, capDrop: svc.cap_drop, tmpfs: svc.tmpfs }).toEqual({
        name,
        readOnly: true,
        capDrop: ['ALL'],
        tmpfs: ['/tmp'],
      });
      expect(svc.build?.dockerfile).toBeDefined();
      expect(existsSync(repoPath(svc.build.dockerfile))).toBe(true);
    }
    for (const svc of Object.values(services)) {
      for (const volume of (svc.volumes ?? []) as string[]) {
        const source = volume.split(':')[0];
        if (!source.startsWith('./') || source === './deploy/keycloak/linli-realm.json') continue;
        expect({ source, exists: existsSync(repoPath(source)) }).toEqual({ source, exists: true });
      }
    }
    expect(Object.keys(compose.volumes)).toEqual(expect.arrayContaining(['postgres-data', 'nats-data']));
  });
});

// ---------------------------------------------------------------------------------------------------
// Dockerfiles

describe('Dockerfiles', () => {
  const images = [
    { file: 'gateway/Dockerfile', workspace: '@linli/gateway', main: 'gateway/dist/main.js', port: 3000 },
    {
      file: 'services/org/Dockerfile',
      workspace: '@linli/org',
      main: 'services/org/dist/main.js',
      port: 3101,
      // The same V8 flags as the local launcher gives org (decision 0014).
      nodeArgs: ORG_NODE_ARGS,
    },
    {
      file: 'services/governance/Dockerfile',
      workspace: '@linli/governance',
      main: 'services/governance/dist/main.js',
      port: 3102,
    },
    { file: 'tools/platform/Dockerfile', workspace: '@linli/platform', main: undefined, port: undefined },
  ];

  it.each(images)('$file: pinned bases, non-root runtime, production build of $workspace', (img) => {
    // Join continuation lines, drop comments (and the `# syntax=` parser directive).
    const lines = read(img.file)
      .replace(/\\\n/g, ' ')
      .split('\n')
      .map((l) => l.trim())
      .filter((l) => l && !l.startsWith('#'));
    const froms = lines.filter((l) => /^FROM\s/i.test(l)).map((l) => l.split(/\s+/)[1]);
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const base of froms) {
      expect(base).toMatch(/^node:24\.\d+\.\d+-bookworm-slim(@sha256:[a-f0-9]{64})?$/);
      expect(isPinnedImage(base)).toBe(true);
    }
    const lastFrom = lines.map((l) => /^FROM\s/i.test(l)).lastIndexOf(true);
    const build = lines.slice(0, lastFrom);
    const runtime = lines.slice(lastFrom);
    expect(build).toEqual(expect.arrayContaining([expect.stringMatching(/^RUN .*npm ci\b/)]));
    expect(build).toContain(`RUN npm run build -- --projects=${img.workspace}`);
    expect(build).toContain(`RUN node deploy/docker/prune-workspace.mjs ${img.workspace} /out`);
    const users = runtime.filter((l) => /^USER\s/i.test(l)).map((l) => l.split(/\s+/)[1]);
    expect(users.length).toBeGreaterThan(0);
    const user = users[users.length - 1].split(':')[0];
    expect(['root', '0']).not.toContain(user);
    expect(runtime.some((l) => /^ENV\s.*NODE_ENV=production/.test(l))).toBe(true);
    const cmd = runtime.filter((l) => /^CMD\s/.test(l)).pop()!;
    const healthcheck = runtime.filter((l) => /^HEALTHCHECK\s/.test(l)).pop()!;
    if (img.main) {
      expect(JSON.parse(cmd.slice(4))).toEqual([
        'node',
        '--enable-source-maps',
        ...(('nodeArgs' in img && img.nodeArgs) || []),
        img.main,
      ]);
      expect(healthcheck).toContain('/health/live');
      expect(runtime).toContain(`EXPOSE ${img.port}`);
    } else {
      expect(JSON.parse(cmd.slice(4))).toEqual([
        'node',
        '--enable-source-maps',
        'tools/platform/dist/bootstrap.js',
      ]);
      expect(healthcheck).toBe('HEALTHCHECK NONE');
    }
  });

  it('builds from a context without node_modules or dist, keeping the prune helper', () => {
    const ignore = read('.dockerignore').split('\n');
    expect(ignore).toEqual(
      expect.arrayContaining(['**/node_modules', '**/dist', '.git', '.env', '!deploy/docker/']),
    );
    expect(existsSync(repoPath('deploy/docker/prune-workspace.mjs'))).toBe(true);
    const pkg = JSON.parse(read('package.json')) as Obj;
    for (const workspace of images.map((i) => i.workspace)) {
      const dir = dirname(images.find((i) => i.workspace === workspace)!.file);
      expect(JSON.parse(read(dir, 'package.json')).name).toBe(workspace);
    }
    expect(pkg.devDependencies.node).toMatch(/^24\./);
  });
});

// ---------------------------------------------------------------------------------------------------
// Kubernetes

describe('Kubernetes manifests (deploy/k8s)', () => {
  const k8sDir = repoPath('deploy/k8s');
  const kustomizationDirs = listFiles(k8sDir, (f) => f.endsWith('/kustomization.yaml')).map((f) =>
    dirname(f),
  );
  const kustomization = (dir: string): Obj =>
    parse(readFileSync(join(dir, 'kustomization.yaml'), 'utf8')) as Obj;
  const patchFiles = new Set(
    kustomizationDirs.flatMap((dir) =>
      ((kustomization(dir).patchesStrategicMerge ?? []) as string[]).map((p) => join(dir, p)),
    ),
  );
  const manifestFiles = listFiles(k8sDir, (f) => /\.ya?ml$/.test(f) && !f.endsWith('/kustomization.yaml'));
  const loadDir = (dir: string): Obj[] =>
    ((kustomization(dir).resources ?? []) as string[]).flatMap((r) =>
      parseDocs(readFileSync(join(dir, r), 'utf8'), r),
    );
  const base = loadDir(repoPath('deploy/k8s/base'));
  const postgres = loadDir(repoPath('deploy/k8s/postgres'));
  const overlays = ['dev', 'prod'];

  it('uses kustomization fields that kustomize v2 and v5 both accept, referencing files that exist', () => {
    expect(kustomizationDirs.map((d) => relative(k8sDir, d))).toEqual(
      expect.arrayContaining(['base', 'postgres', 'overlays/dev', 'overlays/prod']),
    );
    const portable = [
      'apiVersion',
      'kind',
      'namespace',
      'resources',
      'bases',
      'patchesStrategicMerge',
      'images',
    ];
    for (const dir of kustomizationDirs) {
      const k = kustomization(dir);
      expect({
        dir: relative(k8sDir, dir),
        fields: Object.keys(k).filter((f) => !portable.includes(f)),
      }).toEqual({
        dir: relative(k8sDir, dir),
        fields: [],
      });
      for (const file of (k.resources ?? []) as string[]) {
        // kustomize v2 accepts only files under `resources`; directories go under `bases`.
        expect(statSync(join(dir, file)).isFile()).toBe(true);
      }
      for (const b of (k.bases ?? []) as string[])
        expect(existsSync(join(dir, b, 'kustomization.yaml'))).toBe(true);
      for (const p of (k.patchesStrategicMerge ?? []) as string[])
        expect(existsSync(join(dir, p))).toBe(true);
    }
    for (const overlay of overlays) {
      const k = kustomization(repoPath('deploy/k8s/overlays', overlay));
      expect(k.bases).toEqual(expect.arrayContaining(['../../base']));
      const images = (k.images ?? []) as Obj[];
      for (const app of APPS) {
        expect(images.find((i) => i.name === `ghcr.io/linli/${app}`)?.newTag).toMatch(/^[\w.-]+$/);
      }
      expect(images.map((i) => i.newTag)).not.toContain('latest');
    }
  });

  it('parses every manifest and validates each complete resource with kubernetes-models', () => {
    let validated = 0;
    for (const file of manifestFiles) {
      const docs = parseDocs(readFileSync(file, 'utf8'), relative(root, file));
      expect(docs.length).toBeGreaterThan(0);
      for (const doc of docs) {
        expect(typeof doc.apiVersion).toBe('string');
        expect(typeof doc.kind).toBe('string');
        expect(typeof doc.metadata?.name).toBe('string');
        if (patchFiles.has(file)) continue; // partial objects, checked against their targets below
        validateResource(doc, relative(root, file));
        validated += 1;
      }
    }
    expect(validated).toBeGreaterThan(30);
  });

  it('overlay patches target resources that exist in what the overlay builds on', () => {
    const all = [...base, ...postgres];
    for (const file of patchFiles) {
      for (const patch of parseDocs(readFileSync(file, 'utf8'), file)) {
        const target = byKindName(all, patch.kind, patch.metadata.name);
        expect({
          file: relative(root, file),
          patch: `${patch.kind}/${patch.metadata.name}`,
          found: !!target,
        }).toEqual({
          file: relative(root, file),
          patch: `${patch.kind}/${patch.metadata.name}`,
          found: true,
        });
        expect(target!.apiVersion).toBe(patch.apiVersion);
        for (const c of patch.spec?.template?.spec?.containers ?? []) {
          expect(target!.spec.template.spec.containers.map((t: Obj) => t.name)).toContain(c.name);
        }
      }
    }
  });

  it('hardens every container, sets resources and probes, and keeps secret values out of git', () => {
    checkResourceSet(base, 'base');
    checkResourceSet(postgres, 'postgres');
    for (const overlay of overlays) {
      const dir = repoPath('deploy/k8s/overlays', overlay);
      checkResourceSet(loadDir(dir), `overlays/${overlay}`);
    }
    const secretRefs = new Set(base.filter((o) => podSpecOf(o)).flatMap((o) => secretRefsOf(podSpecOf(o)!)));
    expect([...secretRefs].sort()).toEqual([...SECRET_NAMES].sort());
    expect(base.filter((o) => o.kind === 'Secret')).toEqual([]);
  });

  it.each(APPS)('%s: Deployment (2 replicas, health probes, spread), Service, PDB and HPA', (app) => {
    const port = SIDE_PORT[app];
    const deployment = byKindName(base, 'Deployment', app)!;
    expect(deployment.spec.replicas).toBe(2);
    const pod = deployment.spec.template.spec;
    const [container] = pod.containers;
    expect(container.image).toBe(`ghcr.io/linli/${app}:0.1.0`);
    const portName = container.ports.find((p: Obj) => p.containerPort === port).name;
    expect(container.livenessProbe.httpGet).toEqual({ path: '/health/live', port: portName });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/health/ready', port: portName });
    expect(container.env.find((e: Obj) => e.name === 'HTTP_PORT').value).toBe(String(port));
    expect(container.resources.limits.memory).toBe('256Mi');
    expect(pod.topologySpreadConstraints.map((t: Obj) => t.topologyKey)).toEqual(
      expect.arrayContaining(['kubernetes.io/hostname', 'topology.kubernetes.io/zone']),
    );
    expect(pod.volumes).toContainEqual({ name: 'tmp', emptyDir: { sizeLimit: '64Mi' } });
    expect(deployment.spec.template.metadata.annotations).toMatchObject({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': String(port),
    });
    const selector = deployment.spec.selector.matchLabels;
    expect(deployment.spec.template.metadata.labels).toMatchObject(selector);
    const service = byKindName(base, 'Service', app)!;
    expect(service.spec.selector).toEqual(selector);
    expect(service.spec.ports[0].port).toBe(port);
    expect(byKindName(base, 'PodDisruptionBudget', app)!.spec.selector.matchLabels).toEqual(selector);
    const hpa = byKindName(base, 'HorizontalPodAutoscaler', app)!;
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: app });
    expect(hpa.spec.minReplicas).toBe(2);
    expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
  });

  it('keeps settings in ConfigMaps and secrets referenced by name only', () => {
    const config = byKindName(base, 'ConfigMap', 'linli-config')!.data;
    expect(config).toMatchObject({ NATS_URL: 'nats://nats:4222', NODE_ENV: 'production' });
    const gatewayConfig = byKindName(base, 'ConfigMap', 'linli-gateway-config')!.data;
    expect(gatewayConfig.OIDC_ISSUER).toMatch(/^https:\/\/.+\/realms\/linli$/);
    expect(gatewayConfig.OIDC_AUDIENCE).toBe('linli-api');
    const envOf = (app: string) =>
      byKindName(base, 'Deployment', app)!.spec.template.spec.containers[0].env as Obj[];
    const secretEnv = (app: string) =>
      Object.fromEntries(
        envOf(app)
          .filter((e) => e.valueFrom?.secretKeyRef)
          .map((e) => [e.name, e.valueFrom.secretKeyRef]),
      );
    expect(secretEnv('org')).toEqual({
      DATABASE_URL: { name: 'linli-org-db', key: 'DATABASE_URL' },
      PII_ENCRYPTION_KEY: { name: 'linli-org-pii', key: 'PII_ENCRYPTION_KEY' },
    });
    expect(secretEnv('governance')).toEqual({
      DATABASE_URL: { name: 'linli-governance-db', key: 'DATABASE_URL' },
    });
    expect(secretEnv('gateway')).toEqual({});
  });

  it.each(['org', 'governance'])(
    '%s-migrate: a Job per deploy from the service image, ordered by Argo CD',
    (svc) => {
      const job = byKindName(base, 'Job', `${svc}-migrate`)!;
      expect(job.metadata.annotations).toMatchObject({
        'argocd.argoproj.io/hook': 'Sync',
        'argocd.argoproj.io/sync-wave': '-1',
        'argocd.argoproj.io/hook-delete-policy': 'BeforeHookCreation',
      });
      const pod = job.spec.template.spec;
      expect(pod.restartPolicy).toBe('Never');
      expect(pod.containers[0].image).toBe(`ghcr.io/linli/${svc}:0.1.0`);
      expect(pod.containers[0].command).toEqual([
        'node',
        '--enable-source-maps',
        `services/${svc}/dist/database/migrate.js`,
      ]);
      expect(job.spec.template.metadata.labels['linli.io/postgres-client']).toBe('true');
      // Every Deployment syncs after the migration (default wave 0 > -1).
      for (const d of base.filter((o) => o.kind === 'Deployment')) {
        expect(Number(d.metadata.annotations?.['argocd.argoproj.io/sync-wave'] ?? 0)).toBeGreaterThan(-1);
      }
    },
  );

  it('runs NATS as a 3-server JetStream cluster with file storage and sync_interval: always', () => {
    const sts = byKindName(base, 'StatefulSet', 'nats')!;
    expect(sts.spec.replicas).toBe(3);
    expect(sts.spec.serviceName).toBe('nats-headless');
    expect(byKindName(base, 'Service', 'nats-headless')!.spec.clusterIP).toBe('None');
    expect(sts.spec.volumeClaimTemplates[0].metadata.name).toBe('data');
    const container = sts.spec.template.spec.containers[0];
    expect(container.args).toEqual(['--config', '/etc/nats/nats.conf']);
    expect(container.volumeMounts).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ name: 'data', mountPath: '/data' }),
        expect.objectContaining({ name: 'config', mountPath: '/etc/nats' }),
      ]),
    );
    expect(byKindName(base, 'PodDisruptionBudget', 'nats')!.spec.maxUnavailable).toBe(1);
    const confs = [
      byKindName(base, 'ConfigMap', 'nats-config')!.data['nats.conf'] as string,
      ...[...patchFiles]
        .flatMap((f) => parseDocs(readFileSync(f, 'utf8'), f))
        .filter((o) => o.kind === 'ConfigMap' && o.metadata.name === 'nats-config')
        .map((o) => o.data['nats.conf'] as string),
    ];
    for (const conf of confs) {
      expect(conf).toMatch(/jetstream\s*\{[^}]*store_dir:\s*\/data/);
      expect(conf).toMatch(/jetstream\s*\{[^}]*sync_interval:\s*always/);
      expect(conf).toMatch(/server_name:\s*\$POD_NAME/);
      for (const i of [0, 1, 2]) expect(conf).toContain(`nats://nats-${i}.nats-headless:6222`);
    }
  });

  it('denies by default and opens only the platform paths', () => {
    const policies = base.filter((o) => o.kind === 'NetworkPolicy');
    const deny = byKindName(policies, 'NetworkPolicy', 'default-deny-all')!;
    expect(deny.spec).toEqual({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    const gatewayIngress = policies.find(
      (p) => p.spec.podSelector.matchLabels?.['app.kubernetes.io/name'] === 'gateway' && p.spec.ingress,
    )!;
    expect(gatewayIngress.spec.ingress).toEqual([{ ports: [{ protocol: 'TCP', port: 3000 }] }]);
    for (const svc of ['org', 'governance'] as const) {
      const ingress = policies
        .filter((p) => p.spec.podSelector.matchLabels?.['app.kubernetes.io/name'] === svc && p.spec.ingress)
        .flatMap((p) => p.spec.ingress as Obj[]);
      expect(ingress).toHaveLength(1);
      expect(ingress[0].ports).toEqual([{ protocol: 'TCP', port: SIDE_PORT[svc] }]);
      expect(ingress[0].from).toEqual([
        expect.objectContaining({ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus' } } }),
      ]);
    }
    const egressPorts = (name: string) =>
      byKindName(policies, 'NetworkPolicy', name)!.spec.egress.flatMap((e: Obj) =>
        e.ports.map((p: Obj) => p.port),
      );
    expect(egressPorts('allow-dns-egress')).toEqual([53, 53]);
    expect(egressPorts('allow-nats-client-egress')).toEqual([4222]);
    expect(egressPorts('allow-postgres-client-egress')).toEqual([5432]);
    // Every pod that talks to NATS or PostgreSQL carries the label its egress policy selects.
    for (const app of APPS) {
      const labels = byKindName(base, 'Deployment', app)!.spec.template.metadata.labels;
      expect(labels['linli.io/nats-client']).toBe('true');
      if (app !== 'gateway') expect(labels['linli.io/postgres-client']).toBe('true');
    }
  });

  it('describes PostgreSQL as a CloudNativePG cluster with one database and role per service', () => {
    const cluster = byKindName(postgres, 'Cluster', 'linli-pg')!;
    expect(cluster.apiVersion).toBe('postgresql.cnpg.io/v1');
    expect(cluster.spec.bootstrap.initdb).toMatchObject({ database: 'linli_org', owner: 'linli_org' });
    expect(cluster.spec.managed.roles.map((r: Obj) => [r.name, r.passwordSecret.name])).toEqual([
      ['linli_org', 'linli-org-db'],
      ['linli_governance', 'linli-governance-db'],
    ]);
    expect(byKindName(postgres, 'Database', 'linli-governance')!.spec).toMatchObject({
      name: 'linli_governance',
      owner: 'linli_governance',
      cluster: { name: 'linli-pg' },
    });
    // The base's postgres egress policy selects exactly this cluster's pods.
    const egress = byKindName(base, 'NetworkPolicy', 'allow-postgres-client-egress')!;
    expect(egress.spec.egress[0].to[0].podSelector.matchLabels).toEqual({
      'cnpg.io/cluster': cluster.metadata.name,
    });
  });

  const kubectl = findKubectl();
  it.each(overlays)('renders overlays/%s with kubectl kustomize and validates the output', (overlay) => {
    const dir = repoPath('deploy/k8s/overlays', overlay);
    const declared = kustomization(dir);
    if (!kubectl) {
      process.stderr.write(
        `kubectl not found: overlays/${overlay} not rendered (raw manifests were validated above)\n`,
      );
      // Without kustomize, at least resolve what the overlay would build: bases, resources and patches.
      const inputs = [
        ...((declared.bases ?? []) as string[]).flatMap((b) => loadDir(join(dir, b))),
        ...loadDir(dir),
      ];
      expect(
        inputs
          .filter((o) => o.kind === 'Deployment')
          .map((o) => o.metadata.name)
          .sort(),
      ).toEqual([...APPS].sort());
      return;
    }
    const rendered = parseDocs(
      execFileSync(kubectl, ['kustomize', dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }),
      `kustomize ${overlay}`,
    ).filter((o) => o);
    checkResourceSet(rendered, `rendered ${overlay}`);
    for (const obj of rendered) {
      if (obj.kind !== 'Namespace')
        expect({ r: `${obj.kind}/${obj.metadata.name}`, ns: obj.metadata.namespace }).toEqual({
          r: `${obj.kind}/${obj.metadata.name}`,
          ns: 'linli',
        });
    }
    const tags = Object.fromEntries(((declared.images ?? []) as Obj[]).map((i) => [i.name, i.newTag]));
    for (const obj of rendered.filter((o) => podSpecOf(o))) {
      for (const c of podSpecOf(obj)!.containers as Obj[]) {
        const [name, tag] = c.image.split(/:(?=[^:/]+$)/);
        if (name in tags) expect({ image: c.image, tag }).toEqual({ image: c.image, tag: tags[name] });
      }
    }
    for (const app of APPS) {
      const deployment = byKindName(rendered, 'Deployment', app)!;
      const hpa = byKindName(rendered, 'HorizontalPodAutoscaler', app)!;
      expect(deployment.spec.replicas).toBeGreaterThanOrEqual(hpa.spec.minReplicas);
      expect(deployment.spec.template.spec.containers[0].readinessProbe.httpGet.path).toBe('/health/ready');
    }
    expect(byKindName(rendered, 'StatefulSet', 'nats')!.spec.replicas).toBe(3);
    expect(rendered.filter((o) => o.kind === 'Job').map((o) => o.metadata.name)).toEqual(
      expect.arrayContaining(['org-migrate', 'governance-migrate']),
    );
  });
});

// ---------------------------------------------------------------------------------------------------
// Prometheus and Grafana

describe('Prometheus and Grafana provisioning', () => {
  const dashboard = JSON.parse(read('deploy/grafana/dashboards/linli-overview.json')) as Obj;
  const panels = (dashboard.panels as Obj[]).filter((p) => p.type !== 'row');
  const exprs = panels.flatMap((p) => (p.targets ?? []).map((t: Obj) => t.expr as string));

  it('scrapes the gateway on :3000 and the services on their side ports', () => {
    const prom = parse(read('deploy/prometheus/prometheus.yml')) as Obj;
    const targets = Object.fromEntries(
      (prom.scrape_configs as Obj[]).map((s) => [
        s.job_name,
        s.static_configs.flatMap((c: Obj) => c.targets),
      ]),
    );
    expect(targets).toMatchObject({
      gateway: ['gateway:3000'],
      org: ['org:3101'],
      governance: ['governance:3102'],
    });
    for (const job of APPS) {
      expect((prom.scrape_configs as Obj[]).find((s) => s.job_name === job)!.metrics_path).toBe('/metrics');
    }
  });

  it('provisions the Prometheus datasource and a dashboards folder that compose mounts', () => {
    const ds = parse(read('deploy/grafana/provisioning/datasources/prometheus.yml')) as Obj;
    expect(ds.datasources[0]).toMatchObject({ type: 'prometheus', url: 'http://prometheus:9090' });
    const providers = parse(read('deploy/grafana/provisioning/dashboards/linli.yml')) as Obj;
    const compose = parse(read('docker-compose.yml'), { merge: true }) as Obj;
    const mounts = (compose.services.grafana.volumes as string[]).map((v) => v.split(':'));
    expect(mounts).toContainEqual(['./deploy/grafana/dashboards', providers.providers[0].options.path, 'ro']);
    expect(mounts).toContainEqual(['./deploy/grafana/provisioning', '/etc/grafana/provisioning', 'ro']);
  });

  it('linli-overview.json charts HTTP, RPC, outbox, redeliveries and memory', () => {
    expect(dashboard.uid).toBe('linli-overview');
    const ids = panels.map((p) => p.id);
    expect(new Set(ids).size).toBe(ids.length);
    const has = (re: RegExp) => expect(exprs.some((e) => re.test(e))).toBe(true);
    has(/sum by \(route, status\) \(rate\(http_request_duration_seconds_count/);
    has(/histogram_quantile\(0\.5, sum by \(le, route\) \(rate\(http_request_duration_seconds_bucket/);
    has(/histogram_quantile\(0\.99, sum by \(le, route\) \(rate\(http_request_duration_seconds_bucket/);
    has(/linli_rpc_server_duration_seconds_bucket/);
    has(/sum by \(subject, outcome\) \(rate\(linli_rpc_server_duration_seconds_count/);
    has(/linli_outbox_pending/);
    has(/linli_consumer_redeliveries_total/);
    has(/process_resident_memory_bytes/);
    for (const p of panels) {
      expect(p.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(p.gridPos.x + p.gridPos.w).toBeLessThanOrEqual(24);
    }
  });

  it('uses the metric and label names the platform registers', () => {
    const metricsFile = repoPath('libs/observability/src/metrics.ts');
    expect(existsSync(metricsFile)).toBe(true);
    const source = readFileSync(metricsFile, 'utf8');
    const used = new Set(
      exprs.flatMap((e) => e.match(/\b(?:linli_[a-z_]+|http_request_duration_seconds)\b/g) ?? []),
    );
    for (const metric of used) {
      const base = metric.replace(/_(bucket|count|sum)$/, '');
      expect({ metric, registered: source.includes(`'${base}'`) }).toEqual({ metric, registered: true });
    }
    for (const label of ['route', 'status', 'subject', 'outcome', 'consumer'])
      expect(source).toContain(`'${label}'`);
  });
});
