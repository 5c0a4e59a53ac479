export { assertHelpListsEveryFlag, assertRejectsConfig, checkConfig } from './cli';
