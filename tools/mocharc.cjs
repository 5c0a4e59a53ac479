// Shared mocha settings: TypeScript through tsx, generous default timeout for service tests.
module.exports = {
  require: ['tsx/cjs'],
  timeout: 20000,
  exit: true,
};
