import type { FastifyInstance } from 'fastify';
import { ExportParams } from '@graminsta/contracts';
import type { Services } from '@graminsta/core';
import { requireUser } from '../auth.ts';

/**
 * GET /api/v1/me/exports/:id — the owner's zip, streamed. Outside the endpoint table, whose entries
 * answer JSON: this one answers bytes, to a link a signed-in browser follows (its cookie, or a token).
 */
export const EXPORT_DOWNLOAD_PATH = '/api/v1/me/exports/:id';

export function registerExportDownload(app: FastifyInstance, services: Services): void {
  app.get(
    EXPORT_DOWNLOAD_PATH,
    { schema: { params: ExportParams }, config: { auth: 'required' } },
    async (request, reply) => {
      const { id } = request.params as ExportParams;
      const zip = await services.accountData.downloadExport(requireUser(request), id);
      return reply
        .type('application/zip')
        .header('content-length', zip.size)
        .header('content-disposition', `attachment; filename="${zip.fileName}"`)
        .header('cache-control', 'private, no-store')
        .send(zip.body);
    },
  );
}
