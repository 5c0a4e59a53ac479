import { WireKubeError } from '@wirekube/util';

/**
 * A relay connection failed or was refused. `code` is the relay's ERROR/SessionError code when it
 * sent one ("auth-failed", "replaced", "register-timeout", ...), else a local one ("timeout",
 * "closed", "connect-failed").
 */
export class RelayClientError extends WireKubeError {}
