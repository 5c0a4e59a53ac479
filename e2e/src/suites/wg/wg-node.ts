import type { DeviceConfig, WgKey } from '@wirekube/wg';
import { generatePrivateKey, publicKeyOf, UapiBackend, WireguardGoSupervisor, WireGuardDevice } from '@wirekube/wg';
import type { LabHost } from '../../lab';

/** Interface and port every lab node uses. */
export const IFACE = 'wk0';
export const PORT = 51822;

/** One node: wireguard-go supervised by our code inside the lab host, driven over UAPI. */
export class WgNode {
  readonly key = generatePrivateKey();
  readonly pub = publicKeyOf(this.key);
  readonly backend: UapiBackend;
  readonly device: WireGuardDevice;
  readonly sup: WireguardGoSupervisor;
  restarted = 0;

  constructor(
    readonly host: LabHost,
    readonly meshIp: string,
  ) {
    this.sup = new WireguardGoSupervisor({
      iface: IFACE,
      wrap: (argv) => host.wrap(argv),
      socketDir: host.wgDir,
      restartBackoff: { initialMs: 50, maxMs: 500 },
      onRestart: () => this.restarted++,
    });
    this.backend = new UapiBackend({ iface: IFACE, socketDir: host.wgDir });
    this.device = new WireGuardDevice({ backend: this.backend });
  }

  async start(): Promise<void> {
    await this.sup.start();
    await this.linkUp();
  }

  /** Gives the interface its mesh address and brings it up (what LinkApplier does in the agent). */
  async linkUp(): Promise<void> {
    await this.host.sh(`ip addr replace ${this.meshIp}/24 dev ${IFACE} && ip link set ${IFACE} up`);
  }

  config(peer: WgNode, endpoint: string, extraIps: string[] = []): DeviceConfig {
    return {
      privateKey: this.key,
      listenPort: PORT,
      fwmark: 0x574b,
      peers: [{ publicKey: peer.pub, endpoint, allowedIps: [`${peer.meshIp}/32`, ...extraIps] }],
    };
  }

  async peer(pub: WgKey) {
    return (await this.backend.get()).peers.find((p) => p.publicKey.equals(pub));
  }

  async stop(): Promise<void> {
    await this.backend.close();
    await this.sup.stop();
  }
}

