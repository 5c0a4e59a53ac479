export { FakeClock } from './fake-clock';
