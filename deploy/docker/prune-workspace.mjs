#!/usr/bin/env node
// Build helper for the Dockerfiles: turns a fully installed and built workspace tree into the
// minimal runtime tree of ONE app.
//
//   node deploy/docker/prune-workspace.mjs <workspace package name> <output dir>
//   e.g. node deploy/docker/prune-workspace.mjs @linli/gateway /out
//
// 1. Finds the app's workspace and, transitively, every workspace it depends on (dependencies only,
//    never devDependencies).
// 2. Rewrites the root package.json to list only those workspaces, without devDependencies or scripts.
// 3. Runs `npm prune --omit=dev` offline: npm removes the dev tools and every other app's packages,
//    keeping exactly the versions pinned in package-lock.json.
// 4. Copies package.json, node_modules and each kept workspace's package.json and dist/ into the
//    output dir, preserving the repository layout (node_modules/@linli/* symlinks stay valid).
//
// Why not `npm ci --omit=dev --workspace=…`: `npm prune --workspace` ignores the filter, and this
// way the runtime tree is derived from the tree that was just built and tested, with no second
// download. Run it only inside a throwaway build stage: it rewrites package.json in place.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, globSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [target, outDir] = process.argv.slice(2);
if (!target || !outDir) {
  console.error('usage: node deploy/docker/prune-workspace.mjs <workspace package name> <output dir>');
  process.exit(2);
}

const readJson = (file) => JSON.parse(readFileSync(file, 'utf8'));
const root = readJson('package.json');

/** @type {Map<string, { dir: string, pkg: any }>} workspace package name -> folder and manifest */
const workspaces = new Map();
for (const pattern of root.workspaces ?? []) {
  for (const manifest of globSync(`${pattern}/package.json`)) {
    const pkg = readJson(manifest);
    workspaces.set(pkg.name, { dir: manifest.slice(0, -'/package.json'.length), pkg });
  }
}
if (!workspaces.has(target)) {
  console.error(`unknown workspace ${target}; known: ${[...workspaces.keys()].join(', ')}`);
  process.exit(2);
}

const keep = new Set();
const visit = (name) => {
  if (keep.has(name)) return;
  keep.add(name);
  for (const dep of Object.keys(workspaces.get(name).pkg.dependencies ?? {})) {
    if (workspaces.has(dep)) visit(dep);
  }
};
visit(target);
const keptDirs = [...keep].map((name) => workspaces.get(name).dir).sort();
console.log(`runtime workspaces for ${target}: ${keptDirs.join(', ')}`);

const runtimeRoot = { ...root, workspaces: keptDirs };
delete runtimeRoot.devDependencies;
delete runtimeRoot.scripts;
delete runtimeRoot.allowScripts;
writeFileSync('package.json', `${JSON.stringify(runtimeRoot, null, 2)}\n`);

const npm = spawnSync(
  'npm',
  ['prune', '--omit=dev', '--ignore-scripts', '--offline', '--no-audit', '--no-fund'],
  {
    stdio: 'inherit',
  },
);
if (npm.status !== 0) {
  console.error(`npm prune failed (${npm.status ?? npm.signal})`);
  process.exit(1);
}

const noBuildInfo = (src) => !src.endsWith('.tsbuildinfo');
mkdirSync(outDir, { recursive: true });
cpSync('package.json', join(outDir, 'package.json'));
cpSync('node_modules', join(outDir, 'node_modules'), { recursive: true, verbatimSymlinks: true });
for (const dir of keptDirs) {
  mkdirSync(join(outDir, dir), { recursive: true });
  cpSync(join(dir, 'package.json'), join(outDir, dir, 'package.json'));
  if (!existsSync(join(dir, 'dist'))) {
    console.error(`${dir}/dist is missing: build ${target} before pruning`);
    process.exit(1);
  }
  cpSync(join(dir, 'dist'), join(outDir, dir, 'dist'), { recursive: true, filter: noBuildInfo });
}
console.log(`wrote ${outDir}`);
