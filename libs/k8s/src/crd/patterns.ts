/**
 * RE2-compatible patterns used in the CRD schemas. They catch malformed text at admission; the
 * semantic checks that a pattern cannot express (host bits, overlaps) live in `validate/`.
 */

const OCTET = '(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])';
const IPV4 = `(${OCTET}\\.){3}${OCTET}`;
// Loose on purpose: the exact IPv6 grammar is checked by parseCidr; the pattern keeps junk out.
const IPV6 = '[0-9a-fA-F]{0,4}(:[0-9a-fA-F]{0,4}){2,7}(:' + IPV4 + ')?';
const PORT = '([1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5])';
const DNS_NAME = '[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*';

/** An IPv4 or IPv6 address. */
export const IP_PATTERN = `^(${IPV4}|${IPV6})$`;
/** An IPv4 CIDR (`/0`–`/32`) or an IPv6 CIDR (`/0`–`/128`). */
export const CIDR_PATTERN = `^(${IPV4}/([0-9]|[12][0-9]|3[0-2])|${IPV6}/([0-9]|[1-9][0-9]|1[01][0-9]|12[0-8]))$`;
/** `host:port` with a DNS name, an IPv4 address or a bracketed IPv6 address. */
export const HOST_PORT_PATTERN = `^(${DNS_NAME}|\\[${IPV6}\\]):${PORT}$`;
/** A health-check target: `host` or `host:port`. */
export const HOST_OPTIONAL_PORT_PATTERN = `^(${DNS_NAME}|\\[${IPV6}\\]|${IPV6})(:${PORT})?$`;
/** A WireGuard key: base64 of 32 bytes (44 characters, the last data character limited by padding). */
export const WG_KEY_PATTERN = '^[A-Za-z0-9+/]{42}[AEIMQUYcgkosw048]=$';
/** A Kubernetes object name (RFC 1123 subdomain). */
export const OBJECT_NAME_PATTERN = '^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$';
/** A network interface name (Linux IFNAMSIZ − 1). */
export const INTERFACE_NAME_PATTERN = '^[A-Za-z0-9_][A-Za-z0-9_.-]{0,14}$';
/** A condition reason: CamelCase identifier, as metav1.Condition requires. */
export const CONDITION_REASON_PATTERN = '^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$';
