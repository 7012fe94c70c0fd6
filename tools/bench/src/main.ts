/**
 * `npm run bench [-- gateway|org-scale]`: the platform's speed targets, measured, written to docs/benchmarks.md.
 *   gateway    authenticated node read through the gateway vs a bare Fastify + pg handler (issue: foundation)
 *   org-scale  national division tree import, subtree/path/authorization latency on it (issue: org hierarchy)
 *   households bulk import of 1,000,000 synthetic households with residents (issue: org hierarchy)
 *   governance ballots per second through the gateway, tally of 100,000 ballots (issue: governance)
 */
const mode = process.argv[2] ?? 'all';
if (mode === 'gateway' || mode === 'all') await import('./gateway.bench.js');
if (mode === 'org-scale' || mode === 'all') await import('./org-scale.bench.js');
if (mode === 'households' || mode === 'all') await import('./households.bench.js');
if (mode === 'governance' || mode === 'all') await import('./governance.bench.js');
if (!['gateway', 'org-scale', 'households', 'governance', 'all'].includes(mode)) {
  process.stderr.write('usage: npm run bench [-- gateway|org-scale|households|governance]\n');
  process.exitCode = 2;
}
