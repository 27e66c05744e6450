import { Global, Module } from '@nestjs/common';
import { GradingMetrics } from './grading-metrics';

/** GradingMetrics for every feature of grading (global: one set of series per registry). */
@Global()
@Module({ providers: [GradingMetrics], exports: [GradingMetrics] })
export class GradingMetricsModule {}
