import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { ESLint } from 'eslint';

// The layering (apps → adapters → core → util; the core never touches Kubernetes, gRPC, netlink or
// telemetry) is enforced by lint. These fixtures are deliberate violations linted as if they lived
// in the named project: each must fail, and the allowed direction must pass.
describe('module boundaries are enforced by lint', () => {
  const root = resolve(__dirname, '../..');
  const eslint = new ESLint({ cwd: root });

  async function boundaryErrors(file: string, code: string): Promise<string[]> {
    const [result] = await eslint.lintText(code, { filePath: resolve(root, file) });
    return result.messages.filter((m) => m.ruleId === '@nx/enforce-module-boundaries').map((m) => m.message);
  }

  it('refuses a core lib importing an adapter lib', async () => {
    const errs = await boundaryErrors('libs/planner/src/violation.ts', "import { x } from '@wirekube/k8s';\nexport const y = x;\n");
    assert.equal(errs.length, 1, errs.join('\n'));
    assert.match(errs[0], /layer:core.*can only depend on libs tagged with.*layer:util/s);
  });

  it('refuses the core importing gRPC, Kubernetes or netlink packages', async () => {
    for (const pkg of ['@grpc/grpc-js', '@kubernetes/client-node', 'netlink']) {
      const errs = await boundaryErrors('libs/nat/src/violation.ts', `import * as m from '${pkg}';\nexport const y = m;\n`);
      assert.equal(errs.length, 1, `${pkg}: ${errs.join('\n')}`);
      assert.equal(errs[0], `A project tagged with "layer:core" is not allowed to import "${pkg}"`);
    }
  });

  it('refuses util importing the core and an adapter importing the test lab', async () => {
    assert.equal((await boundaryErrors('libs/util/src/violation.ts', "import { x } from '@wirekube/nat';\nexport const y = x;\n")).length, 1);
    assert.equal((await boundaryErrors('libs/wg/src/violation.ts', "import { x } from '@wirekube/lab';\nexport const y = x;\n")).length, 1);
  });

  it('allows the downward direction', async () => {
    assert.deepEqual(await boundaryErrors('libs/planner/src/allowed.ts', "import { systemClock } from '@wirekube/util';\nexport const c = systemClock;\n"), []);
    assert.deepEqual(await boundaryErrors('apps/agent/src/allowed.ts', "import { createLogger } from '@wirekube/runtime';\nexport const l = createLogger;\n"), []);
  });
});
