import { Controller, Get, Inject, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiTags, ApiUnauthorizedResponse } from '@nestjs/swagger';
import { PG_POOL, PLATFORM, SERVICE_NAMES, type Platform } from '@holdfast/service-kit';
import type { Pool } from 'pg';
import { ApiTokenGuard } from '../api-tokens/api-token.guard';
import { ApiIndexDto, ErrorResponseDto, SystemInfoDto } from './system-info.dto';
import { holdfastVersion } from './holdfast-version';

@ApiTags('system')
@Controller('api/v1')
export class ApiIndexController {
  @Get()
  @ApiOperation({ summary: 'Entry point of the API: version and where the OpenAPI document is' })
  @ApiOkResponse({ type: ApiIndexDto })
  index(): ApiIndexDto {
    return { product: 'holdfast', version: holdfastVersion(), docs: '/api/docs' };
  }
}

@ApiTags('system')
@ApiBearerAuth()
@ApiUnauthorizedResponse({ type: ErrorResponseDto, description: 'Missing, malformed or invalid API token' })
@UseGuards(ApiTokenGuard)
@Controller('api/v1/system')
export class SystemController {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(PLATFORM) private readonly platform: Platform,
    @Inject(SERVICE_NAMES) private readonly services: readonly string[],
  ) {}

  @Get('info')
  @ApiOperation({ summary: 'What runs here: version, namespace, services, bus and database' })
  @ApiOkResponse({ type: SystemInfoDto })
  async info(): Promise<SystemInfoDto> {
    const db = await this.pool.query<{ name: string; version: string }>(
      `SELECT current_database() AS name, current_setting('server_version') AS version`,
    );
    return {
      product: 'holdfast',
      version: holdfastVersion(),
      namespace: this.platform.namespace,
      services: [...this.services],
      bus: this.platform.bus.kind,
      database: { name: db.rows[0].name, serverVersion: db.rows[0].version },
      node: process.version,
      uptimeSeconds: Math.round(process.uptime()),
      time: new Date().toISOString(),
    };
  }
}
