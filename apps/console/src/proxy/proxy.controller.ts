import { All, Controller, Param, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ProxyService } from './proxy.service';

/** /api/vault/* and /api/grading/*: the page's only way out. */
@ApiExcludeController()
@Controller('api')
export class ProxyController {
  constructor(private readonly proxy: ProxyService) {}

  @All(':upstream/*')
  async forward(@Param('upstream') upstream: string, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const prefix = `/api/${upstream}`;
    const answer = await this.proxy.forward({
      upstream,
      method: request.method,
      pathAndQuery: request.url.slice(prefix.length),
      authorization: request.headers.authorization,
      body: request.body ?? undefined,
      requestId: String(request.id),
      clientAddress: request.ip,
    });
    await reply.status(answer.status).header('content-type', answer.contentType).header('cache-control', 'no-store').send(answer.body);
  }
}
