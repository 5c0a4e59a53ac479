export { assertHelpListsEveryFlag, assertRejectsConfig } from './cli';
