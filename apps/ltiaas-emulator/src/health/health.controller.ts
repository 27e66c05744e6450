import { Controller, Get } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';

export interface HealthReport {
  status: 'ok';
  info: Record<string, { status: 'up' }>;
  error: Record<string, never>;
  details: Record<string, { status: 'up' }>;
}

/** Terminus-shaped probes. Everything lives in memory, so being able to answer is being ready. */
@ApiTags('health')
@Controller('health')
export class HealthController {
  @Get('live')
  live(): HealthReport {
    return report();
  }

  @Get('ready')
  ready(): HealthReport {
    return report();
  }
}

function report(): HealthReport {
  const up = { emulator: { status: 'up' as const } };
  return { status: 'ok', info: up, error: {}, details: up };
}
