import { credentials, makeClientConstructor, type Client, type ServiceError } from '@grpc/grpc-js';
import { service as healthService, type ServingStatus } from 'grpc-health-check';

const HealthClient = makeClientConstructor(healthService, 'grpc.health.v1.Health');
type HealthCheck = Client & {
  check(req: { service: string }, opts: { deadline: number }, cb: (err: ServiceError | null, res?: { status: ServingStatus }) => void): void;
};

/**
 * Asks a gRPC server's `grpc.health.v1.Health/Check` for `service` ("" = the whole server).
 * Resolves with the status, or rejects with the gRPC error (e.g. UNAVAILABLE once it stopped).
 */
export function checkHealth(address: string, service = '', timeoutMs = 2000): Promise<ServingStatus> {
  const client = new HealthClient(address, credentials.createInsecure()) as unknown as HealthCheck;
  return new Promise<ServingStatus>((resolve, reject) => {
    client.check({ service }, { deadline: Date.now() + timeoutMs }, (err, res) => {
      client.close();
      if (err) reject(err);
      else resolve(res?.status ?? 'UNKNOWN');
    });
  });
}
