import { Registry } from 'prom-client';
import { endpointOf, GradingMetrics } from './grading-metrics';

describe('GradingMetrics', () => {
  it('names LTIAAS endpoints without ids, so label values stay few', () => {
    expect(endpointOf('/api/lineitems/https%3A%2F%2Flms%2Fli%2F7/scores')).toBe('scores');
    expect(endpointOf('/api/lineitems/abc')).toBe('lineitems');
    expect(endpointOf('/api/lineitems?resourceLinkId=x')).toBe('lineitems');
    expect(endpointOf('/api/memberships?url=https%3A%2F%2Fnext')).toBe('memberships');
    expect(endpointOf('/api/idtoken')).toBe('idtoken');
    expect(endpointOf('/api/platforms/123')).toBe('other');
  });

  it('counts job runs by outcome and times LTIAAS calls', async () => {
    const registry = new Registry();
    const metrics = new GradingMetrics(registry);
    metrics.jobRun('grade-sync', 'succeeded', 12);
    metrics.jobRun('grade-sync', 'skipped');
    metrics.ltiaasResponse({ requestId: 'r', method: 'GET', path: '/api/memberships', status: 200, durationMs: 20, rateLimitRemaining: undefined });
    metrics.rosterContext('refreshed', 500, 2);
    const page = await registry.metrics();
    expect(page).toContain('grading_job_runs_total{job="grade-sync",outcome="succeeded"} 1');
    expect(page).toContain('grading_job_runs_total{job="grade-sync",outcome="skipped"} 1');
    expect(page).toContain('grading_job_duration_seconds_count{job="grade-sync"} 1');
    expect(page).toContain('grading_ltiaas_request_duration_seconds_count{endpoint="memberships",method="GET",status="200"} 1');
    expect(page).toContain('grading_roster_members_total{outcome="seen"} 500');
    expect(page).toContain('grading_roster_members_total{outcome="deactivated"} 2');
  });
});
