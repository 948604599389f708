import type { Role } from '@graminsta/platform';
import { ROLE_TRAITS } from '@graminsta/topology';
import type { IIngress } from 'kubernetes-models/networking.k8s.io/v1/Ingress';
import type { IService } from 'kubernetes-models/v1/Service';
import type { ManifestOptions } from './options.ts';
import { HTTP_PORT_NAME, PRODUCTION_ROLES, labels, roleName, selectorLabels } from './roles.ts';

/** The roles behind a Service: those whose routes the ingress reaches. */
export const SERVICE_ROLES = PRODUCTION_ROLES.filter((role) => ROLE_TRAITS[role].public);
export const SERVICE_PORT = 80;

export function service(role: Role, opts: ManifestOptions): IService {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: roleName(role), namespace: opts.namespace, labels: labels(role) },
    spec: {
      type: 'ClusterIP',
      selector: selectorLabels(role),
      ports: [{ name: HTTP_PORT_NAME, port: SERVICE_PORT, targetPort: HTTP_PORT_NAME, protocol: 'TCP' }],
    },
  };
}

const NGINX = 'nginx.ingress.kubernetes.io';

interface Route {
  path: string;
  role: Role;
  exact?: boolean;
}

/**
 * One host, split in three Ingresses because ingress-nginx annotations apply to a whole Ingress:
 * the socket needs long timeouts, and the metrics every pod serves are for the in-cluster scraper
 * only. No photo byte passes here: clients upload to the bucket and fetch from the CDN.
 */
export function ingresses(opts: ManifestOptions): IIngress[] {
  const ingress = (suffix: string, routes: Route[], annotations: Record<string, string>): IIngress => ({
    apiVersion: 'networking.k8s.io/v1',
    kind: 'Ingress',
    metadata: {
      name: suffix ? `graminsta-${suffix}` : 'graminsta',
      namespace: opts.namespace,
      labels: { 'app.kubernetes.io/name': 'graminsta', 'app.kubernetes.io/part-of': 'graminsta' },
      annotations,
    },
    spec: {
      ingressClassName: opts.ingressClassName,
      ...(opts.tlsSecretName ? { tls: [{ hosts: [opts.host], secretName: opts.tlsSecretName }] } : {}),
      rules: [
        {
          host: opts.host,
          http: {
            paths: routes.map(({ path, role, exact }) => ({
              path,
              pathType: exact ? 'Exact' : 'Prefix',
              backend: { service: { name: roleName(role), port: { name: HTTP_PORT_NAME } } },
            })),
          },
        },
      ],
    },
  });
  const redirect: Record<string, string> = opts.tlsSecretName ? { [`${NGINX}/ssl-redirect`]: 'true' } : {};
  return [
    ingress(
      '',
      [
        { path: '/api', role: 'api' },
        { path: '/', role: 'web' },
      ],
      // The API refuses bodies over 64 KiB itself; photos never pass through it.
      { ...redirect, [`${NGINX}/proxy-body-size`]: '1m' },
    ),
    ingress('realtime', [{ path: '/ws', role: 'realtime' }], {
      ...redirect,
      // Sockets live for hours; the server pings every 30 s, so only a dead peer goes quiet.
      [`${NGINX}/proxy-read-timeout`]: '3600',
      [`${NGINX}/proxy-send-timeout`]: '3600',
    }),
    // Without this, "/" would hand any visitor the web pods' /metrics; Prometheus scrapes pods directly.
    ingress('private', [{ path: '/metrics', role: 'web', exact: true }], {
      ...redirect,
      [`${NGINX}/denylist-source-range`]: '0.0.0.0/0,::/0',
    }),
  ];
}
