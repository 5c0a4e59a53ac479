import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { destPath, parseContainerfile, type Stage } from './containerfile';
import { DEPLOY_DIR, renderKustomization } from './render';

const ROOT = join(DEPLOY_DIR, '..');
const IMAGE_APPS = ['agent', 'stun-probe', 'relay', 'gateway-controller', 'wirekubectl'];

describe('deploy/Containerfile', () => {
  const stages = parseContainerfile(readFileSync(join(DEPLOY_DIR, 'Containerfile'), 'utf8'));
  const build = stages.find((s) => s.name === 'build') as Stage;
  const final = stages.at(-1) as Stage;

  it('builds on node:20-bookworm-slim in two stages', () => {
    assert.ok(build, 'a stage named build');
    assert.deepEqual(stages.map((s) => s.image), ['node:20-bookworm-slim', 'node:20-bookworm-slim']);
  });

  it('copies only paths that exist in the repository', () => {
    for (const c of build.copies) {
      assert.equal(c.from, undefined, `line ${c.line}: the build stage copies from the context only`);
      for (const src of c.sources) {
        assert.ok(existsSync(join(ROOT, src)), `line ${c.line}: ${src} does not exist`);
        assert.equal(statSync(join(ROOT, src)).isDirectory(), src.endsWith('/'), `line ${c.line}: ${src} is ${src.endsWith('/') ? 'not ' : ''}a directory`);
      }
    }
  });

  it("gives npm ci the lockfile and every workspace's package.json", () => {
    const copied = contextPaths(build);
    const { workspaces } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { workspaces: string[] };
    const manifests = ['package.json', 'package-lock.json', ...workspaces.flatMap(expandWorkspace).map((w) => `${w}/package.json`)];
    const missing = manifests.filter((m) => !copied.some((c) => m === c || (c.endsWith('/') && m.startsWith(c))));
    assert.deepEqual(missing, []);
    const ci = build.runs.findIndex((r) => r.startsWith('npm ci'));
    assert.ok(ci >= 0, 'runs npm ci');
  });

  it('builds every app the image ships with nx, and each is a bundled app', () => {
    const run = build.runs.find((r) => r.includes('nx run-many -t build'));
    assert.ok(run, 'runs nx build');
    const projects = /-p\s+(\S+)/.exec(run)?.[1].split(',') ?? [];
    assert.deepEqual(projects, IMAGE_APPS);
    for (const p of projects) {
      const project = JSON.parse(readFileSync(join(ROOT, 'apps', p, 'project.json'), 'utf8'));
      assert.equal(project.name, p);
      assert.match(project.targets.build.options.command, /tools\/bundle\.mjs/, `${p} build does not bundle`);
    }
  });

  it('copies from the build stage only what it copied in or built', () => {
    const inBuild = contextPaths(build).map((p) => `${build.workdir}/${p}`);
    const produced = [`${build.workdir}/node_modules/`, ...IMAGE_APPS.map((a) => `${build.workdir}/apps/${a}/dist/`)];
    for (const c of final.copies) {
      assert.equal(c.from, 'build', `line ${c.line}`);
      for (const src of c.sources) {
        const ok = produced.includes(src) || inBuild.some((p) => src === p || (p.endsWith('/') && src.startsWith(p)));
        assert.ok(ok, `line ${c.line}: ${src} is neither copied into nor built in the build stage`);
        const rel = src.slice(build.workdir.length + 1);
        if (!produced.includes(src)) assert.ok(existsSync(join(ROOT, rel)), `line ${c.line}: ${rel} does not exist`);
      }
    }
  });

  it('installs every binary the manifests run, from the bin of an app it copied', () => {
    const link = final.runs.find((r) => r.startsWith('ln -s')) ?? '';
    const targets = link.split(/\s+/).filter((w) => w.startsWith('/opt/'));
    const copiedDests = final.copies.map((c) => destPath(final, c.dest));
    const installed = new Map<string, string>();
    for (const t of targets) {
      const m = /^\/opt\/wirekube\/apps\/([^/]+)\/bin\/([^/]+)$/.exec(t);
      assert.ok(m, `unexpected link target ${t}`);
      const [, app, bin] = m;
      assert.ok(copiedDests.includes(`/opt/wirekube/apps/${app}/bin/`), `${app}/bin is not copied`);
      assert.ok(copiedDests.includes(`/opt/wirekube/apps/${app}/dist/`), `${app}/dist is not copied`);
      const pkg = JSON.parse(readFileSync(join(ROOT, 'apps', app, 'package.json'), 'utf8')) as { bin: Record<string, string> };
      assert.equal(pkg.bin[bin], `bin/${bin}`, `apps/${app}/package.json does not declare bin ${bin}`);
      assert.ok(existsSync(join(ROOT, 'apps', app, 'bin', bin)), `apps/${app}/bin/${bin} missing`);
      installed.set(bin, app);
    }
    const commands = new Set(
      renderKustomization('base')
        .filter((o) => o.kind === 'DaemonSet' || o.kind === 'Deployment')
        .flatMap((o) => {
          const spec = (o.spec as { template: { spec: { containers: Array<{ command: string[] }>; initContainers?: Array<{ command: string[] }> } } }).template.spec;
          return [...spec.containers, ...(spec.initContainers ?? [])].map((c) => c.command[0]);
        }),
    );
    for (const cmd of commands) assert.ok(installed.has(cmd) || cmd === 'sh', `the manifests run ${cmd}, which the image does not install`);
    assert.ok(installed.has('wirekubectl'));
  });

  it('installs wireguard-go, iptables and iproute2 in the runtime image', () => {
    const apt = final.runs.find((r) => r.includes('apt-get install')) ?? '';
    for (const p of ['wireguard-go', 'iptables', 'iproute2']) assert.match(apt, new RegExp(`\\b${p}\\b`));
  });

  it('the reader rejects a COPY without destination and resolves ARG defaults', () => {
    assert.throws(() => parseContainerfile('FROM x\nCOPY onlyone\n'), /COPY needs a source and a destination/);
    assert.equal(parseContainerfile('ARG B=img:1\nFROM ${B} AS s\n')[0].image, 'img:1');
  });
});

/** Context paths (relative) copied into the build stage's workdir, as `dir/` or `file`. */
function contextPaths(stage: Stage): string[] {
  return stage.copies.flatMap((c) =>
    c.sources.map((s) => {
      const dest = c.dest === './' ? '' : c.dest;
      return s.endsWith('/') || dest === '' ? s : dest.endsWith('/') ? `${dest}${s.split('/').at(-1)}` : dest;
    }),
  );
}

/** `apps/*` → the directories holding a package.json; plain entries as they are. */
function expandWorkspace(w: string): string[] {
  if (!w.endsWith('/*')) return [w];
  const dir = w.slice(0, -2);
  return readdirSync(join(ROOT, dir)).filter((d) => existsSync(join(ROOT, dir, d, 'package.json'))).map((d) => `${dir}/${d}`);
}
