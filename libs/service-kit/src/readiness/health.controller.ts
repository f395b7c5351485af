import { Controller, Get, Inject, Req, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { getTelemetry } from '@holdfast/telemetry';
import type { Request, Response } from 'express';
import { ReadinessRegistry } from './readiness.registry';

export const SERVICE_NAMES = Symbol('holdfast.service-names');

/** Liveness, readiness and the Prometheus scrape, the same in every process. */
@ApiExcludeController()
@Controller()
export class HealthController {
  constructor(
    private readonly readiness: ReadinessRegistry,
    @Inject(SERVICE_NAMES) private readonly services: readonly string[],
  ) {}

  /** Liveness: the process answers. It never checks dependencies (a restart would not fix them). */
  @Get('health')
  health() {
    return { status: 'ok', services: this.services, uptimeSeconds: Math.round(process.uptime()) };
  }

  /** Readiness: every registered probe passes; 503 with the failing ones otherwise. */
  @Get('ready')
  async ready(@Res() res: Response) {
    const report = await this.readiness.check();
    res.status(report.ready ? 200 : 503).json({ status: report.ready ? 'ready' : 'not_ready', checks: report.checks });
  }

  @Get('metrics')
  metrics(@Req() req: Request, @Res() res: Response) {
    const telemetry = getTelemetry();
    if (!telemetry) {
      res.status(503).type('text/plain').send('# telemetry not started\n');
      return;
    }
    telemetry.handleMetricsRequest(req, res);
  }
}
