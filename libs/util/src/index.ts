export { type Clock, type TimerHandle, systemClock } from './clock';
export { type Rng, cryptoRng, seededRng } from './rng';
export { type BackoffOptions, backoffDelay } from './backoff';
export { WireKubeError, errorMessage } from './errors';
export { memoByObject, memoByText } from './memo';
export { type Logger, type LogFields, nullLogger } from './logger';
