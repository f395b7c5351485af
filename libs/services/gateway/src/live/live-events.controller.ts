import { Controller, Get, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { CurrentPrincipal } from '../rbac/current-principal.decorator';
import { RequirePermission } from '../rbac/permissions.decorator';
import { scopeAllows, type Principal } from '../rbac/roles';
import { LiveEventHub } from './live-event.hub';

const KEEPALIVE_MS = 25_000;

/** Server-sent events: what happens in the caller's tenants, as it happens. */
@ApiTags('live')
@ApiBearerAuth()
@Controller('api/v1/events')
export class LiveEventsController {
  constructor(private readonly hub: LiveEventHub) {}

  @Get()
  @RequirePermission('events.read')
  @ApiOperation({ summary: 'text/event-stream of events of the tenants the caller reaches (event: <type>, data: JSON)' })
  @ApiProduces('text/event-stream')
  stream(@CurrentPrincipal() p: Principal, @Req() req: Request, @Res() res: Response): void {
    res.status(200);
    res.setHeader('content-type', 'text/event-stream; charset=utf-8');
    res.setHeader('cache-control', 'no-store');
    res.setHeader('x-accel-buffering', 'no');
    res.flushHeaders();
    res.write(`: connected\n\n`);
    const remove = this.hub.listen(
      (tenantId) => scopeAllows(p.scope, tenantId),
      (e) => res.write(`id: ${e.id}\nevent: ${e.type}\ndata: ${JSON.stringify(e)}\n\n`),
    );
    const keepalive = setInterval(() => res.write(`: keepalive\n\n`), KEEPALIVE_MS);
    keepalive.unref();
    const stop = () => {
      clearInterval(keepalive);
      remove();
    };
    req.on('close', stop);
    res.on('close', stop);
  }
}
