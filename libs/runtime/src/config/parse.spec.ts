import assert from 'node:assert/strict';
import { boolFlag, durationFlag, enumFlag, hostPortFlag, intFlag, listFlag, checkHostPort, stringFlag } from './flag';
import { ConfigError, HelpRequested, helpText, parseConfig } from './parse';

const spec = {
  name: 'wirekube-test',
  summary: 'a test program',
  envPrefix: 'WIREKUBE_TEST',
  flags: {
    listenPort: intFlag({ description: 'UDP port', default: 51822, min: 1, max: 65535 }),
    mode: enumFlag({ description: 'relay mode', default: 'auto', values: ['auto', 'always', 'never'] as const }),
    interval: durationFlag({ description: 'probe interval', default: 30_000, minMs: 100 }),
    servers: listFlag({ description: 'STUN servers', default: [], item: checkHostPort }),
    verbose: boolFlag({ description: 'talk more', default: false }),
    address: hostPortFlag({ description: 'listen address', default: '127.0.0.1:0' }),
    nodeName: stringFlag({ description: 'node name', default: '', env: 'NODE_NAME', pattern: /^[a-z0-9.-]+$/, patternHint: 'a DNS-1123 name' }),
  },
};

describe('config parsing', () => {
  it('uses defaults when nothing is given', () => {
    const { config, positionals } = parseConfig(spec, [], {});
    assert.deepEqual(config, { listenPort: 51822, mode: 'auto', interval: 30_000, servers: [], verbose: false, address: '127.0.0.1:0', nodeName: '' });
    assert.deepEqual(positionals, []);
  });

  it('takes flags over env over defaults, in both --x=v and --x v forms', () => {
    const env = { WIREKUBE_TEST_LISTEN_PORT: '1000', WIREKUBE_TEST_MODE: 'never', NODE_NAME: 'node-a' };
    const { config, positionals } = parseConfig(spec, ['serve', '--listen-port=2000', '--interval', '5s', '--servers', 'a:1, b:2', '--verbose'], env);
    assert.equal(config.listenPort, 2000);
    assert.equal(config.mode, 'never');
    assert.equal(config.interval, 5000);
    assert.deepEqual(config.servers, ['a:1', 'b:2']);
    assert.equal(config.verbose, true);
    assert.equal(config.nodeName, 'node-a');
    assert.deepEqual(positionals, ['serve']);
  });

  it('rejects bad values naming the flag or env variable and the reason, all at once', () => {
    const err = catchConfigError(() =>
      parseConfig(spec, ['--listen-port', '70000', '--mode=sometimes', '--interval=fast', '--servers=a:1,nope', '--bogus', '--verbose=maybe'], { NODE_NAME: 'Bad_Name' }),
    );
    assert.deepEqual(err.problems, [
      '--bogus: unknown flag',
      '--listen-port: 70000 is above the maximum 65535',
      '--mode: "sometimes" is not one of auto, always, never',
      '--interval: "fast" is not a duration (examples: 500ms, 5s, 2m)',
      '--servers: "nope" is not host:port',
      '--verbose: "maybe" is not a boolean (true/false)',
      'NODE_NAME: "Bad_Name" is not a DNS-1123 name',
    ]);
  });

  it('reports a flag given without its value and suggests near names', () => {
    assert.deepEqual(catchConfigError(() => parseConfig(spec, ['--address'], {})).problems, ['--address: missing value']);
    assert.match(catchConfigError(() => parseConfig(spec, ['--port=1'], {})).problems[0], /did you mean --listen-port/);
  });

  it('prints every flag with its env variable and default in --help', () => {
    assert.throws(() => parseConfig(spec, ['--help'], {}), HelpRequested);
    const text = helpText(spec);
    for (const line of ['--listen-port <value>', 'env: WIREKUBE_TEST_LISTEN_PORT   default: 51822', 'env: NODE_NAME   default: ""', '--verbose\n', 'default: 30000ms']) {
      assert.ok(text.includes(line), `help lacks ${JSON.stringify(line)}:\n${text}`);
    }
  });
});

function catchConfigError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  assert.fail('expected a ConfigError');
}
