/** What differs between one deployment of Graminsta and another. */
export interface ManifestOptions {
  namespace: string;
  /** The image built from the root Dockerfile. */
  image: string;
  /** The public host name: the web client, the API, storage and the socket all live under it. */
  host: string;
  ingressClassName: string;
  /** TLS certificate Secret for the host (e.g. made by cert-manager); null serves plain HTTP. */
  tlsSecretName: string | null;
  /** A ReadWriteMany storage class for the shared blob volume (null: the cluster default). */
  blobsStorageClassName: string | null;
  blobsSize: string;
}

export const DEFAULT_OPTIONS: ManifestOptions = {
  namespace: 'graminsta',
  image: 'registry.example.com/graminsta:latest',
  host: 'graminsta.example.com',
  ingressClassName: 'nginx',
  tlsSecretName: 'graminsta-tls',
  blobsStorageClassName: null,
  blobsSize: '50Gi',
};

export function publicUrl(opts: ManifestOptions): string {
  return `${opts.tlsSecretName ? 'https' : 'http'}://${opts.host}`;
}
