import { Module } from '@nestjs/common';
import { GradingMetrics } from './grading-metrics';

/** GradingMetrics for the features that count job runs and roster refreshes (one set of series: modules are singletons). */
@Module({ providers: [GradingMetrics], exports: [GradingMetrics] })
export class GradingMetricsModule {}
